"""Answer quality on the seed QA set (tests/data/seed_qa.jsonl) per answer backend.

    .venv/bin/python bench/answers.py [--llms extractive,llama-cpp] [--every N] [--limit N] [--embedder e5-small]

Indexes the seed articles (cached in bench/out/cache/) and asks every question with each backend
through `rag.eval_run.evaluate`. Columns: answers holding a gold string (answerable questions),
citation precision (citations whose sentence holds a gold string), unanswerable questions abstained,
false abstentions, answers unverified (fell back to the quote), answers with an invented number
(a number in the answer text that is in none of its cited sentences nor their titles), p50/p95 total
time. "Correct and cited" counts answers holding a gold string with at least one cited sentence
holding it too. llama-cpp takes ~4-9 s a question on 2 cores (the prompt is the few chosen
sentences): the full set takes ~3 min; `--every 4` asks every fourth question (German, English
and unanswerable ones alike).
"""

from __future__ import annotations

import argparse
import re
import sys

from common import ROOT, SEED_QA, cached_index, print_machine, table, write_result

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CITE = re.compile(r"\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]")


def numbers(text: str) -> set[str]:
    """Digit strings of the numbers in a text ("1.234,5" -> "12345"), citation markers left out."""
    return {re.sub(r"\D", "", m.group(0)) for m in _NUMBER.finditer(_CITE.sub(" ", text))}


def invented_numbers(answer: str, citations: list[dict[str, object]]) -> set[str]:
    """Numbers of the answer that none of its cited sentences (or their article titles) contains."""
    support: set[str] = set()
    for c in citations:
        support |= numbers(str(c["quote"])) | numbers(str(c["title"]))
    return numbers(answer) - support


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--llms", default="extractive,llama-cpp")
    p.add_argument("--embedder", default="e5-small")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--every", type=int, default=1, help="ask every n-th question only")
    p.add_argument("-k", type=int, default=5)
    args = p.parse_args(argv)

    from rag.eval_run import evaluate, load_jsonl

    items = load_jsonl(SEED_QA)[:: args.every][: args.limit]
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    index_dir = cached_index("seeds", [(s.stem, s.read_text(encoding="utf-8")) for s in seeds], args.embedder)
    rows, raw = [], {}
    for llm in args.llms.split(","):
        print(f"answering with {llm}…", file=sys.stderr)
        result = evaluate(items, index_dir, k=args.k, llm=llm)
        m = result["metrics"]
        answered = [r for r in result["rows"] if not r["abstained"]]
        invented = [r for r in answered if invented_numbers(r["answer"], r["citations"])]
        unverified = sum(1 for r in answered if not r["verified"])
        n_ans, n_un = m["answerable"], m["unanswerable"]
        # the target: the gold fact in the answer AND a cited sentence holding it
        right = sum(1 for r in result["rows"] if r["answerable"] and r["contains"] and r["cited_ok"])
        rows.append([
            llm, f"{round(m['answer_contains'] * n_ans)}/{n_ans}", f"{right}/{n_ans}", m["citation_precision"],
            f"{round((m['abstention_accuracy'] or 0) * n_un)}/{n_un}", m["false_abstentions"],
            f"{unverified}/{len(answered)}", f"{len(invented)}/{len(answered)}",
            m["p50_ms"]["total_ms"], m["p95_ms"]["total_ms"], m["p50_ms"]["first_token_ms"],
        ])
        for r in invented:
            print(f"  invented number in {r['id']}: {r['answer'][:160]!r}", file=sys.stderr)
        raw[llm] = {"metrics": m, "invented": [r["id"] for r in invented], "rows": result["rows"]}
    langs = {lang: sum(1 for it in items if (it.language or "") == lang) for lang in ("de", "en")}
    print(f"\n**Answers on the seed QA set** ({len(items)} questions: {langs['de']} German, {langs['en']} English, "
          f"{sum(not it.answerable for it in items)} unanswerable; embedder {args.embedder}; k = {args.k})\n")
    print(table(["backend", "contains gold", "correct and cited", "citation precision", "abstained right",
                 "false abstentions", "unverified", "invented numbers", "p50 ms", "p95 ms", "p50 first token ms"],
                rows))
    print_machine()
    write_result("answers", {"args": vars(args), "backends": raw})
    return 0


if __name__ == "__main__":
    sys.exit(main())
