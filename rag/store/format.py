"""The on-disk format of a generation: names, the file record, (de)serialisation, the BM25 build."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ..errors import IndexCorruptError
from ..lang import chunk_tokens
from ..types import Chunk, Sentence

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
