"""Yes/no verdicts three ways on the development set's yes/no questions, one sentence each (the closest).

    .venv/bin/python bench/experiments/yesno_verdicts.py

For each yes/no question of tests/data/dev_qa.jsonl, on its best sentence (`rag.prepare.prepare`):
- the verdict prompt's shares of yes/no/unclear (the word-level verdict's probabilities);
- the same divided by the shares for a blank sentence ("calibrate before use"), renormalised: measured,
  not adopted (the blank prior leans to no/unclear, so dividing by it pushes verdicts to yes);
- the contrast kept in `rag.reading.contrasted`: the check's P(yes) with "Ja" and with "Nein" as the answer.
Prints one row per question with the gold verdict, and how many of the answerable ones each way gets
right by its likeliest reply (no margin, no `yes_no_doubt`).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import cached_index, print_machine, table  # noqa: E402
from dev_answers import DEV_QA, dev_articles  # noqa: E402


def main() -> int:
    from rag import store
    from rag.eval_run import load_jsonl
    from rag.llms import for_role, get_llm
    from rag.prepare import prepare
    from rag.prompts import YES_NO_UNCLEAR, build_yesno_messages, shares
    from rag.reading import TOP_LOGPROBS, contrasted

    snap = store.open_index(cached_index("dev", dev_articles(), "e5-small"))
    llm = get_llm("llama-cpp")
    assert llm is not None
    yesno = for_role(llm, "yesno")

    def verdict_shares(question: str, sentence: str) -> dict[str, float]:
        reply = yesno.invoke(build_yesno_messages(question, sentence), max_tokens=1, logprobs=True,
                             top_logprobs=TOP_LOGPROBS)
        graded = shares(reply, YES_NO_UNCLEAR)
        assert graded is not None
        return graded

    rows, right = [], {"prompt": 0, "calibrated": 0, "contrast": 0}
    items = [it for it in load_jsonl(DEV_QA) if it.kind == "yesno"]
    for it in items:
        p = prepare(snap, it.question, [{"role": "user", "content": h} for h in it.history])
        sentence = p.evidence[0].sentence.text
        plain = verdict_shares(p.standalone, sentence)
        blank = verdict_shares(p.standalone, "-")
        cal = {k: plain[k] / max(blank[k], 1e-6) for k in plain}
        cal = {k: v / sum(cal.values()) for k, v in cal.items()}
        support = contrasted(p.standalone, sentence, "", p.language, llm)
        assert support is not None
        gold = "yes" if it.key_facts and "ja" in it.key_facts[0] else "no" if it.key_facts else "–"
        picks = {"prompt": max(plain, key=lambda k: plain[k]), "calibrated": max(cal, key=lambda k: cal[k]),
                 "contrast": max(support, key=lambda k: support[k])}
        for way, pick in picks.items():
            right[way] += pick == gold
        rows.append([it.id, gold, *(f"{plain[k]:.2f}" for k in ("yes", "no", "unclear")),
                     f"{blank['yes']:.2f}/{blank['no']:.2f}/{blank['unclear']:.2f}",
                     f"{cal['yes']:.2f}/{cal['no']:.2f}", f"{support['yes']:.2f}", f"{support['no']:.2f}"])
    print(table(["question", "gold", "prompt yes", "no", "unclear", "blank sentence yes/no/unclear",
                 "calibrated yes/no", "check with Ja", "check with Nein"], rows))
    answerable = sum(bool(it.key_facts) for it in items)
    print("\nright by the likeliest reply, of", answerable, "answerable:", right)
    print_machine()
    return 0


if __name__ == "__main__":
    sys.exit(main())
