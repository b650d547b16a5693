"""Committing a generation: write it under a temporary name, fsync, rename, swap the manifest (the commit
point), prune; the writer lock; the index folder."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexCorruptError, IndexLockedError, IndexWriteError
from ..types import Article, Chunk, sha256_file
from .format import (
    BM25_DIR,
    BM25_PARAMS,
    FORMAT_VERSION,
    GENERATIONS,
    MANIFEST,
    FileRecord,
    _build_bm25,
    _chunk_to_json,
    _shallow,
)
from .reading import read_manifest
from .snapshot import Snapshot

log = logging.getLogger(__name__)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _write_json(path: Path, obj: Any) -> None:
    _write_bytes(path, (json.dumps(obj, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))


def _write_npy(path: Path, arr: np.ndarray) -> None:
    with open(path, "wb") as f:
        np.save(f, arr, allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())


def _next_generation(gens: Path) -> str:
    numbers = [int(p.name[1:7]) for p in gens.iterdir() if p.name[:1] == "g" and p.name[1:7].isdigit()]
    return f"g{max(numbers, default=0) + 1:06d}-{secrets.token_hex(4)}"


def _write_generation(
    tmp: Path, chunks: list[Chunk], articles: dict[str, Article], files: dict[str, FileRecord],
    chunk_vectors: np.ndarray, sentence_vectors: np.ndarray, sentence_rows: np.ndarray, bm25: Any | None,
) -> None:
    import faiss

    tmp.mkdir()
    index = faiss.IndexFlatIP(chunk_vectors.shape[1])
    if len(chunk_vectors):
        index.add(chunk_vectors)
    try:
        faiss.write_index(index, str(tmp / "chunks.faiss"))
    except RuntimeError as e:  # faiss reports write errors (ENOSPC) as RuntimeError
        raise OSError(str(e).splitlines()[0]) from e
    _fsync_path(tmp / "chunks.faiss")
    _write_npy(tmp / "sentences.npy", sentence_vectors)
    _write_npy(tmp / "sentence_rows.npy", sentence_rows)
    lines = "".join(json.dumps(_chunk_to_json(c), ensure_ascii=False) + "\n" for c in chunks)
    _write_bytes(tmp / "chunks.jsonl", lines.encode("utf-8"))
    _write_json(tmp / "articles.json", [_shallow(articles[k]) for k in sorted(articles)])
    _write_json(tmp / "files.json", [_shallow(files[k]) for k in sorted(files)])
    if bm25 is not None:
        bm25.save(str(tmp / BM25_DIR), allow_pickle=False, show_progress=False)
        for p in (tmp / BM25_DIR).iterdir():
            _fsync_path(p)
        _fsync_path(tmp / BM25_DIR)
    _fsync_path(tmp)


def commit(
    index_dir: Path | str,
    *,
    embedder: str,
    dim: int,
    chunking: dict[str, Any],
    articles: dict[str, Article],
    files: dict[str, FileRecord],
    chunks: list[Chunk],
    chunk_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    sentence_rows: np.ndarray,
) -> Snapshot:
    """Write a new generation and make it current atomically. Call inside `writer_lock(index_dir)`.

    Row i of `chunk_vectors` embeds `chunks[i]`; row j of `sentence_vectors` embeds sentence
    `sentence_rows[j, 1]` of chunk `sentence_rows[j, 0]`. On failure the old index stays current.
    """
    index_dir = Path(index_dir)
    cvec = np.ascontiguousarray(chunk_vectors, dtype=np.float32).reshape(-1, dim)
    svec = np.ascontiguousarray(sentence_vectors, dtype=np.float32).reshape(-1, dim)
    srows = np.ascontiguousarray(sentence_rows, dtype=np.int32).reshape(-1, 2)
    if len(cvec) != len(chunks) or len(svec) != len(srows):
        raise ValueError(f"{len(chunks)} chunks / {len(cvec)} vectors, {len(srows)} rows / {len(svec)} vectors")
    if len(srows) and (srows.min() < 0 or srows[:, 0].max() >= len(chunks)):
        raise ValueError("sentence_rows point outside the chunks")
    missing = {c.article_id for c in chunks} - articles.keys()
    if missing:
        raise ValueError(f"chunks of unknown articles: {sorted(missing)[:3]}")
    bm25 = _build_bm25(chunks)
    gens = index_dir / GENERATIONS
    tmp = final = None
    try:
        gens.mkdir(parents=True, exist_ok=True)
        for stale in gens.glob("*.tmp"):  # left by a writer that crashed (we hold the lock)
            shutil.rmtree(stale, ignore_errors=True)
        try:
            old = read_manifest(index_dir)
        except IndexCorruptError:  # rebuilding over a damaged index is how it gets repaired
            old = None
        gen = _next_generation(gens)
        tmp, final = gens / f"{gen}.tmp", gens / gen
        _write_generation(tmp, chunks, articles, files, cvec, svec, srows, bm25)
        written = [p for p in sorted(tmp.rglob("*")) if p.is_file()]
        sizes = {str(p.relative_to(tmp)): p.stat().st_size for p in written}
        sums = {str(p.relative_to(tmp)): sha256_file(p) for p in written}
        os.rename(tmp, final)
        _fsync_path(gens)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        manifest: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "embedder": embedder,
            "dim": dim,
            "chunking": chunking,
            "counts": {"articles": len(articles), "chunks": len(chunks), "sentences": len(svec),
                       "files": len(files)},
            "bm25": {**BM25_PARAMS, "tokens": "rag.lang.stem_tokens(text, chunk.language)"},
            "created": (old or {}).get("created", now),
            "updated": now,
            "generation": gen,
            "file_sizes": sizes,
            "file_sha256": sums,
        }
        _write_json(index_dir / f"{MANIFEST}.tmp", manifest)
        os.replace(index_dir / f"{MANIFEST}.tmp", index_dir / MANIFEST)  # the commit point
    except OSError as e:
        for leftover in (tmp, final):
            if leftover is not None:
                shutil.rmtree(leftover, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.unlink(index_dir / f"{MANIFEST}.tmp")
        raise IndexWriteError(
            f"Could not write the index in {index_dir}: {e}. Disk full? Free space and run the update "
            "again; the index is unchanged."
        ) from e
    with contextlib.suppress(OSError):
        _fsync_path(index_dir)
    _prune(gens, keep={gen, (old or {}).get("generation")})
    log.info("committed %s: %d articles, %d chunks", gen, len(articles), len(chunks))
    import faiss

    index = faiss.IndexFlatIP(dim)
    if len(cvec):
        index.add(cvec)
    return Snapshot(index_dir, manifest, dict(articles), dict(files), list(chunks), index, svec, srows, bm25)


def _prune(gens: Path, keep: set[str | None]) -> None:
    """Delete every generation but the new one and the one current until now (its readers keep working).

    Named, not "the newest two": an orphan (renamed, but its writer died before the manifest swap)
    must not displace the previous current generation.
    """
    for p in gens.iterdir():
        if p.is_dir() and not p.name.endswith(".tmp") and p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)
            log.debug("pruned generation %s", p.name)


def ensure_index_folder(index_dir: Path) -> None:
    """Create the index folder (and its parents), or say clearly why it cannot be."""
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexWriteError(
            f"The index location {index_dir} is a file, not a folder. Point RAG_INDEX_DIR / --index at a "
            "folder (it is created when missing)."
        )
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise IndexWriteError(
            f"Cannot create the index folder {index_dir} ({e.strerror or e}). Point RAG_INDEX_DIR / --index at "
            "a folder you can write to."
        ) from None


@contextlib.contextmanager
def writer_lock(index_dir: Path | str, timeout: float = 600) -> Iterator[None]:
    """Hold `index_dir/.lock` while updating the index; waits up to `timeout` seconds for another writer."""
    from filelock import FileLock, Timeout

    index_dir = Path(index_dir)
    ensure_index_folder(index_dir)
    lock = FileLock(str(index_dir / ".lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:  # (a subclass of OSError: caught first)
        print(f"Another process is updating {index_dir}; waiting…", file=sys.stderr, flush=True)
        start = time.monotonic()
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise IndexLockedError(
                f"Another process has been updating {index_dir} for over {time.monotonic() - start:.0f} s. "
                "Wait for it (e.g. a running `rag index update` or the UI's folder watcher) and try again."
            ) from None
    except OSError as e:  # a read-only folder or disk
        raise IndexWriteError(
            f"Cannot write to the index folder {index_dir} ({e.strerror or e}). Make it writable, or point "
            "RAG_INDEX_DIR / --index at a folder you can write to; the index there is unchanged."
        ) from None
    try:
        yield
    finally:
        lock.release()
