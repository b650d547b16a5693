"""Whether the first cited sentence holds the gold answer, extractive, on XQuAD dev (German articles), for
German questions and for English questions on the same articles, side by side: the measure of sentence
choice that short answers depend on.

    .venv/bin/python bench/sentence_choice.py [--limit N]

The index of the dev articles is cached in bench/out/cache/.
"""

from __future__ import annotations

import argparse
import sys

from common import ROOT, cached_index, print_machine, table, write_result

BENCH = ROOT.parent / "shared" / "bench"
FILES = {"de": BENCH / "xquad.de.dev.json", "en": BENCH / "xquad.en-questions.de-articles.dev.json"}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=None)
    args = p.parse_args(argv)
    from rag.eval_run import evaluate, load_squad

    articles, _ = load_squad(FILES["de"])
    index_dir = cached_index("xquad-dev", articles, "e5-small")
    rows, results = [], {}
    for lang, path in FILES.items():
        items = load_squad(path)[1][: args.limit]
        print(f"answering {len(items)} {lang} questions…", file=sys.stderr)
        res = evaluate(items, index_dir, llm="extractive", progress=False)
        first = [r for r in res["rows"] if r["answerable"]]
        held = sum(bool(r["citations"]) and bool(r["citations"][0]["ok"]) for r in first)
        abstained = sum(bool(r["abstained"]) for r in first)
        rows.append([lang, len(first), round(held / max(1, len(first)), 3), abstained])
        results[lang] = res["metrics"]
    print(table(["questions", "n", "first cited sentence holds the gold", "abstained"], rows))
    print_machine()
    write_result("sentence_choice", {"args": vars(args), "results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
