"""The answer check's prompts side by side: does P(yes) tell a right short answer from a wrong one?

    .venv/bin/python bench/answer_check.py [--rows dev_s37b] [--prompts check,answer-check] [--out answer_check]

Pairs from a development-set run (`bench/dev_answers.py --out NAME`, the embedded model's rows): each
correct answer's short answer with its cited sentence, and a wrong one made from the same sentence (another
of its numbers or names, not in the answer or the question; the same one for every prompt). Each prompt
grades both; reported: how often the right answer gets the higher P(yes) (AUC), and how many right and
wrong answers reach each threshold (`rag.reading.CHECK_MIN` shows the span, `VERIFY_MIN` marks it
verified). Prompts:
- `check`: the check's own prompt (its system text and four examples; since stop 38 only a yes/no
  question's two answers use it, `rag.reading.contrasted`);
- `answer-check`: the judge's prompt continued with the answer and a question about it
  (`rag.prompts.build_answer_check_messages`), which reuses the judge's cached reading of the sentence.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from typing import Any

from common import OUT, auc, print_machine, table, write_result

THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
#: A number or a capitalised word of the sentence: the wrong answer's candidates.
CANDIDATE = re.compile(r"\b(?:\d[\d.,]*|[A-ZÄÖÜ][\wäöüß-]+)\b")


def pairs(rows: list[dict[str, Any]], seed: int = 1) -> list[tuple[str, str, str, str, str]]:
    """(id, question, sentence, right, wrong) for the correct rows whose short answer is the sentence's."""
    rng = random.Random(seed)
    out = []
    for r in rows:
        if not (r.get("correct") and r.get("short") and r.get("citations")):
            continue
        sentence, right = r["citations"][0]["quote"], r["short"]
        if right not in sentence:
            continue
        others = [t for t in CANDIDATE.findall(sentence) if t not in right and t not in r["question"] and len(t) > 2]
        if others:
            out.append((r["id"], r["question"], sentence, right, rng.choice(others)))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", default="dev_s37b", help="a bench/dev_answers.py run (its --out name)")
    p.add_argument("--prompts", default="check,answer-check")
    p.add_argument("--out", default="answer_check")
    args = p.parse_args(argv)

    from rag.llms import for_role, get_llm
    from rag.prompts import build_answer_check_messages, build_check_messages
    from rag.reading import p_yes

    saved = json.loads((OUT / f"{args.rows}.json").read_text(encoding="utf-8"))
    todo = pairs(saved["results"]["llama-cpp"]["rows"])
    build = {"check": build_check_messages, "answer-check": build_answer_check_messages}
    llm = get_llm("llama-cpp")
    print_machine()
    result: dict[str, Any] = {"rows": args.rows, "pairs": len(todo), "prompts": {}}
    summary = []
    for name in args.prompts.split(","):
        model = for_role(llm, "judge" if name == "answer-check" else "check")
        graded = []
        for _id, question, sentence, right, wrong in todo:
            yes = [p_yes(model, build[name](question, a, sentence), max_tokens=1)[0] or 0.0 for a in (right, wrong)]
            graded.append({"id": _id, "right": right, "wrong": wrong, "p_right": yes[0], "p_wrong": yes[1]})
            print(name, graded[-1], file=sys.stderr, flush=True)
        good, bad = [g["p_right"] for g in graded], [g["p_wrong"] for g in graded]
        area = auc(good + bad, [True] * len(good) + [False] * len(bad))
        reach = {t: [sum(x >= t for x in good), sum(x >= t for x in bad)] for t in THRESHOLDS}
        result["prompts"][name] = {"auc": round(area, 3), "reach": reach, "pairs": graded}
        summary.append([name, f"{area:.3f}", *(f"{r}/{w}" for r, w in reach.values())])
    print(f"{len(todo)} pairs (right / wrong answers with P(yes) at least the threshold)")
    print(table(["prompt", "AUC", *(f"≥ {t}" for t in THRESHOLDS)], summary))
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
