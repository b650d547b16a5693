"""What stored `bench/dev_answers.py` runs (bench/out/NAME.json) say about the rules stop 48 changed, without asking
the model again: the "one thing asked, nothing found" abstentions and the answers whose reader found nothing or only
repeated the question, each by the judge's P(yes) band and `question.asks_open`, right or not; and, for two runs of
the same questions, each timing's median and the questions whose answer time grew most (and whether their answer
changed).

    .venv/bin/python bench/experiments/reason_tally.py s47_main_final s47_probe2_final … [--timings A B]   # seconds
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(HERE))


def rows(name: str) -> list[dict]:
    stored = json.loads((HERE / "bench" / "out" / f"{name}.json").read_text(encoding="utf-8"))
    return stored["results"]["llama-cpp"]["rows"]


def main(argv: list[str] | None = None) -> int:
    from rag.chain import JUDGE_FIRM
    from rag.question import asks_open
    from rag.reading import NOTHING

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs", nargs="*")
    p.add_argument("--timings", nargs=2, metavar=("A", "B"))
    args = p.parse_args(argv)
    tally: Counter[tuple[str, ...]] = Counter()
    for name in args.runs:
        for r in rows(name):
            reason, judge = r["reason"] or "", (r["checks"] or {}).get("judge")
            band = "no judge" if judge is None else "firm" if judge >= JUDGE_FIRM else "below firm"
            kind = "open" if asks_open(r["question"]) else "one thing"
            truth = ("answerable" if r["answerable"] else "unanswerable") + (", right" if r["correct"] else ", wrong")
            if "and it found no answer in it" in reason:
                tally[("abstained: nothing found", band, kind, truth)] += 1
            elif not r["abstained"] and r["kind"] in ("factoid", "date", "followup", "why", "time"):
                if reason.startswith(NOTHING):
                    tally[("answered: reader found nothing", band, kind, truth)] += 1
                elif "only repeats the question" in reason:
                    tally[("answered: reader repeated the question", band, kind, truth)] += 1
    for key, n in sorted(tally.items()):
        print(n, " | ".join(key))
    if args.timings:
        a, b = ({r["id"]: r for r in rows(n)} for n in args.timings)
        for key in ("retrieve_ms", "first_token_ms", "total_ms"):
            print(key, "median", *(round(statistics.median(r["timings"][key] for r in x.values()
                                                            if key in r["timings"])) for x in (a, b)))
        grew = sorted(a, key=lambda k: a[k]["timings"].get("total_ms", 0) - b[k]["timings"].get("total_ms", 0))[:8]
        for k in grew:
            print(k, round(a[k]["timings"].get("total_ms", 0)), "->", round(b[k]["timings"].get("total_ms", 0)), "ms",
                  "answer changed" if a[k]["answer"] != b[k]["answer"] else "same answer")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
