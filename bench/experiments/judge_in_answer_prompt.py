"""The judge question as the last line of the answer prompt, in one llama.cpp context. Measured, not adopted.

    .venv/bin/python bench/experiments/judge_in_answer_prompt.py [--limit 120]

Shares the whole answer prompt (system text, examples, sentences, question) with the answer call and
needs no second context; prints how often it says "no" on seed QA and the first N XQuAD questions.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from langchain_core.messages import HumanMessage  # noqa: E402
from llm_eval import run  # noqa: E402

import rag.chain as chain  # noqa: E402
import rag.prompts as prompts  # noqa: E402

LINE = {"de": "Steht die Antwort in Satz [1]? Antworte nur mit ja oder nein.",
        "en": "Does sentence [1] state the answer? Reply only yes or no."}


def judged(p, llm, snap=None):  # type: ignore[no-untyped-def]
    if p.abstain_reason or not p.evidence:
        return p
    messages = prompts.build_messages(p.standalone, list(p.evidence), p.language)
    body = str(messages[-1].content).rsplit("\n", 1)[0]
    messages[-1] = HumanMessage(content=f"{body}\n{LINE[p.language]}")
    reply = llm.invoke(messages, max_tokens=chain.JUDGE_TOKENS)
    return replace(p, abstain_reason=chain.JUDGED_NO) if prompts.judge_says_no(str(reply.content)) else p


def main() -> int:
    chain.judged = judged
    return run(chain.JUDGED_NO, "judged no")


if __name__ == "__main__":
    sys.exit(main())
