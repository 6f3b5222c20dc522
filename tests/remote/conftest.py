"""Fixtures of the remote-store tests: real SPARQL servers loaded from the session's build
(Oxigraph server and Virtuoso, ``remote_endpoint`` runs a test on each), and the server
tests' ``make_app``."""

from collections.abc import Iterator

import pytest

from tests.remote.oxigraph import oxigraph_endpoint  # noqa: F401 (a fixture)
from tests.remote.virtuoso import virtuoso_endpoint  # noqa: F401 (a fixture)
from tests.server.conftest import make_app  # noqa: F401 (a fixture)

ENDPOINTS = ("oxigraph", "virtuoso")


@pytest.fixture(scope="session", params=ENDPOINTS)
def remote_endpoint(request: pytest.FixtureRequest) -> Iterator[str]:
    """The query URL of each engine in turn, holding the session's build."""
    yield request.getfixturevalue(f"{request.param}_endpoint")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The protocol tests Virtuoso answers otherwise are strict xfails, with the reason."""
    from tests.remote.test_protocol_virtuoso import DIFFERS

    for item in items:
        module = getattr(item, "module", None)
        if module is not None and module.__name__.endswith("test_protocol_virtuoso"):
            if item.name in DIFFERS:
                item.add_marker(pytest.mark.xfail(strict=True, reason=DIFFERS[item.name]))
