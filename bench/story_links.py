"""Which articles tell one story: the article vectors that link a timeline's or a latest report's story.

    .venv/bin/python bench/story_links.py [--embedder e5-small] [--links 0.2,0.25,0.3,0.35]     # ~1 min

On the dated fixture (tests/data/dated: 44 articles, 6 running stories of 5 to 8 articles, German and English),
every article's `rag.prepare.article_vector` (the mean of its sentence vectors once its language's mean is taken
out). Reports:
- the cosine of pairs of articles of one story and of two stories, within one language and across languages;
- from each article of a running story as the seed, the articles its language's links of at least the given
  cosine reach (`rag.prepare.linked_articles`, over all the fixture's articles): precision (reached articles of
  its story) and recall (of its story's articles in its language), mean and worst;
- across languages, the marks (`rag.prepare.story_marks`: rare names and figures) each article of a running story
  shares at most with an article of its story in another language and with one of another story.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np
from common import DATED, dated_index, print_machine, table, write_result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--embedder", default="e5-small")
    p.add_argument("--links", default="0.2,0.25,0.3,0.35", help="link cosines to try")
    args = p.parse_args()

    from rag import prepare, store

    index_dir, _ = dated_index(args.embedder)
    snap = store.open_index(store.location(index_dir))
    gold = json.loads((DATED / "gold.json").read_text(encoding="utf-8"))
    story_of = {g["title"]: g["story"] for g in gold["articles"]}
    ids = sorted(snap.articles)
    story = {a: story_of.get(snap.articles[a].title, "?") for a in ids}
    language = {a: snap.articles[a].language for a in ids}
    vectors = {a: prepare.article_vector(snap, a) for a in ids}

    def pairs(same_story: bool, same_language: bool) -> list[float]:
        return sorted(float(vectors[a] @ vectors[b]) for i, a in enumerate(ids) for b in ids[i + 1:]
                      if (story[a] == story[b] != "single") == same_story and
                      (language[a] == language[b]) == same_language and "?" not in (story[a], story[b]))

    print_machine()
    rows: list[list[Any]] = []
    found: dict[str, Any] = {"pairs": {}, "links": {}}
    for same_language in (True, False):
        one, two = pairs(True, same_language), pairs(False, same_language)
        where = "one language" if same_language else "across languages"
        found["pairs"][where] = {"one_story": one, "two_stories": two}
        rows.append([where, len(one), f"{min(one):.2f}", f"{np.median(one):.2f}", len(two), f"{max(two):.2f}"])
    print(table(["pairs", "one story", "lowest", "median", "two stories", "highest"], rows))
    print()

    seeds = [a for a in ids if story[a] not in ("single", "?")]
    rows = []
    saved = prepare.STORY_LINK
    try:
        for link in (float(x) for x in args.links.split(",")):
            prepare.STORY_LINK = link
            precision, recall = [], []
            for seed in seeds:
                reached = prepare.linked_articles(snap, set(ids), seed)
                told = {a for a in ids if story[a] == story[seed] and language[a] == language[seed]}
                precision.append(len(reached & told) / len(reached))
                recall.append(len(reached & told) / len(told))
            found["links"][str(link)] = {"precision": precision, "recall": recall}
            rows.append([link, len(seeds), f"{np.mean(precision):.3f}", f"{min(precision):.2f}",
                         f"{np.mean(recall):.3f}", f"{min(recall):.2f}"])
    finally:
        prepare.STORY_LINK = saved
    print(table(["link cosine", "seeds", "precision", "worst", "recall", "worst"], rows))
    print(f"\nthe product's STORY_LINK: {saved}")
    print()
    rows = []
    found["marks"] = {}
    for a in seeds:
        others = [b for b in ids if language[b] != language[a] and story[b] != "?"]
        if not others:
            continue
        shared = {b: len(prepare.story_marks(snap, a) & prepare.story_marks(snap, b)) for b in others}
        own = max((n for b, n in shared.items() if story[b] == story[a]), default=0)
        other = max((n for b, n in shared.items() if story[b] != story[a]), default=0)
        found["marks"][a] = {"story": story[a], "language": language[a], "own": own, "other": other}
        rows.append([snap.articles[a].title[:50], story[a], language[a], own, other])
    print(table(["article", "story", "language", "most marks shared with its story (other language)",
                 "with another story"], rows))
    print(f"\nthe product's STORY_MARKS: {prepare.STORY_MARKS}")
    print(f"raw rows: {write_result('story_links', {'args': vars(args), **found})}")


if __name__ == "__main__":
    main()
