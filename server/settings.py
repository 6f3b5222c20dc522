"""Every setting of the server, with its default and help text, in one place.

``kg serve`` options are generated from this table, ``create_app`` reads it,
``CAHR_<NAME>`` environment variables override it, and a test checks that
docs/settings.md lists every entry.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

from cahr.errors import SettingError
from cahr.store import ENGINES

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Setting:
    """One setting: its default (whose type is the setting's), help, and the values it accepts.

    ``choices`` lists the accepted strings; ``minimum`` and ``maximum`` bound a
    number (``minimum`` is excluded when ``above`` is set: a timeout must be
    more than 0).
    """

    name: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    above: bool = False

    @property
    def env(self) -> str:
        return f"CAHR_{self.name.upper()}"

    @property
    def option(self) -> str:
        """The option of ``kg serve``: ``--query-timeout``."""
        return f"--{self.name.replace('_', '-')}"

    @property
    def accepted(self) -> str:
        """The values accepted, in words: ``an integer from 0 to 65535``."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if isinstance(self.default, bool):
            return "true or false (1/0, yes/no, on/off)"
        if not isinstance(self.default, int | float):
            return "a string"
        kind = "an integer" if isinstance(self.default, int) else "a number"
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            return f"{kind} from {low:g} to {high:g}"
        if low is not None:
            return f"{kind} greater than {low:g}" if self.above else f"{kind} of at least {low:g}"
        if high is not None:
            return f"{kind} of at most {high:g}"
        return kind

    def parse(self, raw: str, label: str | None = None) -> Any:
        """Convert an environment or command-line string to the default's type, and check it.

        :param label: what to call the value in a message (default: the variable, CAHR_PORT).
        :raises SettingError: the string is not one of the accepted values.
        """
        text = raw.strip()
        value: Any = text
        try:
            if isinstance(self.default, bool):
                if text.lower() not in _TRUE | _FALSE:
                    raise ValueError(text)
                value = text.lower() in _TRUE
            elif isinstance(self.default, int):
                value = int(text)
            elif isinstance(self.default, float):
                value = float(text)
                if not math.isfinite(value):
                    raise ValueError(text)
        except ValueError:
            raise SettingError(label or self.env, raw, self.accepted) from None
        if not self.accepts(value):
            raise SettingError(label or self.env, raw, self.accepted)
        return value

    def accepts(self, value: Any) -> bool:
        """True if ``value`` (of the setting's type) is in its choices and bounds."""
        if self.choices and value not in self.choices:
            return False
        if isinstance(value, int | float) and not isinstance(value, bool):
            if self.minimum is not None and (
                value <= self.minimum if self.above else value < self.minimum
            ):
                return False
            if self.maximum is not None and value > self.maximum:
                return False
        return True


SETTINGS: list[Setting] = [
    Setting("dist", "dist", "the built dataset folder that the server loads at start"),
    Setting(
        "engine",
        "oxigraph",
        "the query engine behind the store interface: oxigraph (in memory, a copy per worker "
        "that its query processes share), oxigraph-disk (the build's on-disk store, opened "
        "read-only and shared by all processes through the page cache) or rdflib (the "
        "reference engine)",
        choices=ENGINES,
    ),
    Setting("host", "127.0.0.1", "the address to listen on"),
    Setting("port", 8000, "the port to listen on", minimum=0, maximum=65535),
    Setting(
        "workers", 4, "gunicorn worker processes, each with its own in-memory store", minimum=1
    ),
    Setting(
        "query_processes",
        3,
        "query processes per worker (they share the worker's in-memory store copy-on-write); "
        "all but one may run long queries, the last is kept for short ones",
        minimum=1,
    ),
    Setting(
        "query_queue",
        32,
        "queries per worker that may wait for a free query process, first come first served; one "
        "more gets 503 at once (while long queries hold all but the reserved process, the "
        "newest are served first and one more pushes the oldest out)",
        minimum=0,
    ),
    Setting(
        "query_wait",
        3.0,
        "the longest a query waits for a free query process, in seconds; then 503 with Retry-After",
        minimum=0,
    ),
    Setting(
        "long_query_after",
        0.3,
        "seconds after which a running query counts as long; one past that while the other "
        "processes of its worker run long queries is stopped with 503",
        minimum=0,
        above=True,
    ),
    Setting(
        "query_timeout",
        10.0,
        "seconds a query may run before it is stopped and answered with 503",
        minimum=0,
        above=True,
    ),
    Setting(
        "max_rows",
        10000,
        "the most result rows or triples a response carries; a cut is announced",
        minimum=1,
    ),
    Setting(
        "max_request_bytes",
        1_000_000,
        "the largest request body accepted; larger ones get 413",
        minimum=1,
    ),
    Setting(
        "cache_mb",
        64.0,
        "megabytes of successful responses each worker keeps for the build it serves "
        "(least recently used go first); 0 turns the cache off",
        minimum=0,
    ),
    Setting(
        "store",
        "",
        "the query URL of a SPARQL 1.1 endpoint loaded from the same dist/ (a remote store, "
        "instead of the embedded engine); empty: the embedded engine",
    ),
    Setting(
        "yasgui",
        "",
        "the folder of YASGUI's built files (yasgui.min.js, yasgui.min.css), which the query UI "
        "serves; empty: node_modules/@zazuko/yasgui/build in the project folder (make assets)",
    ),
]

BY_NAME = {s.name: s for s in SETTINGS}


def defaults() -> dict[str, Any]:
    """The settings with environment overrides applied (CAHR_QUERY_TIMEOUT=5, ...).

    :raises SettingError: a variable holds a value its setting does not accept.
    """
    values = {}
    for setting in SETTINGS:
        raw = os.environ.get(setting.env)
        values[setting.name] = setting.parse(raw) if raw is not None else setting.default
    return values
