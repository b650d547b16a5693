"""The open index of each folder, kept across questions, reopened incrementally after commits."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from .snapshot import Snapshot


def _key(where: Path | str) -> Any:
    from . import pg

    return where if pg.is_url(where) else Path(where).resolve()


class SnapshotCache:
    """Keeps the open index; when another process committed, reads only the generations it added (the
    whole chain again after a compaction)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snaps: dict[Any, Snapshot] = {}

    def get(self, index_dir: Path | str, embedder: str | None = None) -> Snapshot:
        from . import open_index, pg, read_manifest

        index_dir = _key(index_dir)
        manifest = pg.read_manifest(index_dir, shared=True) if pg.is_url(index_dir) else read_manifest(index_dir)
        with self._lock:
            cached = self._snaps.get(index_dir)
            if cached and manifest is not None and cached.generation == str(manifest.get("generation", "")):
                if embedder and cached.embedder != embedder:
                    return open_index(index_dir, embedder)  # raises the mismatch error
                return cached
            snap = open_index(index_dir, embedder, reuse=cached)
            self._snaps[index_dir] = snap
            return snap

    def peek(self, index_dir: Path | str) -> Snapshot | None:
        """The snapshot open for `index_dir`, if any (not checked against the manifest)."""
        with self._lock:
            return self._snaps.get(_key(index_dir))

    def put(self, snap: Snapshot) -> None:
        """Keep `snap` (a commit's result) as the open index of its folder."""
        with self._lock:
            self._snaps[_key(snap.index_dir)] = snap

    def clear(self) -> None:
        with self._lock:
            self._snaps.clear()
