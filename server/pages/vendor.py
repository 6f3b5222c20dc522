"""The result views' libraries, served from node_modules/ like YASGUI (never a CDN).

``make assets`` installs them from package-lock.json; each file served is
named here (``cahr.layout.VENDOR_FILES``), nothing else under node_modules/.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, Response, abort, send_file, url_for

from cahr.layout import VENDOR_FILES


def urls() -> dict[str, str]:
    """The URL of each vendor file, by its short name (for the page's script list)."""
    return {name: url_for("pages.vendor_asset", name=name) for name in VENDOR_FILES}


def register(bp: Blueprint, yasgui_dir: Callable[[], Path | None]) -> None:
    """Add ``/vendor/lib/<name>`` to ``bp``.

    :param yasgui_dir: YASGUI's build folder; the libraries sit in the same
        node_modules/ (three folders up: ``@zazuko/yasgui/build``).
    """

    @bp.route("/vendor/lib/<name>")
    def vendor_asset(name: str) -> Response:
        """One library file of the result views.

        :raise 404: not a file named in ``VENDOR_FILES``, or ``make assets`` has not run.
        """
        if name not in VENDOR_FILES:
            abort(404, description=f"the library files here are {', '.join(VENDOR_FILES)}")
        folder = yasgui_dir()
        path = folder.parents[2] / VENDOR_FILES[name] if folder is not None else None
        if path is None or not path.is_file():
            abort(
                404, description="the result views' libraries are not installed: run `make assets`"
            )
        return send_file(path, max_age=3600)
