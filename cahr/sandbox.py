"""Keep a query-evaluating process off the network, whatever a query asks (issue #11, point 2).

The vetting (``cahr.query.vet``) refuses SERVICE and outside graphs on a parse
of the query; this is the second wall, for a query that slips past it. A
seccomp filter, installed through libseccomp (PyPI ``pyseccomp``, a binding
API-compatible with libseccomp's own), makes the kernel refuse with EACCES:

- ``socket()`` of any family but AF_UNIX (multiprocessing's pipes to the worker
  are AF_UNIX socket pairs, and stay open): so no TCP, UDP, raw or netlink socket;
- ``io_uring_setup()``: io_uring can open and connect sockets without the
  ``socket`` system call.

The filter is inherited by every thread and child the process starts later and
cannot be removed (libseccomp sets no_new_privs). Syscalls of another
architecture (a 32-bit ``socketcall``) kill the process: libseccomp's default.
Sockets the process already holds are not touched, so it is installed before
any query is read. A remote store's query processes must talk to the store:
there the vetting is the only guard, and a deployment must add no-egress rules
(docs/querying.md, "What is enforced where").
"""

from __future__ import annotations

import errno
import os
import pickle
import select
import signal
import socket
import threading
from collections.abc import Callable

from cahr.errors import InputError, QuerySyntaxError

_installed = False
_lock = threading.Lock()


class SandboxUnavailable(InputError):
    """The network filter cannot be installed here (no libseccomp, or not Linux)."""


def check_available() -> None:
    """Raise now, in the process that starts the server, if :func:`deny_network` could not
    work in its query processes: better than a failure at the first query.

    :raises SandboxUnavailable: libseccomp or its binding cannot be loaded.
    """
    try:
        import pyseccomp  # noqa: F401 (loads libseccomp through ctypes)
    except (ImportError, OSError, TypeError) as exc:
        raise SandboxUnavailable(
            "cannot keep the query processes off the network: libseccomp cannot be loaded "
            f"({type(exc).__name__}: {exc}); install the Debian package libseccomp2"
        ) from exc


def deny_network() -> None:
    """Forbid this process (and what it starts) to open any socket but AF_UNIX.

    Idempotent. Call it before the process reads any query.

    :raises SandboxUnavailable: libseccomp or its binding is missing, or the kernel
        refused the filter; the message says what to install.
    """
    global _installed
    with _lock:
        if _installed:
            return
        try:
            import pyseccomp as seccomp

            rules = seccomp.SyscallFilter(seccomp.ALLOW)
            refuse = seccomp.ERRNO(errno.EACCES)
            rules.add_rule(refuse, "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
            rules.add_rule(refuse, "io_uring_setup")
            rules.load()
        except (ImportError, OSError, RuntimeError, ValueError) as exc:
            raise SandboxUnavailable(
                "cannot keep the query processes off the network: installing the seccomp "
                f"filter failed ({type(exc).__name__}: {exc}). Query processes need Linux and "
                "libseccomp (Debian/Ubuntu: apt-get install libseccomp2; the pinned Python "
                "binding pyseccomp comes with this package)"
            ) from exc
        _installed = True


def is_denied() -> bool:
    """Whether :func:`deny_network` has run in this process."""
    return _installed


def network_refused(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is the filter refusing a socket."""
    seen: BaseException | None = exc
    for _ in range(8):  # a bounded walk down the chain of causes
        if seen is None:
            return False
        if isinstance(seen, PermissionError) or getattr(seen, "errno", None) == errno.EACCES:
            return _installed
        reason = getattr(seen, "reason", None)  # urllib's URLError wraps the OSError
        seen = reason if isinstance(reason, BaseException) else seen.__cause__ or seen.__context__
    return False


def check_apart(
    check: Callable[[str, str | None], None], text: str, base_iri: str | None, *, timeout: float
) -> None:
    """Run ``check(text, base_iri)`` in a forked process kept off the network; re-raise its syntax error.

    For a process that must keep its sockets (a remote store's query process) and
    yet wants Oxigraph's reading of an unvetted text, which evaluates it.

    :raises QuerySyntaxError: what ``check`` raised.
    :raises RuntimeError: the process failed, or ran past ``timeout`` (it is killed).
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the forked process; its reply is what is tested)
        os.close(read)
        reply: tuple[object, ...] = ("ok",)
        try:
            deny_network()
            check(text, base_iri)
        except QuerySyntaxError as exc:
            reply = ("syntax", exc.message, exc.line, exc.column)
        except BaseException as exc:  # noqa: BLE001 (reported to the parent, which raises)
            reply = ("failed", f"{type(exc).__name__}: {exc}")
        with os.fdopen(write, "wb") as out:
            pickle.dump(reply, out)
        os._exit(0)
    os.close(write)
    try:
        with os.fdopen(read, "rb") as answer:
            ready, _, _ = select.select([answer], [], [], timeout)
            if not ready:
                os.kill(pid, signal.SIGKILL)
                raise RuntimeError(f"the syntax check ran past {timeout:g} s")
            got = pickle.load(answer)  # noqa: S301 (from our own forked process)
    finally:
        os.waitpid(pid, 0)
    if got[0] == "syntax":
        raise QuerySyntaxError(got[1], got[2], got[3])
    if got[0] != "ok":
        raise RuntimeError(f"the syntax check failed: {got[1]}")
