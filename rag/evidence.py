"""Pick the sentences that answer a question, from the retrieved chunks.

Each sentence of the top chunks is scored by the cosine of its stored vector to the question plus
a small bonus for the idf-weighted share of the question's content words it contains. The best
score also decides abstention: below the calibrated threshold the articles do not say.
"""

from __future__ import annotations

import math
import os
import re
import weakref
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from . import store
from .forms import refers_back
from .glossary import HEAD_PART
from .lang import stem_tokens, tokenize
from .stories import story_of
from .types import Evidence, Hit, Language

#: Weight of the word-overlap bonus against the cosine.
OVERLAP_WEIGHT = 0.05
#: Weight of the overlap of an English question's dictionary German words with a German sentence (`rag.glossary`).
#: XQuAD dev, all 612 English questions without the model (`bench/candidates.py --limit 1000`): the best sentence holds
#: the gold for .639 without the dictionary, .667 / .673 / .657 / .650 at .05 / .08 / .12 / .2.
GLOSSARY_WEIGHT = 0.08
#: A German stem this long is also found inside a compound (.673 → .680 with 5, .678 with 4).
COMPOUND_PART = 5
#: the most letters one word of a root may have beyond the start it shares with another ("betreib|er", "betreib|t")
INFLECTION = 3
#: Weight of `focus_share` in ranking a sentence strong enough on its own (`bench/candidates.py --limit 1000`:
#: German XQuAD best sentence .717 → .721 at .1, .717 at .15; the dated corpus' held-out questions need it most)
FOCUS_WEIGHT = 0.1
#: How far below the threshold a sentence of the best article may be and still go first for what it holds beyond the
#: headline ("Robert Watson 1997" among the panel's former chairs, .824 where .83 answers): it takes the ranking
#: score of the place it moves to, so the evidence is as strong as before.
FOCUS_MARGIN = 0.02

#: Ranking bonus of a sentence that names the date the question names.
PREFER_BONUS = 0.05
#: Two sentences this close (cosine) say the same thing: a list shows one of them.
DUPLICATE_COSINE = 0.95
#: How much a summary sentence's closeness to one already chosen counts against it (maximal marginal relevance).
MMR_DIVERSITY = 0.3
#: The same for a list, comparison or several-article bullet. The sentences of one article lie close together
#: (cosine .8–.95) while the closest ones score within .01–.02 of each other, so a weight of .3 let a bullet's
#: distance from those taken decide alone ("Die tatsächlichen Funktionen …" over the sentence naming the three
#: offices asked for); .15 keeps closeness in play: measured on the set questions of the development and probe
#: sets (extractive, stop 47), 90 → 92 of 117 correct, none lost (0.0: 92, one lost).
SET_DIVERSITY = 0.15

#: An overview takes sentences whose score is within this of its article's best sentence.
OVERVIEW_MARGIN = 0.1
#: Weight of a sentence's centrality (mean cosine to the rest of its article) in an overview.
CENTRALITY_WEIGHT = 0.5
#: Weight of the article's themes a sentence adds (its words that recur in the article and are not in
#: a bullet yet, idf-weighted, as a share of the most any candidate adds) in an overview.
THEME_WEIGHT = 0.05
#: How much a sentence from a paragraph that already gave a bullet counts against it in an overview.
PARAGRAPH_PENALTY = 0.02
#: How many sentences of an article's opening paragraph an overview of it takes first: a news report's opening
#: paragraph is its summary, and its second sentence tells what the first announces ("Der Streit um die Stadtbahn geht
#: in die nächste Runde." + "… hat der Rat … mit 34 zu 29 Stimmen beschlossen, die Planungen … fortzusetzen.").
LEAD_SENTENCES = 2

#: Minimum best-sentence cosine to answer, per embedder: (same language, across languages).
#: e5-small values calibrated on XQuAD dev with questions about articles not in the index
#: (`python bench/calibrate.py`).
THRESHOLDS: dict[str, tuple[float, float]] = {
    "e5-small": (0.83, 0.785),
    "hashing": (0.25, 0.25),
}
DEFAULT_THRESHOLD = (0.5, 0.45)

