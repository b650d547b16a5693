"""The judge on its own: does it keep sentences that answer and refuse those that do not?

    .venv/bin/python bench/judge.py [--limit 5] [--llm llama-cpp]

The judge (`rag.chain.judged`, prompt in `rag/prompts.py`) runs on every question whose best
sentence passes the similarity threshold and the answer-kind check. Measured on the questions
that reach it:
- XQuAD dev, first `--limit` questions per article, German and English: answerable ones whose
  best sentence holds the gold (should say yes), and the same questions against the articles with
  their answer sentences deleted (`common.answers_removed`; should say no);
- the seed QA set: answerable questions whose best sentence holds the gold, and the unanswerable
  ones that reach the judge.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import numpy as np
from common import (
    ROOT,
    SEED_QA,
    XQUAD_DE,
    XQUAD_EN_Q,
    answers_removed,
    cached_index,
    load_squad,
    print_machine,
    squad_titles,
    table,
    write_result,
)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--embedder", default="e5-small")
    p.add_argument("--llm", default="llama-cpp")
    p.add_argument("--limit", type=int, default=5, help="XQuAD questions per article and language")
    args = p.parse_args(argv)

    from tqdm import tqdm

    from rag import store
    from rag.chain import JUDGE_MIN, JUDGED_NO, judged, prepare
    from rag.eval_run import contains_answer, load_jsonl
    from rag.llms import get_llm

    llm = get_llm(args.llm)
    if llm is None:
        print("the judge needs a language model (--llm)", file=sys.stderr)
        return 2
    articles, de_items = load_squad(XQUAD_DE)
    _, en_items = load_squad(XQUAD_EN_Q)
    chosen = {qid for ids in squad_titles(XQUAD_DE) for qid in ids[: args.limit]}
    intact = store.open_index(cached_index("xquad-dev-de", articles, args.embedder))
    removed = store.open_index(answers_removed(args.limit, args.embedder)[0])
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    seed_snap = store.open_index(cached_index("seeds", [(s.stem, s.read_text(encoding="utf-8")) for s in seeds],
                                              args.embedder))
    # (set, question, golds, should the judge say yes?)
    cases: list[tuple[str, Any, str, tuple[str, ...], bool | None]] = []
    for lang, items in (("de", de_items), ("en", en_items)):
        for it in items:
            if it.id in chosen:
                cases.append((f"XQuAD {lang}, answerable", intact, it.question, it.answers, True))
                cases.append((f"XQuAD {lang}, answer removed", removed, it.question, it.answers, False))
    for it in load_jsonl(SEED_QA):
        label = "answerable" if it.answerable else "unanswerable"
        cases.append((f"seed QA, {label}", seed_snap, it.question, it.answers, it.answerable))

    counts: dict[str, list[int]] = {}  # label -> [reached the judge, judge said yes]
    records, times = [], []
    for label, snap, question, golds, want_yes in tqdm(cases, desc="questions", file=sys.stderr):
        prep = prepare(snap, question)
        if prep.abstain_reason or not prep.evidence:
            continue
        if want_yes and not contains_answer(prep.evidence[0].sentence.text, golds):
            continue  # the best sentence does not hold the answer: neither verdict is wrong
        t0 = time.perf_counter()
        checks: dict[str, float] = {}
        said_yes = judged(prep, llm, snap, checks).abstain_reason != JUDGED_NO
        times.append(time.perf_counter() - t0)
        c = counts.setdefault(label, [0, 0])
        c[0] += 1
        c[1] += said_yes
        records.append({"set": label, "question": question, "sentence": prep.evidence[0].sentence.text,
                        "yes": said_yes, "p_yes": checks.get("judge")})

    rows = []
    for label, (n, yes) in counts.items():
        want_yes = "answer removed" not in label and "unanswerable" not in label
        right = yes if want_yes else n - yes
        rows.append([label, n, "yes" if want_yes else "no", f"{right}/{n}", right / n if n else None])
    print(f"\n**The judge** ({args.llm}; embedder {args.embedder}; XQuAD: first {args.limit} questions per article; "
          "answerable cases: best sentence holds the gold)\n")
    print(table(["questions reaching the judge", "n", "right verdict", "right", "share"], rows))
    graded = [r for r in records if r["p_yes"] is not None]
    if graded:  # the judge's P(yes) against thresholds: what each would keep and refuse
        sets = sorted({r["set"] for r in graded})
        grid = (0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995)
        trows = []
        for t in grid:
            row: list[Any] = [t]
            for label in sets:
                ps = [r["p_yes"] for r in graded if r["set"] == label]
                want_yes = "answer removed" not in label and "unanswerable" not in label
                right = sum((p >= t) == want_yes for p in ps)
                row.append(f"{right}/{len(ps)}")
            trows.append(row)
        print(f"\n**Right verdicts if the judge said yes only for P(yes) ≥ t** (now: t = {JUDGE_MIN})\n")
        print(table(["t", *sets], trows))
    print(f"\njudge call p50 {np.median(times) * 1000:.0f} ms, p95 {np.percentile(times, 95) * 1000:.0f} ms")
    print_machine()
    write_result("judge", {"args": vars(args), "counts": counts, "records": records})
    return 0


if __name__ == "__main__":
    sys.exit(main())
