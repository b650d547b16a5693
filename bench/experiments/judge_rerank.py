"""The judge's P(yes) as a reranker of a factoid's two best candidate sentences (measured, not adopted;
`docs/BENCHMARKS.md`, stop 22): for N spread XQuAD dev questions per language, the candidates `rag.prepare`
gives (above the threshold among the best three), the judge's P(yes) on the first two, and whether each
holds the gold; then how many answers would move to the right or wrong sentence if the second replaced
the first when its P(yes) is ahead by d and at least p.

    .venv/bin/python bench/experiments/judge_rerank.py [--limit 100]      # ~1 judge call per candidate
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import cached_index  # noqa: E402
from sentence_choice import FILES  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=100)
    args = p.parse_args(argv)
    from rag import prepare as prepare_module
    from rag import store
    from rag.eval_run import load_squad
    from rag.llms import for_role, get_llm
    from rag.neighbours import preceding_sentence
    from rag.prompts import build_judge_messages
    from rag.reading import p_yes

    prepare_module.READ_CANDIDATES = 3
    articles, _ = load_squad(FILES["de"])
    snap = store.open_index(cached_index("xquad-dev", articles, "e5-small"))
    llm = get_llm("llama-cpp")
    assert llm is not None
    judge = for_role(llm, "judge")
    pairs = []
    for lang, path in FILES.items():
        items = [it for it in load_squad(path)[1] if it.answerable]
        for it in items[:: max(1, len(items) // args.limit)][: args.limit]:
            prep = prepare_module.prepare(snap, it.question)
            if prep.abstain_reason or len(prep.candidates) < 2:
                continue
            golds = [g.lower() for g in it.answers]
            row = []
            for ev in prep.candidates[:2]:
                before = preceding_sentence(snap, ev)
                yes, _ = p_yes(judge, build_judge_messages(prep.standalone, ev.sentence.text,
                                                           before.sentence.text if before else ""), max_tokens=1)
                row.append((yes or 0.0, any(g in ev.sentence.text.lower() for g in golds)))
            pairs.append(row)
            print(f"\r{lang}: {len(pairs)} questions with two candidates", end="", file=sys.stderr)
    print(file=sys.stderr)
    for d in (0.1, 0.15, 0.2, 0.3):
        for least in (0.8, 0.9):
            moved = [(g1, g2) for (p1, g1), (p2, g2) in pairs if p2 >= least and p2 - p1 >= d]
            print(f"ahead by {d}, P(yes) >= {least}: {sum(g2 and not g1 for g1, g2 in moved)} right, "
                  f"{sum(g1 and not g2 for g1, g2 in moved)} wrong of {len(pairs)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