_INSTRUCTION = re.compile(
    r"\b(ignorier\w*|vergiss|missachte|ignore|disregard|forget)\b.{0,40}\b(anweisung\w*|instruktion\w*|"
    r"instructions?|prompts?|regeln|rules|vorgaben)\b|\b(antworte|answer|reply|respond)\s+(nur|only|ausschließlich)\b|"
    r"\b(system prompt|systemprompt|du bist jetzt|you are now)\b",
    re.IGNORECASE,
)


def looks_like_instruction(text: str) -> bool:
    """A sentence that addresses the assistant ("ignore all instructions…"): data, never a command."""
    return bool(_INSTRUCTION.search(text))


_IDF_CACHE: weakref.WeakKeyDictionary[store.Snapshot, _Idf] = weakref.WeakKeyDictionary()
_ROW_CACHE: weakref.WeakKeyDictionary[store.Snapshot, dict[str, int]] = weakref.WeakKeyDictionary()


class _Idf:
    """ln(1 + chunks / chunks with the word), per (stemmed word, language), from the index's postings
    when first asked (a new snapshot costs nothing until a question needs a word)."""

    def __init__(self, snap: store.Snapshot) -> None:
        self._snap = snap
        self._known: dict[tuple[str, Language], float | None] = {}

    def get(self, key: tuple[str, Language], default: float) -> float:
        if key not in self._known:
            df = self._snap.document_frequency(*key)
            self._known[key] = math.log(1 + max(1, len(self._snap.chunks)) / df) if df else None
        value = self._known[key]
        return default if value is None else value


def _idf(snap: store.Snapshot) -> _Idf:
    cached = _IDF_CACHE.get(snap)
    if cached is None:
        cached = _IDF_CACHE[snap] = _Idf(snap)
    return cached


def idf_of(snap: store.Snapshot) -> _Idf:
    """The snapshot's word weights (for `overlap_share`)."""
    return _idf(snap)


def _row_of(snap: store.Snapshot) -> dict[str, int]:
    cached = _ROW_CACHE.get(snap)
    if cached is None:
        cached = {c.id: i for i, c in enumerate(snap.chunks)}
        _ROW_CACHE[snap] = cached
    return cached


def overlap_share(question: str, sentence: str, language: Language,
                  idf: _Idf | dict[tuple[str, Language], float]) -> float:
    """idf-weighted share of the question's content words found in the sentence (0..1)."""
    q = set(stem_tokens(question, language))
    if not q:
        return 0.0
    s = set(stem_tokens(sentence, language))
    weights = {t: idf.get((t, language), 1.0) for t in q}
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in s) / total if total else 0.0


def holds_word(stem: str, words: set[str]) -> bool:
    """Whether a sentence's stems hold a question's stem: the same, one word of the same root ("betreibt" /
    "Betreiber": a common start of `COMPOUND_PART` letters or more, nearly the whole shorter one, the longer one at
    most `INFLECTION` letters more), or a compound's head ("Luchsanlage" / "Anlage", either way round)."""
    if stem in words:
        return True
    for w in words:
        short, long_ = (stem, w) if len(stem) <= len(w) else (w, stem)
        if len(short) < COMPOUND_PART:
            continue
        if long_.endswith(short):  # the compound's head ("Luchsanlage" is an "Anlage"; "Luchse" is no match)
            return True
        common = len(os.path.commonprefix([stem, w]))
        if common >= COMPOUND_PART and common >= len(short) - 1 and len(long_) - common <= INFLECTION:
            return True
    return False


def focus_share(question: str, sentence: str, title: str, language: Language,
                idf: _Idf | dict[tuple[str, Language], float]) -> float:
    """idf-weighted share of the question's words its article's headline does not hold that the sentence holds
    (`holds_word`). The headline's words found the article; within it, what was asked is in the others ("Wer
    betreibt den Weihnachtsmarkt?" / "Betreiber ist erstmals der Verein …", not the lead "Der Weihnachtsmarkt
    … öffnet am Montag")."""
    topic = set(stem_tokens(title, language))
    asked = list(dict.fromkeys(stem_tokens(question, language)))
    focus = [t for t in asked if not holds_word(t, topic)]  # "Vorstand" is the headline's ("IPCC-Vorstandes")
    if not focus or len(focus) == len(asked):  # no headline word asked: the headline tells nothing of the topic
        return 0.0
    words = set(stem_tokens(sentence, language))
    known = {t: w for t in asked if (w := idf.get((t, language), 0.0))}
    rarest = max(known.values(), default=1.0)  # a word no article holds as such ("betreibt") is as rare as any
    weights = {t: known.get(t, rarest) for t in focus}
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if holds_word(t, words)) / total if total else 0.0


