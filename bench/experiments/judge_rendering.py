"""The judge on an English question over German sentences: asked with the English question (as the flow does
today), with the model's German rendering of it (`rag.translation`), or with both. For each English factoid-like
question (XQuAD dev, the first N English questions; the development set's English factoid, date, why, follow-up
and event-date questions), the best sentence `rag.prepare` gives with the rendering (as the flow chooses it),
whether it holds the gold (XQuAD: the gold span; development set: a key fact, unanswerable questions never), and
the judge's P(yes) each way; then AUC and, at `rag.chain.JUDGE_MIN`, how many right sentences it keeps and wrong
ones it refuses.

    .venv/bin/python bench/experiments/judge_rendering.py [--limit 120]     # ~18 min on 2 cores

Measured at stop 30 and not adopted: the English question alone has the highest AUC on both sets.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from judge_context import Holds, Question, dev_questions, judge_of, report, xquad_questions  # noqa: E402

VARIANTS = ("english", "rendering", "both")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=120, help="the first N English XQuAD questions")
    args = p.parse_args(argv)
    from rag import store
    from rag.llms import get_llm
    from rag.neighbours import preceding_sentence
    from rag.prepare import prepare
    from rag.reading import points_back
    from rag.translation import render_question

    llm = get_llm("llama-cpp")
    assert llm is not None
    judge = judge_of(llm, max_tokens=3)

    def measure(snap: store.Snapshot, question: str, history: list[dict[str, str]], holds: Holds) -> dict | None:
        rendering = render_question(question, llm)
        prep = prepare(snap, question, history, translation=rendering)
        if (not rendering or not prep.evidence or prep.abstain_reason or prep.q is None or prep.q.is_set
                or prep.q.kind == "yesno"):
            return None
        best = prep.evidence[0]
        back = prep.with_before or points_back(best.sentence.text)
        before = (prep.evidence[1] if prep.with_before and len(prep.evidence) > 1
                  else preceding_sentence(snap, best) if back else None)
        context = before.sentence.text if before else ""
        seen = best.sentence.text + (" " + context if prep.with_before else "")
        asked = {"english": prep.standalone, "rendering": rendering, "both": f"{prep.standalone} ({rendering})"}
        return {"label": bool(holds(seen)), **{v: judge(asked[v], best.sentence.text, context) for v in VARIANTS}}

    def rows_of(snap: store.Snapshot, questions: list[Question]) -> list[dict]:
        return [row for row in (measure(snap, *q) for q in questions) if row]

    sets = {"XQuAD en": rows_of(*xquad_questions("en", args.limit)),
            "development set, English": rows_of(*dev_questions("en"))}
    report(sets, VARIANTS, "judge asked with")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
