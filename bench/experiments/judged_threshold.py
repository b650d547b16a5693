"""A lower similarity threshold when the judge checks the answer: measured, not adopted.

    .venv/bin/python bench/experiments/judged_threshold.py [--limit 5] [--floor 0.70 0.65]

With a language model, the judge (`rag.chain.judged`) asks whether the best sentence answers the
question before anything is phrased; could the similarity threshold then be lower than without one
(`rag.evidence.THRESHOLDS`), letting the judge decide between the two bars? This measures it, with
THRESHOLDS lowered to `--floor` in memory while preparing.

Two indexes of the 24 XQuAD dev articles: as they are, and with every sentence deleted that holds
a gold answer of the asked questions (the first `--limit` of each article): "answer removed" makes
on-topic questions the articles no longer answer, the hard case for abstention (questions about
articles not in the index are the easy one, `bench/calibrate.py`). For every German and English
question, in both indexes: the best-evidence cosine (prepared with the thresholds at `--floor`;
the strict ones decide the rows), then the embedded model's judge on the best sentence: its reply,
as in production, and P(yes) among "yes"/"no" for the first token. Prints, per language pair and candidate threshold t,
the questions answered (score ≥ t, judge yes) with the gold in the quote, and the answer-removed
questions abstained.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import (  # noqa: E402
    XQUAD_DE,
    XQUAD_EN_Q,
    answers_removed,
    cached_index,
    load_squad,
    print_machine,
    squad_titles,
    table,
    write_result,
)


class Judge:
    """The production judge prompt on the embedded model, with P(yes) read from the first token's logits."""

    def __init__(self) -> None:
        from rag.llms import for_role, get_llm

        llm = get_llm("llama-cpp")
        assert llm is not None
        self.llama = for_role(llm, "judge").load()  # type: ignore[attr-defined]
        tok = self.llama.tokenize
        self.yes = tok(b"yes", add_bos=False, special=False)[0]
        self.no = tok(b"no", add_bos=False, special=False)[0]

    def __call__(self, question: str, sentence: str) -> tuple[str, float]:
        from llama_cpp import LogitsProcessorList

        from rag.chain import JUDGE_TOKENS
        from rag.llms import _to_dicts
        from rag.prompts import build_judge_messages

        seen: list[float] = []

        def capture(_ids: Any, scores: np.ndarray) -> np.ndarray:
            if not seen:
                y, n = float(scores[self.yes]), float(scores[self.no])
                m = max(y, n)
                seen.append(np.exp(y - m) / (np.exp(y - m) + np.exp(n - m)))
            return scores

        out = self.llama.create_chat_completion(
            messages=_to_dicts(build_judge_messages(question, sentence)), max_tokens=JUDGE_TOKENS, temperature=0.0,
            logits_processor=LogitsProcessorList([capture]),
        )
        return str(out["choices"][0]["message"].get("content") or ""), (seen[0] if seen else float("nan"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--embedder", default="e5-small")
    p.add_argument("--limit", type=int, default=5, help="questions per article and language")
    p.add_argument("--floor", type=float, nargs=2, default=(0.70, 0.65), metavar=("SAME", "CROSS"),
                   help="judged thresholds while measuring (below them nothing is judged)")
    p.add_argument("-k", type=int, default=5)
    args = p.parse_args(argv)

    from tqdm import tqdm

    import rag.evidence as evidence
    from rag import store
    from rag.chain import prepare
    from rag.eval_run import contains_answer
    from rag.prompts import judge_says_no

    articles, de_items = load_squad(XQUAD_DE)
    _, en_items = load_squad(XQUAD_EN_Q)
    chosen = {qid for ids in squad_titles(XQUAD_DE) for qid in ids[: args.limit]}
    golds_of = {it.id: list(it.answers) for it in de_items if it.id in chosen}
    removed_dir, n_removed = answers_removed(args.limit, args.embedder)
    snaps = {
        "intact": store.open_index(cached_index("xquad-dev-de", articles, args.embedder)),
        "removed": store.open_index(removed_dir),
    }
    strict = dict(evidence.THRESHOLDS)
    evidence.THRESHOLDS[args.embedder] = tuple(args.floor)  # type: ignore[assignment]
    judge = Judge()

    records: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    judge_s: list[float] = []
    for lang, items in (("de", de_items), ("en", en_items)):
        todo = [it for it in items if it.id in chosen]
        for item in tqdm(todo, desc=f"{lang} questions", file=sys.stderr):
            for setting, snap in snaps.items():
                prep = prepare(snap, item.question, (), args.k)
                best = prep.evidence[0] if prep.evidence else None
                rec = {"id": item.id, "lang": lang, "setting": setting, "score": best.score if best else 0.0,
                       "reason": prep.abstain_reason, "gold_in_best": bool(best) and contains_answer(
                           best.sentence.text, golds_of[item.id]), "reply": None, "p_yes": None}
                if not prep.abstain_reason and best is not None:
                    tj = time.perf_counter()
                    reply, p_yes = judge(prep.standalone, best.sentence.text)
                    judge_s.append(time.perf_counter() - tj)
                    rec.update(reply=reply, p_yes=round(p_yes, 4), judged_no=judge_says_no(reply))
                records.append(rec)
    print(f"{len(records)} prepared, {len(judge_s)} judged in {time.perf_counter() - t0:.0f} s "
          f"(judge p50 {np.median(judge_s) * 1000:.0f} ms)", file=sys.stderr)

    rows, summary = [], {}
    for lang in ("de", "en"):
        pair = f"{lang}→de"
        cur_strict = strict[args.embedder][0 if lang == "de" else 1]
        pos = [r for r in records if r["lang"] == lang and r["setting"] == "intact"]
        neg = [r for r in records if r["lang"] == lang and r["setting"] == "removed"]
        lo = args.floor[0 if lang == "de" else 1]
        grid = sorted({round(x, 3) for x in np.arange(lo, cur_strict + 1e-9, 0.005)} | {cur_strict})
        best_t, best_bacc = cur_strict, -1.0
        for t in grid:
            def answered(r: dict[str, Any], t: float = t) -> bool:
                return not r["reason"] and r["score"] >= t and not r.get("judged_no", False)

            right = sum(answered(r) and r["gold_in_best"] for r in pos)
            said = sum(answered(r) for r in pos)
            abst = sum(not answered(r) for r in neg)
            bacc = (said / len(pos) + abst / len(neg)) / 2
            rows.append([pair, t, f"{said}/{len(pos)}", f"{right}/{len(pos)}", f"{abst}/{len(neg)}", bacc,
                         "strict" if t == cur_strict else ""])
            if bacc > best_bacc + 1e-12:
                best_t, best_bacc = t, bacc
        band = [r for r in pos + neg if lo <= r["score"] < cur_strict and r["p_yes"] is not None]
        summary[pair] = {"best_t": best_t, "best_bacc": best_bacc, "strict": cur_strict,
                         "judge_yes_in_band_pos": sum(not r["judged_no"] for r in band if r["setting"] == "intact"),
                         "band_pos": sum(r["setting"] == "intact" for r in band),
                         "judge_yes_in_band_neg": sum(not r["judged_no"] for r in band if r["setting"] == "removed"),
                         "band_neg": sum(r["setting"] == "removed" for r in band)}

    print(f"\n**Judged threshold** ({args.embedder}; {args.limit} questions per article and language, 24 XQuAD "
          f"dev articles; answer removed: {n_removed} sentences deleted; answered = score ≥ t and the judge "
          "does not say no)\n")
    print(table(["pair", "t", "answered", "answered, gold in quote", "answer removed: abstained", "balanced acc",
                 ""], rows))
    print("\n**Best t per pair**\n")
    print(table(["pair", "best t", "balanced acc", "strict t", "band: answerable judged yes",
                 "band: answer removed judged yes"],
                [[k, v["best_t"], v["best_bacc"], v["strict"], f"{v['judge_yes_in_band_pos']}/{v['band_pos']}",
                  f"{v['judge_yes_in_band_neg']}/{v['band_neg']}"] for k, v in summary.items()]))
    print_machine()
    write_result(f"judged-threshold-{args.limit}", {"args": vars(args), "summary": summary, "records": records})
    return 0


if __name__ == "__main__":
    sys.exit(main())
