"""Opening the index: the manifest, each generation of its chain (sizes and checksums checked), and
the snapshot they make; retries while commits prune; reuses an open snapshot the chain extends."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..errors import IndexCorruptError, IndexMismatchError, NoIndexError
from ..types import Article, sha256_file
from .format import (
    GENERATIONS,
    LEXICON_DIR,
    MANIFEST,
    READABLE_VERSIONS,
    VERIFY_ON_OPEN_BYTES,
    FileRecord,
    Lexicon,
    Part,
    _corrupt,
    build_lexicon,
    chunk_from_json,
)
from .snapshot import Manifested, Snapshot

log = logging.getLogger(__name__)
T = TypeVar("T")


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
    if data["format_version"] not in READABLE_VERSIONS:
        raise _corrupt(path, f"format version {data['format_version']}, this program reads "
                             f"{', '.join(map(str, READABLE_VERSIONS))}")
    return data


def chain_of(manifest: dict[str, Any]) -> list[str]:
    """The generations of the index, oldest first (a version-1 index has one)."""
    return [str(g) for g in manifest.get("chain") or [manifest["generation"]]]


def _files_of(manifest: dict[str, Any], gen: str, key: str) -> dict[str, Any]:
    """Sizes (`file_sizes`) or checksums (`file_sha256`) of one generation's files, by name in it."""
    table: dict[str, Any] = manifest.get(key, {})
    if manifest["format_version"] == 1:
        return table
    prefix = f"{gen}/"
    return {name[len(prefix):]: v for name, v in table.items() if name.startswith(prefix)}


#: how often `open_index` starts over when commits prune the generation it is reading
OPEN_ATTEMPTS = 5


class IndexState(Manifested):
    """What a writer needs of the current index, without its vectors, chunks or postings: the manifest,
    the live article and file records, and the chunk and sentence counts of each live article."""

    def __init__(self, index_dir: Path, manifest: dict[str, Any], articles: dict[str, Article],
                 files: dict[str, FileRecord], counts: dict[str, tuple[int, int]]) -> None:
        self.index_dir, self.manifest, self.articles, self.files, self.counts = (
            index_dir, manifest, articles, files, counts)


def read_state(index_dir: Path | str) -> IndexState | None:
    """The records of the current index (reading each generation's articles.json, files.json,
    removed.json and counts.json only); None for an index with a generation that lacks the counts (one
    written by version 1): then the writer opens the whole index. Every file's size is checked, the
    checksums only of the files read: same-size damage to vectors or chunks, which an update does not
    read and does not rewrite, is found by the next reader (and `rag index check`)."""
    index_dir = Path(index_dir)

    def load(manifest: dict[str, Any]) -> IndexState | None:
        if manifest["format_version"] == 1:
            return None
        articles: dict[str, Article] = {}
        files: dict[str, FileRecord] = {}
        counts: dict[str, tuple[int, int]] = {}
        verify = sum(manifest.get("file_sizes", {}).values()) <= VERIFY_ON_OPEN_BYTES
        names = ("articles.json", "files.json", "removed.json", "counts.json")
        try:
            for gen in chain_of(manifest):
                gen_dir = index_dir / GENERATIONS / gen
                sizes = _files_of(manifest, gen, "file_sizes")
                if "counts.json" not in sizes:
                    return None
                # every file's size (a truncated or missing one); the checksums of the records read here
                sums = {n: v for n, v in _files_of(manifest, gen, "file_sha256").items() if n in names}
                _check_files(gen_dir, sizes, sums, verify)
                removed = _json(gen_dir / "removed.json")
                for aid in removed.get("articles", ()):
                    articles.pop(aid, None)
                    counts.pop(aid, None)
                for path in removed.get("files", ()):
                    files.pop(path, None)
                articles.update((a["id"], Article(**a)) for a in _json(gen_dir / "articles.json"))
                files.update(_file_records(_json(gen_dir / "files.json")))
                counts.update((aid, (int(c), int(sn))) for aid, (c, sn) in _json(gen_dir / "counts.json").items())
        except (TypeError, ValueError, KeyError, AttributeError) as e:
            raise _corrupt(index_dir / GENERATIONS, f"{type(e).__name__}: {e}") from None
        return IndexState(index_dir, manifest, articles, files, {a: counts.get(a, (0, 0)) for a in articles})

    return _current(index_dir, load)


