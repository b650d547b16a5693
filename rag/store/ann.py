"""Approximate dense search for large indexes: an inverted file (IVF) over the chunk vectors.

Up to `ANN_MIN_CHUNKS` chunks the snapshot searches exactly (a matrix product: ~7 ms at 100,000
chunks on 2 cores). Beyond, exact search grows to ~75 ms at 1,000,000, so the snapshot clusters its
vectors (FAISS k-means, spherical, `4 sqrt(n)` centroids trained on a sample) and a search scores only
the rows of the `NPROBE` lists whose centroids are closest to the question, exactly. Training and
assigning every row take ~2 minutes at 1M chunks on 2 cores; they run in a background thread the first time a
large snapshot is searched (exact search answers meanwhile), and a commit's snapshot inherits the
centroids and assigns only its new rows (a cost proportional to the change). Recall against exact
search is checked when it is trained (`Ivf.checked`: rows of the index as questions; the lists probed
double until `MIN_RECALL`, and vectors without clusters to use keep exact search), and measured by
`bench/scale.py --product` (docs/BENCHMARKS.md, "Vector search at scale").
"""

from __future__ import annotations

import logging
import math
import threading

import numpy as np

log = logging.getLogger(__name__)

#: from this many chunks on, unfiltered dense search goes through the IVF once it is trained
ANN_MIN_CHUNKS = 200_000
#: lists per square root of the chunk count (FAISS' guideline: 4 to 16 times sqrt(n)); with fewer lists than
#: the data has clusters, a cluster without its own centroid scatters over many lists and recall stalls
LISTS_PER_SQRT = 4
#: ... but no more lists than leave this many rows to each (k-means needs points per centroid)
MIN_ROWS_PER_LIST = 64
#: lists scanned per question, at least (more when the recall check asks for it)
NPROBE = 24
#: training sample per centroid (FAISS' default cap is 256)
SAMPLE_PER_CENTROID = 40
#: the recall@10 against exact search that the IVF must reach on its check (else the snapshot stays exact)
MIN_RECALL = 0.98
#: rows used as questions for that check
CHECK_QUERIES = 64


class Ivf:
    """Centroids and, for each of a snapshot's chunk rows, the list it belongs to."""

    def __init__(self, centroids: np.ndarray, lists: np.ndarray, nprobe: int = NPROBE,
                 recall: float | None = None) -> None:
        self.centroids = np.ascontiguousarray(centroids, dtype=np.float32)
        self.lists = np.ascontiguousarray(lists, dtype=np.int32)
        self.nprobe = nprobe
        #: recall@10 measured by `checked` (None: not checked)
        self.recall = recall
        self._order: np.ndarray | None = None
        self._offsets: np.ndarray | None = None
        self._lock = threading.Lock()

    @classmethod
    def train(cls, vectors: np.ndarray, seed: int = 1234) -> Ivf:
        import faiss

        n, dim = vectors.shape
        nlist = max(16, min(int(LISTS_PER_SQRT * math.sqrt(n)), n // MIN_ROWS_PER_LIST))
        rng = np.random.default_rng(seed)
        sample = vectors[np.sort(rng.choice(n, size=min(n, nlist * SAMPLE_PER_CENTROID), replace=False))]
        km = faiss.Kmeans(dim, nlist, niter=10, spherical=True, seed=seed, verbose=False,
                          max_points_per_centroid=SAMPLE_PER_CENTROID)
        km.train(np.ascontiguousarray(sample, dtype=np.float32))
        centroids = np.asarray(km.centroids, dtype=np.float32)
        return cls(centroids, assign(centroids, vectors))

    def checked(self, vectors: np.ndarray, seed: int = 99) -> Ivf | None:
        """This IVF with the fewest lists probed (from `NPROBE`, doubling) that find `MIN_RECALL` of the exact
        top 10 for `CHECK_QUERIES` rows of `vectors` as questions (each row's own hit left out); None when
        that needs a quarter of the lists or more (the data has no clusters to use: search exactly)."""
        rng = np.random.default_rng(seed)
        rows = rng.choice(len(vectors), size=min(CHECK_QUERIES, len(vectors)), replace=False)
        tenth = []  # the exact 10th best score of each question (ties: any row that scores as high counts)
        for r in rows:
            scores = vectors @ vectors[r]
            scores[r] = -np.inf
            tenth.append(float(np.partition(-scores, 9)[9]) * -1)
        nprobe = NPROBE
        while nprobe < len(self.centroids) / 4:
            found = 0
            for r, bar in zip(rows, tenth, strict=True):
                found += min(10, sum(1 for row, score in self.search(vectors, vectors[r], 11, nprobe)
                                     if row != r and score >= bar - 1e-6))
            recall = found / (10 * len(rows))
            if recall >= MIN_RECALL:
                return Ivf(self.centroids, self.lists, nprobe, recall)
            nprobe *= 2
        return None

    def with_rows(self, keep: np.ndarray | None, new_vectors: np.ndarray) -> Ivf:
        """The IVF of a successor snapshot: this one's rows where `keep` (all when None), then `new_vectors`."""
        lists = self.lists if keep is None else self.lists[keep]
        if len(new_vectors):
            lists = np.concatenate([lists, assign(self.centroids, new_vectors)])
        return Ivf(self.centroids, lists, self.nprobe, self.recall)

    def _csr(self) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if self._order is None:
                self._order = np.argsort(self.lists, kind="stable").astype(np.int64)
                counts = np.bincount(self.lists, minlength=len(self.centroids))
                self._offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            assert self._offsets is not None
            return self._order, self._offsets

    def search(self, vectors: np.ndarray, q: np.ndarray, k: int, nprobe: int | None = None) -> list[tuple[int, float]]:
        """Top-k rows of `vectors` (the snapshot's chunk vectors) among the `nprobe` closest lists (default:
        this IVF's)."""
        nprobe = nprobe or self.nprobe
        order, offsets = self._csr()
        probe = np.argpartition(-(self.centroids @ q), min(nprobe, len(self.centroids)) - 1)[:nprobe]
        rows = np.sort(np.concatenate([order[offsets[c]:offsets[c + 1]] for c in probe]))  # memory order
        if not len(rows):
            return []
        scores = vectors[rows] @ q
        k = min(k, len(rows))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((rows[top], -scores[top]))]
        return [(int(rows[i]), float(scores[i])) for i in top]


def assign(centroids: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """The closest centroid (inner product) of each vector."""
    import faiss

    if not len(vectors):
        return np.zeros(0, np.int32)
    index = faiss.IndexFlatIP(centroids.shape[1])
    index.add(np.ascontiguousarray(centroids, dtype=np.float32))
    out = np.empty(len(vectors), np.int32)
    for start in range(0, len(vectors), 65_536):
        _, nearest = index.search(np.ascontiguousarray(vectors[start:start + 65_536], dtype=np.float32), 1)
        out[start:start + 65_536] = nearest[:, 0]
    return out
