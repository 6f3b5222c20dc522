# CAHR-KG. `make run` and `make test` each do the whole set-up on a fresh
# machine: install the Debian packages they need when missing, create the venv,
# install the pinned dependencies, build dist/.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
NPM    ?= npm
# The query UI (YASGUI) from the npm lockfile; served from node_modules/ by the server, never a CDN.
YASGUI := node_modules/@zazuko/yasgui/build/yasgui.min.js

# System tools from Debian's packages, as command:package. Each is installed (apt-get, as
# root) only when its command is missing; `make run` needs the first list, `make test` both.
RUN_TOOLS  := dot:graphviz npm:npm
TEST_TOOLS := chromium:chromium java:default-jre-headless nginx:nginx-light
# Virtuoso for `kg serve --store` (docs/deploy.md): the server and isql of Debian's
# virtuoso-opensource, without its system service (which would listen on every interface).
VIRTUOSO_TOOLS := virtuoso-t:virtuoso-opensource-7-bin
APT_GET ?= apt-get

# $(call debian,command:package ...): install the packages whose command is not on PATH.
define debian
	@missing=""; for pair in $(1); do \
	  command -v "$${pair%%:*}" >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "missing Debian packages:$$missing; install them: sudo $(APT_GET) install$$missing" >&2; \
	    exit 1; \
	  fi; \
	  echo "installing from Debian:$$missing"; \
	  $(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq $$missing >/dev/null; \
	fi
endef

.DEFAULT_GOAL := help

system: ## install the Debian packages that building and serving need (Graphviz, npm)
	$(call debian,$(RUN_TOOLS))

system-test: system virtuoso ## also those the tests need (Chromium, Java for the DL check, nginx, Virtuoso)
	$(call debian,$(TEST_TOOLS))

virtuoso: ## install Virtuoso Open Source 7 from Debian when missing (virtuoso-t, isql-vt)
	$(call debian,$(VIRTUOSO_TOOLS))

# Every package the venv holds, transitive ones included, at the version in constraints.txt
# (written by `make lock`), so that two installs are the same install.
PIP_INSTALL = $(BIN)/python -m pip install --quiet --constraint constraints.txt

$(BIN)/kg: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip
	$(PIP_INSTALL) -e '.[test]'
	touch $(BIN)/kg

install: $(BIN)/kg ## create the venv and install the project with its pinned dependencies

$(YASGUI): package.json package-lock.json | system
	$(NPM) ci --ignore-scripts --no-audit --no-fund
	touch $(YASGUI)

assets: $(YASGUI) ## install the query UI (YASGUI) from package-lock.json into node_modules/

build: system install assets ## parse, reason, validate and export the graph to dist/
	$(BIN)/kg build

run: build ## build, then serve the graph at http://$(HOST):$(PORT)/
	$(BIN)/kg serve --host $(HOST) --port $(PORT)

test: system-test build ## build, then run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: build ## the tests not marked slow (no fuzzing, no DL reasoner, no broken builds)
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: install ## ruff (lint, formatting) and mypy (strict on cahr/, lenient on server/)
	$(BIN)/ruff check cahr server tests benchmarks
	$(BIN)/ruff format --check cahr server tests benchmarks
	$(BIN)/mypy
	$(BIN)/mypy server

validate: install ## validate without writing dist/, and print the report
	$(BIN)/kg validate

growth: install ## growth curves at 1x, 10x, 100x the graph (~10 min) -> benchmarks/GROWTH.md
	$(BIN)/python -m benchmarks.growth $(GROWTH_ARGS)

bench: build ## load benchmark: kg serve vs Oxigraph server vs rdflib-endpoint (~10 min) -> benchmarks/RESULTS.md
	$(PIP_INSTALL) -e '.[test,bench]'
	command -v wrk >/dev/null || apt-get install -y wrk
	$(BIN)/python -m benchmarks.load $(BENCH_ARGS)

screenshots: build ## run the browser tests and copy their screenshots and the diagram into docs/img/
	CAHR_UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/ld/test_browser.py tests/ld/test_browser_views.py tests/ld/test_browser_phone.py $(PYTEST_ARGS)

lock: ## re-resolve every dependency (all extras) in a fresh venv and write constraints.txt
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[test,bench]'
	( echo "# Written by \`make lock\` from pyproject.toml: every package of every extra, pinned."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable --all --exclude setuptools ) > constraints.txt
	rm -rf .lock-venv

clean: ## remove dist/ and caches (not the venv)
	rm -rf dist .pytest_cache .ruff_cache

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

.PHONY: system system-test virtuoso install assets build run test test-fast lint validate growth bench screenshots lock clean help
