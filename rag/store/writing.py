"""Committing: write what changed as a new generation under a temporary name, fsync, rename, swap the
manifest (the commit point), prune; compaction; the writer lock; the index folder."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexCorruptError, IndexWriteError
from ..types import Article, Chunk, sha256_file
from .format import (
    BM25_PARAMS,
    COMPACT_RATIO,
    FORMAT_VERSION,
    GENERATIONS,
    LEXICON_DIR,
    MANIFEST,
    MAX_CHAIN,
    FileRecord,
    Lexicon,
    Part,
    build_lexicon,
    chunk_to_json,
    shallow,
)
from .lock import writer_lock
from .reading import IndexState, chain_of, open_index, read_manifest
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


def _write_generation(tmp: Path, part: Part) -> None:
    import faiss

    tmp.mkdir()
    index = faiss.IndexFlatIP(part.chunk_vectors.shape[1])
    if len(part.chunk_vectors):
        index.add(part.chunk_vectors)
    try:
        faiss.write_index(index, str(tmp / "chunks.faiss"))
    except RuntimeError as e:  # faiss reports write errors (ENOSPC) as RuntimeError
        raise OSError(str(e).splitlines()[0]) from e
    _fsync_path(tmp / "chunks.faiss")
    _write_npy(tmp / "sentences.npy", part.sentence_vectors)
    _write_npy(tmp / "sentence_rows.npy", part.sentence_rows)
    lines = "".join(json.dumps(chunk_to_json(c), ensure_ascii=False) + "\n" for c in part.chunks)
    _write_bytes(tmp / "chunks.jsonl", lines.encode("utf-8"))
    _write_json(tmp / "articles.json", [shallow(part.articles[k]) for k in sorted(part.articles)])
    _write_json(tmp / "files.json", [shallow(part.files[k]) for k in sorted(part.files)])
    _write_json(tmp / "counts.json", {a: list(n) for a, n in sorted(_article_counts(part).items())})
    _write_json(tmp / "removed.json", {"full": part.full, "articles": sorted(part.removed_articles),
                                       "files": sorted(part.removed_files)})
    lex = tmp / LEXICON_DIR
    lex.mkdir()
    _write_json(lex / "terms.json", list(part.lexicon.terms))
    for name, arr in (("ptr", part.lexicon.ptr), ("doc", part.lexicon.doc), ("tf", part.lexicon.tf),
                      ("length", part.lexicon.length)):
        _write_npy(lex / f"{name}.npy", arr)
    _fsync_path(lex)
    _fsync_path(tmp)


def _full_part(name: str, snap: Snapshot) -> Part:
    """Everything live in `snap` as one full generation (a compaction)."""
    lexicon = _live_lexicon(snap)
    return Part(name, True, list(snap.chunks), snap.chunk_vectors, snap.sentence_vectors, snap.sentence_rows,
                dict(snap.articles), dict(snap.files), frozenset(), frozenset(), lexicon)


def _live_lexicon(snap: Snapshot) -> Lexicon:
    """The postings of `snap`'s live chunks, from the generations' postings (no tokenizing again)."""
    ids: dict[str, int] = {}
    terms, docs, tfs = [], [], []
    for lex, remap in snap._lexicons:
        counts = np.diff(lex.ptr)
        local = np.fromiter((ids.setdefault(t, len(ids)) for t in lex.terms), dtype=np.int64, count=len(lex.terms))
        term = np.repeat(local, counts)
        row = remap[lex.doc]
        live = row >= 0
        terms.append(term[live])
        docs.append(row[live])
        tfs.append(lex.tf[live])
    if not terms:
        return build_lexicon([])
    term = np.concatenate(terms)
    doc = np.concatenate(docs)
    order = np.lexsort((doc, term))
    ptr = np.concatenate([[0], np.cumsum(np.bincount(term, minlength=len(ids)))]).astype(np.int64)
    used = np.flatnonzero(np.diff(ptr))  # terms that still occur in a live chunk
    names = list(ids)
    keep_ptr = np.concatenate([[0], np.cumsum(np.diff(ptr)[used])]).astype(np.int64)
    return Lexicon(tuple(names[i] for i in used), keep_ptr, doc[order].astype(np.int32),
                   np.concatenate(tfs)[order].astype(np.float32), snap._lengths.astype(np.float32))


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
    base: Snapshot | IndexState | None = None,
    compact: bool = False,
) -> Snapshot | None:
    """Make `articles` and `files` the index, atomically. Call inside `writer_lock(index_dir)`.

    Without `base`, `chunks` are all the chunks and the commit writes a full generation. With `base`
    (the current snapshot, opened under the lock), `chunks` are the new ones only: the commit writes
    them, the records that changed and the ids and paths that went away, a cost proportional to the
    change; it compacts instead (one full generation) when the chain gets long or mostly dead, or
    with `compact`. Row i of `chunk_vectors` embeds `chunks[i]`; row j of `sentence_vectors` embeds
    sentence `sentence_rows[j, 1]` of chunk `sentence_rows[j, 0]`. On failure the old index stays.
    Returns the new snapshot, built from `base` without reading the index again; None when `base` is an
    `IndexState` (a writer that does not search: nothing is assembled).
    """
    index_dir = Path(index_dir)
    cvec, svec, srows = check_change(embedder, dim, articles, chunks, chunk_vectors, sentence_vectors,
                                     sentence_rows, base)
    lexicon = build_lexicon(chunks)
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
        if base is not None and (old is None or old["generation"] != base.generation):
            raise ValueError("the base snapshot is not the current index; open it under writer_lock")
        if isinstance(base, IndexState) and (compact or len(base.chain) >= MAX_CHAIN):
            base = open_index(index_dir)  # a compaction needs everything
        gen = _next_generation(gens)
        if base is None:
            part = Part(gen, True, list(chunks), cvec, svec, srows, dict(articles), dict(files), frozenset(),
                        frozenset(), lexicon)
            chain, stored = [gen], len(chunks)
        else:
            assert old is not None
            part = Part(gen, False, list(chunks), cvec, svec, srows,
                        _changed(articles, base.articles), _changed(files, base.files),
                        frozenset(base.articles.keys() - articles.keys()), frozenset(base.files.keys() - files.keys()),
                        lexicon)
            chain = [*chain_of(old), gen]
            counts = old.get("counts", {})
            stored = int(counts.get("stored_chunks", counts.get("chunks", 0))) + len(chunks)
            live = _live_chunks(base) + len(chunks)  # an upper bound (removals make it smaller)
            if (compact or len(chain) > MAX_CHAIN or old["format_version"] != FORMAT_VERSION
                    or stored > COMPACT_RATIO * live + 64):
                if isinstance(base, IndexState):
                    base = open_index(index_dir)
                merged = Snapshot.assemble(index_dir, {**old, "dim": dim}, base, [part])
                part, chain, stored = _full_part(gen, merged), [gen], len(merged.chunks)
                log.info("compacting %s into one generation", index_dir)
        tmp, final = gens / f"{gen}.tmp", gens / gen
        _write_generation(tmp, part)
        written = [p for p in sorted(tmp.rglob("*")) if p.is_file()]
        sizes = {f"{gen}/{p.relative_to(tmp)}": p.stat().st_size for p in written}
        sums = {f"{gen}/{p.relative_to(tmp)}": sha256_file(p) for p in written}
        if not part.full and old is not None:  # the earlier generations' entries carry over
            keep = tuple(f"{g}/" for g in chain[:-1])
            sizes = {**{k: v for k, v in old.get("file_sizes", {}).items() if k.startswith(keep)}, **sizes}
            sums = {**{k: v for k, v in old.get("file_sha256", {}).items() if k.startswith(keep)}, **sums}
        os.rename(tmp, final)
        _fsync_path(gens)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        live_snapshot = None
        if not isinstance(base, IndexState) or part.full:
            prior = None if isinstance(base, IndexState) else base
            live_snapshot = Snapshot.assemble(index_dir, {"dim": dim, "embedder": embedder, "generation": gen,
                                                          "chain": chain}, prior, [part])
            live_counts = (len(live_snapshot.articles), len(live_snapshot.chunks), len(live_snapshot.sentence_rows),
                           len(live_snapshot.files))
        else:
            per_article = {**{a: n for a, n in base.counts.items() if a in articles}, **_article_counts(part)}
            live_counts = (len(articles), sum(c for c, _ in per_article.values()),
                           sum(n for _, n in per_article.values()), len(files))
        manifest: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "embedder": embedder,
            "dim": dim,
            "chunking": chunking,
            "counts": {"articles": live_counts[0], "chunks": live_counts[1], "sentences": live_counts[2],
                       "files": live_counts[3], "stored_chunks": stored, "generations": len(chain)},
            "bm25": {**BM25_PARAMS, "tokens": "rag.lang.stem_tokens(text, chunk.language)"},
            "created": (old or {}).get("created", now),
            "updated": now,
            "generation": gen,
            "chain": chain,
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
    _prune(gens, keep={*chain, *(chain_of(old) if old else ())})
    log.info("committed %s (%d generations): %d articles, %d chunks", gen, len(chain), live_counts[0], live_counts[1])
    if live_snapshot is not None:
        live_snapshot.manifest = manifest
    return live_snapshot


def check_change(embedder: str, dim: int, articles: dict[str, Article], chunks: list[Chunk], chunk_vectors: np.ndarray,
                 sentence_vectors: np.ndarray, sentence_rows: np.ndarray,
                 base: Snapshot | IndexState | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A commit's arrays as float32 / int32, after checking that they fit the chunks, the articles and the base
    (ValueError: a caller's bug, not the user's)."""
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
    if base is not None and (base.embedder != embedder or base.dim != dim):
        raise ValueError(f"base snapshot has embedder {base.embedder}/{base.dim}, commit {embedder}/{dim}")
    return cvec, svec, srows


