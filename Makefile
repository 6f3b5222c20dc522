# CAHR-KG. `make run` and `make test` each do the whole set-up on a fresh
# machine: create the venv, install the pinned dependencies, build dist/.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
NPM    ?= npm
# The query UI (YASGUI) from the npm lockfile; served from node_modules/ by the server, never a CDN.
YASGUI := node_modules/@zazuko/yasgui/build/yasgui.min.js

.DEFAULT_GOAL := help

$(BIN)/kg: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(BIN)/kg

install: $(BIN)/kg ## create the venv and install the project with its pinned dependencies

$(YASGUI): package.json package-lock.json
	$(NPM) ci --ignore-scripts --no-audit --no-fund
	touch $(YASGUI)

assets: $(YASGUI) ## install the query UI (YASGUI) from package-lock.json into node_modules/

build: install assets ## parse, reason, validate and export the graph to dist/
	$(BIN)/kg build

run: build ## build, then serve the graph at http://$(HOST):$(PORT)/
	$(BIN)/kg serve --host $(HOST) --port $(PORT)

test: build ## build, then run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install ## ruff: lint and check formatting
	$(BIN)/ruff check cahr server tests benchmarks
	$(BIN)/ruff format --check cahr server tests benchmarks

validate: install ## validate without writing dist/, and print the report
	$(BIN)/kg validate

growth: install ## growth curves at 1x, 10x, 100x the graph (~10 min) -> benchmarks/GROWTH.md
	$(BIN)/python -m benchmarks.growth $(GROWTH_ARGS)

bench: build ## load benchmark: kg serve vs Oxigraph server vs rdflib-endpoint (~10 min) -> benchmarks/RESULTS.md
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	command -v wrk >/dev/null || apt-get install -y wrk
	$(BIN)/python -m benchmarks.load $(BENCH_ARGS)

clean: ## remove dist/ and caches (not the venv)
	rm -rf dist .pytest_cache .ruff_cache

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

.PHONY: install assets build run test lint validate growth bench clean help
