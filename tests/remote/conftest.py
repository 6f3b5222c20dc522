"""Fixtures of the remote-store tests: a real Oxigraph server loaded from the session's build,
and the server tests' ``make_app``."""

from tests.remote.oxigraph import oxigraph_endpoint  # noqa: F401 (a fixture)
from tests.server.conftest import make_app  # noqa: F401 (a fixture)