def _changed(new: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    """The entries of `new` that `old` lacks or holds otherwise (the same object: unchanged, no compare)."""
    out = {}
    for key, value in new.items():
        before = old.get(key)
        if before is not value and before != value:
            out[key] = value
    return out


def _live_chunks(base: Snapshot | IndexState) -> int:
    return len(base.chunks) if isinstance(base, Snapshot) else int(base.manifest.get("counts", {}).get("chunks", 0))


def _article_counts(part: Part) -> dict[str, tuple[int, int]]:
    """Chunks and sentences per article whose chunks `part` holds (counts.json)."""
    out: dict[str, list[int]] = {}
    for c in part.chunks:
        n = out.setdefault(c.article_id, [0, 0])
        n[0] += 1
        n[1] += len(c.sentences)
    return {a: (c, sn) for a, (c, sn) in out.items()}


def compact(index_dir: Path | str, reuse: Snapshot | None = None) -> Snapshot:
    """Write the index as one full generation (what a commit does by itself past `MAX_CHAIN`)."""
    with writer_lock(index_dir):
        snap = open_index(index_dir, reuse=reuse)
        empty = np.zeros((0, snap.dim), np.float32)
        return commit(index_dir, embedder=snap.embedder, dim=snap.dim, chunking=snap.manifest.get("chunking", {}),
                      articles=snap.articles, files=snap.files, chunks=[], chunk_vectors=empty,
                      sentence_vectors=empty, sentence_rows=np.zeros((0, 2), np.int32), base=snap, compact=True) or snap


def _prune(gens: Path, keep: set[str]) -> None:
    """Delete every generation but those of the new chain and of the chain current until now (its readers
    keep working).

    Named, not "the newest two": an orphan (renamed, but its writer died before the manifest swap)
    must not displace a generation of the previous chain.
    """
    for p in gens.iterdir():
        if p.is_dir() and not p.name.endswith(".tmp") and p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)
            log.debug("pruned generation %s", p.name)
