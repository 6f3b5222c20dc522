"""``kg serve``: serve the built graph over HTTP.

The options are generated from the settings table (``cahr.server.settings``),
so the command line, the ``CAHR_*`` variables and docs/settings.md name the
same things, and accept the same values (each setting's ``choices`` and
bounds). The library raises, the CLI reports: a missing build or a bad
``CAHR_*`` value is an ``InputError`` before any server starts, and so is a remote store
(``--store URL``) that cannot be reached or holds another build.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

RELOAD_NOTE = """a new build, without dropping a request:
  after `kg build` has written a new dist/, send SIGHUP to the master process
  (kill -HUP PID; PID is in the "Listening at" line). gunicorn starts workers on
  the new build, then lets the old ones finish their requests and stop. A failed
  build leaves dist/ as it was, and the served data with it. Stop with Ctrl-C."""


def add_serve_command(commands: Any) -> None:
    """Add ``kg serve`` to the sub-commands of ``kg``: one option per setting."""
    from cahr.server.settings import SETTINGS

    serve = commands.add_parser(
        "serve",
        help="serve the built graph over HTTP (SPARQL endpoint, pages, dumps)",
        description="Serve the built graph at http://HOST:PORT/, its SPARQL endpoint at /sparql.",
        epilog=RELOAD_NOTE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for setting in SETTINGS:
        default = "ROOT/dist" if setting.name == "dist" else setting.default
        if default == "":
            default = "none"
        serve.add_argument(
            setting.option,
            dest=setting.name,
            default=None,
            metavar=setting.name.upper(),
            help=f"{setting.help} ({_accepted(setting)}default: {default}; env {setting.env})",
        )
    serve.set_defaults(run=_serve)


def _accepted(setting: Any) -> str:
    """The accepted values for the help text, where the setting limits them."""
    limited = setting.choices or setting.minimum is not None or setting.maximum is not None
    return f"{setting.accepted}; " if limited else ""


def settings_from(args: argparse.Namespace) -> dict[str, Any]:
    """Defaults, then CAHR_* variables, then the options; dist/ resolved from --root.

    :raises SettingError: a CAHR_* variable or an option holds a value its setting does
        not accept.
    :raises InputError: no build in dist, a remote store that holds another build.
    :raises StoreUnavailable: the remote store (``--store``) cannot be reached.
    """
    from cahr.errors import InputError
    from cahr.layout import YASGUI_BUILD, Layout
    from cahr.server.settings import BY_NAME, SETTINGS, defaults

    settings = defaults()
    if os.environ.get(BY_NAME["dist"].env) is None:
        settings["dist"] = Layout.at(args.root).dist_dir
    in_root = Layout.at(args.root).root / YASGUI_BUILD
    if not os.environ.get(BY_NAME["yasgui"].env) and in_root.is_dir():
        settings["yasgui"] = str(in_root)  # else the checkout the server is installed from
    for setting in SETTINGS:
        given = getattr(args, setting.name)
        if isinstance(given, str):
            # checked here, not by argparse, so that a bad value is reported like a bad
            # CAHR_* variable: one line naming the option and the accepted values
            settings[setting.name] = setting.parse(given, label=setting.option)
        elif given is not None:
            settings[setting.name] = given
    settings["dist"] = str(Path(settings["dist"]).resolve())
    if not (Path(settings["dist"]) / "manifest.json").is_file():
        raise InputError(f"{settings['dist']} holds no built dataset: run `kg build` first")
    if settings["store"]:
        from cahr.store.remote import RemoteStore

        RemoteStore(settings["store"], Path(settings["dist"]), timeout=10).check()
    else:
        from cahr.sandbox import check_available

        check_available()  # the embedded engine's query processes need the network filter
    chosen: dict[str, Any] = settings
    return chosen


def _serve(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s [%(process)d] %(name)s %(levelname)s %(message)s",
    )
    from cahr.server.wsgi import serve_forever

    serve_forever(settings)
    return 0
