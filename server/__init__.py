"""The HTTP side of CAHR-KG: ``create_app`` is the only place an application is made.

gunicorn calls it in each worker (``kg serve``), tests call it with their own
settings. Settings come from ``settings.py`` (defaults), then ``CAHR_*``
environment variables, then the ``settings`` argument. One blueprint per
surface: ``sparql`` (the protocol), ``pages`` (the query UI and linked data),
``dumps`` (the dataset's files); ``http`` and ``errors`` apply to all of them; ``replay`` sits in front of
Flask and sends a finished answer again when the same request repeats.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from cahr.errors import InputError


def create_app(settings: dict[str, Any] | None = None) -> Flask:
    """Make the application and open the build it serves (once per process).

    :param settings: overrides, by setting name (``{"query_timeout": 2}``); a
        string value is read like an environment variable.
    :raises InputError: an unknown setting, no build in ``dist``, an unknown engine.
    """
    # Imported here, not at the top: the blueprints import this package's
    # modules, and the forkserver of the query processes imports the package.
    from cahr.server import state
    from cahr.server.pages import dumps, routes
    from cahr.server.protocol import sparql
    from cahr.server.settings import BY_NAME, defaults
    from cahr.server.web import errors, responses
    from cahr.server.web.replay import Replay

    values = defaults()
    for name, value in (settings or {}).items():
        if name not in BY_NAME:
            raise InputError(f"unknown setting {name!r}: see docs/settings.md")
        values[name] = BY_NAME[name].parse(value) if isinstance(value, str) else value

    app = Flask(__name__)
    app.config.update(
        CAHR=values,
        # Werkzeug answers 413 past these, for a body and for a form field.
        MAX_CONTENT_LENGTH=values["max_request_bytes"],
        MAX_FORM_MEMORY_SIZE=values["max_request_bytes"],
    )
    served = state.init_app(app, values)
    errors.init_app(app)
    responses.init_app(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(routes.bp)
    app.register_blueprint(dumps.bp)
    if served.cache.enabled:
        app.wsgi_app = Replay(app.wsgi_app, served.cache, served.build_id)  # type: ignore[method-assign]
    return app
