"""Hybrid retrieval: dense (e5) fused with BM25, where the lexical weight depends on the question.

Fixed-weight fusion wrecks cross-language questions (an English question shares few words with a
German article), so BM25 only votes for chunks in the question's language, and with a weight that
grows with how confident BM25 is (its top score against the rest). The dense side is two steps: the chunk
vectors find the candidates, and each candidate's closest sentence to the question orders them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, field_validator

from . import store
from .embedders import get_embedder
from .errors import ConfigError
from .filters import make_filters
from .lang import detect_language
from .types import Hit, Language

log = logging.getLogger(__name__)

RRF_K = 60
#: Retrieval modes: fused (default), the dense vectors only, BM25 only.
MODES = ("hybrid", "dense", "bm25")
CANDIDATES = 50


@dataclass(frozen=True)
class RetrievalConfig:
    mode: str = "hybrid"  # "hybrid" | "dense" | "bm25"
    bm25_weight: float = 1.0  # the most BM25 can weigh against dense (same-language questions)
    candidates: int = CANDIDATES


def bm25_confidence(scores: list[float]) -> float:
    """0..1: how clearly BM25's best hit stands out from the rest of its top ten."""
    if not scores:
        return 0.0
    top = scores[0]
    rest = scores[1:10]
    if top <= 0:
        return 0.0
    if not rest:
        return 1.0
    mean_rest = float(np.mean(rest))
    return float(np.clip((top - mean_rest) / top * 2.0, 0.0, 1.0))


def by_best_sentence(snap: store.Snapshot, qvec: np.ndarray, dense: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """The dense candidates ordered by their closest sentence to the question: a chunk's vector finds the
    candidates (and scales to approximate search), its best sentence orders them. The answer sits in one
    sentence, and a chunk's vector blurs it with its neighbours (XQuAD dev hybrid, docs/BENCHMARKS.md "Stop 31":
    R@1 .881 -> .917 German, .796 -> .874 English). A chunk without sentence vectors keeps its own score."""
    if not dense:
        return dense
    best, _ = snap.closest_sentences(qvec, [r for r, _ in dense])
    scored = [(r, s if np.isnan(b) else float(b)) for (r, s), b in zip(dense, best, strict=True)]
    return sorted(scored, key=lambda rs: (-rs[1], rs[0]))


def _fuse(
    snap: store.Snapshot,
    question: str,
    k: int = 5,
    config: RetrievalConfig = RetrievalConfig(),
    language: Language | None = None,
    qvec: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
) -> list[Hit]:
    """Top-k chunks for the question, dense and BM25 fused by reciprocal rank (`HybridRetriever.hits`)."""
    if config.mode not in MODES:
        raise ConfigError(f"Unknown retrieval mode {config.mode!r}; use one of {', '.join(MODES)}.")
    if not snap.chunks or not question.strip():
        return []
    lang = language or detect_language(question)
    n = min(config.candidates, len(snap.chunks))
    dense: list[tuple[int, float]] = []
    lexical: list[tuple[int, float]] = []
    if config.mode in ("hybrid", "dense"):
        if qvec is None:
            qvec = get_embedder(snap.embedder).embed_query(question)
        dense = by_best_sentence(snap, qvec, snap.dense(qvec, n, allowed))
    if config.mode in ("hybrid", "bm25"):
        lexical = snap.bm25(question, n, lang, allowed)
        if config.mode == "hybrid":
            lexical = [(r, s) for r, s in lexical if snap.chunks[r].language == lang]
    dense_score = dict(dense)
    bm25_score = dict(lexical)
    fused: dict[int, float] = {}
    if config.mode == "dense":
        fused = {r: s for r, s in dense}
    elif config.mode == "bm25":
        fused = {r: s for r, s in lexical}
    else:
        w = config.bm25_weight * bm25_confidence([s for _, s in lexical])
        for rank, (row, _) in enumerate(dense, 1):
            fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank)
        for rank, (row, _) in enumerate(lexical, 1):
            fused[row] = fused.get(row, 0.0) + w / (RRF_K + rank)
    order = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    closest = snap.closest_sentences(qvec, [row for row, _ in order])[1] if qvec is not None else [-1] * len(order)
    hits = []
    for rank, ((row, score), vrow) in enumerate(zip(order, closest, strict=True), 1):
        chunk = snap.chunks[row]
        sentence = chunk.sentences[int(snap.sentence_rows[vrow][1])].text if vrow >= 0 else ""
        art = snap.articles.get(chunk.article_id)
        hits.append(
            Hit(
                rank=rank,
                score=float(score),
                chunk=chunk,
                title=art.title if art else "",
                url=art.url if art else None,
                date=art.date if art else None,
                date_source=art.date_source if art else "",
                dense_score=dense_score.get(row),
                bm25_score=bm25_score.get(row),
                sentence=sentence,
            )
        )
    return hits


