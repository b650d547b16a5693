"""The index: a folder (default) or a PostgreSQL database (`RAG_STORE=postgresql://…`, `--store URL`).

The folder is a chain of immutable generations (FAISS + postings + JSON); the `manifest.json` swap is the
commit point. Layout (see index/README.md): `manifest.json` (the chain, oldest first, and every file's
size and sha256), `generations/<gen>/{chunks.faiss, sentences.npy, sentence_rows.npy, chunks.jsonl,
articles.json, files.json, removed.json, lexicon/*}`. A commit writes only what changed; a full generation
(a build, a compaction) starts a new chain. No pickle anywhere. The database (`rag.store.pg`) holds the
same records in tables, one transaction per commit. Either way a reader gets the same in-memory
`Snapshot`, so everything above the store is the same whichever is used.

The functions below take an index location: a folder's path, or a `postgresql://` URL (`location`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import pg, reading, writing
from .cache import SnapshotCache
from .format import (
    BM25_PARAMS,
    FORMAT_VERSION,
    GENERATIONS,
    MANIFEST,
    MAX_CHAIN,
    REBUILD,
    VERIFY_ON_OPEN_BYTES,
    FileRecord,
)
from .lock import ensure_index_folder as _ensure_folder
from .reading import OPEN_ATTEMPTS, IndexState, chain_of
from .snapshot import Snapshot

#: where an index lives: a folder, or a PostgreSQL URL
Location = Path | str


def location(where: Path | str) -> Location:
    """An index location as the store functions take it: a URL stays a string, anything else is a path."""
    return where if pg.is_url(where) else Path(where)


def shown(where: Location) -> str:
    """The location for messages (a URL without its password)."""
    return pg.shown(where) if pg.is_url(where) else str(where)


def ensure_index_folder(where: Location) -> None:
    if not pg.is_url(where):
        _ensure_folder(Path(where))


def read_manifest(where: Location) -> dict[str, Any] | None:
    return pg.read_manifest(str(where)) if pg.is_url(where) else reading.read_manifest(where)


def read_state(where: Location) -> IndexState | None:
    return pg.read_state(str(where)) if pg.is_url(where) else reading.read_state(where)


def open_index(where: Location, embedder: str | None = None, checksums: bool = False,
               reuse: Snapshot | None = None) -> Snapshot:
    if pg.is_url(where):
        return pg.open_index(str(where), embedder, checksums, reuse)
    return reading.open_index(where, embedder, checksums, reuse)


def check_index(where: Location) -> Snapshot:
    return pg.check_index(str(where)) if pg.is_url(where) else reading.check_index(where)


def commit(where: Location, **change: Any) -> Snapshot | None:
    """See `rag.store.writing.commit` (a folder) and `rag.store.pg.commit` (a database)."""
    return pg.commit(str(where), **change) if pg.is_url(where) else writing.commit(where, **change)


def compact(where: Location, reuse: Snapshot | None = None) -> Snapshot:
    return pg.compact(str(where), reuse) if pg.is_url(where) else writing.compact(where, reuse)


@contextlib.contextmanager
def writer_lock(where: Location, timeout: float = 600) -> Iterator[None]:
    """Held by one writer of the index at a time (a folder's lock file, a database's advisory lock)."""
    lock = pg.writer_lock(str(where), timeout) if pg.is_url(where) else writing.writer_lock(where, timeout)
    with lock:
        yield


__all__ = ["BM25_PARAMS", "FORMAT_VERSION", "GENERATIONS", "MANIFEST", "MAX_CHAIN", "OPEN_ATTEMPTS", "REBUILD",
           "VERIFY_ON_OPEN_BYTES", "FileRecord", "IndexState", "Location", "Snapshot", "SnapshotCache", "chain_of",
           "check_index", "commit", "compact", "ensure_index_folder", "location", "open_index", "read_manifest",
           "read_state", "shown", "writer_lock"]
