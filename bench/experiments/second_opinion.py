"""A second opinion where the judge rejects the best sentence (not adopted; `docs/BENCHMARKS.md`, stop 42): for each
factoid, date or why-question whose best sentence `rag.chain.judged` rejects, the reader reads it anyway and the
answer check runs on what it finds (`rag.reading.read`): the short answer, the check's P(yes), and its F1 against
the gold span (XQuAD) or whether the question is unanswerable (the development set).

    .venv/bin/python bench/experiments/second_opinion.py --set de --limit 120   # first 120 German XQuAD dev questions
    .venv/bin/python bench/experiments/second_opinion.py --set dev              # the development set

A second opinion would help only if it gave right short answers where the judge erred and none to unanswerable
questions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import cached_index, load_squad, table  # noqa: E402
from dev_answers import DEV_QA, dev_articles  # noqa: E402
from sentence_choice import FILES  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--set", choices=("de", "en", "dev"), default="de")
    p.add_argument("--limit", type=int, default=120, help="the first N XQuAD questions")
    args = p.parse_args(argv)
    from rag.api import open_snapshot
    from rag.chain import JUDGED_NO, hit_language, judged
    from rag.eval_run import load_jsonl
    from rag.llms import get_llm
    from rag.metrics import best_f1
    from rag.prepare import prepare
    from rag.question import analyse
    from rag.reading import Reading, read

    if args.set == "dev":
        items = load_jsonl(DEV_QA)
        snap = open_snapshot(cached_index("dev", dev_articles(), "e5-small"))
    else:
        articles, items = load_squad(FILES[args.set])
        items = items[: args.limit]
        snap = open_snapshot(cached_index("xquad-dev", articles, "e5-small"))
    llm = get_llm("llama-cpp")
    assert llm is not None
    rows = []
    for it in items:
        prep = prepare(snap, it.question, tuple(it.history))
        if prep.abstain_reason or not prep.evidence or (prep.q and (prep.q.is_set or prep.q.kind in (
                "yesno", "timeline", "event_date"))):
            continue
        checks: dict[str, float] = {}
        rejected = judged(prep, llm, snap, checks)
        if rejected.abstain_reason != JUDGED_NO:
            continue
        best = rejected.evidence[0]
        context = rejected.evidence[1].sentence.text if rejected.from_context or rejected.with_before else ""
        got = Reading()
        for item in read(rejected.standalone, rejected.q or analyse(it.question), best.sentence.text, context,
                         rejected.language, hit_language(snap, best), llm, rejected.judged_as):
            if isinstance(item, Reading):
                got = item
        f1 = best_f1(got.short, it.answers) if got.short and it.answerable else None
        rows.append((it.id, it.answerable, checks.get("judge"), got.checks.get("check"), got.short or "–",
                     "–" if f1 is None else round(f1, 2), got.problem[:60] or "–", it.question[:70]))
    print(table(["id", "answerable", "judge P(yes)", "check P(yes)", "short answer", "F1", "problem", "question"],
                rows))
    print(f"{len(rows)} questions judged no; {sum(r[4] != '–' for r in rows)} short answers the check passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
