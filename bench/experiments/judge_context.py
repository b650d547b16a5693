"""The judge with and without the sentence before the best one (measured at stop 29; the second is adopted):
"always" shows it as context, "where it points back" only where the best sentence has a pronoun, opens with a
word like "dabei", or was paired with it by `rag.prepare`. For each factoid-like question (XQuAD dev, first N
per language; the development set's factoid, date, why, follow-up and event-date questions), the best sentence
`rag.prepare` gives, whether it holds the gold (XQuAD: the gold span; development set: a key fact, unanswerable
questions never), and the judge's P(yes) both ways; then AUC and, at `rag.chain.JUDGE_MIN`, how many right
sentences it keeps and wrong ones it refuses.

    .venv/bin/python bench/experiments/judge_context.py [--limit 120]     # ~8 min on 2 cores

Note: the adopted code judges the second way; the first is this script's own call with the sentence before.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import ROOT, auc, cached_index  # noqa: E402
from dev_answers import dev_articles  # noqa: E402
from sentence_choice import FILES  # noqa: E402

FACTOID_LIKE = ("factoid", "date", "why", "followup", "event_date")
Holds = Callable[[str], bool]
Question = tuple[str, list[dict[str, str]], Holds]


def judge_of(llm: Any, max_tokens: int) -> Callable[[str, str, str], float]:
    """The judge's P(yes) that `sentence` (read after `context`) answers `question` (0 where the model gives
    no log-probabilities)."""
    from rag.llms import for_role
    from rag.prompts import build_judge_messages
    from rag.reading import p_yes

    def judge(question: str, sentence: str, context: str) -> float:
        yes, _ = p_yes(for_role(llm, "judge"), build_judge_messages(question, sentence, context),
                       max_tokens=max_tokens)
        return float(yes if yes is not None else 0.0)

    return judge


def holds_any(groups: Sequence[Sequence[str]]) -> Holds:
    """A test of whether a text holds one string of any of `groups` (case-insensitive; none: never)."""
    def holds(text: str) -> bool:
        return any(any(s.lower() in text.lower() for s in group) for group in groups)

    return holds


@functools.cache
def xquad_index() -> Any:
    """The XQuAD dev articles' index (German), opened once."""
    from rag import store
    from rag.eval_run import load_squad

    articles, _ = load_squad(FILES["de"])
    return store.open_index(cached_index("xquad-dev", articles, "e5-small"))


def xquad_questions(lang: str, limit: int) -> tuple[Any, list[Question]]:
    """The XQuAD dev index and its first `limit` answerable questions in `lang`, each with a test of whether a
    text holds the gold span."""
    from rag.eval_run import load_squad

    items = [it for it in load_squad(FILES[lang])[1][:limit] if it.answerable]
    return xquad_index(), [(it.question, [], holds_any([it.answers])) for it in items]


def dev_questions(language: str | None = None) -> tuple[Any, list[Question]]:
    """The development set's index and its factoid-like questions (in `language`, if given), each with its
    history and a test of whether a text holds a key fact (never, for an unanswerable question)."""
    from rag import api

    snap = api.engine().snapshot(cached_index("dev", dev_articles(), "e5-small"))
    out: list[Question] = []
    for line in (ROOT / "tests" / "data" / "dev_qa.jsonl").read_text(encoding="utf-8").splitlines():
        g = json.loads(line)
        if g["kind"] not in FACTOID_LIKE or (language and g["language"] != language):
            continue
        out.append((g["question"], [{"role": "user", "content": h} for h in g["history"]],
                    holds_any(g["key_facts"] if g["answerable"] else [])))
    return snap, out


def report(sets: dict[str, list[dict]], variants: Sequence[str], column: str) -> None:
    """Per set and variant: AUC, and at `rag.chain.JUDGE_MIN` the right sentences kept and wrong ones refused."""
    from rag.chain import JUDGE_MIN

    print(f"| questions | n | right sentences | {column} | AUC | right kept | wrong refused |")
    print("|---|---|---|---|---|---|---|")
    for name, rows in sets.items():
        labels = [r["label"] for r in rows]
        for variant in variants:
            scores = [r[variant] for r in rows]
            kept = sum(s >= JUDGE_MIN and y for s, y in zip(scores, labels, strict=True))
            refused = sum(s < JUDGE_MIN and not y for s, y in zip(scores, labels, strict=True))
            print(f"| {name} | {len(rows)} | {sum(labels)} | {variant.replace('_', ' ')} | {auc(scores, labels):.3f} "
                  f"| {kept} | {refused} |")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=120, help="the first N XQuAD questions per language")
    args = p.parse_args(argv)
    from rag import store
    from rag.llms import get_llm
    from rag.neighbours import preceding_sentence
    from rag.prepare import prepare
    from rag.reading import points_back

    llm = get_llm("llama-cpp")
    assert llm is not None
    judge = judge_of(llm, max_tokens=2)

    def measure(snap: store.Snapshot, question: str, history: list[dict[str, str]], holds: Holds) -> dict | None:
        prep = prepare(snap, question, history)
        if not prep.evidence or prep.abstain_reason or prep.q is None or prep.q.is_set or prep.q.kind == "yesno":
            return None
        best = prep.evidence[0]
        before = prep.evidence[1] if prep.with_before and len(prep.evidence) > 1 else preceding_sentence(snap, best)
        context = before.sentence.text if before else ""
        back = prep.with_before or points_back(best.sentence.text)
        always = judge(prep.standalone, best.sentence.text, context)
        shown = always if back or not context else judge(prep.standalone, best.sentence.text, "")
        seen = best.sentence.text + (" " + context if prep.with_before else "")
        return {"label": bool(holds(seen)), "always": always, "points_back": shown}

    def rows_of(snap: store.Snapshot, questions: list[Question]) -> list[dict]:
        return [row for row in (measure(snap, *q) for q in questions) if row]

    sets = {f"XQuAD {lang}": rows_of(*xquad_questions(lang, args.limit)) for lang in FILES}
    sets["development set"] = rows_of(*dev_questions())
    report(sets, ("always", "points_back"), "context")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
