"""Shared fixtures: the project layout and one build of the real graph per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cahr.layout import Layout
from cahr.pipeline.run import Built, build

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def layout() -> Layout:
    return Layout.at(ROOT)


@pytest.fixture(scope="session")
def built(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The real graph, built once into a temporary dist/ (the repository's dist/ is not touched)."""
    return build(layout, tmp_path_factory.mktemp("built") / "dist")


@pytest.fixture(scope="session")
def dist(built: Built) -> Path:
    return built.out


@pytest.fixture
def project_copy(layout: Layout, tmp_path: Path) -> Layout:
    """A throw-away copy of the project's data folders, for tests that break things."""
    for folder in ("ontology", "kg", "shapes", "sources"):
        shutil.copytree(layout.root / folder, tmp_path / folder)
    return Layout.at(tmp_path)


# Fixtures that start a real server process (gunicorn, Oxigraph server, Chromium): the tests
# that use them carry the ``server`` mark without having to say so (``-m "not server"``).
SERVER_FIXTURES = {"live_server", "oxigraph_endpoint", "virtuoso_endpoint", "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        on_remote = callspec is not None and callspec.params.get("app") == "remote"
        if fixtures & SERVER_FIXTURES or on_remote:
            item.add_marker(pytest.mark.server)


# A test run never writes tracked files (screenshots go to tests/artifacts/, which git
# ignores; `make screenshots` updates docs/img/ on purpose): the suite fails if it did.
def _tracked_changes() -> str | None:
    import subprocess

    try:
        done = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_BEFORE] = _tracked_changes()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    before, after = session.config.stash.get(_BEFORE, None), _tracked_changes()
    if before is not None and after is not None and after != before:
        session.config.get_terminal_writer().line(
            f"the tests changed tracked files:\n{after}", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_BEFORE = pytest.StashKey[str | None]()