def _current(index_dir: Path, load: Callable[[dict[str, Any]], T]) -> T:
    """`load(manifest)` of the current manifest. When it finds damage and the manifest has changed
    meanwhile (writers committed twice while it read, and the second commit pruned a generation it
    read), it starts over with the new one; damage under an unchanged manifest is real and raised."""
    for attempt in range(OPEN_ATTEMPTS):
        manifest = read_manifest(index_dir)
        if manifest is None:
            raise NoIndexError(f"No index in {index_dir} — run `rag index build`")
        try:
            return load(manifest)
        except IndexCorruptError:
            if attempt == OPEN_ATTEMPTS - 1 or read_manifest(index_dir) == manifest:
                raise
            log.debug("generation %s was pruned while loading; reading the new manifest", manifest["generation"])
    raise AssertionError("unreachable")  # pragma: no cover


def _file_records(rows: list[dict[str, Any]]) -> dict[str, FileRecord]:
    out = {}
    for d in rows:
        d["article_ids"] = tuple(d["article_ids"])
        out[d["path"]] = FileRecord(**d)
    return out


def open_index(index_dir: Path | str, embedder: str | None = None, checksums: bool = False,
               reuse: Snapshot | None = None) -> Snapshot:
    """Load the current index. Retries when a concurrent commit pruned a generation while we read. File
    checksums are checked up to `VERIFY_ON_OPEN_BYTES`, or whatever the size with `checksums`. `reuse`:
    an open snapshot of this index; when the current chain extends its chain, only the newer
    generations are read (the same chain: `reuse` itself)."""
    index_dir = Path(index_dir)

    def load(manifest: dict[str, Any]) -> Snapshot:
        if embedder is not None and embedder != manifest["embedder"]:
            old = manifest["embedder"]
            raise IndexMismatchError(
                f"The index in {index_dir} was built with embedder {old!r}, but {embedder!r} was asked for. "
                f"Keep the old one (set RAG_EMBEDDER={old} or pass --embedder {old}), "
                f"or rebuild with the new one: `rag index build --embedder {embedder}`."
            )
        chain = chain_of(manifest)
        base = None
        if (reuse is not None and not checksums and reuse.embedder == manifest["embedder"]
                and reuse.dim == int(manifest["dim"]) and chain[: len(reuse.chain)] == reuse.chain):
            if len(chain) == len(reuse.chain):
                return reuse
            base, chain = reuse, chain[len(reuse.chain):]
        verify = checksums or sum(manifest.get("file_sizes", {}).values()) <= VERIFY_ON_OPEN_BYTES
        parts = [load_generation(index_dir / GENERATIONS / g, g, manifest, verify) for g in chain]
        return Snapshot.assemble(index_dir, manifest, base, parts)

    return _current(index_dir, load)


def _check_files(gen_dir: Path, sizes: dict[str, int], sums: dict[str, str], checksums: bool) -> None:
    """Every file of the generation is there with its recorded size and, with `checksums`, its sha256
    (same-size damage: a flipped byte in the vectors loads fine otherwise)."""
    if not gen_dir.is_dir():
        raise _corrupt(gen_dir, "generation folder missing")
    for name, size in sizes.items():
        p = gen_dir / name
        if not p.is_file():
            raise _corrupt(p, "file missing")
        if p.stat().st_size != size:
            raise _corrupt(p, f"size {p.stat().st_size} bytes, manifest says {size}")
    if checksums:
        for name, want in sums.items():
            if sha256_file(gen_dir / name) != want:
                raise _corrupt(gen_dir / name, "its contents changed since it was written (sha256 differs)")


def check_index(index_dir: Path | str) -> Snapshot:
    """Open the index checking every file's sha256 whatever its size (`rag index check`)."""
    return open_index(index_dir, checksums=True)


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise _corrupt(path, f"{type(e).__name__}: {e}") from None


