"""The judge on the bullets of a list, overview, comparison or multi-article answer (an experiment for the
set kinds' meaning check; `docs/BENCHMARKS.md`): for each such question of the development set, the bullets
`rag.prepare` gives, the judge's P(yes) on each (with the sentence before it), and whether it holds a key
fact; then, for gates "abstain when the best P(yes) among the first k bullets is below t", how many
answerable questions would abstain and how many unanswerable ones would.

    .venv/bin/python bench/experiments/set_judge.py [--bullets 3] [--out set_judge]
    .venv/bin/python bench/experiments/set_judge.py --closest --out set_judge_closest   # as the product judges

`--closest`: the bullets in the order of their closeness to the question, each read after the sentence before
it only where it points back to it, as `rag.chain.judged` reads a set answer's closest sentence (adopted at stop
34 with k = 1, t = `JUDGE_MIN`); without it, the first bullets in the answer's order, each after the sentence
before it (stop 23).
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
    p.add_argument("--bullets", type=int, default=3)
    p.add_argument("--out", default="set_judge")
    p.add_argument("--closest", action="store_true", help="the closest bullets first, read as the product reads them")
    p.add_argument("--replay", action="store_true", help="only the tables, from bench/out/OUT.json")
    args = p.parse_args(argv)
    out = ROOT / "bench" / "out" / f"{args.out}.json"
    if not args.replay:
        rows = measure(args.bullets, args.closest)
        out.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    rows = json.loads(out.read_text(encoding="utf-8"))
    report(rows)
    return 0


def measure(n_bullets: int, closest: bool = False) -> list[dict[str, object]]:
    from rag import store
    from rag.llms import for_role, get_llm
    from rag.neighbours import preceding_sentence
    from rag.prepare import prepare
    from rag.prompts import build_judge_messages
    from rag.reading import p_yes, points_back

    snap = store.open_index(cached_index("dev", dev_articles(), "e5-small"))
    llm = get_llm("llama-cpp")
    assert llm is not None
    judge = for_role(llm, "judge")
    rows = []
    items = [json.loads(line) for line in DEV_QA.read_text(encoding="utf-8").splitlines() if line.strip()]
    for item in items:
        history = [{"role": "user", "content": h} for h in item.get("history") or ()]
        prep = prepare(snap, item["question"], history)
        if not prep.q or not prep.q.is_set or prep.abstain_reason:
            continue
        facts = [[s.lower() for s in group] for group in item.get("key_facts") or ()]
        bullets = []
        chosen = sorted(prep.evidence, key=lambda ev: -ev.score) if closest else list(prep.evidence)
        for ev in chosen[:n_bullets]:
            before = preceding_sentence(snap, ev) if not closest or points_back(ev.sentence.text) else None
            yes, _ = p_yes(judge, build_judge_messages(prep.standalone, ev.sentence.text,
                                                       before.sentence.text if before else ""), max_tokens=1)
            text = ev.sentence.text.lower()
            bullets.append({"p": yes, "facts": sum(any(s in text for s in g) for g in facts),
                            "text": ev.sentence.text[:120]})
        rows.append({"id": item["id"], "kind": prep.q.kind, "answerable": item["answerable"],
                     "question": item["question"], "bullets": bullets})
        print(f"\r{len(rows)} set questions", end="", file=sys.stderr)
    print(file=sys.stderr)
    return rows


def report(rows: list[dict[str, object]]) -> None:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    print(f"{len(answerable)} answerable, {len(unanswerable)} unanswerable set questions")
    for r in rows:
        ps = " ".join(f"{b['p']:.2f}{'*' * b['facts']}" for b in r["bullets"])  # type: ignore[union-attr]
        print(f"  {r['id']:<14} {r['kind']:<10} {'A' if r['answerable'] else 'U'} {ps}  {str(r['question'])[:70]}")
    for k in (1, 2, 3):
        for t in (0.3, 0.4, 0.5, 0.6, 0.7):
            def gated(r: dict[str, object], k: int = k, t: float = t) -> bool:
                return max((b["p"] or 0.0) for b in r["bullets"][:k]) < t  # type: ignore[index]
            print(f"first {k}, least {t}: abstains {sum(map(gated, unanswerable))}/{len(unanswerable)} unanswerable, "
                  f"{sum(map(gated, answerable))}/{len(answerable)} answerable")


if __name__ == "__main__":
    raise SystemExit(main())
