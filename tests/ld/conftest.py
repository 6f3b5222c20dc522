"""Fixtures of the linked-data tests: the app on the session's build, its IRIs, a browser.

``ld_app``/``ld_client`` run the pages in-process (Flask's test client) on the
oxigraph store, the default engine. ``iris`` is every ``https://w3id.org/cahr/``
IRI that the built dataset uses, read from ``dataset.nq`` independently of
the server. ``browser`` is Debian's Chromium driven by Playwright, headless
and offline.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset, URIRef

from cahr.iris import BASE
from cahr.server import create_app
from tests.server.conftest import served

CHROMIUM = "/usr/bin/chromium"
# Headless, offline and quiet: no first-run page, no component or sync traffic.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture(scope="session")
def ld_app(dist: Path) -> Iterator[Flask]:
    made = create_app({"dist": str(dist)})
    yield made
    served(made).close()


@pytest.fixture
def ld_client(ld_app: Flask) -> FlaskClient:
    return ld_app.test_client()


@pytest.fixture(scope="session")
def dataset(dist: Path) -> Dataset:
    """The built dataset as rdflib reads it: the reference the pages are checked against."""
    found = Dataset()
    found.parse(dist / "dataset.nq", format="nquads")
    return found


@pytest.fixture(scope="session")
def iris(dataset: Dataset) -> list[str]:
    """Every CAHR IRI in the dataset: subjects, predicates, objects and graph names."""
    found: set[str] = set()
    for quad in dataset.quads((None, None, None, None)):
        for term in quad:
            identifier = getattr(term, "identifier", term)
            if isinstance(identifier, URIRef) and str(identifier).startswith(BASE):
                found.add(str(identifier))
    return sorted(found)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (never a browser Playwright downloads)."""
    if shutil.which("chromium") is None and not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: `apt-get install chromium` (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def save_screenshot(page: Any, name: str) -> Path:
    """The whole page as a PNG in tests/artifacts/ (git-ignored); with
    CAHR_UPDATE_SCREENSHOTS=1 also what a screen shows of it (the viewport) in
    docs/img/, for the README. A plain test run never rewrites tracked files."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("CAHR_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_IMG / name), full_page=False)
    return path
