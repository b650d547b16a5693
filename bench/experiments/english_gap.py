"""Where English questions lose the best sentence that their German twins find (XQuAD dev, no model;
`docs/BENCHMARKS.md`, stop 42): for each answerable question, whether the first candidate sentence of
`rag.prepare.prepare` holds the gold for the German question and for the English one, and where the English
question ranks the gold sentence among its first five candidates when it misses.

    .venv/bin/python bench/experiments/english_gap.py [--limit 1000]   # all 612, ~8 min

A miss with the gold among the English candidates is the ranking's; one without it, retrieval's.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import cached_index, load_squad  # noqa: E402
from sentence_choice import FILES  # noqa: E402


def first_holding(sentences: list[str], golds: list[str]) -> int | None:
    """The rank of the first of a question's candidate sentences that holds a gold answer, if any."""
    return next((i + 1 for i, s in enumerate(sentences) if any(g in s.lower() for g in golds)), None)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=1000)
    args = p.parse_args(argv)
    from rag import prepare as prep_module
    from rag.api import open_snapshot
    from rag.prepare import prepare

    prep_module.READ_CANDIDATES = 5  # as bench/candidates.py
    articles, german = load_squad(FILES["de"])
    english = load_squad(FILES["en"])[1]
    snap = open_snapshot(cached_index("xquad-dev", articles, "e5-small"))
    both = de_only = en_only = ranked_lower = n = 0
    for de, en in list(zip(german, english, strict=True))[: args.limit]:
        if not de.answerable:
            continue
        assert de.id == en.id
        n += 1
        golds = [g.lower() for g in de.answers]
        at_de, at_en = (first_holding([ev.sentence.text for ev in (prep.candidates or prep.evidence[:1])], golds)
                        for prep in (prepare(snap, de.question), prepare(snap, en.question)))
        both += at_de == 1 and at_en == 1
        de_only += at_de == 1 and at_en != 1
        en_only += at_en == 1 and at_de != 1
        ranked_lower += at_de == 1 and at_en is not None and at_en > 1
    print(f"{n} answerable: best sentence holds the gold for German {(both + de_only) / n:.3f}, English "
          f"{(both + en_only) / n:.3f}; German only {de_only} (of them the gold among the English candidates 2-5: "
          f"{ranked_lower}), English only {en_only}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
