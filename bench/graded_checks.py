"""Thresholds for the graded checks on the development set: what each setting would score.

    .venv/bin/python bench/graded_checks.py [--every N] [--out NAME] [--replay NAME]

The judge and the check read the model's P(yes) (`Answer.checks`); `rag.chain.JUDGE_MIN` and
`rag.reading.CHECK_MIN` decide. Two runs of the development set (tests/data/dev_qa.jsonl, the index
of bench/dev_answers.py) with the embedded model record everything needed to replay any pair:
- A: nothing refused by a threshold (judge, check and verify at 0): every judge and check P(yes), and
  the answer when the check passes;
- B: the same questions whose check ran, with every check refusing (check 1.01): the answer when
  the check fails (the quote, flagged).
Replayed per (tj, tc, tv): judge P(yes) < tj abstains; else the check's P(yes) ≥ tc gives run A's
answer (verified only if it reaches tv, `rag.reading.VERIFY_MIN`), below tc run B's. Yes/no
verdicts are not replayed (their threshold is VERDICT_MIN). The model is deterministic (temperature
0), so a replay equals a run with those thresholds.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from common import ROOT, cached_index, print_machine, table, write_result
from dev_answers import DEV_QA, dev_articles

JUDGE_GRID = (0.5, 0.7, 0.8, 0.9)
CHECK_GRID = (0.0, 0.5, 0.7)
VERIFY_GRID = (0.5, 0.7, 0.8, 0.9)


def replay(a: dict[str, Any], b: dict[str, Any] | None, tj: float, tc: float, tv: float) -> dict[str, Any]:
    """The row the flow gives with thresholds judge `tj`, check `tc` (below: the quote) and verify `tv`
    (below: the span shown unverified), from run A's row and run B's (None: no check ran)."""
    checks = a.get("checks") or {}
    if "judge" in checks and checks["judge"] < tj:
        return {**a, "abstained": True, "verified": True, "correct": not a["answerable"], "key_fact_recall": 0.0}
    if "check" not in checks:
        return a
    if checks["check"] < tc and b is not None:
        return b
    return {**a, "verified": a["verified"] and checks["check"] >= tv}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--embedder", default="e5-small")
    p.add_argument("--every", type=int, default=1, help="ask every n-th question only")
    p.add_argument("--out", default="graded_checks")
    p.add_argument("--replay", default="", help="replay the rows of an earlier run (its --out name) instead")
    args = p.parse_args(argv)

    import rag.chain
    import rag.reading
    from rag.eval_run import dev_scores, evaluate, load_jsonl

    if args.replay:  # the rows of an earlier run
        saved = json.loads((ROOT / "bench" / "out" / f"{args.replay}.json").read_text(encoding="utf-8"))
        run_a, run_b = saved["run_a"], saved["run_b"]
    else:
        items = load_jsonl(DEV_QA)[:: args.every]
        index_dir = cached_index("dev", dev_articles(), args.embedder)
        rag.chain.JUDGE_MIN, rag.reading.CHECK_MIN, rag.reading.VERIFY_MIN = 0.0, 0.0, 0.0  # type: ignore[misc]
        print("run A: nothing refused by a threshold…", file=sys.stderr)
        run_a = evaluate(items, index_dir, llm="llama-cpp")["rows"]
        checked = {r["id"] for r in run_a if "check" in (r.get("checks") or {})}
        rag.reading.CHECK_MIN = 1.01  # type: ignore[misc]
        print(f"run B: {len(checked)} questions whose check ran, every check refusing…", file=sys.stderr)
        todo = [it for it in items if it.id in checked]
        run_b = {r["id"]: r for r in evaluate(todo, index_dir, llm="llama-cpp")["rows"]}

    rows = []
    for tj in JUDGE_GRID:
        for tc in CHECK_GRID:
            for tv in (t for t in VERIFY_GRID if t >= tc):
                replayed = [replay(a, run_b.get(a["id"]), tj, tc, tv) for a in run_a]
                d = dev_scores(replayed)
                answerable = [r for r in replayed if r["answerable"] and r.get("short_f1") is not None]
                f1 = sum(r["short_f1"] for r in answerable) / max(1, len(answerable))
                verified = sum(bool(r["verified"]) and not r["abstained"] for r in replayed)
                rows.append([tj, tc, tv, f"{d['correct']}/{d['questions']}",
                             f"{d['abstained_right']}/{d['unanswerable']}", d["false_abstentions"], verified,
                             d["verified_but_wrong"], round(f1, 3)])
    print(f"\n**Graded checks replayed** ({len(run_a)} development questions; judge P(yes) < tj abstains; check "
          "P(yes) < tc keeps the quote, < tv shows the span unverified)\n")
    print(table(["judge tj", "check tc", "verify tv", "correct", "unanswerable abstained", "false abstentions",
                 "verified answers", "verified but wrong", "short-answer F1 (answerable)"], rows))
    print_machine()
    if not args.replay:
        path = write_result(args.out, {"args": vars(args), "run_a": run_a, "run_b": run_b})
        print(f"\nraw rows: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
