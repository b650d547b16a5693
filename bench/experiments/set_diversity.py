"""The set questions (list, overview, comparison, several articles) of the stored sets answered extractively with
each weight of a bullet's distance from those already taken (`rag.evidence.select_set`'s `diversity`): the command
behind stop 47's change of `SET_DIVERSITY` from .3 to .15 (90 -> 92 of 117 correct, none lost; 0.0: 92, one lost).

    .venv/bin/python bench/experiments/set_diversity.py [--weights 0.3,0.15,0.0] [--skip probe8]   # ~1 min

Each weight and section runs `bench/dev_answers.py --llms extractive --kinds list,overview,comparison,multi` in a
process of its own (bench/out/set_diversity_<weight>_<section>.json); prints per weight the correct count per
section and in all, how many answers differ from the first weight's and the rows whose score does. Overviews of one
article are chosen by `select_overview`, whose weight is not changed here.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent.parent
SECTIONS = ("main", "probe", *(f"probe{n}" for n in range(2, 13)))
KINDS = "list,overview,comparison,multi"
RUN = """
import sys
sys.path[:0] = [{bench!r}, {root!r}]
import rag.evidence
rag.evidence.select_set.__kwdefaults__["diversity"] = {weight}
import dev_answers
sys.exit(dev_answers.main(["--llms", "extractive", "--kinds", {kinds!r}, "--section", {section!r}, "--out", {out!r}]))
"""


def rows(name: str) -> dict[str, tuple[bool, str]]:
    data = json.loads((HERE / "bench" / "out" / f"{name}.json").read_text(encoding="utf-8"))
    return {r["id"]: (bool(r["correct"]), r["answer"]) for r in data["results"]["extractive"]["rows"]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", default="0.3,0.15,0.0")
    p.add_argument("--skip", nargs="*", default=[], choices=SECTIONS, help="sections left out (a held-out set)")
    args = p.parse_args(argv)
    weights = [float(w) for w in args.weights.split(",")]
    sections = [s for s in SECTIONS if s not in args.skip]
    results: dict[float, dict[str, dict[str, tuple[bool, str]]]] = {}
    for weight in weights:
        for section in sections:
            out = f"set_diversity_{weight}_{section}"
            code = RUN.format(bench=str(HERE / "bench"), root=str(HERE), weight=weight, kinds=KINDS,
                              section=section, out=out)
            subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)
            results.setdefault(weight, {})[section] = rows(out)
    first = weights[0]
    for weight in weights:
        per = {s: f"{sum(ok for ok, _ in r.values())}/{len(r)}" for s, r in results[weight].items()}
        total = sum(ok for r in results[weight].values() for ok, _ in r.values())
        count = sum(len(r) for r in results[weight].values())
        moved = 0
        for section in sections:
            base, now = results[first][section], results[weight][section]
            for row, (ok, answer) in now.items():
                moved += answer != base[row][1]
                if ok != base[row][0]:
                    print(f"   {'+' if ok else '-'} {section} {row}")
        print(f"diversity {weight}: {total}/{count}, {moved} answers other than at {first}  "
              + "  ".join(f"{s} {v}" for s, v in per.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
