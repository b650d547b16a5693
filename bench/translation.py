"""English questions on German articles: how often the sentence chosen first holds the answer, with the
English question alone and with the model's German rendering beside it (`rag.translation`), on XQuAD dev;
the German questions (the human translations of the same questions) as the ceiling; and what a rendering
costs.

    .venv/bin/python bench/translation.py [--limit 150] [--replay NAME]

`--limit N` takes every k-th English question so that N spread over all 24 articles (`--first`: the first N,
as `bench/sentence_choice.py --limit N` does). The renderings are
written to bench/out/NAME.json; `--replay NAME` scores earlier renderings without the model.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from common import ROOT, cached_index, print_machine, table, write_result
from sentence_choice import FILES


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=150)
    p.add_argument("--replay", default="", help="score the renderings of earlier runs (bench/out/NAME.json; several "
                   "names, comma-separated, score their questions together)")
    p.add_argument("--first", action="store_true", help="the first N English questions instead of a spread")
    p.add_argument("--out", default="translation")
    args = p.parse_args(argv)
    from rag import store
    from rag.eval_run import load_squad
    from rag.prepare import prepare
    from rag.translation import render_question, usable_rendering

    articles, _ = load_squad(FILES["de"])
    snap = store.open_index(cached_index("xquad-dev", articles, "e5-small"))
    english = [it for it in load_squad(FILES["en"])[1] if it.answerable]
    german = {it.id: it for it in load_squad(FILES["de"])[1]}
    items = english[: args.limit] if args.first else english[:: max(1, len(english) // args.limit)][: args.limit]
    if args.replay:
        replies, seconds = {}, []
        for name in args.replay.split(","):
            saved = json.loads((ROOT / "bench" / "out" / f"{name}.json").read_text(encoding="utf-8"))
            replies.update(saved["replies"])
            seconds += saved["seconds"]
        if "," in args.replay:  # the questions of all the runs
            items = [it for it in english if it.id in replies]
    else:
        from rag.llms import get_llm

        llm = get_llm("llama-cpp")
        assert llm is not None
        replies, seconds = {}, []
        for i, it in enumerate(items, 1):
            t = time.perf_counter()
            replies[it.id] = render_question(it.question, llm)
            seconds.append(time.perf_counter() - t)
            print(f"\r{i}/{len(items)} rendered", end="", file=sys.stderr)
        print(file=sys.stderr)
    counts = {"English question alone": 0, "with the German rendering": 0, "the German question (human)": 0}
    abstained = dict.fromkeys(counts, 0)
    moved = {"won": 0, "lost": 0}  # the first sentence right with the rendering and wrong alone, and the reverse
    for it in items:
        golds = [g.lower() for g in it.answers]
        right: dict[str, bool] = {}
        rendering = usable_rendering(it.question, replies.get(it.id, ""))
        for name, prep in (("English question alone", prepare(snap, it.question)),
                           ("with the German rendering", prepare(snap, it.question, translation=rendering)),
                           ("the German question (human)", prepare(snap, german[it.id].question))):
            abstained[name] += bool(prep.abstain_reason)
            right[name] = bool(prep.evidence) and not prep.abstain_reason and any(
                g in prep.evidence[0].sentence.text.lower() for g in golds)
            counts[name] += right[name]
        alone, rendered = right["English question alone"], right["with the German rendering"]
        moved["won"] += rendered and not alone
        moved["lost"] += alone and not rendered
    n = len(items)
    usable = sum(bool(usable_rendering(it.question, replies.get(it.id, ""))) for it in items)
    print(f"\n**XQuAD dev, {n} English questions on the German articles** (renderings usable: {usable}/{n}; "
          f"per rendering p50 {statistics.median(seconds):.2f} s, p95 "
          f"{statistics.quantiles(seconds, n=20)[-1]:.2f} s)\n")
    print(table(["question", "answered, and the first sentence holds the gold", "abstained"],
                [[k, f"{v}/{n} ({v / n:.3f})", abstained[k]] for k, v in counts.items()]))
    print(f"\nWith the rendering, {moved['won']} questions got the right first sentence and {moved['lost']} lost it.")
    print_machine()
    if not args.replay:
        write_result(args.out, {"replies": replies, "seconds": seconds})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
