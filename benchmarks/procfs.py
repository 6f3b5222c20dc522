"""What /proc says about processes: the one reader for the benchmarks and the server tests.

Both need a server's process tree (gunicorn's master, its workers, their query
processes), its CPU time and its memory; Linux only.
"""

from __future__ import annotations

import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (the state first); None if gone.

    The name is cut at the last ")": it may hold spaces and parentheses itself.
    """
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_seconds(pids: list[int], *, reaped: bool = False) -> dict[int, float]:
    """User + system CPU seconds of each live process (gone ones are left out).

    :param reaped: add the CPU of the children each has waited for (cutime, cstime).
    """
    found = {}
    for pid in pids:
        fields = stat_fields(pid)
        if fields is not None:
            # fields[0] is the state (field 3): utime, stime, cutime, cstime are fields 14-17
            found[pid] = sum(int(value) for value in fields[11 : 15 if reaped else 13])
    return {pid: ticks / CLOCK_TICKS for pid, ticks in found.items()}


def descendants(root: int) -> list[int]:
    """``root`` and every process below it, from the parent pids in /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = stat_fields(int(entry.name))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running (not a zombie) process."""
    fields = stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def kib(pid: int, name: str, key: str) -> int:
    """The ``key:`` figure in KiB of /proc/<pid>/<name> (status, smaps_rollup); 0 if gone."""
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
