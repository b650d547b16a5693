"""Abstain when a German question's nouns occur nowhere in the best passage? Measured, not adopted.

    .venv/bin/python bench/experiments/focus_terms.py

Counts, for seed QA (German questions) and XQuAD dev (612 German questions, all answerable), how
often the rule would abstain: on the best passage, on all evidence passages, and only for nouns
absent from the whole corpus.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import ROOT, SEED_QA, XQUAD_DE, cached_index, load_squad  # noqa: E402

from rag import store  # noqa: E402
from rag.chain import prepare  # noqa: E402
from rag.eval_run import load_jsonl  # noqa: E402
from rag.lang import STOPWORDS, stem_tokens  # noqa: E402

ANSWER_NOUNS = frozenset(
    "stadt städte ort orte land länder staat staaten region tag tage datum jahr jahre monat monate zeit "
    "zeitpunkt uhrzeit name namen person personen mensch menschen zahl anzahl betrag summe höhe prozent "
    "treffen veranstaltung ereignis art weise grund gründe ziel ziele rolle thema themen".split()
)
CAPITALISED = re.compile(r"(?<![\w-])([A-ZÄÖÜ][a-zäöüß]+(?:-[A-Za-zÄÖÜäöüß]+)*)")


def missing(question: str, passage: str) -> list[str]:
    terms = [m.group(1) for m in CAPITALISED.finditer(question) if m.start() > 0]
    terms = [t for t in terms if len(t) >= 4 and t.lower() not in STOPWORDS["de"] and t.lower() not in ANSWER_NOUNS]
    stems = set(stem_tokens(passage, "de", drop_stopwords=False))
    out = []
    for term in terms:
        stem = "".join(stem_tokens(term, "de", drop_stopwords=False))
        if stem in stems or (len(stem) >= 4 and any(stem in s for s in stems)):
            continue
        if any(len(s) >= 5 and (stem.endswith(s) or stem.startswith(s)) for s in stems):
            continue
        out.append(term)
    return out


def count(snap: store.Snapshot, items: list) -> dict[str, int]:
    corpus = " ".join(c.text for c in snap.chunks)
    n = {"questions": 0, "best passage": 0, "all evidence": 0, "absent from corpus": 0}
    for it in items:
        p = prepare(snap, it.question)
        if not p.evidence:
            continue
        n["questions"] += 1
        n["best passage"] += bool(missing(it.question, p.evidence[0].passage))
        gone = missing(it.question, " ".join(e.passage for e in p.evidence))
        n["all evidence"] += bool(gone)
        n["absent from corpus"] += bool(gone and set(gone) & set(missing(it.question, corpus)))
    return n


def main() -> int:
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    snap = store.open_index(cached_index("seeds", [(s.stem, s.read_text(encoding="utf-8")) for s in seeds],
                                         "e5-small"))
    seed = [i for i in load_jsonl(SEED_QA) if i.language == "de"]
    print("seed QA, answerable (would abstain wrongly):", count(snap, [i for i in seed if i.answerable]))
    print("seed QA, unanswerable (would abstain rightly):", count(snap, [i for i in seed if not i.answerable]))
    articles, items = load_squad(XQUAD_DE)
    xsnap = store.open_index(cached_index("xquad-dev-de", articles, "e5-small"))
    print("XQuAD German, all answerable (would abstain wrongly):", count(xsnap, items))
    return 0


if __name__ == "__main__":
    sys.exit(main())
