"""The build being served: opened once per worker process, shared by every blueprint.

Blueprints reach it through two helpers, never by opening dist/ themselves:

- ``get_store()`` the read-only :class:`cahr.store.Store` (quads, graphs, small fixed
  queries of the linked-data pages);
- ``get_served()`` everything else about the build: ``build_id``, ``manifest``,
  ``last_modified``, ``dist`` (the folder of *this* build's files, for /dumps/),
  ``runner`` (time-limited evaluation of queries that users send), ``cache``
  (the answers already given, ``cache.py``, which this module installs on the app:
  the cache never imports this module) and ``derivations`` (the reasoner's record).

With the setting ``store`` (a remote SPARQL endpoint, ``cahr.store.remote``)
the store and the query processes send queries there; the endpoint is checked
at start to hold this very build, and ``engine`` reads ``remote``.

Why a private copy of dist/: ``kg build`` swaps a new dist/ in while the server
runs. Each worker copies the build it starts with into a temporary folder,
checked against the manifest's SHA-256 sums, so that its store, the query
processes it starts later (after a timeout kills one) and the files /dumps/
serves all belong to one build, until a graceful reload (SIGHUP) starts
workers on the new one.
"""

from __future__ import annotations

import atexit
import errno
import hashlib
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from cahr.derivations import Record
from cahr.dist import DERIVATIONS_NAME, MANIFEST, STORE_DIR, STORE_INDEX, read_manifest
from cahr.errors import InputError
from cahr.server.protocol.runner import QueryRunner
from cahr.server.web.cache import ResponseCache
from cahr.server.web.cache import install as install_cache
from cahr.store import Store, open_store
from cahr.store.remote import RemoteStore

EXTENSION = "cahr"
COPY_ATTEMPTS = 3
REMOTE = "remote"
MEGABYTE = 1 << 20


@dataclass
class Served:
    """One build, opened for serving."""

    store: Store
    manifest: dict[str, Any]
    dist: Path
    engine: str
    runner: QueryRunner
    max_rows: int
    cache: ResponseCache = field(default_factory=lambda: ResponseCache(0))
    _closed: bool = field(default=False, repr=False)
    _etags: dict[str, str] = field(default_factory=dict, repr=False)
    _record: Record | None = field(default=None, repr=False)
    _record_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def derivations(self) -> Record:
        """The build's derivation record (``derivations.ttl``), read on first use."""
        with self._record_lock:
            if self._record is None:
                self._record = Record(self.dist / DERIVATIONS_NAME)
            return self._record

    @property
    def build_id(self) -> str:
        return str(self.manifest["build_id"])

    @property
    def last_modified(self) -> datetime:
        """When the build was made: the Last-Modified of every response about it."""
        return datetime.fromisoformat(self.manifest["built_at"])

    def etag(self, variant: str) -> str:
        """The (weak) entity tag of a representation of this build.

        It starts with the build id, for people; the rest changes with the data
        itself (the checksums of its files: the build id hashes the inputs and the
        version, not the pipeline's code), with the media type (``variant``) and
        with what else shapes an answer (engine, row cap), so that a cache never
        mixes them. Computed once per variant.
        """
        tag = self._etags.get(variant)
        if tag is None:
            files = self.manifest.get("files", {})
            data = "|".join(f"{name}:{files[name]['sha256']}" for name in sorted(files))
            key = f"{data}|{self.engine}|{self.max_rows}|{variant}".encode()
            tag = self._etags[variant] = f"{self.build_id}-{hashlib.sha256(key).hexdigest()[:10]}"
        return tag

    def close(self) -> None:
        """Stop the query processes and remove the private copy of the build."""
        if not self._closed:
            self._closed = True
            self.runner.close()
            shutil.rmtree(self.dist, ignore_errors=True)