def glossary_groups(groups: Sequence[tuple[str, tuple[str, ...]]], idf: _Idf | dict[tuple[str, Language], float],
                    ) -> list[tuple[float, frozenset[str]]]:
    """Each English word's German translations (`rag.glossary.german_words`) as (weight, German stems): only
    the stems the German articles hold, weighted by the rarest of them; a word none of whose translations
    occur is left out."""
    out: list[tuple[float, frozenset[str]]] = []
    for _, words in groups:
        stems = {t for w in words for t in stem_tokens(w, "de")}
        known = {t: w for t in stems if (w := idf.get((t, "de"), 0.0))}
        if known:
            out.append((max(known.values()), frozenset(known)))
    return out


def grouped_share(groups: list[tuple[float, frozenset[str]]], sentence: str) -> float:
    """idf-weighted share of the question's words (each a group of German stems, `glossary_groups`) found in
    the German sentence; a stem of at least `COMPOUND_PART` letters also counts inside a compound ("minist" in
    "Verteidigungsminister", "hilf" does not: too short to tell), one of `HEAD_PART` as its head ("Bodentest")."""
    total = sum(w for w, _ in groups)
    if not total:
        return 0.0
    words = set(stem_tokens(sentence, "de"))
    # a compound's head in the word as written: the stemmer cuts "Bodentest" to "bodent"
    whole = {w.translate(_FOLD) for w in tokenize(sentence)}

    def holds(stems: frozenset[str]) -> bool:
        return bool(stems & words) or any(len(t) >= COMPOUND_PART and t in word for t in stems for word in words) \
            or any(len(t) >= HEAD_PART and word.endswith(t) for t in stems for word in whole)

    return sum(w for w, stems in groups if holds(stems)) / total


_WORD = re.compile(r"\w+")
#: German letters as the stemmer spells them ("Außen" → "aussen")
_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
#: Share of words two sentences of one story must have in common (of all the words of both) to be one
#: sentence told twice ("Lindau (dpa) – Die Schiffsbetriebe haben …" and "Die Schiffsbetriebe haben …").
RETOLD = 0.8


def retold(words: frozenset[str], told: list[frozenset[str]]) -> bool:
    """Whether a sentence of at least four words says what one of `told` said, nearly word for word."""
    return len(words) >= 4 and any(len(words & t) >= RETOLD * len(words | t) for t in told)


def scored_sentences(
    snap: store.Snapshot,
    hits: list[Hit],
    question: str,
    qvec: np.ndarray,
    language: Language,
    prefer: Callable[[Evidence], bool] | None = None,
) -> list[tuple[float, int, Evidence]]:
    """Every distinct sentence of the hits as (ranking score, sentence vector row, Evidence), best first; a
    sentence that another article of the same story (or its own article) already gave in nearly the same
    words is left out (`retold`; the citation names the story's other articles).

    The ranking score is the cosine plus the word-overlap bonus, plus `PREFER_BONUS` for a sentence
    that `prefer` accepts (one naming the date a question names). Instruction-like sentences are left out."""
    rows = _row_of(snap)
    idf = _idf(snap)
    seen: set[tuple[str, int]] = set()
    said: dict[str, list[frozenset[str]]] = {}  # per story: the words of the sentences read so far
    scored: list[tuple[float, int, Evidence]] = []
    q32 = qvec.astype(np.float32)
    for hit in hits:
        row = rows.get(hit.chunk.id)
        vrows = snap.sentence_vector_rows_of_chunk(row) if row is not None else []
        if not vrows:
            continue
        cos = snap.sentence_vectors[vrows] @ q32
        for vrow, c in zip(vrows, cos.tolist(), strict=True):
            sentence = hit.chunk.sentences[int(snap.sentence_rows[vrow][1])]
            key = (hit.chunk.article_id, sentence.start)
            if key in seen or looks_like_instruction(sentence.text):
                continue
            seen.add(key)
            article = snap.articles.get(hit.chunk.article_id)
            told = said.setdefault(story_of(article) if article else hit.chunk.article_id, [])
            words = frozenset(_WORD.findall(sentence.text.lower()))
            if retold(words, told):
                continue
            told.append(words)
            lang = hit.chunk.language
            bonus = OVERLAP_WEIGHT * overlap_share(question, sentence.text, lang, idf) if lang == language else 0.0
            ev = Evidence(sentence=sentence, chunk_id=hit.chunk.id, article_id=hit.chunk.article_id, title=hit.title,
                          url=hit.url, date=hit.date, score=float(c), passage=hit.chunk.text,
                          date_source=hit.date_source)
            if prefer is not None and prefer(ev):
                bonus += PREFER_BONUS
            scored.append((float(c) + bonus, vrow, ev))
    scored.sort(key=lambda t: -t[0])
    return scored


