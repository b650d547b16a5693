"""Sentence choice and short answers on XQuAD dev (German articles), German questions and English
questions on the same articles side by side, per backend: whether the first cited sentence holds the
gold answer, and the short answer's token F1 and exact match against the gold span (German for both;
`rag eval`'s `short_answer_f1` / `short_answer_em`: an English answer is scored by the sentence's own words
it shows beside it, `Answer.short_source`, and as asked, its English words, beside that); English questions'
short answers also against the English gold span of the same question (`xquad.en.dev.json`).

    .venv/bin/python bench/sentence_choice.py [--llms extractive,llama-cpp] [--limit N] [--skip N] [--langs de,en]

The index of the dev articles is built once and cached in bench/out/cache/ (unlike `rag eval --qa`,
which indexes a SQuAD file anew each run).
"""

from __future__ import annotations

import argparse
import sys

from common import ROOT, cached_index, print_machine, table, write_result

BENCH = ROOT.parent / "shared" / "bench"
FILES = {"de": BENCH / "xquad.de.dev.json", "en": BENCH / "xquad.en-questions.de-articles.dev.json"}
#: The same questions with the English articles' gold spans (same ids): an English short answer scored in English
ENGLISH_GOLD = BENCH / "xquad.en.dev.json"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--llms", default="extractive")
    p.add_argument("--limit", type=int, default=None, help="the first N questions of each file")
    p.add_argument("--skip", type=int, default=0, help="leave out the first N questions of each file (a held-out "
                   "part: the first 120 are the ones reported)")
    p.add_argument("--langs", default="de,en", help="which question files: de, en or both")
    p.add_argument("--out", default="sentence_choice", help="name of the raw result file in bench/out/ (per-question "
                   "rows in <name>_rows.json, to compare two runs question by question)")
    args = p.parse_args(argv)
    from rag.eval_run import evaluate, load_squad
    from rag.metrics import best_f1, exact_match

    english = {it.id: it.answers for it in load_squad(ENGLISH_GOLD)[1]}

    articles, _ = load_squad(FILES["de"])
    index_dir = cached_index("xquad-dev", articles, "e5-small")
    rows, results, per_question = [], {}, {}
    for llm in [x for x in args.llms.split(",") if x]:
        for lang, path in [(x, FILES[x]) for x in args.langs.split(",") if x]:
            items = load_squad(path)[1][args.skip:][: args.limit]
            print(f"answering {len(items)} {lang} questions with {llm}…", file=sys.stderr)
            res = evaluate(items, index_dir, llm=llm, progress=False)
            first = [r for r in res["rows"] if r["answerable"]]
            held = sum(bool(r["citations"]) and bool(r["citations"][0]["ok"]) for r in first)
            m = res["metrics"]
            if lang == "en":  # the English short answer against the English gold span of the same question
                gold = [english.get(r["id"], ()) for r in first]
                scored = [(best_f1(r["short"], g), exact_match(r["short"], g)) if r.get("short") else (0.0, False)
                          for r, g in zip(first, gold, strict=True)]
                m["short_answer_f1_english_gold"] = round(sum(f for f, _ in scored) / max(1, len(scored)), 4)
                m["short_answer_em_english_gold"] = round(sum(e for _, e in scored) / max(1, len(scored)), 4)
            rows.append([llm, lang, len(first), round(held / max(1, len(first)), 3),
                         sum(bool(r["abstained"]) for r in first), m.get("short_answer_f1"), m.get("short_answer_em"),
                         m.get("short_answer_f1_as_asked", "–"), m.get("short_answer_em_as_asked", "–"),
                         m.get("short_answer_f1_english_gold", "–"), m.get("short_answer_em_english_gold", "–"),
                         m.get("mixed_language_answers"), m.get("p50_ms", {}).get("total_ms")])
            results[f"{llm}/{lang}"] = m
            per_question[f"{llm}/{lang}"] = res["rows"]
    print(table(["backend", "questions", "n", "first cited sentence holds the gold", "abstained",
                 "short answer F1", "short answer EM", "F1 / EM as asked (the English words)", "",
                 "F1 vs English gold", "EM vs English gold", "answers mixing languages", "p50 ms"], rows))
    print_machine()
    write_result(args.out, {"args": vars(args), "results": results})
    write_result(f"{args.out}_rows", {"args": vars(args), "rows": per_question})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
