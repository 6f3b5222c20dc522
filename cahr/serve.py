"""``kg serve``: placeholder until the endpoint lands (see the server issue)."""

from __future__ import annotations

import argparse


def add_serve_command(commands) -> None:  # type: ignore[no-untyped-def]
    serve = commands.add_parser("serve", help="serve the built graph over HTTP")
    serve.set_defaults(run=_serve)


def _serve(args: argparse.Namespace) -> int:
    from cahr.errors import InputError

    raise InputError("kg serve is not available yet: query the built graph with `kg query`")