def select_set(
    snap: store.Snapshot,
    scored: list[tuple[float, int, Evidence]],
    floor: Callable[[Evidence], float],
    *,
    max_sentences: int = 5,
    per_article: int = 3,
    spread: bool = False,
    lead: bool = False,
    pinned: Sequence[tuple[float, int, Evidence]] = (),
    diversity: float = SET_DIVERSITY,
    other_margin: float = 0.0,
) -> list[Evidence]:
    """A few sentences for a list, overview, comparison or multi-article answer, in article order.

    Taken first: `pinned` (the best sentence for each part of a compound question), with `spread`
    the best sentence of each article above the floor (multi-article questions, comparisons), with
    `lead` the best article's first sentence (a news lead is its summary) and the best sentence of each
    of its passages, so that an overview covers the article's topics. The rest by maximal
    marginal relevance: score minus `diversity` × the cosine to the closest sentence already taken,
    so that five bullets say five things. Each must score at least `floor(ev)`; a sentence nearly
    the same as one taken (the same story in another outlet's words, cosine ≥ `DUPLICATE_COSINE`)
    is left out; at most `per_article` come from one article, but the best sentence goes in even where pins filled its
    article's share. A sentence of another article than the best
    sentence's must score `other_margin` above the floor: a second article is a bigger step than a second
    sentence ("die Zahl der identifizierten [Kisten]" finds "… der Multiplikation zweier Zahlen" in a text on
    computing just above the floor)."""
    ok = [(s, vrow, ev) for s, vrow, ev in scored if ev.score >= floor(ev)]
    if not ok:
        return []
    home = ok[0][2].article_id
    first: list[tuple[float, int, Evidence]] = list(pinned)
    if spread:
        firsts: dict[str, tuple[float, int, Evidence]] = {}
        for item in ok:
            firsts.setdefault(item[2].article_id, item)
        first += list(firsts.values())
    if lead:  # the lead, then the best sentence of each passage of the best article: its topics in order
        top_article = ok[0][2].article_id
        per_chunk: dict[str, tuple[float, int, Evidence]] = {}
        for item in ok:
            if item[2].article_id == top_article:
                per_chunk.setdefault(item[2].chunk_id, item)
        first += _lead(snap, ok[0][2]) + sorted(per_chunk.values(), key=lambda t: -t[0])
    chosen: list[tuple[int, Evidence]] = []
    per: Counter[str] = Counter()

    def closest(vrow: int) -> float:
        v = snap.sentence_vectors[vrow]
        return max((float(v @ snap.sentence_vectors[r]) for r, _ in chosen), default=0.0)

    def allowed(vrow: int, ev: Evidence, share: int = per_article) -> bool:
        taken = any(c.sentence.start == ev.sentence.start and c.article_id == ev.article_id for _, c in chosen)
        if ev.article_id != home and ev.score < floor(ev) + other_margin:
            return False
        return not taken and per[ev.article_id] < share and closest(vrow) < DUPLICATE_COSINE

    def take(vrow: int, ev: Evidence) -> None:
        chosen.append((vrow, ev))
        per[ev.article_id] += 1

    for _, vrow, ev in first:
        if len(chosen) < max_sentences and allowed(vrow, ev):
            take(vrow, ev)
    _, top_row, top = ok[0]
    if len(chosen) < max_sentences and per[home] >= per_article and allowed(top_row, top, share=per_article + 1):
        # pins of the best article filled its share ("Bei welchen Altlasten des Krieges …?": three sentences naming
        # the question's names, none of them the one that answers): the best sentence still goes in
        take(top_row, top)
    rest = list(ok)
    while len(chosen) < max_sentences:
        best, best_value = None, -1e9
        for item in rest:
            s, vrow, ev = item
            if not allowed(vrow, ev):
                continue
            value = s - diversity * closest(vrow)
            if value > best_value:
                best, best_value = item, value
        if best is None:
            break
        rest.remove(best)
        take(best[1], best[2])
    first_seen = {ev.article_id: i for i, (_, ev) in reversed(list(enumerate(chosen)))}
    chosen.sort(key=lambda t: (first_seen[t[1].article_id], t[1].sentence.start))
    return [ev for _, ev in chosen]


