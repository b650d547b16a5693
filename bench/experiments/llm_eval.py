"""The evaluation both LLM experiments run: seed QA, then the first N XQuAD German questions."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import ROOT, SEED_QA, XQUAD_DE, cached_index, load_squad  # noqa: E402

from rag.eval_run import evaluate, load_jsonl  # noqa: E402


def run(marker: str, label: str) -> int:
    """Evaluate with llama-cpp; `marker` is the Answer.reason that the experiment's abstentions carry."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=120)
    args = ap.parse_args()
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    index = cached_index("seeds", [(s.stem, s.read_text(encoding="utf-8")) for s in seeds], "e5-small")
    result = evaluate(load_jsonl(SEED_QA), index, llm="llama-cpp", progress=False)
    rows, m = result["rows"], result["metrics"]
    right = sum(1 for r in rows if r["answerable"] and r["contains"] and r["cited_ok"])
    print(f"seed QA: correct and cited {right}/{m['answerable']}, abstention accuracy {m['abstention_accuracy']}, "
          f"false abstentions {m['false_abstentions']}, {label} {sum(r['reason'] == marker for r in rows)}, "
          f"p50 {m['p50_ms']}")
    articles, items = load_squad(XQUAD_DE)
    result = evaluate(items[: args.limit], cached_index("xquad-dev-de", articles, "e5-small"), llm="llama-cpp",
                      progress=False)
    m = result["metrics"]
    print(f"XQuAD first {args.limit}: contains {m['answer_contains']:.3f}, false abstentions "
          f"{m['false_abstentions']}, {label} {sum(r['reason'] == marker for r in result['rows'])}")
    return 0
