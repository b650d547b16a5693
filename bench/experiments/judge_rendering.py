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
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import ROOT, cached_index  # noqa: E402
from dev_answers import dev_articles  # noqa: E402
from judge_context import auc  # noqa: E402
from sentence_choice import FILES  # noqa: E402

VARIANTS = ("english", "rendering", "both")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=120, help="the first N English XQuAD questions")
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
    from rag.translation import render_question

    llm = get_llm("llama-cpp")
    assert llm is not None

    def judge(question: str, sentence: str, context: str) -> float:
        yes, _ = p_yes(for_role(llm, "judge"), build_judge_messages(question, sentence, context), max_tokens=3)
        return float(yes if yes is not None else 0.0)

    def measure(snap: store.Snapshot, question: str, history: list[dict[str, str]], holds: object) -> dict | None:
        rendering = render_question(question, llm)
        prep = prepare(snap, question, history, translation=rendering)
        if (not rendering or not prep.evidence or prep.abstain_reason or prep.q is None or prep.q.is_set
                or prep.q.kind == "yesno"):
            return None
        best = prep.evidence[0]
        points_back = prep.with_before or refers_back(best.sentence.text) or has_pronoun(best.sentence.text)
        before = (prep.evidence[1] if prep.with_before and len(prep.evidence) > 1
                  else preceding_sentence(snap, best) if points_back else None)
        context = before.sentence.text if before else ""
        seen = best.sentence.text + (" " + context if prep.with_before else "")
        asked = {"english": prep.standalone, "rendering": rendering, "both": f"{prep.standalone} ({rendering})"}
        return {"label": bool(holds(seen)), **{v: judge(asked[v], best.sentence.text, context) for v in VARIANTS}}

    sets: dict[str, list[dict]] = {}
    articles, _ = load_squad(FILES["de"])
    snap = store.open_index(cached_index("xquad-dev", articles, "e5-small"))
    rows = []
    for it in [it for it in load_squad(FILES["en"])[1][: args.limit] if it.answerable]:
        row = measure(snap, it.question, [], lambda text, it=it: any(g.lower() in text.lower() for g in it.answers))
        if row:
            rows.append(row)
    sets["XQuAD en"] = rows
    dev = api.engine().snapshot(cached_index("dev", dev_articles(), "e5-small"))
    rows = []
    for line in (ROOT / "tests" / "data" / "dev_qa.jsonl").read_text(encoding="utf-8").splitlines():
        g = json.loads(line)
        if g["kind"] not in ("factoid", "date", "why", "followup", "event_date") or g["language"] != "en":
            continue
        history = [{"role": "user", "content": h} for h in g["history"]]
        row = measure(dev, g["question"], history, lambda text, g=g: g["answerable"] and any(
            any(s.lower() in text.lower() for s in group) for group in g["key_facts"]))
        if row:
            rows.append(row)
    sets["development set, English"] = rows

    print("| questions | n | right sentences | judge asked with | AUC | right kept | wrong refused |")
    print("|---|---|---|---|---|---|---|")
    for name, rows in sets.items():
        labels = [r["label"] for r in rows]
        for variant in VARIANTS:
            scores = [r[variant] for r in rows]
            kept = sum(s >= JUDGE_MIN and y for s, y in zip(scores, labels, strict=True))
            refused = sum(s < JUDGE_MIN and not y for s, y in zip(scores, labels, strict=True))
            print(f"| {name} | {len(rows)} | {sum(labels)} | {variant} | {auc(scores, labels):.3f} | {kept} "
                  f"| {refused} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
