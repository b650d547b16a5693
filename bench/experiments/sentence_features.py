"""Cheap features for choosing the sentence first (measured, not adopted; `docs/BENCHMARKS.md`, stop 22).

For every answerable XQuAD dev question (German and English files), the sentences of the top 5 hybrid
chunks are scored as `rag.evidence.scored_sentences` does; this prints how often the sentence ranked first
holds the gold answer under variants of the ranking score: more word-overlap weight, a bonus per name or
number of the question found in the sentence, the chunk's fused score or rank, and a penalty for "hub"
sentences (mean cosine to the rest of their article, or to their 10 nearest sentences in the index).

    .venv/bin/python bench/experiments/sentence_features.py      # ~1 min
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import cached_index  # noqa: E402
from sentence_choice import FILES  # noqa: E402

_NAME = re.compile(r"\b([A-ZÄÖÜ][\w-]+|\d[\d.,]*)\b")


def main() -> int:
    from rag import store
    from rag.embedders import get_embedder
    from rag.eval_run import load_squad
    from rag.evidence import _idf, overlap_share, scored_sentences
    from rag.question import analyse
    from rag.retrieve import HybridRetriever

    articles, _ = load_squad(FILES["de"])
    snap = store.open_index(cached_index("xquad-dev", articles, "e5-small"))
    emb = get_embedder(snap.embedder)
    idf = _idf(snap)
    vectors = snap.sentence_vectors
    sims = vectors @ vectors.T
    article = np.array([snap.chunks[int(r[0])].article_id for r in snap.sentence_rows])
    centrality = np.zeros(len(vectors))
    for a in set(article):
        idx = np.where(article == a)[0]
        centrality[idx] = (sims[np.ix_(idx, idx)].sum(1) - 1) / max(1, len(idx) - 1)
    knn = np.sort(sims, axis=1)[:, -11:-1].mean(1)
    for lang, path in FILES.items():
        questions = []
        for it in [it for it in load_squad(path)[1] if it.answerable]:
            q = analyse(it.question, ())
            qvec = np.asarray(emb.embed_query(q.standalone), dtype=np.float32)
            hits = HybridRetriever(snapshot=snap, k=5).hits(q.standalone, language=q.language, qvec=qvec)
            fused = {h.chunk.id: (h.score, h.rank) for h in hits}
            names = {m.group(1).lower() for m in _NAME.finditer(it.question)
                     if m.start() > 0 or m.group(1)[0].isdigit()}
            golds = [g.lower() for g in it.answers]
            rows = []
            for s, vrow, ev in scored_sentences(snap, hits, q.standalone, qvec, q.language)[:40]:
                text = ev.sentence.text.lower()
                ov = overlap_share(q.standalone, ev.sentence.text, q.language, idf) if q.language == "de" else 0.0
                rows.append({"s": s, "cos": ev.score, "gold": any(g in text for g in golds), "ov": ov,
                             "names": sum(n in text for n in names), "hs": fused[ev.chunk_id][0],
                             "rank1": fused[ev.chunk_id][1] == 1, "cent": centrality[vrow], "knn": knn[vrow]})
            questions.append(rows)

        def hit_rate(score: object, questions: list = questions) -> float:
            return sum(max(rows, key=score)["gold"] for rows in questions if rows) / len(questions)  # type: ignore[arg-type]

        print(f"{lang}: {len(questions)} questions; a retrieved sentence holds the gold: "
              f"{sum(any(r['gold'] for r in rows) for rows in questions) / len(questions):.3f}")
        print(f"  as ranked today {hit_rate(lambda r: r['s']):.3f}; cosine alone {hit_rate(lambda r: r['cos']):.3f}")
        for w in (0.1, 0.2, 0.3):
            print(f"  overlap weight {w}: {hit_rate(lambda r, w=w: r['cos'] + w * r['ov']):.3f}")
        for w in (0.01, 0.02, 0.03):
            print(f"  + {w} per name or number: {hit_rate(lambda r, w=w: r['s'] + w * r['names']):.3f}")
        for w in (0.5, 1, 2, 4):
            print(f"  + {w} x fused chunk score: {hit_rate(lambda r, w=w: r['s'] + w * r['hs']):.3f}; "
                  f"+ {w / 100} for the first chunk: {hit_rate(lambda r, w=w: r['s'] + w / 100 * r['rank1']):.3f}")
        for b in (0.05, 0.1, 0.2, 0.3, 0.5):
            print(f"  - {b} x centrality: {hit_rate(lambda r, b=b: r['s'] - b * r['cent']):.3f}; "
                  f"- {b} x 10-NN mean: {hit_rate(lambda r, b=b: r['s'] - b * r['knn']):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