def load_generation(gen_dir: Path, gen: str, manifest: dict[str, Any], checksums: bool = False) -> Part:
    """One generation's files, checked against the manifest, as a `Part`."""
    import faiss

    _check_files(gen_dir, _files_of(manifest, gen, "file_sizes"), _files_of(manifest, gen, "file_sha256"), checksums)
    dim = int(manifest["dim"])
    path = gen_dir / "chunks.faiss"
    try:
        index = faiss.read_index(str(path))
    except RuntimeError as e:
        raise _corrupt(path, f"FAISS cannot read it: {str(e).splitlines()[0]}") from None
    if index.d != dim:
        raise _corrupt(path, f"{index.ntotal}x{index.d} vectors, manifest says dimension {dim}")
    n = index.ntotal
    cvecs = index.reconstruct_n(0, n) if n else np.zeros((0, dim), np.float32)
    vecs = _load_npy(gen_dir / "sentences.npy", np.float32)
    rows = _load_npy(gen_dir / "sentence_rows.npy", np.int32)
    if vecs.ndim != 2 or vecs.shape[1] != dim or rows.shape != (vecs.shape[0], 2):
        raise _corrupt(gen_dir / "sentence_rows.npy", f"shapes {vecs.shape} and {rows.shape} do not fit dim {dim}")
    path = gen_dir / "chunks.jsonl"
    try:
        with open(path, encoding="utf-8") as f:
            chunks = [chunk_from_json(json.loads(line)) for line in f if line.strip()]
        path = gen_dir / "articles.json"
        articles = {a["id"]: Article(**a) for a in _json(path)}
        path = gen_dir / "files.json"
        files = _file_records(_json(path))
        removed = _json(gen_dir / "removed.json") if (gen_dir / "removed.json").exists() else {}
        full = bool(removed.get("full", manifest["format_version"] == 1))
        removed_articles = frozenset(map(str, removed.get("articles", ())))
        removed_files = frozenset(map(str, removed.get("files", ())))
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as e:
        raise _corrupt(path, f"{type(e).__name__}: {e}") from None
    if len(chunks) != n:
        raise _corrupt(gen_dir / "chunks.jsonl", f"{len(chunks)} chunks, chunks.faiss holds {n} vectors")
    if len(rows) and (rows.min() < 0 or rows[:, 0].max() >= n):
        raise _corrupt(gen_dir / "sentence_rows.npy", "chunk rows out of range")
    if (gen_dir / LEXICON_DIR).is_dir():
        lexicon = _load_lexicon(gen_dir / LEXICON_DIR, n)
    else:  # format 1 kept BM25 in bm25s' files: postings from the chunks (its next commit compacts it)
        lexicon = build_lexicon(chunks)
    return Part(gen, full, chunks, cvecs, vecs, rows, articles, files, removed_articles, removed_files, lexicon)


def _load_lexicon(folder: Path, n_chunks: int) -> Lexicon:
    terms = _json(folder / "terms.json")
    ptr = _load_npy(folder / "ptr.npy", np.int64)
    doc = _load_npy(folder / "doc.npy", np.int32)
    tf = _load_npy(folder / "tf.npy", np.float32)
    length = _load_npy(folder / "length.npy", np.float32)
    ok = (isinstance(terms, list) and ptr.shape == (len(terms) + 1,) and doc.shape == tf.shape
          and length.shape == (n_chunks,) and (not len(ptr) or (ptr[0] == 0 and ptr[-1] == len(doc)))
          and bool(np.all(np.diff(ptr) >= 0)) and (not len(doc) or (doc.min() >= 0 and doc.max() < n_chunks)))
    if not ok:
        raise _corrupt(folder, f"postings do not fit {len(terms) if isinstance(terms, list) else '?'} terms "
                               f"and {n_chunks} chunks")
    return Lexicon(tuple(map(str, terms)), ptr, doc, tf, length)


def _load_npy(path: Path, dtype: type) -> np.ndarray:
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        raise _corrupt(path, str(e)) from None
    if arr.dtype != dtype:
        raise _corrupt(path, f"dtype {arr.dtype}, expected {np.dtype(dtype)}")
    return arr