#: A facet named in this share of the candidate sentences (or more) is the topic, not a facet.
FACET_TOPIC_SHARE = 0.6


def facet_pins(
    scored: list[tuple[float, int, Evidence]],
    floor: Callable[[Evidence], float],
    names: tuple[Sequence[str], Sequence[str]],
    language_of: Callable[[Evidence], Language],
) -> list[tuple[float, int, Evidence]]:
    """For a question that sets names side by side ("in Hanoi and in Seoul"), the best sentence naming
    each one among those naming the fewest of the others (the announcement that lists every stop is not
    the sentence about one of them), preferring the articles that name the others (a comparison within
    one report stays in it). `names`: (places, other names) as `question.facets` gives them; a place
    counts when a candidate names it, another name only when it singles out a few sentences (not the
    topic, e.g. the person every sentence is about); fewer than two gives no pins."""
    ok = [item for item in scored if item[2].score >= floor(item[2])]
    if not ok:
        return []
    langs = [language_of(ev) for _, _, ev in ok]
    sentence_stems = [set(stem_tokens(ev.sentence.text, lang)) for (_, _, ev), lang in zip(ok, langs, strict=True)]
    places, others_named = names
    found: dict[str, list[int]] = {}
    for name in [*places, *others_named]:
        rows = [i for i, (ss, lang) in enumerate(zip(sentence_stems, langs, strict=True))
                if (st := set(stem_tokens(name, lang))) and st <= ss]
        if rows:
            found[name] = rows
    holds = {n: rows for n, rows in found.items() if n in places or len(rows) < FACET_TOPIC_SHARE * len(ok)}
    if len(holds) < 2:
        return []
    pins: list[tuple[float, int, Evidence]] = []
    for name, rows in holds.items():
        others = [set(r) for n, r in holds.items() if n != name]
        near = {ok[i][2].article_id for o in others for i in o}

        best = max(rows, key=lambda i, others=others, near=near: (  # type: ignore[misc]
            -sum(i in o for o in others), ok[i][2].article_id in near, ok[i][0]))
        if ok[best] not in pins:
            pins.append(ok[best])
    return pins


#: A list of names in a sentence: "Hawaii, Japan, Malaysia, Vietnam und Südkorea" (three or more).
_ENUMERATION = re.compile(r"[A-ZÄÖÜ][\w-]+(?:\s*,\s*[A-ZÄÖÜ][\w-]+)+\s*,?\s+(?:und|and|sowie|oder|or)\s+[A-ZÄÖÜ][\w-]+")


def _names(name: str, text: str) -> bool:
    return re.search(rf"\b{re.escape(name)}", text) is not None


def _listed(name: str, text: str) -> bool:
    return any(_names(name, m.group(0)) for m in _ENUMERATION.finditer(text))


def promote_specific(evidence: list[Evidence], names: Sequence[str], margin: float) -> list[Evidence]:
    """A best sentence that names what the question asks about only in a list ("… eine Reise antritt und Hawaii,
    Japan, Malaysia, Vietnam und Südkorea besucht") announces it; a sentence within `margin` (cosine) that
    names it on its own ("In Malaysia wird er am Treffen … teilnehmen") states the fact, and goes first."""
    if len(evidence) < 2:
        return evidence
    listed = [n for n in names if _listed(n, evidence[0].sentence.text)]
    if not listed:
        return evidence
    for i, ev in enumerate(evidence[1:], start=1):
        text = ev.sentence.text
        if ev.score >= evidence[0].score - margin and all(_names(n, text) and not _listed(n, text) for n in listed):
            return [ev, *evidence[:i], *evidence[i + 1 :]]
    return evidence


