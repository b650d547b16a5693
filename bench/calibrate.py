"""Calibrate the abstention threshold: best-evidence score of questions the index can and cannot answer.

    .venv/bin/python bench/calibrate.py [--embedder e5-small] [--half even|odd] [--limit N]

Indexes half of the 24 XQuAD dev articles (even or odd positions; cached in bench/out/cache/), then
runs `rag.chain.prepare` (retrieval + sentence selection, no language model) for the German and
English questions of all 24 articles. Questions about indexed articles should be answered, the
others abstained. Prints the best-evidence cosine distributions per language pair and the threshold
that maximises balanced accuracy ((answered-right + abstained-right) / 2), beside the one in
`rag.evidence.THRESHOLDS`.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from common import XQUAD_DE, XQUAD_EN_Q, cached_index, load_squad, print_machine, squad_titles, table, write_result


def best_threshold(pos: np.ndarray, neg: np.ndarray) -> tuple[float, float]:
    """(threshold, balanced accuracy) maximising balanced accuracy; answer when score >= threshold."""
    cands = np.unique(np.concatenate([pos, neg]))
    best = (float("nan"), 0.0)
    for t in cands:
        bacc = balanced_accuracy(pos, neg, float(t))
        if bacc > best[1]:
            best = (float(t), bacc)
    return best


def balanced_accuracy(pos: np.ndarray, neg: np.ndarray, t: float) -> float:
    tpr = float(np.mean(pos >= t)) if len(pos) else 0.0
    tnr = float(np.mean(neg < t)) if len(neg) else 0.0
    return (tpr + tnr) / 2


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--embedder", default="e5-small")
    p.add_argument("--half", choices=["even", "odd"], default="even", help="which articles are indexed")
    p.add_argument("--limit", type=int, default=None, help="questions per article and language")
    p.add_argument("-k", type=int, default=5)
    args = p.parse_args(argv)

    from tqdm import tqdm

    from rag import store
    from rag.chain import prepare
    from rag.evidence import THRESHOLDS, threshold

    articles, de_items = load_squad(XQUAD_DE)
    _, en_items = load_squad(XQUAD_EN_Q)
    first = 0 if args.half == "even" else 1
    indexed = set(range(first, len(articles), 2))
    index_dir = cached_index(f"xquad-half-{args.half}", [a for i, a in enumerate(articles) if i in indexed],
                             args.embedder)
    snap = store.open_index(index_dir)
    article_of = {qid: i for i, ids in enumerate(squad_titles(XQUAD_DE)) for qid in ids[: args.limit]}

    scores: dict[tuple[str, bool], list[float]] = {}
    for lang, items in (("de", de_items), ("en", en_items)):
        for item in tqdm([it for it in items if it.id in article_of], desc=f"{lang} questions", file=sys.stderr):
            prep = prepare(snap, item.question, (), args.k)
            best = prep.evidence[0].score if prep.evidence else 0.0
            scores.setdefault((lang, article_of[item.id] in indexed), []).append(best)

    pct = (5, 25, 50, 75, 95)
    dist_rows, rows, raw = [], [], {}
    for lang in ("de", "en"):
        pos = np.asarray(scores.get((lang, True), []))
        neg = np.asarray(scores.get((lang, False), []))
        pair = f"{lang}→de"
        for label, arr in (("in index", pos), ("not in index", neg)):
            dist_rows.append([pair, label, len(arr), *[float(np.percentile(arr, q)) for q in pct]])
        t, bacc = best_threshold(pos, neg)
        current = threshold(args.embedder, "de" if lang == "de" else "en", "de")
        cur_bacc = balanced_accuracy(pos, neg, current)
        rows.append([pair, t, bacc, float(np.mean(pos >= t)), float(np.mean(neg < t)), current, cur_bacc,
                     float(np.mean(pos >= current)), float(np.mean(neg < current))])
        raw[pair] = {"pos": pos.round(4).tolist(), "neg": neg.round(4).tolist(), "best": t, "best_bacc": bacc,
                     "current": current, "current_bacc": cur_bacc}

    print(f"\n**Best-evidence cosine** ({args.embedder}; indexed: {len(indexed)} {args.half} articles of "
          f"{len(articles)}; questions of all articles)\n")
    print(table(["pair", "questions about", "n", *[f"p{q}" for q in pct]], dist_rows))
    print(f"\n**Abstention threshold** (answer when best score ≥ t; current: THRESHOLDS[{args.embedder!r}] = "
          f"{THRESHOLDS.get(args.embedder)})\n")
    print(table(["pair", "best t", "balanced acc", "answered right", "abstained right", "current t",
                 "balanced acc", "answered right", "abstained right"], rows))
    print_machine()
    write_result(f"calibrate-{args.half}", {"args": vars(args), "pairs": raw})
    return 0


if __name__ == "__main__":
    sys.exit(main())
