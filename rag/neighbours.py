"""The sentences around a piece of evidence: the one before (what a sentence points back to, the date
of its event), the ones after (an enumeration's items), and whether two sentences are neighbours.
Article text is data: an instruction-like sentence is never returned."""

from __future__ import annotations

import re
from dataclasses import replace

from . import store
from .chunking import split_sentences
from .evidence import looks_like_instruction
from .types import Evidence


def sentence_key(ev: Evidence) -> tuple[str, int]:
    """Which sentence of which article `ev` is (the same sentence reached through two chunks is one)."""
    return ev.article_id, ev.sentence.start


def preceding_sentence(snap: store.Snapshot, ev: Evidence, same_paragraph: bool = False) -> Evidence | None:
    """The sentence before `ev` in its article (None for the first, or across a paragraph break when
    `same_paragraph`); an instruction-like sentence is never returned (article text is data)."""
    art = snap.articles.get(ev.article_id)
    if art is None:
        return None
    lo = max(0, ev.sentence.start - 1000)
    before = art.text[lo : ev.sentence.start]
    if same_paragraph and "\n\n" in before:
        lo += before.rindex("\n\n") + 2
        before = art.text[lo : ev.sentence.start]
    if not before.strip():
        return None
    sentences = split_sentences(before, art.language)
    if not sentences or looks_like_instruction(sentences[-1].text):
        return None
    last = sentences[-1]
    return replace(ev, sentence=replace(last, start=lo + last.start, end=lo + last.end), score=0.0)


#: How far back (characters) in its paragraph a sentence's pronoun may refer ("In Hawaii wird Hegseth …. In Japan
#: wird er …. In Malaysia wird er …").
REFERS_BACK_CHARS = 600


def paragraph_before(snap: store.Snapshot, ev: Evidence, chars: int = REFERS_BACK_CHARS) -> str:
    """The text of `ev`'s paragraph before it, at most `chars` characters ("" for a paragraph's first sentence)."""
    art = snap.articles.get(ev.article_id)
    if art is None:
        return ""
    before = art.text[max(0, ev.sentence.start - chars) : ev.sentence.start]
    return before[before.rindex("\n") + 1 :] if "\n" in before else before


def adjacent(snap: store.Snapshot, a: Evidence, b: Evidence) -> bool:
    """Whether `a` and `b` are consecutive sentences of one paragraph of one article."""
    if a.article_id != b.article_id:
        return False
    first, second = (a, b) if a.sentence.start < b.sentence.start else (b, a)
    before = preceding_sentence(snap, second, same_paragraph=True)
    return before is not None and before.sentence.start == first.sentence.start


def following_sentences(snap: store.Snapshot, ev: Evidence, n: int) -> list[Evidence]:
    """Up to `n` sentences after `ev` in its article (instruction-like ones end the run)."""
    art = snap.articles.get(ev.article_id)
    if art is None:
        return []
    hi = ev.sentence.end + 600 * n
    out = []
    for sent in split_sentences(art.text[ev.sentence.end : hi], art.language)[:n]:
        if looks_like_instruction(sent.text):
            break
        start = ev.sentence.end + sent.start
        out.append(replace(ev, sentence=replace(sent, start=start, end=ev.sentence.end + sent.end), score=0.0))
    return out


def next_in_paragraph(snap: store.Snapshot, ev: Evidence) -> Evidence | None:
    """The sentence right after `ev` in the same paragraph (no line break between them), or None."""
    after = following_sentences(snap, ev, 1)
    art = snap.articles.get(ev.article_id)
    if not after or art is None or "\n" in art.text[ev.sentence.end : after[0].sentence.start]:
        return None
    return after[0]


#: Enumerating words in order, German and English ("Erstens …, Zweitens …" / "First, … Second, …").
ORDINALS = (("erstens", "first", "firstly"), ("zweitens", "second", "secondly"), ("drittens", "third", "thirdly"),
            ("viertens", "fourth", "fourthly"), ("fünftens", "fifth", "fifthly"))
_OPENING_WORD = re.compile(r"^\W*([^\W\d_]+)")
#: How many sentences after one item of an enumeration the next item may come.
ENUMERATION_GAP = 12


def _ordinal(sentence: str) -> int | None:
    m = _OPENING_WORD.match(sentence)
    word = m.group(1).lower() if m else ""
    return next((i for i, words in enumerate(ORDINALS) if word in words), None)