class HybridRetriever(BaseRetriever):
    """LangChain retriever over a Quellenlage index: the hybrid search the answers use (they call `hits`).

        HybridRetriever(index_dir="index", k=5, mode="hybrid").invoke("Wie viele Kisten …?", k=1)

    Each Document's `page_content` is the chunk's text; its metadata is plain JSON: `title`, `url`,
    `date`, `article_id`, `chunk_id`, `score` (fused, higher is better), `rank` and `sentence` (the chunk's sentence
    closest to the question; "" in bm25 mode). `k` may be given per
    call. `index_dir` (a folder, or a `postgresql://` URL) defaults to RAG_STORE / RAG_INDEX_DIR (or
    `index/`); the index is the default engine's
    (`rag.api.engine()`), so it is reopened when another process commits. `snapshot` pins one open
    index instead (the answer flow, which reads one snapshot per question). `since`, `until` (ISO
    dates, inclusive) and `source` (an outlet's domain) restrict the articles searched
    (`rag.filters`)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    index_dir: Path | str | None = None  # a str stays one: a URL is no path
    snapshot: store.Snapshot | None = None
    k: int = 5
    mode: str = "hybrid"
    since: str | None = None
    until: str | None = None
    source: str | None = None

    @field_validator("mode")
    @classmethod
    def _known_mode(cls, value: str) -> str:
        if value not in MODES:
            raise ValueError(f"mode={value!r} is not a retrieval mode; use one of {', '.join(MODES)}")
        return value

    @field_validator("k")
    @classmethod
    def _positive_k(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"k={value} must be at least 1")
        return value

    def current_snapshot(self) -> store.Snapshot:
        if self.snapshot is not None:
            return self.snapshot
        from .api import engine

        return engine().snapshot(self.index_dir)

    def hits(self, query: str, k: int | None = None, *, language: Language | None = None,
             qvec: np.ndarray | None = None) -> list[Hit]:
        """The top-k chunks as `Hit`s (scores of both rankers kept). `language` and `qvec` spare
        detecting the question's language and embedding it again when the caller has them."""
        k = self.k if k is None else int(k)
        if k < 1:
            raise ValueError(f"k={k} must be at least 1")
        snap = self.current_snapshot()
        filters = make_filters(self.since, self.until, self.source)
        allowed = snap.allowed_rows(filters.matches, filters) if filters.active else None
        return _fuse(snap, query, k, RetrievalConfig(mode=self.mode), language=language, qvec=qvec, allowed=allowed)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None, **kwargs: Any
    ) -> list[Document]:
        if kwargs:
            raise TypeError(f"HybridRetriever.invoke() takes k only, not {', '.join(sorted(kwargs))}")
        return [hit_document(h) for h in self.hits(query, k)]


def hit_document(h: Hit) -> Document:
    """A retrieved chunk as a LangChain Document with JSON metadata."""
    return Document(
        page_content=h.chunk.text,
        metadata={"title": h.title, "url": h.url, "date": h.date, "article_id": h.chunk.article_id,
                  "chunk_id": h.chunk.id, "score": float(h.score), "rank": h.rank, "sentence": h.sentence},
    )
