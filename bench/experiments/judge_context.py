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
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import ROOT, cached_index  # noqa: E402
from dev_answers import dev_articles  # noqa: E402
from sentence_choice import FILES  # noqa: E402


def auc(scores: list[float], labels: list[bool]) -> float:
    """The probability that a random right sentence scores above a random wrong one (ties count half)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return float("nan")
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=120, help="the first N XQuAD questions per language")
    args = p.parse_args(argv)
    from rag import api, store
    from rag.chain import JUDGE_MIN
    from rag.eval_run import load_squad
    from rag.forms import refers_back
    from rag.llms import for_role, get_llm
    from rag.neighbours import preceding_sentence
    from rag.prepare import prepare
    from rag.prompts import build_judge_messages
    from rag.reading import has_pronoun, p_yes

    llm = get_llm("llama-cpp")
    assert llm is not None

    def judge(question: str, sentence: str, context: str) -> float:
        yes, _ = p_yes(for_role(llm, "judge"), build_judge_messages(question, sentence, context), max_tokens=2)
        return float(yes if yes is not None else 0.0)

    def measure(snap: store.Snapshot, question: str, history: list[dict[str, str]], holds: object) -> dict | None:
        prep = prepare(snap, question, history)
        if not prep.evidence or prep.abstain_reason or prep.q is None or prep.q.is_set or prep.q.kind == "yesno":
            return None
        best = prep.evidence[0]
        before = prep.evidence[1] if prep.with_before and len(prep.evidence) > 1 else preceding_sentence(snap, best)
        context = before.sentence.text if before else ""
        points_back = prep.with_before or refers_back(best.sentence.text) or has_pronoun(best.sentence.text)
        always = judge(prep.standalone, best.sentence.text, context)
        shown = always if points_back or not context else judge(prep.standalone, best.sentence.text, "")
        seen = best.sentence.text + (" " + context if prep.with_before else "")
        return {"label": bool(holds(seen)), "always": always, "points_back": shown}

    sets: dict[str, list[dict]] = {}
    articles, _ = load_squad(FILES["de"])
    snap = store.open_index(cached_index("xquad-dev", articles, "e5-small"))
    for lang, path in FILES.items():
        rows = []
        for it in [it for it in load_squad(path)[1][: args.limit] if it.answerable]:
            row = measure(snap, it.question, [], lambda text, it=it: any(g.lower() in text.lower() for g in it.answers))
            if row:
                rows.append(row)
        sets[f"XQuAD {lang}"] = rows
    dev = api.engine().snapshot(cached_index("dev", dev_articles(), "e5-small"))
    rows = []
    for line in (ROOT / "tests" / "data" / "dev_qa.jsonl").read_text(encoding="utf-8").splitlines():
        g = json.loads(line)
        if g["kind"] not in ("factoid", "date", "why", "followup", "event_date"):
            continue
        history = [{"role": "user", "content": h} for h in g["history"]]
        row = measure(dev, g["question"], history, lambda text, g=g: g["answerable"] and any(
            any(s.lower() in text.lower() for s in group) for group in g["key_facts"]))
        if row:
            rows.append(row)
    sets["development set"] = rows

    print("| questions | n | right sentences | context | AUC | right kept | wrong refused |")
    print("|---|---|---|---|---|---|---|")
    for name, rows in sets.items():
        labels = [r["label"] for r in rows]
        for variant in ("always", "points_back"):
            scores = [r[variant] for r in rows]
            kept = sum(s >= JUDGE_MIN and y for s, y in zip(scores, labels, strict=True))
            refused = sum(s < JUDGE_MIN and not y for s, y in zip(scores, labels, strict=True))
            print(f"| {name} | {len(rows)} | {sum(labels)} | {variant.replace('_', ' ')} | {auc(scores, labels):.3f} "
                  f"| {kept} | {refused} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
