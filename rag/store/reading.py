"""Opening the current generation: the manifest, the files' sizes and checksums, retries while commits prune."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexCorruptError, IndexMismatchError, NoIndexError
from ..types import Article, sha256_file
from .format import (
    BM25_DIR,
    FORMAT_VERSION,
    GENERATIONS,
    MANIFEST,
    VERIFY_ON_OPEN_BYTES,
    FileRecord,
    _chunk_from_json,
    _corrupt,
)
from .snapshot import Snapshot

log = logging.getLogger(__name__)


def read_manifest(index_dir: Path | str) -> dict[str, Any] | None:
    """The manifest as a dict, None when there is none; IndexCorruptError when unreadable."""
    path = Path(index_dir) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise _corrupt(path, str(e)) from None
    if not isinstance(data, dict) or not {"embedder", "dim", "generation", "format_version"} <= data.keys():
        raise _corrupt(path, "not an index manifest")
    if data["format_version"] != FORMAT_VERSION:
        raise _corrupt(path, f"format version {data['format_version']}, this program reads {FORMAT_VERSION}")
    return data


#: how often `open_index` starts over when commits prune the generation it is reading
OPEN_ATTEMPTS = 5


def open_index(index_dir: Path | str, embedder: str | None = None, checksums: bool = False) -> Snapshot:
    """Load the current generation. Retries when a concurrent commit pruned it while we read. File
    checksums are checked up to `VERIFY_ON_OPEN_BYTES`, or whatever the size with `checksums`."""
    index_dir = Path(index_dir)
    for attempt in range(OPEN_ATTEMPTS):
        manifest = read_manifest(index_dir)
        if manifest is None:
            raise NoIndexError(f"No index in {index_dir} — run `rag index build`")
        if embedder is not None and embedder != manifest["embedder"]:
            old = manifest["embedder"]
            raise IndexMismatchError(
                f"The index in {index_dir} was built with embedder {old!r}, but {embedder!r} was asked for. "
                f"Keep the old one (set RAG_EMBEDDER={old} or pass --embedder {old}), "
                f"or rebuild with the new one: `rag index build --embedder {embedder}`."
            )
        gen_dir = index_dir / GENERATIONS / manifest["generation"]
        try:
            return _load_generation(index_dir, gen_dir, manifest, checksums)
        except IndexCorruptError:
            # Writers committed twice while we read, and the second commit pruned our generation
            # (files vanish mid-load): read the new manifest. Unchanged manifest: real damage.
            if attempt == OPEN_ATTEMPTS - 1 or read_manifest(index_dir) == manifest:
                raise
            log.debug("generation %s was pruned while loading; reading the new manifest", manifest["generation"])
    raise AssertionError("unreachable")  # pragma: no cover


def _check_files(gen: Path, manifest: dict[str, Any], checksums: bool) -> None:
    """Every file of the generation is there with its recorded size and, with `checksums`, its sha256
    (same-size damage: a flipped byte in the vectors loads fine otherwise)."""
    if not gen.is_dir():
        raise _corrupt(gen, "generation folder missing")
    sizes: dict[str, int] = manifest.get("file_sizes", {})
    for name, size in sizes.items():
        p = gen / name
        if not p.is_file():
            raise _corrupt(p, "file missing")
        if p.stat().st_size != size:
            raise _corrupt(p, f"size {p.stat().st_size} bytes, manifest says {size}")
    if checksums:
        for name, want in manifest.get("file_sha256", {}).items():
            if sha256_file(gen / name) != want:
                raise _corrupt(gen / name, "its contents changed since it was written (sha256 differs)")


def check_index(index_dir: Path | str) -> Snapshot:
    """Open the index checking every file's sha256 whatever its size (`rag index check`)."""
    return open_index(index_dir, checksums=True)


def _load_generation(index_dir: Path, gen: Path, manifest: dict[str, Any], checksums: bool = False) -> Snapshot:
    import faiss

    total = sum(manifest.get("file_sizes", {}).values())
    _check_files(gen, manifest, checksums=checksums or total <= VERIFY_ON_OPEN_BYTES)
    dim, n_chunks = int(manifest["dim"]), int(manifest["counts"]["chunks"])
    path = gen / "chunks.faiss"
    try:
        index = faiss.read_index(str(path))
    except RuntimeError as e:
        raise _corrupt(path, f"FAISS cannot read it: {str(e).splitlines()[0]}") from None
    if index.d != dim or index.ntotal != n_chunks:
        raise _corrupt(path, f"{index.ntotal}x{index.d} vectors, manifest says {n_chunks}x{dim}")
    vecs = _load_npy(gen / "sentences.npy", np.float32)
    rows = _load_npy(gen / "sentence_rows.npy", np.int32)
    if vecs.ndim != 2 or vecs.shape[1] != dim or rows.shape != (vecs.shape[0], 2):
        raise _corrupt(gen / "sentence_rows.npy", f"shapes {vecs.shape} and {rows.shape} do not fit dim {dim}")
    path = gen / "chunks.jsonl"
    try:
        with open(path, encoding="utf-8") as f:
            chunks = [_chunk_from_json(json.loads(line)) for line in f if line.strip()]
        path = gen / "articles.json"
        articles = {a["id"]: Article(**a) for a in json.loads(path.read_text(encoding="utf-8"))}
        path = gen / "files.json"
        files = {}
        for d in json.loads(path.read_text(encoding="utf-8")):
            d["article_ids"] = tuple(d["article_ids"])
            files[d["path"]] = FileRecord(**d)
    except (OSError, ValueError, TypeError, KeyError) as e:
        raise _corrupt(path, f"{type(e).__name__}: {e}") from None
    if len(chunks) != n_chunks:
        raise _corrupt(gen / "chunks.jsonl", f"{len(chunks)} chunks, manifest says {n_chunks}")
    if len(rows) and (rows.min() < 0 or rows[:, 0].max() >= n_chunks):
        raise _corrupt(gen / "sentence_rows.npy", "chunk rows out of range")
    bm25 = None
    if (gen / BM25_DIR).is_dir():
        import bm25s

        try:
            bm25 = bm25s.BM25.load(str(gen / BM25_DIR), allow_pickle=False, load_corpus=False, show_progress=False)
        except Exception as e:  # noqa: BLE001 - bm25s raises many kinds on damaged files
            raise _corrupt(gen / BM25_DIR, f"{type(e).__name__}: {e}") from None
        if int(bm25.scores["num_docs"]) != n_chunks:
            raise _corrupt(gen / BM25_DIR, f"{bm25.scores['num_docs']} documents, manifest says {n_chunks}")
    return Snapshot(index_dir, manifest, articles, files, chunks, index, vecs, rows, bm25)


def _load_npy(path: Path, dtype: type) -> np.ndarray:
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        raise _corrupt(path, str(e)) from None
    if arr.dtype != dtype:
        raise _corrupt(path, f"dtype {arr.dtype}, expected {np.dtype(dtype)}")
    return arr
