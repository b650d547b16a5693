"""One story, many outlets: near-duplicate articles found at ingest and grouped as one story.

The same agency text lightly edited, under another headline, with an outlet's boilerplate around it,
is one story. Each new article gets a MinHash signature of its word 4-shingles (datasketch's MinHash,
64 permutations, computed as it does; stored with the article); its estimated Jaccard similarity
against every kept article's signature (one vectorised comparison) picks candidates, and the exact
shingle containment of the shorter text in the longer one decides (boilerplate added around a copy
does not hide it; articles on the same topic share names, not runs of words). A near-duplicate joins
the story of the article it copies (`Article.story`, that article's story id or its own id); answers
cite one article of a story and name the others as "also reported by".
"""

from __future__ import annotations

import hashlib
import re
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

import numpy as np

from .types import Article, NearDuplicate

SHINGLE_WORDS = 4
NUM_PERM = 64
#: Estimated Jaccard from which the exact containment is computed (a copy inside much boilerplate
#: still clears it: 150 words in 450 estimate ~0.3).
CANDIDATE = 0.15
#: The shorter text's shingles found in the longer one from which two articles are one story
#: (`bench/near_duplicates.py`: distinct stories on one topic share at most 0.02, copies with up to 10 %
#: of their words changed keep 0.31 and more; two stories that quote the same two sentences of ten share ~0.2).
NEAR = 0.4
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str) -> set[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i:i + SHINGLE_WORDS]).encode("utf-8") for i in range(len(words) - SHINGLE_WORDS + 1)}


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray[Any, np.dtype[np.uint32]], np.ndarray[Any, np.dtype[np.uint32]]]:
    """datasketch's "affine32" permutations for seed 1: h -> a*h + b mod 2^32 with odd a."""
    gen = np.random.RandomState(1)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def signature(text: str, runs: set[bytes] | None = None) -> str:
    """The MinHash signature of the text's shingles (`runs`, when already made): hex of 64 little-endian
    uint32 (hex, so that the signatures of many articles decode in one call).

    Bit for bit `datasketch.MinHash(num_perm=64, seed=1)` (scheme "affine32": SHA-1's first 32 bits,
    the MurmurHash3 finalizer, then the affine permutations; `tests/test_stories.py` compares them),
    written out because importing datasketch imports scipy, ~0.6-1.4 s of every `rag index add`."""
    items = shingles(text) if runs is None else runs
    if not items:
        return np.full(NUM_PERM, 0xFFFFFFFF, dtype="<u4").tobytes().hex()
    hv = np.array([int.from_bytes(hashlib.sha1(x).digest()[:4], "little") for x in items], dtype=np.uint32)
    hv ^= hv >> np.uint32(16)
    hv *= np.uint32(0x85EBCA6B)
    hv ^= hv >> np.uint32(13)
    hv *= np.uint32(0xC2B2AE35)
    hv ^= hv >> np.uint32(16)
    a, b = _permutations()
    return (hv[:, None] * a + b).min(axis=0).astype("<u4").tobytes().hex()


def _matrix(signatures: list[str]) -> np.ndarray[Any, np.dtype[np.uint32]]:
    return np.frombuffer(bytes.fromhex("".join(signatures)), dtype="<u4").reshape(-1, NUM_PERM)


def containment(a: str | set[bytes], b: str | set[bytes]) -> float:
    """Share of the shorter text's shingles that the other text holds (texts or their shingles)."""
    sa = shingles(a) if isinstance(a, str) else a
    sb = shingles(b) if isinstance(b, str) else b
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def story_of(article: Article) -> str:
    return article.story or article.id


def assign(new: Iterable[Article], kept: Mapping[str, Article]) -> tuple[list[Article], list[NearDuplicate]]:
    """The new articles with their signature and story, and the near-duplicates found: each new article
    against the kept ones (those with a signature: an index built before signatures were kept compares
    only what is added since; `rag index build` signs every article) and the new ones before it. One
    vectorised comparison per new article: ~15 ms against 100,000 kept ones."""
    new = list(new)
    pool = [a for a in kept.values() if len(a.minhash) == 8 * NUM_PERM]
    matrix = np.empty((len(pool) + len(new), NUM_PERM), dtype="<u4")
    matrix[: len(pool)] = _matrix([a.minhash for a in pool])
    out: list[Article] = []
    found: list[NearDuplicate] = []
    runs: dict[str, set[bytes]] = {}  # shingles of the articles compared so far
    for article in new:
        mine = runs[article.id] = shingles(article.text)
        sig = signature(article.text, mine)
        vec = _matrix([sig])[0]
        best: tuple[float, Article] | None = None
        if pool:
            estimate = (matrix[: len(pool)] == vec).mean(axis=1)
            for i in np.flatnonzero(estimate >= CANDIDATE)[np.argsort(-estimate[estimate >= CANDIDATE])][:5]:
                other = pool[i]
                if other.id not in runs:
                    runs[other.id] = shingles(other.text)
                score = containment(mine, runs[other.id])
                if score >= NEAR and (best is None or score > best[0]):
                    best = (score, pool[i])
        story = ""
        if best is not None:
            story = story_of(best[1])
            found.append(NearDuplicate(article.path, best[1].path, round(best[0], 3)))
        signed = replace(article, minhash=sig, story=story)
        out.append(signed)
        matrix[len(pool)] = vec
        pool.append(signed)
    return out, found


def story_groups(articles: Mapping[str, Article]) -> dict[str, list[str]]:
    """Story id -> the ids of its articles, oldest date first, for the stories of more than one article."""
    groups: dict[str, list[Article]] = {}
    for a in articles.values():
        if a.story:
            groups.setdefault(a.story, []).append(a)
    for story, members in groups.items():
        if story in articles:
            members.append(articles[story])
    return {story: [a.id for a in sorted(members, key=lambda a: (a.date or "9999", a.title, a.id))]
            for story, members in groups.items()}


_GROUPS: weakref.WeakKeyDictionary[Any, dict[str, list[str]]] = weakref.WeakKeyDictionary()


def groups_of(snap: Any) -> dict[str, list[str]]:
    """`story_groups` of an open index snapshot (anything with `.articles`), computed once per snapshot."""
    groups = _GROUPS.get(snap)
    if groups is None:
        groups = _GROUPS[snap] = story_groups(snap.articles)
    return groups
