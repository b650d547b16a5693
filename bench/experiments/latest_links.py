"""Why "the latest" misses a newer report that gives the figure again under another topic (time-14 of the dated
fixture; `docs/BENCHMARKS.md`, stop 42): the `article_vector` cosine between the 10 and 19 November storm-surge
reports (the asked story's articles are linked at `rag.prepare.STORY_LINK`), and the cosine of the 19 November
sentence "Den Gesamtschaden beziffert die Stadt weiterhin auf rund 6,5 Millionen Euro." to the English and German
question (the answer threshold: `rag.evidence.threshold`).

    .venv/bin/python bench/experiments/latest_links.py   # ~1 min
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import dated_index  # noqa: E402

QUESTIONS = {"en": "What is the latest estimate of the storm surge damage in Marstedt?",
             "de": "Wie hoch ist die neueste Schätzung der Sturmflutschäden in Marstedt?"}
SENTENCE = "Den Gesamtschaden beziffert die Stadt weiterhin auf rund 6,5 Millionen Euro."


def main() -> int:
    from rag.api import open_snapshot
    from rag.embedders import get_embedder
    from rag.evidence import threshold
    from rag.prepare import STORY_LINK, article_vector

    index, _ = dated_index("e5-small")
    snap = open_snapshot(index)
    by_title = {a.title: a.id for a in snap.articles.values()}
    older = by_title["Sturmflutschäden höher als gedacht"]
    newer = next(i for t, i in by_title.items() if t.startswith("Soforthilfe für Sturmflutopfer"))
    link = float(article_vector(snap, older) @ article_vector(snap, newer))
    print(f"article cosine, 10 and 19 November reports: {link:.3f} (linked at {STORY_LINK})")
    embedder = get_embedder(snap.embedder)
    sentence = np.asarray(embedder.embed_documents([SENTENCE])[0], dtype=np.float32)
    for lang, question in QUESTIONS.items():
        cos = float(np.asarray(embedder.embed_query(question), dtype=np.float32) @ sentence)
        print(f"{lang}: cosine of the 19 November sentence {cos:.3f} (answer threshold "
              f"{threshold(snap.embedder, lang, 'de')})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