# "In Hawaii wird er …. In Japan wird er …. In Malaysia …": items of a list written as parallel sentences
_PLACE_OPENING = re.compile(r"^\W*(in|im|auf|bei|at|on)\s+[A-ZÄÖÜ][\w-]+", re.IGNORECASE)
#: Consecutive sentences opening alike ("In <Name> …") that make a list.
PARALLEL_MIN = 3


def _opening(sentence: str) -> str | None:
    m = _PLACE_OPENING.match(sentence)
    return m.group(1).lower() if m else None


def parallel_run(snap: store.Snapshot, ev: Evidence) -> list[Evidence]:
    """The run of consecutive sentences around `ev` that open alike with a place ("In Hawaii wird er …",
    "In Japan wird er …", "In Malaysia …"), in order, when there are at least `PARALLEL_MIN`; else []."""
    opening = _opening(ev.sentence.text)
    if opening is None:
        return []
    before: list[Evidence] = []
    cur: Evidence | None = ev
    while len(before) < ENUMERATION_GAP:
        cur = preceding_sentence(snap, cur) if cur is not None else None
        if cur is None or _opening(cur.sentence.text) != opening:
            break
        before.insert(0, cur)
    after = []
    for item in following_sentences(snap, ev, ENUMERATION_GAP):
        if _opening(item.sentence.text) != opening:
            break
        after.append(item)
    run = [*before, ev, *after]
    return run if len(run) >= PARALLEL_MIN else []


#: Words that add one more item to what the sentence before said ("Kernstück ist eine Mauer. … soll zudem ein
#: Rückhaltebecken entstehen. Außerdem sollen Auenwiesen renaturiert werden.")
_ADDING = re.compile(r"\b(zudem|außerdem|ferner|darüber\s+hinaus|daneben|hinzu\s+(kommt|kommen|kamen|kam)|"
                     r"ebenso|additionally|furthermore|moreover|in\s+addition)\b", re.IGNORECASE)


def added_run(snap: store.Snapshot, ev: Evidence) -> list[Evidence]:
    """The sentences right after `ev` in its paragraph that each add an item ("zudem", "außerdem", "furthermore"),
    up to the first that does not: a list written as a sentence and its additions."""
    out: list[Evidence] = []
    cur = ev
    while len(out) < ENUMERATION_GAP:
        nxt = next_in_paragraph(snap, cur)
        if nxt is None or not _ADDING.search(nxt.sentence.text):
            break
        out.append(nxt)
        cur = nxt
    return out


def with_enumerations(snap: store.Snapshot, evidence: list[Evidence], cap: int) -> list[Evidence]:
    """A set answer that reaches an enumeration ("… in Bezug auf drei Inhalte. Erstens … [details]
    Zweitens … Drittens …") gets all its items: from the sentence that says "Erstens" (or the one that
    announces it, right before), each next ordinal within `ENUMERATION_GAP` sentences; article order.
    A list written as parallel sentences ("In Hawaii …. In Japan …. In Malaysia …") is taken whole too, and so are the
    sentences after one that add to it ("zudem", "außerdem": `added_run`)."""
    out = list(evidence)
    seen = {sentence_key(ev) for ev in evidence}
    for ev in evidence:
        for item in parallel_run(snap, ev) + added_run(snap, ev):
            if sentence_key(item) not in seen:
                seen.add(sentence_key(item))
                out.append(item)
        after = following_sentences(snap, ev, ENUMERATION_GAP * len(ORDINALS))
        if _ordinal(ev.sentence.text) != 0:
            if not after or _ordinal(after[0].sentence.text) != 0:
                continue
            run, rest = [after[0]], after[1:]
        else:
            run, rest = [ev], after
        want, since = 1, 0
        for item in rest:
            since += 1
            if since > ENUMERATION_GAP or want >= len(ORDINALS):
                break
            if _ordinal(item.sentence.text) == want:
                run.append(item)
                want, since = want + 1, 0
        for item in run:
            if sentence_key(item) not in seen:
                seen.add(sentence_key(item))
                out.append(item)
    if len(out) == len(evidence):
        return evidence
    order = {ev.article_id: i for i, ev in reversed(list(enumerate(out)))}
    out.sort(key=lambda e: (order[e.article_id], e.sentence.start))
    return out[:cap]
