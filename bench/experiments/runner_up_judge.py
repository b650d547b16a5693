"""The judge on the runners-up of the questions whose best sentence it rejects (the evidence for
`rag.chain.RUNNER_UP_JUDGE`; `docs/BENCHMARKS.md`, stop 36): for each factoid, date or why-question of the
development set that a run of `bench/dev_answers.py` abstained because the judge rejected its best sentence, or
answered from a runner-up after such a rejection, the judge's P(yes) on the best sentence and on each runner-up
that `rag.chain.runners_up` may judge (`runner_up_candidates`, each read after whom it points back to,
`judged_alone`), and whether the question is answerable and the runner-up holds a key fact.

    .venv/bin/python bench/experiments/runner_up_judge.py --rows dev_s35e   # the rows of bench/out/dev_s35e.json

A bar for the runners-up must lie above every unanswerable question's runner-up and below those that answer.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import ROOT, cached_index  # noqa: E402
from dev_answers import DEV_QA, dev_articles  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", default="dev_s35e", help="a dev_answers run in bench/out whose rejected rows to read")
    args = p.parse_args(argv)
    from rag.api import open_snapshot
    from rag.chain import JUDGED_NO, READ_KINDS, judged, judged_alone, runner_up_candidates
    from rag.llms import get_llm
    from rag.prepare import prepare

    run = json.loads((ROOT / "bench" / "out" / f"{args.rows}.json").read_text(encoding="utf-8"))
    chosen = {r["id"] for r in run["results"]["llama-cpp"]["rows"]
              if r["reason"] == JUDGED_NO or "judge_closest" in (r.get("checks") or {})}
    gold = [json.loads(line) for line in DEV_QA.read_text(encoding="utf-8").splitlines() if line.strip()]
    snap = open_snapshot(cached_index("dev", dev_articles(), "e5-small"))
    llm = get_llm("llama-cpp")
    print("| question | answerable | best P(yes) | runner-up P(yes) (holds a key fact) |")
    print("|---|---|---|---|")
    for g in gold:
        if g["id"] not in chosen:
            continue
        history = [{"role": "user", "content": h} for h in g.get("history", [])]
        prep = prepare(snap, g["question"], history)
        if prep.abstain_reason or not prep.evidence or not prep.q or prep.q.kind not in READ_KINDS:
            continue
        best: dict[str, float] = {}
        judged(prep, llm, snap, best)
        tried = []
        for ev in runner_up_candidates(prep):
            _, checks = judged_alone(prep, ev, llm, snap)
            holds = any(any(f.lower() in ev.sentence.text.lower() for f in group) for group in g["key_facts"])
            tried.append(f"{checks.get('judge', float('nan')):.2f}{' (yes)' if holds else ''}")
        print(f"| {g['id']} | {'yes' if g['answerable'] else 'no'} | {best.get('judge', float('nan')):.2f} | "
              f"{', '.join(tried) or '–'} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
