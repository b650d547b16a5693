"""How often the reader's short answer is right at each P(yes) of the model's answer check, per language: the
evidence for `rag.reading.CHECK_MIN` (below it the span is dropped, the quote stays) from a
`bench/sentence_choice.py` run's rows, without running the model again.

    .venv/bin/python bench/check_bands.py --rows xq_en_s39c [--langs en,de]

Each answered XQuAD question whose reader span the check graded counts once, in the band of its P(yes): right
when the span's token F1 against the gold is at least 0.5 (an English question's against the English gold of
`xquad.en.dev.json`, a German question's against the German span). A span the check dropped is read from the
answer's reason (“…”), where the flow names it. Run it on questions the threshold was not chosen on
(`sentence_choice.py --skip 120`): the first 120 are the ones reported.
"""

from __future__ import annotations

import argparse
import json
import re
import sys

from common import OUT, table

BANDS = (0.0, 0.5, 0.55, 0.6, 0.62, 0.65, 0.7, 0.75, 0.8, 1.01)
#: The span the check dropped, as `rag.reading.read` names it in the reason.
_DROPPED = re.compile(r"does not give “(.+?)” as the answer")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", required=True, help="a bench/sentence_choice.py run (its --out name)")
    p.add_argument("--langs", default="en,de")
    args = p.parse_args(argv)
    from sentence_choice import ENGLISH_GOLD, FILES

    from rag.eval_run import load_squad
    from rag.metrics import best_f1

    saved = json.loads((OUT / f"{args.rows}_rows.json").read_text(encoding="utf-8"))["rows"]
    out = []
    for lang in [x for x in args.langs.split(",") if x]:
        rows = saved.get(f"llama-cpp/{lang}")
        if rows is None:
            continue
        gold = {it.id: it.answers for it in load_squad(ENGLISH_GOLD if lang == "en" else FILES["de"])[1]}
        counts = {b: [0, 0] for b in BANDS[:-1]}
        for r in rows:
            p_yes = (r.get("checks") or {}).get("check")
            if p_yes is None or r.get("abstained"):
                continue
            dropped = _DROPPED.search(r.get("reason") or "")
            span = r["short"] if r.get("short") and not dropped else (dropped.group(1) if dropped else "")
            if not span:
                continue
            band = max(b for b in BANDS[:-1] if p_yes >= b)
            counts[band][0 if best_f1(span, gold.get(r["id"], ())) >= 0.5 else 1] += 1
        for lo, hi in zip(BANDS[:-1], BANDS[1:], strict=True):
            right, wrong = counts[lo]
            out.append([lang, f"[{lo:.2f}, {min(hi, 1.0):.2f})", right, wrong])
    print(table(["questions", "check P(yes)", "right spans", "wrong spans"], out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
