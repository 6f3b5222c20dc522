"""The access log: one line per request, whoever answers it (Flask or a replay)."""

from __future__ import annotations

import logging

access_log = logging.getLogger("cahr.server.web.access")

# Longest path shown in an access-log line: a GET query can be long.
LOG_PATH_CHARS = 300


def log_request(
    remote: str | None,
    method: str,
    path: str,
    query_string: str,
    status: int,
    size: str,
    millis: float,
) -> None:
    """Log client, method, path (with its query, cut at LOG_PATH_CHARS), status, bytes sent
    and duration."""
    if query_string:
        path += "?" + query_string
    if len(path) > LOG_PATH_CHARS:
        path = path[:LOG_PATH_CHARS] + "..."
    access_log.info('%s "%s %s" %s %sB %.1fms', remote or "-", method, path, status, size, millis)
