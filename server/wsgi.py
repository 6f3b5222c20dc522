"""gunicorn's side of ``kg serve``: the master, its options, and the app each worker makes.

gunicorn runs in the ``kg serve`` process (a ``BaseApplication``, rather than
exec'ing the ``gunicorn`` script, so that ``kg`` stays the one entry point).
The master forks ``workers`` processes and each worker calls ``create_app``,
which opens the build once. SIGHUP makes the master start workers on the
current dist/ and stop the old ones gracefully.

Why gevent workers: a gthread worker gives each connection a thread from the
moment it is accepted, so a client that sends its headers slowly holds that
thread; 8 of them held every thread of the default server. A gevent worker
reads a request in a greenlet (a few KiB), so slow clients cost memory, not
service, and gunicorn drops a connection that has not sent its request within
``keepalive`` seconds. The work stays where it was: queries run in the
worker's query processes (``runner.py``), whose replies the greenlet waits for
without blocking the worker's loop; Flask's own work is short.
"""

from __future__ import annotations

import atexit
import gc
import logging
import math
import os
import sys
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

WORKER_CONNECTIONS = 1000
KEEPALIVE_SECONDS = 5


def options(settings: dict[str, Any]) -> dict[str, Any]:
    """gunicorn's configuration for our settings (the comments say why each value)."""
    host = settings["host"]
    return {
        "bind": f"[{host}]:{settings['port']}" if ":" in host else f"{host}:{settings['port']}",
        "workers": settings["workers"],
        "worker_class": "gevent",
        # Connections per worker: open ones cost a greenlet each; past this, new
        # ones wait in the listen backlog.
        "worker_connections": WORKER_CONNECTIONS,
        # Seconds a connection may take to send a request (and stay idle between
        # requests): a slow or silent client is dropped after that.
        "keepalive": KEEPALIVE_SECONDS,
        # A reload (SIGHUP) or a stop lets a running query end before its worker goes.
        "graceful_timeout": math.ceil(float(settings["query_timeout"])) + 5,
        # The app checks the URL length itself (414, setting max_request_bytes),
        # so that a long GET query gets our error rather than gunicorn's 400.
        "limit_request_line": 0,
        # The app writes the access log (method, path, status, size, duration).
        "accesslog": None,
        "errorlog": "-",
        # gunicorn 27 opens a control socket in $HOME by default: two servers would collide.
        "control_socket_disable": True,
        # Never preload: each worker opens the build, so a reload picks up a new one.
        "preload_app": False,
        "proc_name": "kg-serve",
        "pre_fork": _freeze_heap,
        "worker_exit": _exit_without_teardown,
    }


def _freeze_heap(arbiter: Any, worker: Any) -> None:
    """Keep the master's objects out of the workers' garbage collections.

    A worker inherits the master's heap copy-on-write; a collection in the worker
    writes to every object it walks, so each inherited page became a private copy
    (measured: about 8 MiB per worker in its first 20 s under load, which a soak
    reads as growth). Frozen objects are never walked (Python's gc.freeze docs).
    """
    gc.freeze()


def _exit_without_teardown(arbiter: Any, worker: Any) -> None:
    """End a worker that stops cleanly here: exit handlers, then ``os._exit``.

    gunicorn calls this while the worker's ``SystemExit`` propagates. In the
    interpreter's teardown that would follow, gevent's modules are emptied before
    logging's handlers are collected, and each collection printed a traceback
    ("Exception ignored in _removeHandlerRef", 5 or so per worker at every reload).
    The exit handlers (``Served.close``: the query processes, the private copy of
    the build) still run; a worker that fails keeps its exit code and teardown.
    """
    stopping = sys.exc_info()[1]
    if isinstance(stopping, SystemExit) and not stopping.code:
        atexit._run_exitfuncs()
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(0)


class Server(BaseApplication):  # type: ignore[misc]
    """The gunicorn master of ``kg serve``."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        for name, value in options(self.settings).items():
            self.cfg.set(name, value)

    def load(self) -> Flask:
        from cahr.server import create_app

        return create_app(self.settings)


def serve_forever(settings: dict[str, Any]) -> None:
    """Run the server until SIGINT or SIGTERM (gunicorn exits the process)."""
    Server(settings).run()
