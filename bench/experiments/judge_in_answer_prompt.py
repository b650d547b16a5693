"""The judge question as the last line of the answer prompt, in one llama.cpp context. Measured, not adopted.

    .venv/bin/python bench/experiments/judge_in_answer_prompt.py [--limit 120]

Shares the whole answer prompt (system text, examples, sentences, question) with the answer call and
needs no second context; prints how often it says "no" on seed QA and the first N XQuAD questions.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import ROOT, SEED_QA, XQUAD_DE, cached_index, load_squad  # noqa: E402
from langchain_core.messages import HumanMessage  # noqa: E402

import rag.chain as chain  # noqa: E402
import rag.prompts as prompts  # noqa: E402
from rag.eval_run import evaluate, load_jsonl  # noqa: E402

LINE = {"de": "Steht die Antwort in Satz [1]? Antworte nur mit ja oder nein.",
        "en": "Does sentence [1] state the answer? Reply only yes or no."}


def judged(p, llm):  # type: ignore[no-untyped-def]
    if p.abstain_reason or not p.evidence:
        return p
    messages = prompts.build_messages(p.standalone, list(p.evidence), p.language)
    body = str(messages[-1].content).rsplit("\n", 1)[0]
    messages[-1] = HumanMessage(content=f"{body}\n{LINE[p.language]}")
    reply = llm.invoke(messages, max_tokens=chain.JUDGE_TOKENS)
    return replace(p, abstain_reason=chain.JUDGED_NO) if prompts.judge_says_no(str(reply.content)) else p


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=120)
    args = ap.parse_args()
    chain.judged = judged
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    index = cached_index("seeds", [(s.stem, s.read_text(encoding="utf-8")) for s in seeds], "e5-small")
    result = evaluate(load_jsonl(SEED_QA), index, llm="llama-cpp", progress=False)
    rows, m = result["rows"], result["metrics"]
    right = sum(1 for r in rows if r["answerable"] and r["contains"] and r["cited_ok"])
    print(f"seed QA: correct and cited {right}/{m['answerable']}, abstention accuracy {m['abstention_accuracy']}, "
          f"judged no {sum(r['reason'] == chain.JUDGED_NO for r in rows)}, p50 {m['p50_ms']}")
    articles, items = load_squad(XQUAD_DE)
    result = evaluate(items[: args.limit], cached_index("xquad-dev-de", articles, "e5-small"), llm="llama-cpp",
                      progress=False)
    m = result["metrics"]
    print(f"XQuAD first {args.limit}: contains {m['answer_contains']:.3f}, false abstentions "
          f"{m['false_abstentions']}, judged no {sum(r['reason'] == chain.JUDGED_NO for r in result['rows'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
