"""An open, immutable generation in memory: chunks, vectors, BM25, and the searches over them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..lang import stem_tokens
from ..types import Article, Chunk, Language
from .format import FileRecord


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
