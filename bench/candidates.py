"""Where the gold sentence ranks among a factoid's candidate sentences (XQuAD dev): how often the
best sentence holds the gold answer, and how often one of the first N does. The ceiling for a reader
that reads N candidate sentences instead of the best one alone.

    .venv/bin/python bench/candidates.py [--limit 120]
    RAG_GLOSSARY=none .venv/bin/python bench/candidates.py --limit 1000   # without Ding's dictionary

Each language's line ends with the p50 and p95 of `prepare` (retrieval and evidence, no model), ms.

The candidates are the sentences `rag.prepare` gives a factoid's reader (those above the answer
threshold among the three best), here up to five.
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import cached_index
from sentence_choice import FILES


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=120)
    args = p.parse_args(argv)
    from rag import prepare as prep_module
    from rag import store
    from rag.eval_run import load_squad
    from rag.prepare import prepare

    prep_module.READ_CANDIDATES = 5

    articles, _ = load_squad(FILES["de"])
    snap = store.open_index(cached_index("xquad-dev", articles, "e5-small"))
    for lang, path in FILES.items():
        items = [it for it in load_squad(path)[1][: args.limit] if it.answerable]
        at = {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}
        above = 0
        took: list[float] = []
        for it in items:
            t0 = time.perf_counter()
            prep = prepare(snap, it.question)
            took.append((time.perf_counter() - t0) * 1000)
            cands = prep.candidates or prep.evidence[:1]
            golds = [g.lower() for g in it.answers]
            for n in at:
                if any(g in ev.sentence.text.lower() for ev in cands[:n] for g in golds):
                    at[n] += 1
            above += not prep.abstain_reason
        n = len(items)
        print(f"{lang}: {n} answerable; not abstained {above}; gold in the first N candidates: "
              + ", ".join(f"N={k} {v / n:.3f}" for k, v in at.items())
              + f"; prepare p50 {statistics.median(took):.0f} ms, p95 {statistics.quantiles(took, n=20)[-1]:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
