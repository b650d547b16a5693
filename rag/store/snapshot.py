"""An open, immutable index in memory: the live chunks of a chain of generations, their vectors and
postings, and the searches over them. A later commit never changes a snapshot; it makes a new one
from this one and the generation it wrote (`Snapshot.assemble`), at a cost of copying arrays, not of
reading or tokenizing the index again."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..lang import stem_tokens
from ..types import Article, Chunk, Language
from . import ann
from .format import BM25_PARAMS, FileRecord, Lexicon, Part

log = logging.getLogger(__name__)
_TRAINING = threading.Lock()  # one IVF training at a time (2 cores)


class _Rows:
    """Append-only rows shared by successive snapshots: each sees `data[:n]` of its own n. A successor
    of the newest snapshot writes its rows after them in place (room grows by half when full); any
    other successor copies. Rows a snapshot sees are never written again."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = data
        self.used = len(data)
        self._lock = threading.Lock()

    def extended(self, n: int, rows: np.ndarray) -> _Rows:
        """A buffer whose first n + len(rows) rows are this one's first n, then `rows`."""
        rows = rows.reshape(-1, *self.data.shape[1:]).astype(self.data.dtype, copy=False)
        need = n + len(rows)
        with self._lock:
            if n == self.used and need <= len(self.data):
                self.data[n:need] = rows
                self.used = need
                return self
        grown = np.empty((max(need + need // 2, 16), *self.data.shape[1:]), dtype=self.data.dtype)
        grown[:n] = self.data[:n]
        grown[n:need] = rows
        out = _Rows(grown)
        out.used = need
        return out


class Manifested:
    """What the manifest says about the index it describes."""

    manifest: dict[str, Any]

    @property
    def embedder(self) -> str:
        return str(self.manifest["embedder"])

    @property
    def dim(self) -> int:
        return int(self.manifest["dim"])

    @property
    def generation(self) -> str:
        return str(self.manifest["generation"])

    @property
    def chain(self) -> list[str]:
        """The generations the index is made of, oldest first."""
        return list(self.manifest.get("chain") or [self.generation])


class Snapshot(Manifested):
    """The index as one commit left it. Rows (0..len(chunks)-1) number the live chunks."""

    def __init__(
        self,
        index_dir: Path | str,
        manifest: dict[str, Any],
        articles: dict[str, Article],
        files: dict[str, FileRecord],
        chunks: list[Chunk],
        chunk_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
        sentence_rows: np.ndarray,
        lexicons: Sequence[tuple[Lexicon, np.ndarray]] = (),
        lengths: np.ndarray | None = None,
    ) -> None:
        self.index_dir = index_dir
        self.manifest = manifest
        self.articles = articles
        self.files = files
        self.chunks = chunks
        self._cbuf = _Rows(np.ascontiguousarray(chunk_vectors, dtype=np.float32).reshape(-1, self.dim))
        self._sbuf = _Rows(np.ascontiguousarray(sentence_vectors, dtype=np.float32).reshape(-1, self.dim))
        self._rbuf = _Rows(np.ascontiguousarray(sentence_rows, dtype=np.int32).reshape(-1, 2))
        self._n_sentences = self._rbuf.used
        self._views()
        sentence_rows = self.sentence_rows
        #: (postings of a generation, its rows -> rows here; -1: not live)
        self._lexicons = list(lexicons)
        self._lengths = lengths if lengths is not None else np.zeros(len(chunks), np.float32)
        self._mean_length = float(self._lengths.mean()) if len(self._lengths) else 0.0
        self._allowed: dict[Any, np.ndarray] = {}
        self._german = np.fromiter((c.language == "de" for c in chunks), dtype=bool, count=len(chunks))
        self._article_rows: dict[str, list[int]] = {}
        for row in sorted(range(len(chunks)), key=lambda r: chunks[r].position):
            self._article_rows.setdefault(chunks[row].article_id, []).append(row)
        # sentence vector rows grouped by chunk row (CSR-style offsets), in sentence order
        self._sent_order = np.lexsort((sentence_rows[:, 1], sentence_rows[:, 0]))
        counts = np.bincount(sentence_rows[:, 0], minlength=len(chunks))
        self._sent_offsets = np.concatenate([[0], np.cumsum(counts)])
        self._no_ivf()

    def _no_ivf(self) -> None:
        self._ivf: ann.Ivf | None = None
        #: (the snapshot this one was made from, its rows kept (None: all), the rows added): the IVF is derived
        #: from that one's once it has one
        self._ivf_from: tuple[Snapshot, np.ndarray | None, np.ndarray] | None = None
        self._ivf_started = False
        self._ivf_done = threading.Event()  # set when this snapshot's training ended (with an IVF or without)
        self._ivf_lock = threading.Lock()

    def _views(self) -> None:
        """The arrays this snapshot sees: its own first rows of the shared buffers."""
        self.chunk_vectors: np.ndarray = self._cbuf.data[: len(self.chunks)]
        self.sentence_vectors: np.ndarray = self._sbuf.data[: self._n_sentences]
        self.sentence_rows: np.ndarray = self._rbuf.data[: self._n_sentences]

    @classmethod
    def _appended(cls, base: Snapshot, manifest: dict[str, Any], parts: Sequence[Part], articles: dict[str, Article],
                  files: dict[str, FileRecord], owner: dict[str, int]) -> Snapshot:
        """`base` with only new chunks added (none of its own gone): its arrays are extended in place
        where it is the newest snapshot, and its tables extended, not rebuilt."""
        snap = cls.__new__(cls)
        snap.index_dir, snap.manifest, snap.articles, snap.files = base.index_dir, manifest, articles, files
        chunks = list(base.chunks)
        cvs, svs, rws, lens, lexicons = [], [], [], [], list(base._lexicons)
        n_sent = base._n_sentences
        for i, p in enumerate(parts):
            mask = np.fromiter((c.article_id in articles and owner[c.article_id] == i for c in p.chunks),
                               dtype=bool, count=len(p.chunks))
            new_row = np.where(mask, len(chunks) + np.cumsum(mask) - 1, -1).astype(np.int64)
            chunks.extend(c for c, keep in zip(p.chunks, mask, strict=True) if keep)
            smask = mask[p.sentence_rows[:, 0]] if len(p.sentence_rows) else np.zeros(0, dtype=bool)
            rows = p.sentence_rows[smask].astype(np.int64)
            rows[:, 0] = new_row[rows[:, 0]]
            cvs.append(p.chunk_vectors[mask])
            svs.append(p.sentence_vectors[smask])
            rws.append(rows.astype(np.int32))
            lens.append(p.lexicon.length[mask])
            lexicons.append((p.lexicon, new_row))
        dim = base.dim
        new_c = np.concatenate(cvs) if cvs else np.zeros((0, dim), np.float32)
        new_s = np.concatenate(svs) if svs else np.zeros((0, dim), np.float32)
        new_r = np.concatenate(rws) if rws else np.zeros((0, 2), np.int32)
        snap.chunks = chunks
        snap._cbuf = base._cbuf.extended(len(base.chunks), new_c)
        snap._sbuf = base._sbuf.extended(n_sent, new_s)
        snap._rbuf = base._rbuf.extended(n_sent, new_r)
        snap._n_sentences = n_sent + len(new_r)
        snap._views()
        snap._lexicons = lexicons
        snap._lengths = np.concatenate([base._lengths, *lens]).astype(np.float32)
        snap._mean_length = float(snap._lengths.mean()) if len(snap._lengths) else 0.0
        snap._allowed = {}
        added = chunks[len(base.chunks):]
        snap._german = np.concatenate([base._german, np.fromiter((c.language == "de" for c in added), dtype=bool,
                                                                 count=len(added))])
        snap._article_rows = dict(base._article_rows)  # lists shared: only new articles get rows
        first = len(base.chunks)
        for row in sorted(range(first, len(chunks)), key=lambda r: chunks[r].position):
            snap._article_rows.setdefault(chunks[row].article_id, []).append(row)
        order = np.lexsort((new_r[:, 1], new_r[:, 0])) + n_sent
        snap._sent_order = np.concatenate([base._sent_order, order])
        counts = np.bincount(new_r[:, 0] - first, minlength=len(added)) if len(added) else np.zeros(0, np.int64)
        snap._sent_offsets = np.concatenate([base._sent_offsets, base._sent_offsets[-1] + np.cumsum(counts)])
        snap._no_ivf()
        snap._inherit_ivf(base, None, new_c)
        return snap

    @classmethod
    def assemble(cls, index_dir: Path | str, manifest: dict[str, Any], base: Snapshot | None,
                 parts: Sequence[Part]) -> Snapshot:
        """`base` with `parts` (generations committed after it, oldest first) applied: their removals,
        their records, their chunks. A chunk is live when its article is, and no later generation
        brought the article's chunks again. `base` None (or a full first part): parts only."""
        if parts and parts[0].full:
            base = None
        articles = dict(base.articles) if base else {}
        files = dict(base.files) if base else {}
        owner: dict[str, int] = {}  # article -> the part whose chunks it has
        for i, p in enumerate(parts):
            for aid in p.removed_articles:
                articles.pop(aid, None)
            articles.update(p.articles)
            for path in p.removed_files:
                files.pop(path, None)
            files.update(p.files)
            for c in p.chunks:
                owner[c.article_id] = i
        if base is not None and all(a in articles for a in base.articles) and not (owner.keys() & base.articles.keys()):
            return cls._appended(base, manifest, parts, articles, files, owner)  # nothing of base's went away
        sources: list[tuple[list[Chunk], np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        if base is not None:
            mask = np.fromiter((c.article_id in articles and c.article_id not in owner for c in base.chunks),
                               dtype=bool, count=len(base.chunks))
            sources.append((base.chunks, base.chunk_vectors, base.sentence_vectors, base.sentence_rows, mask))
        for i, p in enumerate(parts):
            mask = np.fromiter((c.article_id in articles and owner[c.article_id] == i for c in p.chunks),
                               dtype=bool, count=len(p.chunks))
            sources.append((p.chunks, p.chunk_vectors, p.sentence_vectors, p.sentence_rows, mask))
        dim = int(manifest["dim"])
        chunks: list[Chunk] = []
        cparts, sparts, rparts, lparts = [], [], [], []
        lexicons: list[tuple[Lexicon, np.ndarray]] = []
        for k, (cs, cv, sv, sr, mask) in enumerate(sources):
            offset = len(chunks)
            new_row = np.where(mask, offset + np.cumsum(mask) - 1, -1).astype(np.int64)
            chunks.extend(c for c, keep in zip(cs, mask, strict=True) if keep)
            cparts.append(cv if mask.all() else cv[mask])
            smask = mask[sr[:, 0]] if len(sr) else np.zeros(0, dtype=bool)
            sparts.append(sv if smask.all() else sv[smask])
            rows = sr[smask].astype(np.int64)
            rows[:, 0] = new_row[rows[:, 0]]
            rparts.append(rows.astype(np.int32))
            if base is not None and k == 0:
                lparts.append(base._lengths[mask])
                for lex, remap in base._lexicons:
                    moved = np.where(remap >= 0, new_row[np.maximum(remap, 0)], -1)
                    if (moved >= 0).any():
                        lexicons.append((lex, moved))
            else:
                p = parts[k - (1 if base is not None else 0)]
                lparts.append(p.lexicon.length[mask])
                lexicons.append((p.lexicon, new_row))

        def stack(arrays: list[np.ndarray], width: int, dtype: type) -> np.ndarray:
            arrays = [a.reshape(-1, width) for a in arrays if len(a)]
            return np.ascontiguousarray(np.concatenate(arrays) if arrays else np.zeros((0, width), dtype), dtype=dtype)

        lengths = np.concatenate(lparts).astype(np.float32) if lparts else np.zeros(0, np.float32)
        snap = cls(index_dir, manifest, articles, files, chunks, stack(cparts, dim, np.float32),
                   stack(sparts, dim, np.float32), stack(rparts, 2, np.int32), lexicons, lengths)
        if base is not None:
            snap._inherit_ivf(base, sources[0][4], stack(cparts[1:], dim, np.float32))
        return snap

    # --- approximate dense search (rag.store.ann) -------------------------------------------------

    def _inherit_ivf(self, base: Snapshot, keep: np.ndarray | None, added: np.ndarray) -> None:
        """Take `base`'s IVF (its kept rows, `added` assigned to its centroids), now or once it has one."""
        if len(self.chunks) < ann.ANN_MIN_CHUNKS:
            return
        if base._ivf is not None:
            self._ivf = base._ivf.with_rows(keep, added)
        elif base._ivf_started or base._ivf_from is not None:
            self._ivf_from = (base, keep, added)

    def ivf(self, start: bool = True) -> ann.Ivf | None:
        """The IVF of this snapshot when it is ready; else None, and (with `start`) its training is started in
        the background unless it will come from the snapshot this one was made from. None, and no training,
        below `ann.ANN_MIN_CHUNKS` chunks (exact search)."""
        if len(self.chunks) < ann.ANN_MIN_CHUNKS:
            return None
        with self._ivf_lock:
            if self._ivf is not None:
                return self._ivf
            if self._ivf_from is not None:
                base, keep, added = self._ivf_from
                got = base.ivf(start=False)
                if got is not None:
                    self._ivf, self._ivf_from = got.with_rows(keep, added), None
                    return self._ivf
                if base._ivf_started or base._ivf_from is not None:
                    return None
                self._ivf_from = None
            if start and not self._ivf_started:
                self._ivf_started = True
                threading.Thread(target=self._train_ivf, name="ivf-training", daemon=True).start()
            return None

    def wait_ivf(self, timeout: float | None = None) -> ann.Ivf | None:
        """Start this snapshot's IVF training (when it trains one) and wait for its end: the IVF, or None when
        the snapshot searches exactly (small, not clustered, or the wait timed out)."""
        ivf = self.ivf()
        if ivf is not None or len(self.chunks) < ann.ANN_MIN_CHUNKS:
            return ivf
        source: Snapshot = self
        while source._ivf_from is not None:  # the IVF comes from the snapshot this one was made from
            source = source._ivf_from[0]
        source._ivf_done.wait(timeout)
        return self.ivf(start=False)

    def _train_ivf(self) -> None:
        try:
            self._train_ivf_now()
        finally:
            self._ivf_done.set()

    def _train_ivf_now(self) -> None:
        with _TRAINING:
            try:
                trained = ann.Ivf.train(self.chunk_vectors).checked(self.chunk_vectors)
            except Exception:  # noqa: BLE001 - exact search goes on; the log says why
                log.exception("training the IVF for %d chunks failed; searching exactly", len(self.chunks))
                return
        if trained is None:
            log.info("the IVF for %d chunks missed recall@10 %.2f: searching exactly", len(self.chunks),
                     ann.MIN_RECALL)
            return
        with self._ivf_lock:
            self._ivf = trained
        log.info("IVF ready: %d chunks in %d lists, %d probed (recall@10 %.3f on its check)", len(self.chunks),
                 len(trained.centroids), trained.nprobe, trained.recall)

    def allowed_rows(self, keep: Callable[[Article], bool], key: Any) -> np.ndarray:
        """Which rows belong to articles `keep` accepts (remembered per `key`, e.g. a `Filters`)."""
        mask = self._allowed.get(key)
        if mask is None:
            ok = {aid for aid, art in self.articles.items() if keep(art)}
            mask = np.fromiter((c.article_id in ok for c in self.chunks), dtype=bool, count=len(self.chunks))
            if len(self._allowed) > 32:
                self._allowed.clear()
            self._allowed[key] = mask
        return mask

    def dense(self, qvec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k chunk rows by inner product (cosine for normalised vectors), best first; only `allowed`
        rows when given."""
        k = min(k, len(self.chunks))
        if k <= 0:
            return []
        q = np.ascontiguousarray(np.asarray(qvec, dtype=np.float32).reshape(1, -1))
        if q.shape[1] != self.dim:
            raise ValueError(f"query vector has dim {q.shape[1]}, index has {self.dim}")
        if allowed is not None:
            rows = np.flatnonzero(allowed)
            if not len(rows):
                return []
            scores = self.chunk_vectors[rows] @ q[0]
            top = np.argsort(-scores, kind="stable")[:k]
            return [(int(rows[i]), float(scores[i])) for i in top]
        ivf = self.ivf()
        if ivf is not None:
            return ivf.search(self.chunk_vectors, q[0], k)
        scores = self.chunk_vectors @ q[0]  # exact inner products; as fast as FAISS' flat index here
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]
        return [(int(r), float(scores[r])) for r in top]

    def bm25(self, query: str, k: int, language: Language,
             allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k chunk rows by BM25 over stemmed words (positive scores only), best first; document
        frequencies and lengths are those of the live chunks of every generation; only `allowed` rows
        when given (the statistics stay the whole index's)."""
        n = len(self.chunks)
        if k <= 0 or n == 0:
            return []
        k1, b = float(BM25_PARAMS["k1"]), float(BM25_PARAMS["b"])
        norm = k1 * (1 - b + b * self._lengths / max(self._mean_length, 1e-9))
        scores = np.zeros(n, dtype=np.float32)
        for term in dict.fromkeys(stem_tokens(query, language)):
            rows, tfs = [], []
            for lex, remap in self._lexicons:
                found = lex.postings(term)
                if found is None:
                    continue
                mapped = remap[found[0]]
                live = mapped >= 0
                rows.append(mapped[live])
                tfs.append(found[1][live])
            if not rows:
                continue
            r = np.concatenate(rows)
            if not len(r):
                continue
            tf = np.concatenate(tfs)
            idf = math.log(1 + (n - len(r) + 0.5) / (len(r) + 0.5))
            scores[r] += (idf * tf / (tf + norm[r])).astype(np.float32)
        if allowed is not None:
            scores[~allowed] = 0.0
        k = min(k, n)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]  # score desc, then row asc (stable ties)
        return [(int(r), float(scores[r])) for r in top if scores[r] > 0]

    def document_frequency(self, term: str, language: Language) -> int:
        """How many live chunks in `language` hold the stemmed word `term`."""
        total = 0
        for lex, remap in self._lexicons:
            found = lex.postings(term)
            if found is not None:
                rows = remap[found[0]]
                rows = rows[rows >= 0]
                total += int(np.count_nonzero(self._german[rows] == (language == "de")))
        return total

    def rows_of_article(self, article_id: str) -> list[int]:
        return list(self._article_rows.get(article_id, []))

    def sentence_vector_rows_of_chunk(self, row: int) -> list[int]:
        """Rows of `sentence_vectors` for chunk `row`, in sentence order."""
        a, b = int(self._sent_offsets[row]), int(self._sent_offsets[row + 1])
        return [int(i) for i in self._sent_order[a:b]]

    def closest_sentences(self, qvec: np.ndarray, rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """For each chunk row, its sentence closest to `qvec`: the inner product (NaN for a chunk without
        sentence vectors) and that sentence's row of `sentence_vectors` (-1 then)."""
        scores = np.full(len(rows), np.nan, dtype=np.float32)
        vrows = np.full(len(rows), -1, dtype=np.int64)
        spans = [(i, self._sent_order[self._sent_offsets[r]:self._sent_offsets[r + 1]]) for i, r in enumerate(rows)]
        spans = [(i, span) for i, span in spans if len(span)]
        if not spans:
            return scores, vrows
        cos = self.sentence_vectors[np.concatenate([span for _, span in spans])] @ np.asarray(
            qvec, dtype=np.float32).reshape(-1)
        start = 0
        for i, span in spans:
            j = int(np.argmax(cos[start:start + len(span)]))
            scores[i], vrows[i] = cos[start + j], span[j]
            start += len(span)
        return scores, vrows
