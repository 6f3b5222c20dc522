"""The errors of CAHR-KG. The library raises them; only ``cahr.cli`` prints.

::

    CahrError                    exit 3 unless a subclass says otherwise
    ├── InputError               exit 2: bad input the user can fix
    │   ├── SourceError          a file and a position in it (file:line:column)
    │   ├── SettingError         a CAHR_* variable or option with a value it does not accept
    │   └── QuerySyntaxError     a SPARQL query the engine cannot parse
    ├── QueryRefused             a query that is valid but not allowed here
    ├── QueryTimeout             a query that ran past its time limit
    ├── StoreUnavailable         the remote store cannot be reached, or answered wrongly
    └── BuildFailed              exit 1: the graph does not conform (or is inconsistent)

Anything else that escapes is a bug: ``kg`` reports it in one line and exits 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class CahrError(Exception):
    """Base class; ``exit_code`` is what ``kg`` exits with."""

    exit_code = 3


class InputError(CahrError):
    """Input that the user can fix: a missing file, a bad argument."""

    exit_code = 2


class SourceError(InputError):
    """An error at a position in a file, printed like a compiler's."""

    def __init__(self, path: str, line: int | None, column: int | None, message: str) -> None:
        self.path, self.line, self.column, self.message = path, line, column, message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class SettingError(InputError, ValueError):
    """A setting given a value it does not accept; the message names the accepted ones.

    A ValueError too, so that a caller converting strings can catch the usual class.
    """

    def __init__(self, label: str, raw: str, accepted: str) -> None:
        self.label, self.raw, self.accepted = label, raw, accepted
        sep = " " if label.startswith("-") else "="
        super().__init__(f"{label}{sep}{raw!r} is not accepted: it must be {accepted}")


class QuerySyntaxError(InputError):
    """A query or update that does not parse; line and column are 1-based."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.message, self.line, self.column = message, line, column
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"line {self.line}, column {self.column}: {self.message}"


class QueryRefused(InputError):
    """A query this read-only, offline service will not run (updates, SERVICE, ...)."""


class QueryTimeout(CahrError):
    """A query that ran past its limit."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"the query ran longer than the limit of {seconds:g} s and was stopped")


class StoreUnavailable(CahrError):
    """The remote SPARQL store behind the endpoint could not answer (down, unreachable, broken)."""


@dataclass
class Problem:
    """One thing wrong with the graph, with where to look."""

    message: str
    path: str | None = None
    line: int | None = None
    focus: str | None = None
    property: str | None = None
    severity: str = "Violation"
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        where = self.path or ""
        if self.path and self.line:
            where += f":{self.line}"
        parts = [p for p in (where, self.severity) if p]
        head = ": ".join(parts)
        subject = " ".join(p for p in (self.focus, self.property) if p)
        return f"{head}: {subject}: {self.message}" if subject else f"{head}: {self.message}"


class BuildFailed(CahrError):
    """The graph was built but does not conform; nothing was exported."""

    exit_code = 1

    def __init__(self, problems: list[Problem], report_text: str = "") -> None:
        self.problems = problems
        self.report_text = report_text
        n = sum(1 for p in problems if p.severity == "Violation")
        super().__init__(f"{n} violation(s): the graph does not conform; dist/ was left as it was")
