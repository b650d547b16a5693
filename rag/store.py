"""One index directory: immutable generations (FAISS + BM25 + JSON), `manifest.json` swap = commit point.

Layout (see index/README.md): `manifest.json`, `generations/<gen>/{chunks.faiss, sentences.npy,
sentence_rows.npy, chunks.jsonl, articles.json, files.json, bm25/*}`. No pickle anywhere.
"""

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
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .errors import IndexCorruptError, IndexLockedError, IndexMismatchError, IndexWriteError, NoIndexError
from .lang import chunk_tokens, stem_tokens
from .types import Article, Chunk, Language, Sentence, sha256_file

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
GENERATIONS = "generations"
BM25_DIR = "bm25"
BM25_PARAMS: dict[str, Any] = {"method": "lucene", "k1": 1.5, "b": 0.75}
REBUILD = "Run `rag index build` to rebuild the index from the articles folder."


@dataclass(frozen=True)
class FileRecord:
    """A source file as last indexed; `article_ids` are the articles read from it."""

    path: str
    size: int
    mtime_ns: int
    sha256: str
    article_ids: tuple[str, ...]
    #: the inode change time: any write moves it, and unlike mtime it cannot be set back (0: not recorded)
    ctime_ns: int = 0


#: Up to this total size the files' checksums are checked at every open (~0.2 s per 100 MB on 2 cores);
#: beyond it, sizes and structure at open and checksums with `rag index check`.
VERIFY_ON_OPEN_BYTES = 256 * 2**20


def _corrupt(path: Path, detail: str) -> IndexCorruptError:
    return IndexCorruptError(f"Index file {path} is missing or damaged ({detail}). {REBUILD}")


# ---------------------------------------------------------------- (de)serialisation


def _chunk_to_json(c: Chunk) -> dict[str, Any]:
    d = _shallow(c)
    d["sentences"] = [[s.text, s.start, s.end] for s in c.sentences]
    return d


def _shallow(obj: Any) -> dict[str, Any]:
    """Fields of a flat dataclass (dataclasses.asdict deep-copies and is ~10x slower)."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def _chunk_from_json(d: dict[str, Any]) -> Chunk:
    sents = tuple(Sentence(str(t), int(a), int(b)) for t, a, b in d.pop("sentences"))
    return Chunk(sentences=sents, **d)


def _tokens(chunks: list[Chunk]) -> list[list[str]]:
    return [list(chunk_tokens(c.text, c.language)) for c in chunks]


def _build_bm25(chunks: list[Chunk]) -> Any | None:
    """A bm25s index over the chunks, or None when there is no token at all."""
    corpus = _tokens(chunks)
    if not any(corpus):
        return None
    import bm25s

    bm25 = bm25s.BM25(**BM25_PARAMS)
    bm25.index(corpus, show_progress=False)
    return bm25


class Snapshot:
    """One committed generation, fully in memory (a later commit never changes it)."""

    def __init__(
        self,
        index_dir: Path,
        manifest: dict[str, Any],
        articles: dict[str, Article],
        files: dict[str, FileRecord],
        chunks: list[Chunk],
        faiss_index: Any,
        sentence_vectors: np.ndarray,
        sentence_rows: np.ndarray,
        bm25: Any | None,
    ) -> None:
        self.index_dir = index_dir
        self.manifest = manifest
        self.articles = articles
        self.files = files
        self.chunks = chunks
        self._faiss = faiss_index
        n = faiss_index.ntotal
        self.chunk_vectors = faiss_index.reconstruct_n(0, n) if n else np.zeros((0, self.dim), np.float32)
        self.sentence_vectors = sentence_vectors
        self.sentence_rows = sentence_rows
        self._bm25 = bm25
        self._article_rows: dict[str, list[int]] = {}
        for row in sorted(range(len(chunks)), key=lambda r: chunks[r].position):
            self._article_rows.setdefault(chunks[row].article_id, []).append(row)
        # sentence vector rows grouped by chunk row (CSR-style offsets), in sentence order
        self._sent_order = np.lexsort((sentence_rows[:, 1], sentence_rows[:, 0]))
        counts = np.bincount(sentence_rows[:, 0], minlength=len(chunks))
        self._sent_offsets = np.concatenate([[0], np.cumsum(counts)])

    @property
    def embedder(self) -> str:
        return str(self.manifest["embedder"])

    @property
    def dim(self) -> int:
        return int(self.manifest["dim"])

    @property
    def generation(self) -> str:
        return str(self.manifest["generation"])

    def dense(self, qvec: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Top-k chunk rows by inner product (cosine for normalised vectors), best first."""
        k = min(k, self._faiss.ntotal)
        if k <= 0:
            return []
        q = np.ascontiguousarray(np.asarray(qvec, dtype=np.float32).reshape(1, -1))
        if q.shape[1] != self.dim:
            raise ValueError(f"query vector has dim {q.shape[1]}, index has {self.dim}")
        import faiss

        faiss.omp_set_num_threads(1)  # one query: OpenMP start-up costs 10-20x the search itself
        scores, rows = self._faiss.search(q, k)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def bm25(self, query: str, k: int, language: Language) -> list[tuple[int, float]]:
        """Top-k chunk rows by BM25 over stemmed words (positive scores only), best first."""
        if self._bm25 is None or k <= 0:
            return []
        tokens = list(dict.fromkeys(t for t in stem_tokens(query, language) if t in self._bm25.vocab_dict))
        if not tokens:
            return []
        scores = np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]  # score desc, then row asc (stable ties)
        return [(int(r), float(scores[r])) for r in top if scores[r] > 0]

    def rows_of_article(self, article_id: str) -> list[int]:
        return list(self._article_rows.get(article_id, []))

    def sentence_vector_rows_of_chunk(self, row: int) -> list[int]:
        """Rows of `sentence_vectors` for chunk `row`, in sentence order."""
        a, b = int(self._sent_offsets[row]), int(self._sent_offsets[row + 1])
        return [int(i) for i in self._sent_order[a:b]]


# ---------------------------------------------------------------- reading


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


# ---------------------------------------------------------------- writing


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