def init_app(app: Flask, settings: dict[str, Any]) -> Served:
    """Open the build named by ``settings["dist"]`` for ``app``.

    :raises InputError: no build there, an unknown engine, a remote store that
        holds other data.
    :raises StoreUnavailable: the remote store cannot be reached.
    """
    source = Path(settings["dist"])
    dist = snapshot(source)
    remote = str(settings.get("store") or "")
    timeout = float(settings["query_timeout"])
    try:
        store = open_store(dist, settings["engine"], remote=remote, timeout=timeout)
        if isinstance(store, RemoteStore):
            store.check()
        runner = QueryRunner(
            dist,
            settings["engine"],
            timeout=timeout,
            size=int(settings["query_processes"]),
            queue=int(settings["query_queue"]),
            wait=float(settings["query_wait"]),
            reserve_after=float(settings["long_query_after"]),
            remote=remote,
        )
    except BaseException:
        shutil.rmtree(dist, ignore_errors=True)
        raise
    manifest = read_manifest(dist)
    served = Served(
        store,
        manifest,
        dist,
        REMOTE if remote else settings["engine"],
        runner,
        int(settings["max_rows"]),
        ResponseCache(int(float(settings["cache_mb"]) * MEGABYTE), manifest["build_id"]),
    )
    install_cache(app, served.cache)
    atexit.register(served.close)
    app.extensions[EXTENSION] = served
    return served


def get_served() -> Served:
    """The build the current app serves."""
    served: Served = current_app.extensions[EXTENSION]
    return served


def get_store() -> Store:
    """The read-only store of the build the current app serves."""
    return get_served().store


def snapshot(dist: Path) -> Path:
    """Copy the build in ``dist`` into a new temporary folder, verified against its manifest.

    A copy that does not match the manifest's checksums means a new build was
    swapped in meanwhile: it is thrown away and taken again.

    :raises InputError: ``dist`` holds no build, or it kept changing.
    """
    if not (dist / MANIFEST).is_file():
        raise InputError(f"{dist} holds no built dataset: run `kg build` first")
    for _ in range(COPY_ATTEMPTS):
        manifest = read_manifest(dist)
        target = Path(tempfile.mkdtemp(prefix=f"cahr-serve-{manifest['build_id']}-"))
        if _copy_verified(dist, target, manifest):
            return target
        shutil.rmtree(target, ignore_errors=True)
    raise InputError(
        f"{dist} changed while it was being read {COPY_ATTEMPTS} times: "
        "is a build running? Start the server again when it is done"
    )


def _copy_verified(dist: Path, target: Path, manifest: dict[str, Any]) -> bool:
    for name, meta in manifest.get("files", {}).items():
        try:
            data = (dist / name).read_bytes()
        except FileNotFoundError:
            return False
        if hashlib.sha256(data).hexdigest() != meta["sha256"]:
            return False
        (target / name).write_bytes(data)
    if (dist / STORE_DIR).is_dir() and not _link_store(dist / STORE_DIR, target / STORE_DIR):
        return False
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return True


def _link_store(store: Path, target: Path) -> bool:
    """Hard-link the on-disk store's files into ``target``, checked against its index.

    Links, not copies: every worker's snapshot then holds the same inodes, so the
    query processes of all workers share one copy of the store in the page cache.
    The build never writes into a published dist/ (it swaps a new folder in), so a
    linked file cannot change under a reader. A snapshot on another file system
    than dist/ gets copies, shared only within a worker.
    """
    target.mkdir()
    try:
        index = json.loads((store / STORE_INDEX).read_text(encoding="utf-8"))
        for name, sha256 in index["files"].items():
            try:
                os.link(store / name, target / name)
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
                shutil.copyfile(store / name, target / name)
            with open(target / name, "rb") as linked:
                if hashlib.file_digest(linked, "sha256").hexdigest() != sha256:
                    return False
        shutil.copyfile(store / STORE_INDEX, target / STORE_INDEX)
    except (FileNotFoundError, KeyError, ValueError):
        return False
    return True
