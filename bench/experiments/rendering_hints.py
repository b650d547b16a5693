"""The German words the articles use, listed for the model after an English question it renders in German.

    .venv/bin/python bench/experiments/rendering_hints.py [--limit 120] [--modes base,phrases,common,unique]

Unprompted, the small model renders "city council" as "Stadtverwaltung" and "storm surge" as
"Sturmbohrenzerregung". Each mode renders the first `--limit` English questions of XQuAD dev (German
articles) with the product's prompt (`base`) or with a list after the question, "(German words: city council
= Stadtrat, …)", from Ding's dictionary (`rag.glossary.german_words`): `phrases` only two-word terms, each
as the German word of it the articles use most; `common` every content word so; `unique` every word or term
of whose translations the articles hold exactly one. Prints how often the best sentence `prepare` chooses
with the rendering holds the gold answer (~4 min per mode on 2 cores). Measured at stop 41 and not adopted:
docs/BENCHMARKS.md, "Stop 41" (the development set lost more than XQuAD gained).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import cached_index  # noqa: E402
from sentence_choice import FILES  # noqa: E402

SYSTEM = " Where the user lists the German words the articles use for some English words, use them."
SHOTS = [
    ("When did the city of Feldkirch open its new bridge?\n(German words: bridge = Brücke)",
     "Wann eröffnete die Stadt Feldkirch ihre neue Brücke?"),
    ("How many workers did Nordwerk lay off in 2019?\n(German words: workers = Arbeiter, lay off = entlassen)",
     "Wie viele Arbeiter entließ Nordwerk im Jahr 2019?"),
    ("Why did Jana Ostrowski leave the company?", "Warum verließ Jana Ostrowski das Unternehmen?"),
]


def hints(question: str, mode: str, used) -> list[tuple[str, str]]:
    from rag.glossary import german_words

    out: list[tuple[str, str]] = []
    said: set[str] = set()
    for english, words in german_words(question):
        if english in said or (mode == "phrases" and " " not in english):
            continue
        held = sorted({(rarity, w) for w in words if w.lower() != english and (rarity := used(w))})
        if not held or (mode == "unique" and len({w for _, w in held}) != 1):
            continue
        said.update(english.split())
        out.append((english, held[0][1]))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=120)
    p.add_argument("--modes", default="base,phrases,common,unique")
    args = p.parse_args(argv)

    from rag import prepare as prep_module
    from rag import store
    from rag.eval_run import load_squad
    from rag.llms import for_role, get_llm
    from rag.prepare import german_rarity, prepare
    from rag.prompts import TRANSLATE_ROLE, TRANSLATE_SHOTS, TRANSLATE_SYSTEM, _with_shots
    from rag.translation import TRANSLATION_TOKENS, usable_rendering

    prep_module.READ_CANDIDATES = 5
    articles, _ = load_squad(FILES["de"])
    snap = store.open_index(cached_index("xquad-dev", articles, "e5-small"))
    used = german_rarity(snap)
    items = [it for it in load_squad(FILES["en"])[1] if it.answerable][: args.limit]
    llm = get_llm("llama-cpp")
    assert llm is not None
    for mode in args.modes.split(","):
        t0, hit, listed = time.perf_counter(), 0, 0
        for it in items:
            if mode == "base":
                messages = _with_shots(TRANSLATE_SYSTEM, TRANSLATE_SHOTS, it.question)
            else:
                words = hints(it.question, mode, used)
                listed += bool(words)
                told = f"\n(German words: {', '.join(f'{e} = {g}' for e, g in words)})" if words else ""
                messages = _with_shots(TRANSLATE_SYSTEM + SYSTEM, SHOTS, it.question + told)
            reply = str(for_role(llm, TRANSLATE_ROLE).invoke(messages, max_tokens=TRANSLATION_TOKENS).content)
            prep = prepare(snap, it.question, translation=usable_rendering(it.question, reply))
            best = (prep.candidates or prep.evidence[:1])[:1]
            hit += any(g.lower() in ev.sentence.text.lower() for ev in best for g in it.answers)
        print(f"{mode}: best sentence holds the gold {hit / len(items):.3f} of {len(items)} English questions "
              f"({listed} with a list); {time.perf_counter() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
