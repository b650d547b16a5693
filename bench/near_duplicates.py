"""Near-duplicates (one story, many outlets): precision and recall of `rag.stories` on a fixture built
from the XQuAD dev German articles.

    .venv/bin/python bench/near_duplicates.py [--stories 40] [--seed 1]

Each paragraph of an XQuAD article is taken as one story. `--stories` of them (spread over the 24
articles) get an edited copy, as another outlet would run the same agency text: its own headline, an
agency tag, a sentence dropped, two sentences swapped, words changed (a share of the words replaced by
others of the text), and boilerplate after it ("Lesen Sie auch …", a copyright line). Every other
paragraph of the same articles is a distinct story on the same topic (same names, other sentences).
The originals and the distinct ones are added first, then the copies, each through `stories.assign`
as an index update would; a found pair is right when the copy is matched with its own original.
Printed per edit strength (share of words changed) and per threshold (`stories.NEAR`).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time

from common import ROOT, XQUAD_DE, load_squad, print_machine, table, write_result

HEADLINES = ["Eilmeldung", "Hintergrund", "Analyse", "Im Überblick", "Das Wichtigste"]
TAGS = ["(dpa) ", "(AFP) ", "Berlin (Reuters) – ", "(KNA) ", ""]
FOOTERS = ["Lesen Sie auch: Die wichtigsten Fragen und Antworten.",
           "© 2025 Nachrichtenagentur. Alle Rechte vorbehalten.",
           "Mehr zum Thema finden Sie in unserem Dossier.", "Diese Meldung wurde automatisch übernommen."]
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ])")


def edited_copy(text: str, share: float, rng: random.Random) -> str:
    sentences = _SENTENCE.split(text.strip())
    if len(sentences) >= 3:
        del sentences[rng.randrange(1, len(sentences))]
    if len(sentences) >= 3:
        i = rng.randrange(1, len(sentences) - 1)
        sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
    words = " ".join(sentences).split(" ")
    for i in rng.sample(range(len(words)), int(len(words) * share)):
        words[i] = rng.choice(words)
    headline = f"{rng.choice(HEADLINES)}: {' '.join(text.split()[:6])}"
    return f"{headline}\n\n{rng.choice(TAGS)}{' '.join(words)}\n\n{rng.choice(FOOTERS)} {rng.choice(FOOTERS)}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--stories", type=int, default=40)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    from rag import stories
    from rag.types import Article

    print_machine()
    articles, _ = load_squad(XQUAD_DE)
    paragraphs = [(a, para) for a, (_, text) in enumerate(articles) for para in text.split("\n") if len(para) > 200]
    step = max(1, len(paragraphs) // args.stories)
    originals = set(range(0, len(paragraphs), step)[: args.stories])
    topics_with_copy = {paragraphs[i][0] for i in originals}
    distinct = [i for i, (a, _) in enumerate(paragraphs) if i not in originals and a in topics_with_copy]
    print(f"{len(originals)} stories with an edited copy, {len(distinct)} distinct stories on the same "
          f"{len(topics_with_copy)} topics", file=sys.stderr)

    def article(key: str, text: str) -> Article:
        return Article(id=key, title="", text=text, url=None, date=None, path=f"{key}.txt", language="de")

    base = [article(f"p{i}", paragraphs[i][1]) for i in sorted(originals | set(distinct))]
    rows = []
    result: dict[str, object] = {"stories": len(originals), "distinct": len(distinct)}
    for share in (0.03, 0.06, 0.10, 0.15):
        rng = random.Random(args.seed)
        copies = [article(f"c{i}", edited_copy(paragraphs[i][1], share, rng)) for i in sorted(originals)]
        for near in (0.2, 0.3, 0.4, 0.5):
            stories.NEAR = near
            t0 = time.perf_counter()
            signed, among_base = stories.assign(base, {})
            _, found = stories.assign(copies, {a.id: a for a in signed})
            ms = (time.perf_counter() - t0) * 1000 / (len(base) + len(copies))
            pairs = [(d.path, d.of) for d in [*among_base, *found]]
            right = sum(path == f"c{of[1:-4]}.txt" for path, of in pairs)
            precision = right / len(pairs) if pairs else 1.0
            recall = right / len(copies)
            rows.append([f"{share:.0%}", f"{near:.1f}", f"{precision:.3f}", f"{recall:.3f}",
                         str(len(among_base)), f"{ms:.1f}"])
            result[f"share{share}_near{near}"] = {"precision": precision, "recall": recall,
                                                  "false_among_distinct": len(among_base), "ms_per_article": ms}
    print(table(["words changed", "NEAR", "precision", "recall", "pairs among distinct", "ms per article"], rows))
    # the margin behind the threshold: what distinct stories share, what copies keep
    same_topic = [stories.containment(paragraphs[i][1], paragraphs[j][1]) for i in range(len(paragraphs))
                  for j in range(i + 1, len(paragraphs)) if paragraphs[i][0] == paragraphs[j][0]]
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    kept = {}
    for share in (0.03, 0.06, 0.10, 0.15):
        rng = random.Random(args.seed)
        kept[share] = min(stories.containment(paragraphs[i][1], edited_copy(paragraphs[i][1], share, rng))
                          for i in sorted(originals))
    print(f"4-word runs shared: distinct paragraphs of one article at most {max(same_topic):.3f} "
          f"({len(same_topic)} pairs); the two seed articles {stories.containment(*seeds[:2]):.3f}; "
          + ", ".join(f"copies with {s:.0%} changed at least {v:.3f}" for s, v in kept.items()))
    result["distinct_max_containment"] = max(same_topic)
    result["copies_min_containment"] = {str(s): v for s, v in kept.items()}
    write_result("near_duplicates", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