def article_hits(snap: store.Snapshot, like: Hit | Evidence) -> list[Hit]:
    """Every chunk of `like`'s article as a Hit (with its title, link and date), in article order."""
    return [Hit(rank=i + 1, score=0.0, chunk=snap.chunks[row], title=like.title, url=like.url, date=like.date,
                date_source=like.date_source)
            for i, row in enumerate(snap.rows_of_article(like.article_id))]


def select_overview(
    snap: store.Snapshot,
    scored: list[tuple[float, int, Evidence]],
    floor: Callable[[Evidence], float],
    *,
    max_sentences: int = 6,
    margin: float = OVERVIEW_MARGIN,
    diversity: float = MMR_DIVERSITY,
    paragraph_penalty: float = PARAGRAPH_PENALTY,
    centrality: float = CENTRALITY_WEIGHT,
    themes: float = THEME_WEIGHT,
    whole: bool = False,
    carry: Callable[[str, str], bool] | None = None,
    focused: bool = False,
    lead_sentences: int = LEAD_SENTENCES,
) -> list[Evidence]:
    """The sentences that sum up one article for an overview question, in article order.

    `scored` ranks every sentence of the article (`article_hits`); a sentence's centrality (its mean cosine
    to the article's other sentences, times `centrality`) is added, so that the article's recurring
    themes come before its asides. Taken: the lead (a news lead is the article's summary) when it is a
    candidate, then by maximal marginal relevance among
    the sentences within `margin` of the best: score minus `diversity` × the cosine to the closest one
    taken, minus `paragraph_penalty` when its paragraph already gave one. A question about one topic of
    the article ("what does it say about the Bible translation?") has a peaked ranking, so the bullets
    stay on that topic; "summarise the article" has a flat one, so they spread over its paragraphs.
    Sentences whose cosine passes `floor(ev)` are always candidates. `carry(sentence, before)`: whether a sentence
    speaks of the one before it (a pronoun, or its noun named again, "Das Viertel …"): the two score at least as
    high as each other in their paragraph (it is about the same thing, which it does not name; the one before it
    names what it speaks of).
    With the lead, the sentences after it in its paragraph, up to `lead_sentences` in all, are added to those chosen
    (beyond `max_sentences`: they take no other sentence's place).
    `focused`: the question names the one topic it asks about ("What does the text say about his Bible
    translation?"): no lead first, no penalty for a paragraph that gave a bullet (the topic is told in one), and
    only sentences within half the margin of the best one (across languages every sentence of the article
    passes the floor)."""
    if not scored:
        return []
    art = snap.articles.get(scored[0][2].article_id)

    def paragraph(ev: Evidence) -> int:
        return art.text.count("\n\n", 0, ev.sentence.start) if art else 0

    vecs = snap.sentence_vectors[[vrow for _, vrow, _ in scored]]
    sims = vecs @ vecs.T
    central = (sims.sum(axis=1) - 1.0) / max(1, len(scored) - 1)  # mean cosine to the article's other sentences
    central = central - float(central.mean())
    if whole:  # the question's words only found the article: its summary follows the article, not them
        scored = [(0.0, vrow, ev) for _, vrow, ev in scored]
    scored = sorted(((s + centrality * float(c), vrow, ev) for (s, vrow, ev), c in zip(scored, central, strict=True)),
                    key=lambda t: -t[0])
    if not whole and carry is not None:  # "Ergänzt um … Holzschnitte von Lucas Cranach, … spielte sie eine wichtige
        # Rolle …" is about the Bible translation the sentence before it names
        # and the sentence it speaks of at least as high as it ("Dieses wurde als das „Hockeyschläger-Diagramm“
        # bezeichnet." names the diagram the sentence before it describes)
        by_start = {item[2].sentence.start: item for item in scored}
        order = sorted(by_start)
        for prev, cur in zip(order, order[1:], strict=False):
            s, vrow, ev = by_start[cur]
            before = by_start[prev][2]
            if paragraph(ev) == paragraph(before) and carry(ev.sentence.text, before.sentence.text):
                by_start[cur] = (max(s, by_start[prev][0]), vrow, ev)
                s0, vrow0, ev0 = by_start[prev]
                by_start[prev] = (max(s0, s), vrow0, ev0)
        scored = sorted(by_start.values(), key=lambda t: -t[0])
    top = scored[0][0]
    # a whole article's summary takes sentences that stand alone ("Als solche leistete sie …" needs the one before)
    pool = [item for item in scored if (not refers_back(item[2].sentence.text) if whole
                                        else item[0] >= top - margin / 2 if focused
                                        else item[0] >= top - margin or item[2].score >= floor(item[2]))]
    if focused:
        paragraph_penalty = 0.0
    language: Language = art.language if art else "de"
    idf = _idf(snap)
    words = {ev.sentence.start: set(stem_tokens(ev.sentence.text, language)) for _, _, ev in scored}
    recurring = Counter(t for ws in words.values() for t in ws)
    # the article's themes: words that recur in its sentences, weighted by how rare they are elsewhere
    weight = {t: idf.get((t, language), 1.0) for t, n in recurring.items() if n >= 2}
    covered: set[str] = set()

    def new_themes(ev: Evidence) -> float:
        return sum(weight.get(t, 0.0) for t in words[ev.sentence.start] - covered)

    chosen: list[tuple[int, Evidence]] = []
    used: set[int] = set()
    opening = sorted({t[2].sentence.start: t for t in reversed(scored)}.values(), key=lambda t: t[2].sentence.start)
    lead = opening[0]  # (of a sentence two chunks hold, its best-scored item)
    with_lead = lead in pool and not focused
    if with_lead:
        chosen.append((lead[1], lead[2]))
        used.add(paragraph(lead[2]))
        covered |= words[lead[2].sentence.start]
    while len(chosen) < max_sentences:
        best, best_value = None, -1e9
        gains = {item[2].sentence.start: new_themes(item[2]) for item in pool}
        top_gain = max(gains.values(), default=0.0) or 1.0
        for item in pool:
            s, vrow, ev = item
            if any(c.sentence.start == ev.sentence.start for _, c in chosen):
                continue
            near = max((float(snap.sentence_vectors[vrow] @ snap.sentence_vectors[r]) for r, _ in chosen), default=0.0)
            if near >= DUPLICATE_COSINE:
                continue
            value = (s - diversity * near - (paragraph_penalty if paragraph(ev) in used else 0.0)
                     + themes * gains[ev.sentence.start] / top_gain)
            if value > best_value:
                best, best_value = item, value
        if best is None:
            break
        chosen.append((best[1], best[2]))
        used.add(paragraph(best[2]))
        covered |= words[best[2].sentence.start]
    if with_lead:  # the opening paragraph's sentences after the lead, besides what was chosen (not in its place)
        starts = {c.sentence.start for _, c in chosen}
        chosen += [(t[1], t[2]) for t in opening[1:lead_sentences]
                   if paragraph(t[2]) == paragraph(lead[2]) and t[2].sentence.start not in starts]
    chosen.sort(key=lambda t: t[1].sentence.start)
    return [ev for _, ev in chosen]


def _lead(snap: store.Snapshot, best: Evidence) -> list[tuple[float, int, Evidence]]:
    """The first sentence of `best`'s article, as a scored item (its score: the best one's)."""
    rows = snap.rows_of_article(best.article_id)
    if not rows:
        return []
    chunk = snap.chunks[rows[0]]
    vrows = snap.sentence_vector_rows_of_chunk(rows[0])
    if not vrows or not chunk.sentences or looks_like_instruction(chunk.sentences[0].text):
        return []
    ev = replace(best, sentence=chunk.sentences[0], chunk_id=chunk.id, passage=chunk.text)
    return [(best.score, vrows[0], ev)]


def threshold(embedder: str, question_language: Language, evidence_language: Language) -> float:
    same, cross = THRESHOLDS.get(embedder, DEFAULT_THRESHOLD)
    return same if question_language == evidence_language else cross


def has_content_words(question: str, language: Language) -> bool:
    return bool(stem_tokens(question, language))
