"""A refusal option in the answer prompt, a model refusal taken as an abstention. Measured, not adopted.

    .venv/bin/python bench/experiments/refusal_prompt.py [--limit 120]

Turns the judge off (to see the prompt alone), adds a refusal sentence to the system prompt and a
refusal example to the few-shot examples, then runs seed QA and the first N XQuAD German questions.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from llm_eval import run  # noqa: E402

import rag.chain as chain  # noqa: E402
import rag.prompts as prompts  # noqa: E402
from rag.types import Answer  # noqa: E402

REFUSED = "the model found no answer"


def patch() -> None:
    chain.judged = lambda p, llm: p  # the prompt alone decides
    prompts.SYSTEM += (" If the sentences do not contain the answer, reply only: Dazu steht in den Artikeln "
                       "nichts. (or in English: The articles don't say.)")
    prompts.FEW_SHOT = [*prompts.FEW_SHOT, (
        "Sätze:\n[1] Die Stadt Feldkirch eröffnete eine neue Brücke.\n[2] Die Brücke ist 300 Meter lang.\n\n"
        "Frage: Wie viel hat die Brücke in Feldkirch gekostet?\n" + prompts.ANSWER_IN_DE,
        "Dazu steht in den Artikeln nichts.")]
    finish = chain.finish_generated

    def refusal_abstains(p, text, timings, llm_name):  # type: ignore[no-untyped-def]
        if chain.is_abstention(text.strip(), p.language):
            return Answer(prompts.ABSTAIN[p.language], (), True, True, p.language, timings, REFUSED, p.question,
                          llm_name)
        return finish(p, text, timings, llm_name)

    chain.finish_generated = refusal_abstains


def main() -> int:
    patch()
    return run(REFUSED, "refusals")


if __name__ == "__main__":
    sys.exit(main())
