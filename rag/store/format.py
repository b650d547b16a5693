"""The on-disk format: names, the file record, (de)serialisation, and the lexicon (BM25 postings).

A generation is what one commit wrote: the chunks it added (with their vectors, sentence vectors
and postings), the article and file records it set, and the article ids and file paths it removed.
The index is the chain of generations the manifest lists, oldest first; a full generation (a build,
or a compaction) starts a chain of its own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexCorruptError
from ..lang import chunk_tokens
from ..types import Article, Chunk, Sentence

FORMAT_VERSION = 2
#: Indexes written by these versions open; version 1 (one generation holding everything, BM25 in
#: bm25s' files) is read with postings rebuilt from its chunks, and its next commit compacts it.
READABLE_VERSIONS = (1, 2)
MANIFEST = "manifest.json"
GENERATIONS = "generations"
LEXICON_DIR = "lexicon"
#: BM25 as Lucene scores it (bm25s' "lucene" method): idf = ln(1 + (N - df + .5) / (df + .5)),
#: tf part = tf / (tf + k1 (1 - b + b len / mean len)).
BM25_PARAMS: dict[str, Any] = {"method": "lucene", "k1": 1.5, "b": 0.75}
REBUILD = "Run `rag index build` to rebuild the index from the articles folder."
#: A commit compacts (writes one full generation) when the chain would grow past this many
#: generations, or when the chain stores more than COMPACT_RATIO times the live chunks.
MAX_CHAIN = 16
COMPACT_RATIO = 2.0


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


def chunk_to_json(c: Chunk) -> dict[str, Any]:
    d = shallow(c)
    d["sentences"] = [[s.text, s.start, s.end] for s in c.sentences]
    return d


def shallow(obj: Any) -> dict[str, Any]:
    """Fields of a flat dataclass (dataclasses.asdict deep-copies and is ~10x slower)."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def chunk_from_json(d: dict[str, Any]) -> Chunk:
    sents = tuple(Sentence(str(t), int(a), int(b)) for t, a, b in d.pop("sentences"))
    return Chunk(sentences=sents, **d)


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Postings of one generation's chunks: term j occurs in chunk rows `doc[ptr[j]:ptr[j+1]]` (ascending)
    `tf[...]` times; `length[r]` is chunk r's token count. Tokens: `rag.lang.chunk_tokens`.

    Per generation, not one library index over everything: BM25 needs corpus-wide document
    frequencies, which a chain of generations only has when they are summed at query time (bm25s
    stores scores with its corpus' idf baked in, so its indexes cannot be split or appended to)."""

    terms: tuple[str, ...]
    ptr: np.ndarray  # int64, len(terms) + 1
    doc: np.ndarray  # int32
    tf: np.ndarray  # float32
    length: np.ndarray  # float32, one per chunk
    index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.index:
            self.index.update((t, j) for j, t in enumerate(self.terms))

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        j = self.index.get(term)
        if j is None:
            return None
        a, b = int(self.ptr[j]), int(self.ptr[j + 1])
        return self.doc[a:b], self.tf[a:b]


def build_lexicon(chunks: list[Chunk]) -> Lexicon:
    ids: dict[str, int] = {}
    term_of: list[int] = []
    doc_of: list[int] = []
    tf_of: list[int] = []
    length = np.zeros(len(chunks), dtype=np.float32)
    for row, c in enumerate(chunks):
        tokens = chunk_tokens(c.text, c.language)
        length[row] = len(tokens)
        for tok, n in Counter(tokens).items():
            term_of.append(ids.setdefault(tok, len(ids)))
            doc_of.append(row)
            tf_of.append(n)
    terms = np.asarray(term_of, dtype=np.int64)
    order = np.argsort(terms, kind="stable")  # by term, rows ascending within a term
    ptr = np.concatenate([[0], np.cumsum(np.bincount(terms, minlength=len(ids)))]).astype(np.int64)
    return Lexicon(tuple(ids), ptr, np.asarray(doc_of, dtype=np.int32)[order],
                   np.asarray(tf_of, dtype=np.float32)[order], length)


@dataclass(frozen=True, eq=False)
class Part:
    """One generation's content, in memory. Row i of `chunk_vectors` embeds `chunks[i]`; row j of
    `sentence_vectors` embeds sentence `sentence_rows[j, 1]` of chunk `sentence_rows[j, 0]` (rows of
    this generation). `full`: it holds the whole index (nothing before it counts)."""

    name: str
    full: bool
    chunks: list[Chunk]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    sentence_rows: np.ndarray
    articles: dict[str, Article]
    files: dict[str, FileRecord]
    removed_articles: frozenset[str]
    removed_files: frozenset[str]
    lexicon: Lexicon
