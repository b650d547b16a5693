"""Everything before the language model: question analysis, retrieval through `HybridRetriever`, and
the evidence by kind (one sentence and its neighbours for a factoid, a why or a date; several across
chunks and articles for a list, overview, comparison or multi-article question; the sentence the
conversation has not given for "… außerdem?")."""


from __future__ import annotations

import datetime as dt
import re
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from . import store
from .answer_types import gives_answer_type, gives_measure, names_a_day, only_later_days, promote_answer_type
from .chunking import split_sentences
from .dates import date_fits, date_keys, names_date
from .embedders import get_embedder
from .evidence import (
    FOCUS_MARGIN,
    FOCUS_WEIGHT,
    GLOSSARY_WEIGHT,
    PREFER_BONUS,
    article_hits,
    facet_pins,
    focus_share,
    glossary_groups,
    grouped_share,
    has_content_words,
    idf_of,
    overlap_share,
    promote_specific,
    scored_sentences,
    select_overview,
    select_set,
    threshold,
)
from .filters import Filters, named_outlet, outlet, outlet_name
from .forms import gives_reason, names_again, refers_back, typed_candidates, units
from .glossary import german_words
from .lang import MONTHS, detect_language, stem_tokens
from .neighbours import (
    adjacent,
    following_sentences,
    next_in_paragraph,
    preceding_sentence,
    sentence_key,
    with_enumerations,
)
from .question import (
    DatedPair,
    Question,
    analyse,
    asked_topic,
    asks_for_more,
    asks_for_news,
    dated_pair,
    facets,
    measure,
    names_articles,
    new_topic,
    parts,
    points_back_to,
    previous_answers,
    previous_user_questions,
    whole_article,
)
from .reading import Judged, has_pronoun, points_back
from .retrieve import HybridRetriever
from .stories import groups_of, story_of
from .timeframe import (
    Period,
    is_weekday,
    question_period,
    sentence_day,
    timeframe_words,
    today,
    without_dateline,
)
from .translation import mend_rendering
from .types import Article, Evidence, History, Hit, Language

#: How much closer (cosine) the best sentence may be than one that gives the asked kind of answer.
TYPE_MARGIN = 0.02
#: How much closer (cosine) a sentence that names what the question asks about only in a list may be than
#: one that names it on its own (`promote_specific`).
SPECIFIC_MARGIN = 0.03
#: The rendering of an English question reorders only the sentences whose own cosine to the question is
#: within this of the closest one's, per embedder (cosine scales differ; not listed: all). e5-small: XQuAD dev,
#: 150 English questions, the same 99 right first sentences with 0.02 as with no bound, one fewer abstention
#: (`bench/translation.py --replay`).
TRANSLATION_MARGINS: dict[str, float] = {"e5-small": 0.02}
#: A list, overview or comparison takes sentences this much below the answer threshold.
SET_MARGIN = 0.03
#: Bullets of an overview (a list, comparison or multi-article answer has at most five).
OVERVIEW_SENTENCES = 6
#: An overview's topic whose words its article's headline holds this share of (idf-weighted) is the article itself.
HEADLINE_TOPIC = 0.5
#: Weight of a follow-up's own words against the conversation's topic when its sentence is chosen.
OWN_WEIGHT = 0.6
#: How far (characters) from the sentence that answered a conversation's earlier question a follow-up's sentence
#: stands beside it (about three sentences either way), and how much higher such a sentence ranks (`near_earlier`).
NEAR_CHARS = 400
NEAR_WEIGHT = 0.06
#: How many runners-up a why-question looks at for a second sentence next to the best one.
WHY_NEIGHBOURS = 3
#: A why-question's runner-up this close to the closest sentence (ranking scores) is shown beside the best one.
WHY_TIE_MARGIN = 0.01
#: A why-question's runners-up also take the sentences of the best one's article that name a cause in so many words
#: (`forms.gives_reason`) and rank within this much of the closest sentence, at most `WHY_REASONS` of them: the
#: question's words ("Warum ist die Stadtbahn so viel teurer geworden …?") are closer to sentences on the project than
#: to the one giving the cause ("Nach Angaben der Verwaltung geht der Kostenanstieg vor allem auf die gestiegenen
#: Baupreise zurück.", .09 below the closest); the judge and the reader decide whether one answers.
WHY_REASON_MARGIN = 0.1
WHY_REASONS = 3
#: Most bullets of a set answer once an enumeration's items are added.
ENUMERATION_CAP = 8
#: Chunks retrieved for a list, overview, comparison or multi-article question.
SET_K = 8
#: Sentences a yes/no question's verdict may come from: the best, then, when the model cannot tell
#: from it, the runners-up (`bench/candidates.py`, XQuAD dev factoids: the best sentence holds the
#: answer for .75 of the German questions, one of the first three for .90; English .63 / .79; a fourth
#: adds nothing). Reading the runners-up for factoids as well was measured and not kept (BENCHMARKS).
READ_CANDIDATES = 3


#: Why a question is not answered when its best sentence is below the threshold.
WEAK = "the evidence is too weak"
#: A question of at most this many words that finds nothing alone is tried as a follow-up.
ELLIPTIC_WORDS = 5
#: ... and taken as one when the conversation lifts one of the first this many sentences it found alone.
CONFIRMED = 2
#: "neueste Stand", "latest": the newest article's sentence wins over the best one when it scores within this
LATEST_MARGIN = 0.1
#: without a time in the question, a newer article's sentence wins a tie (scores within this) on the same fact
TIE_MARGIN = 0.01
#: answer types whose figure a newer report may revise: asked without a time, the story's newest report of it
#: answers, as for "the latest" (`LATEST_MARGIN`)
FIGURES = frozenset({"number", "percent"})
#: ... unless the question asks for the first figure
_FIRST_REPORT = re.compile(r"\b(zunächst|zuerst|ursprünglich\w*|anfangs|anfänglich\w*|erste[nmrs]?|first|"
                           r"originally|initial(?:ly)?|at\s+first|earlier|früher\w*|vorher|damals)\b", re.IGNORECASE)
#: a timeline: at most this many dated events (one an article); an article of another language than the story's
#: closest one joins when its closest sentence is this share of the closest article's (centred cosines,
#: `story_closeness`, `asked_story`)
TIMELINE_EVENTS = 8
TIMELINE_K = 32  # passages retrieved for a timeline (a story told over many articles)
TIMELINE_SHARE = 0.5
#: a day a report names more than this many days before it was published, on which another report of its story
#: came out, is an earlier event it recalls; its event is the report's own (`recalled`)
RECALLED_DAYS = 7
#: two articles of one language tell of one story when their `article_vector`s have at least this cosine (the
#: dated fixture's 44 articles, `bench/story_links.py`: from any article of a running story, links of at least
#: .3 reach 95.5 % of its story's articles in its language and no other article; .25 reaches all, and others;
#: two running stories' articles reach .27)
STORY_LINK = 0.3
#: across languages: an article joins the asked story of another language when it shares at least this many of
#: its rare names and figures with one of the story's articles ("Jan-Hendrik Olsen", "Wemme-Watt", "520" in the
#: English report of a German story; `story_marks`). The dated fixture's 3 English reports of running stories
#: (`bench/story_links.py`): 2 share 3 or more with an article of their German story (the third 2), none more than
#: 2 with an article of another story
STORY_MARKS = 3
#: a name held by more than this share of the passages is the place all the articles report from ("Marstedt"),
#: no mark of one story
MARK_SHARE = 0.2
#: a story's reports in another language that the question's words do not find are searched by the story's marks
#: (`marked_reports`): the marks most of its articles share, at most this many, and this many passages
MARK_QUERY = 12
MARKED_K = 8
#: a named month or span ("im Oktober 2025", "seit dem 10. November") is a publication period when it comes
#: within this many days of the articles' publication dates; else it names the time of events ("im Oktober 1517")
PERIOD_REACH_DAYS = 31
#: a one-word outlet name held by more than this share of the passages is a common word, not an outlet's name
OUTLET_WORD_SHARE = 0.02


@dataclass(frozen=True)
class Prepared:
    question: str
    standalone: str
    language: Language
    evidence: tuple[Evidence, ...]
    abstain_reason: str  # empty when there is evidence to answer from
    retrieve_ms: float
    q: Question | None = None
    #: the factoid's answer comes from the sentence before the best one (evidence[1]), e.g. its date
    from_context: bool = False
    #: evidence[1] is the sentence before the best one (it refers back to it, "Sie veranlassten …", or the
    #: reason continues across the two), or the news lead whose figures it gives, read with it
    with_before: bool = False
    #: the sentences the model may take a yes/no verdict from, the best (evidence[0]) first, then the
    #: runners-up that are evidence on their own
    candidates: tuple[Evidence, ...] = ()
    #: a timeline's evidence: the day each sentence tells of (`event_day`), in the evidence's order
    days: tuple[str, ...] = ()
    #: the closest sentence, where the latest report's sentence giving the asked figure in the same unit took
    #: its place (`newest_wins`: "Bei den Kosten bleibe es bei 15,4 Millionen Euro" of 18 November for
    #: "Lindenbrücke wird teurer: Sanierung kostet 15,4 Millionen Euro"), or where its report's lead did for what
    #: a report of the asked period says; it names what was asked, so the judge reads it
    closest: Evidence | None = None
    #: the headline of the best sentence's article, where that sentence was chosen for the figure it gives in the
    #: asked unit rather than for its closeness (`measure`): "… die Rammarbeiten für die 520 Meter lange Kaimauer"
    #: does not say which quay wall; its headline, "Erster Spatenstich für den Liegeplatz 7", does, so the judge
    #: reads the sentence under it
    headline: Evidence | None = None
    #: what the judge last read (`chain.judged`); the answer check reads the same (`reading.Judged`)
    judged_as: Judged | None = None
    #: a question on when each of two things happened (`question.dated_pair`): the sentence that dates each
    #: item is `evidence[part_of[i]]` (-1: none the articles give)
    pair: DatedPair | None = None
    part_of: tuple[int, ...] = ()
    #: the model's reading of each item's date where its sentence gives several ("1995" of "(1995–2025)"), checked
    #: against the sentence, and whether the check was firm; ("", False) where none was read
    part_read: tuple[tuple[str, bool], ...] = ()


#: why a factoid abstains whose best sentence lacks the asked kind of answer (a runner-up may hold it)
NO_TYPE = "the best sentence gives no {kind}"
LATER_ONLY = "the best sentence names only days after its report, none since which it has been so"
NO_FIGURES = "the sentences on {amount} give no figure for how it changed"
#: "Wie haben sich die Verteidigungsausgaben … verändert?", "How has the total aid changed?": how an amount changed
_AMOUNT_CHANGE = re.compile(r"\b(?:wie\s+(?:hat|haben)\s+sich\s+(?P<de>.+?)\s+(?:verändert|entwickelt)|"
                            r"how\s+(?:has|have|did)\s+(?P<en>.+?)\s+(?:changed?|developed?))\b", re.IGNORECASE)
#: the nouns of an amount ("Gesamtsumme", "Verteidigungsausgaben", "the cost")
_AMOUNT_NOUN = re.compile(r"\b\w*(?:summe|ausgaben|kosten|preis\w*|betrag|beträge|budget|etat|umsatz|einnahmen|"
                          r"anteil|zahl|quote|rate|schulden|sum|spending|costs?|prices?|amount|budget|revenue|share|"
                          r"number|rate|debt)\b", re.IGNORECASE)
#: a change said in words ("sind gestiegen", "verdoppelte sich", "fell"), not an aim ("… erhöhen")
_CHANGED = re.compile(r"\b(gestiegen|stiegen?|gesunken|sanken?|verdoppelt\w*|halbiert\w*|zugenommen|abgenommen|"
                      r"zurückgegangen|rose|risen|fell|fallen|increased|decreased|doubled|halved|grew|dropped|"
                      r"declined)\b", re.IGNORECASE)


#: (ranking score, sentence vector row, evidence), as `scored_sentences` gives them
Scored = tuple[float, int, Evidence]


def speaks_of_before(sentence: str, before: str) -> bool:
    """Whether an overview's sentence speaks of what the one before it named (`evidence.select_overview`'s carry): it
    points back ("Es ist kulturell vielfältig …") or names it again ("Das Viertel gilt …" after "… eines der
    ältesten Viertel der Stadt")."""
    return points_back(sentence) or names_again(sentence, before)


def _date_matcher(dates: tuple[str, ...]) -> Callable[[Evidence], bool] | None:
    """A test for sentences naming one of `dates`, in words ("am 3. November") or as the day they tell of
    ("am Montag" in a report of Tuesday 4 November); None when the question names no date."""
    if not dates:
        return None
    wanted = {k for d in dates for k in date_keys(d)}

    def names(ev: Evidence) -> bool:
        if names_date(ev.sentence.text, dates):
            return True
        day = sentence_day(ev.sentence.text, ev.published or None) if ev.published else None
        return day is not None and any(date_fits(w, (day.day, day.month, day.year)) for w in wanted)

    return names


def german_rarity(snap: store.Snapshot) -> Callable[[str], float]:
    """How rare a word is in the index's German passages (the idf of its rarest stem), 0 where they do not hold
    it: which of a dictionary's German words the articles use (`translation.mend_rendering`)."""
    idf = idf_of(snap)
    return lambda word: max((idf.get((t, "de"), 0.0) for t in stem_tokens(word, "de", drop_stopwords=False)),
                            default=0.0)


def prepare(snap: store.Snapshot, question: str, history: History = (), k: int = 5,
            filters: Filters | None = None, translation: str = "") -> Prepared:
    """Question analysis, retrieval and evidence by kind: everything before the language model.

    `translation`: the question rendered in German by the model (`rag.translation`), for an English question
    on German articles: it finds chunks too, and its words and vector join the English question's in ranking
    the sentences; how strong the evidence is stays the English question's own cosine.

    A short question that finds nothing on its own in a conversation ("Zu welchem Titel?", "After how many
    joint operations?": elliptic, with no pronoun to show it) is asked again as a follow-up, and taken as
    one when the conversation's topic lifts the sentence the question found alone above the threshold."""
    if translation:  # the English words the model left in its rendering, put in German (`mend_rendering`)
        translation = mend_rendering(question, translation, german_rarity(snap))
    pair = dated_pair(new_topic(question)[0])
    paired = _paired(snap, question, history, pair, k, filters) if pair is not None else None
    if paired is not None:
        return paired
    p = _prepare(snap, question, history, k, filters, translation=translation)
    period = p.q.frame.period if p.q is not None else None
    if period is not None and p.abstain_reason:
        # no article published then answers; a sentence that names a day then may ("Welche Daten im Oktober
        # 2025 nennen die Artikel?" asks about the days told, in articles of November)
        told = _prepare(snap, question, history, k, filters, translation=translation, periods=False)
        if not told.abstain_reason and any(_tells_a_day_in(ev, period) for ev in told.evidence):
            return replace(told, retrieve_ms=p.retrieve_ms + told.retrieve_ms)
    if (history and p.q is not None and not p.q.follow_up and p.abstain_reason == WEAK
            and len(question.split()) <= ELLIPTIC_WORDS):
        again = _prepare(snap, question, history, k, filters, follow=True, translation=translation)
        # the conversation confirms what the question found alone, too weakly; it does not replace it
        # ("Wie hoch ist der Eiffelturm?" after a question on Vietnam stays unanswered). Alone, a vague question
        # may find a vaguer sentence first ("Tatsächlich scheint es so, als ob nur wenige von dort kamen." for
        # "Die wievielte Ausstellung ist das?"): the conversation may confirm either of the first two.
        found = {sentence_key(ev) for ev in p.evidence[:CONFIRMED]}
        if not again.abstain_reason and sentence_key(again.evidence[0]) in found:
            return replace(again, retrieve_ms=p.retrieve_ms + again.retrieve_ms)
    return p


def _paired(snap: store.Snapshot, question: str, history: History, pair: DatedPair, k: int,
            filters: Filters | None) -> Prepared | None:
    """A question on when each of two things happened, each item asked alone as a date question (`pair.parts`:
    "When was the Edict of Fontainebleau?"): the best sentence of each that gives a date, once each; None when
    neither item finds one (the question then goes the way of its kind). One sentence may date both ("… von
    Scheele … 1773 … von Priestley … 1774 entdeckt"): it is cited once."""
    t0 = time.perf_counter()
    evidence: list[Evidence] = []
    keys: list[tuple[str, int]] = []  # the evidence's sentence keys
    part_of: list[int] = []
    for item, sub in zip(pair.items, pair.parts, strict=True):
        got = _prepare(snap, sub, (), k, filters, periods=False)
        # the first sentence that gives a date, of those that are evidence on their own ("… was praktiziert" names
        # the office's field, "… gründete 1263 … das Amt für westliche Medizin" the year); a place asked of is named
        # in it ("… reist diese Woche nach Asien, einschließlich Südkorea" gives no day in Seoul)
        usable = list(got.evidence) if got.abstain_reason in ("", NO_TYPE.format(kind="date")) else []
        if pair.places:  # and the day itself ("diese Woche" is none)
            usable = [ev for ev in usable if re.search(rf"\b{re.escape(item)}\b", ev.sentence.text)
                      and names_a_day(ev.sentence.text)]
        best = next((ev for ev in usable if gives_answer_type(ev.sentence.text, sub, "date")), None)
        if best is None:
            part_of.append(-1)
            continue
        key = sentence_key(best)
        if key not in keys:
            evidence.append(best)
            keys.append(key)
        part_of.append(keys.index(key))
    if not evidence or (pair.places and -1 in part_of):  # a place without its day: the set answer's sentences
        return None  # tell more than "no date for it" (they may give it in words the part did not find)
    q = analyse(question, history)
    return Prepared(question, q.standalone, q.language, tuple(evidence), "", (time.perf_counter() - t0) * 1000, q,
                    pair=pair, part_of=tuple(part_of))


def without_period(text: str, period: Period | None, language: Language) -> str:
    """`text` without the words that name the period the search is limited to ("in October 2025"); the text
    as it is when there is none, when the period is relative to today, or when no content would be left."""
    if period is None or period.relative:  # "letzte Woche", "gestern" name no day a sentence could name
        return text
    said = question_period(text, today()) if period.said.lower() not in text.lower() else period
    return without_words(text, said.said, language) if said is not None else text


def without_words(text: str, words: str, language: Language) -> str:
    """`text` without `words` (in any case); the text as it is when nothing with content would be left."""
    if not words or not text:
        return text
    left = " ".join(re.sub(re.escape(words), " ", text, flags=re.IGNORECASE).split())
    return left if has_content_words(left, language) else text


_OUTLETS: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()


def _tells_about(snap: store.Snapshot, ev: Evidence, question: str, language: Language) -> bool:
    """Whether `ev`'s article holds a word of what the question asks about (its content words but the verb of
    reporting: "Sturmflut" of "Was berichtete … über die Sturmflut?"); an article in another language than
    the question cannot be told by its words and does."""
    article = snap.articles.get(ev.article_id)
    if article is None or article.language != language:
        return True
    asked = set(stem_tokens(_REPORTED_VERB.sub(" ", question), language))
    return not asked or bool(asked & set(stem_tokens(article.text, language)))


def outlet_names(snap: store.Snapshot) -> dict[str, str]:
    """The outlets of the snapshot's articles by name (`outlet_name` -> host), once per snapshot; a one-word
    name that many passages hold as a word ("zeit" of zeit.de) names no outlet in a question."""
    if snap not in _OUTLETS:
        n = max(1, len(snap.chunks))
        names: dict[str, str] = {}
        for article in snap.articles.values():
            host = outlet(article.url)
            name = outlet_name(host) if host else ""
            if not name or name in names:
                continue
            if " " not in name and any(snap.document_frequency(stem, lang) > max(2, OUTLET_WORD_SHARE * n)
                                       for lang in ("de", "en") for stem in stem_tokens(name, lang)):
                continue
            names[name] = host
        _OUTLETS[snap] = names
    return _OUTLETS[snap]


def _tells_a_day_in(ev: Evidence, period: Period) -> bool:
    day = sentence_day(ev.sentence.text, ev.published or None)
    return day is not None and period.since <= day.isoformat() <= period.until


_SPANS: weakref.WeakKeyDictionary[Any, tuple[str, str] | None] = weakref.WeakKeyDictionary()


def published_span(snap: store.Snapshot) -> tuple[str, str] | None:
    """The first and last publication day of the snapshot's articles (None when none has one)."""
    if snap not in _SPANS:
        days = sorted(a.published[:10] for a in snap.articles.values() if a.published)
        _SPANS[snap] = (days[0], days[-1]) if days else None
    return _SPANS[snap]


def period_applies(period: Period, snap: store.Snapshot) -> bool:
    """Whether a question's period is one of publication: always when relative to today ("letzte Woche"),
    else when it comes within `PERIOD_REACH_DAYS` of the articles' publication dates."""
    if period.relative:
        return True
    span = published_span(snap)
    if span is None:
        return False
    reach = dt.timedelta(days=PERIOD_REACH_DAYS)
    low = (dt.date.fromisoformat(span[0]) - reach).isoformat()
    high = (dt.date.fromisoformat(span[1]) + reach).isoformat()
    return period.since <= high and period.until >= low


def newest_wins(scored: list[tuple[float, int, Evidence]], margin: float,
                eligible: Callable[[Evidence], bool]) -> list[tuple[float, int, Evidence]]:
    """The sentence of the newest article among those within `margin` of the best (and `eligible`) first;
    the order is kept otherwise and when the best sentence's article is the newest."""
    if not scored:
        return scored
    close = [item for item in scored if item[0] >= scored[0][0] - margin and eligible(item[2])]
    if not close:
        return scored
    newest = max(close, key=lambda t: (t[2].published, t[0]))
    if newest[2].published <= scored[0][2].published:
        return scored
    return [newest, *(item for item in scored if item is not newest)]


#: the lead: an article's first sentences, where a news report says when its event happened
LEAD_SENTENCES = 3
#: an article's opening read for its lead (a headline and a first sentence fit)
LEAD_CHARS = 2000


def event_day(ev: Evidence, snap: store.Snapshot | None = None) -> str:
    """The day a sentence tells of: the day it names (read against its article's date), else (with `snap`)
    the first day its article's lead names (a headline's event is the lead's: "Klinikum und St. Annen
    wollen fusionieren" over "… teilten am Dienstag mit"), else the day its article was published; "" when
    none is known."""
    day = sentence_day(ev.sentence.text, ev.published or None)
    if day is None and snap is not None:
        article = snap.articles.get(ev.article_id)
        if article is not None:
            lead = split_sentences(article.text, article.language)[:LEAD_SENTENCES]
            day = next((d for s in lead if (d := sentence_day(s.text, ev.published or None))), None)
    return day.isoformat() if day else ev.published


def topic_vector(snap: store.Snapshot, embedder: Any, question: str) -> np.ndarray:
    """The question's vector without its time words and the words nearly every article has (`topic_of`)."""
    return _unit(np.asarray(embedder.embed_query(topic_of(question, snap)), dtype=np.float32))


def topic_query(snap: store.Snapshot, embedder: Any, question: str, language: Language,
                translation: str = "") -> np.ndarray:
    """What the story asked about is, as `story_closeness` compares it: the topic's vector (`topic_vector`) less
    the mean sentence vector of the question's language; with a German rendering of an English question, the
    sum of both (a rendering of the small model can miss the topic: "Sturmbohrenzerregung" for "storm surge
    damage")."""
    means = mean_sentence_vectors(snap)
    query = _unit(topic_vector(snap, embedder, question) - means[language])
    if translation:
        query = _unit(query + _unit(topic_vector(snap, embedder, translation) - means["de"]))
    return query


def story_closeness(snap: store.Snapshot, scored: list[tuple[float, int, Evidence]],
                    query: np.ndarray) -> dict[str, tuple[float, Evidence]]:
    """Per article: its sentence closest to the topic (`topic_query`) once what all the articles share is
    taken out (cosines after subtracting the mean sentence vector of each one's language: "Marstedt" in
    every local report no longer makes them all alike, nor an English question every English report)."""
    means = mean_sentence_vectors(snap)
    best: dict[str, tuple[float, Evidence]] = {}
    for _, vrow, ev in scored:
        if len(re.findall(r"\w\w+", ev.sentence.text)) < 3:  # "(npa)" tells nothing
            continue
        rel = float(_unit(snap.sentence_vectors[vrow] - means[hit_language(snap, ev)]) @ query)
        if ev.article_id not in best or rel > best[ev.article_id][0]:
            best[ev.article_id] = (rel, ev)
    return best


def story_articles(closeness: dict[str, tuple[float, Evidence]]) -> set[str]:
    """The articles at least `TIMELINE_SHARE` as close to the question as the closest one."""
    top = max((rel for rel, _ in closeness.values()), default=0.0)
    return {a for a, (rel, _) in closeness.items() if rel >= TIMELINE_SHARE * top}


def linked_articles(snap: store.Snapshot, among: set[str], seed: str) -> set[str]:
    """`seed` and the articles of `among` in its language linked to it through articles of the story: an
    `article_vector` cosine of at least `STORY_LINK` to one already linked."""
    language = _article_language(snap, seed)
    rest = {a for a in among if _article_language(snap, a) == language} - {seed}
    linked, frontier = {seed}, [seed]
    while frontier:
        vector = article_vector(snap, frontier.pop())
        found = {b for b in rest - linked if float(vector @ article_vector(snap, b)) >= STORY_LINK}
        linked |= found
        frontier.extend(found)
    return linked


def asked_story(snap: store.Snapshot, closeness: dict[str, tuple[float, Evidence]]) -> set[str]:
    """The articles of the asked story among those of `closeness` (`story_closeness`): the closest article and
    the articles of its language linked to it (`linked_articles`); in each other language, the same from its
    closest article that shares at least `STORY_MARKS` names and figures with one of the story's articles
    (`story_marks`), else from its closest article when that one is at least `TIMELINE_SHARE` as close as the
    closest of all (across languages the article vectors of one story are hardly closer than those of two
    stories: each language is linked on its own)."""
    if not closeness:
        return set()
    top = max(rel for rel, _ in closeness.values())
    by_language: dict[str, list[str]] = {}  # language -> its articles, the closest first
    for a, _ in sorted(closeness.items(), key=lambda t: -t[1][0]):
        by_language.setdefault(_article_language(snap, a), []).append(a)
    members: set[str] = set()
    for told in by_language.values():
        seed: str | None = told[0]
        if members:  # another language: its closest article that shares the story's marks, else its closest
            # article when that one is close enough
            seed = next((a for a in told if any(len(story_marks(snap, a) & story_marks(snap, m)) >= STORY_MARKS
                                                for m in members)),
                        told[0] if closeness[told[0]][0] >= TIMELINE_SHARE * top else None)
        if seed is not None:
            members |= linked_articles(snap, set(closeness), seed)
    return members


def marked_reports(snap: store.Snapshot, members: set[str], f: Filters) -> list[str]:
    """The story's reports in the languages none of its articles (`members`) is written in, which the question
    found no passage of (across languages the question's vector is the only signal, and a German question on an
    English report of a German story is far from it): the passages of each other language that BM25 finds for
    the marks the story's articles share most (`story_marks`, at most `MARK_QUERY`; `MARKED_K` passages), of
    the articles that share at least `STORY_MARKS` of them with one of the story's articles, within the filters
    `f`."""
    languages = {_article_language(snap, m) for m in members}
    others: dict[Language, np.ndarray] = {}  # each other language's passages within the filters, where it has any
    for language in ("de", "en"):
        def written_in(a: Article, language: Language = language) -> bool:
            return a.language == language and f.matches(a)

        if language not in languages and (allowed := snap.allowed_rows(written_in, ("marked", language, f))).any():
            others[language] = allowed
    counted: dict[str, int] = {}
    for m in members if others else ():  # an index of one language has no reports elsewhere to search
        for mark in story_marks(snap, m):
            counted[mark] = counted.get(mark, 0) + 1
    if not counted:
        return []
    query = " ".join(sorted(counted, key=lambda mark: (-counted[mark], mark))[:MARK_QUERY])
    found: list[str] = []
    for language, allowed in others.items():
        for row, _ in snap.bm25(query, MARKED_K, language, allowed):
            article = snap.chunks[row].article_id
            if article not in found and article not in members and any(
                    len(story_marks(snap, article) & story_marks(snap, m)) >= STORY_MARKS for m in members):
                found.append(article)
    return found


_MARKS: weakref.WeakKeyDictionary[Any, dict[str, frozenset[str]]] = weakref.WeakKeyDictionary()
_RARE: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], bool]] = weakref.WeakKeyDictionary()
_NAME = re.compile(r"\b[A-ZÄÖÜ][\w-]*\w")
_FIGURE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*")


def story_marks(snap: store.Snapshot, article_id: str) -> frozenset[str]:
    """What tells an article's story in any language: its rare names (capitalised words not opening a sentence:
    "Wemme-Watt", "Olsen"; not those in more than `MARK_SHARE` of the passages) and its
    figures with a decimal part or three digits ("6,2" and "6.2" alike; "1.200" and "1,200"; no year), from
    the sentences of its passages, cached per snapshot."""
    cache = _MARKS.setdefault(snap, {})
    if article_id in cache:
        return cache[article_id]
    rare = _RARE.setdefault(snap, {})  # (word, language) -> whether it is rare enough to be a mark
    article = snap.articles.get(article_id)
    marks: set[str] = set()
    if article is not None:
        common = MARK_SHARE * max(1, len(snap.chunks))
        texts = dict.fromkeys(sentence.text for row in snap.rows_of_article(article_id)  # the index's sentences
                              for sentence in snap.chunks[row].sentences)
        for text in texts:
            opening = re.match(r"\W*\w+", text)
            start = opening.end() if opening else 0
            for m in _NAME.finditer(text, start):
                key = (m.group().casefold(), article.language)
                if key not in rare:
                    stems = stem_tokens(m.group(), article.language, drop_stopwords=False)
                    rare[key] = bool(stems) and min(sum(snap.document_frequency(w, lang) for lang in ("de", "en"))
                                                    for w in stems) <= common
                if rare[key]:
                    marks.add(key[0])
            for m in _FIGURE.finditer(text):
                figure = _figure(m.group())
                if figure:
                    marks.add(figure)
    cache[article_id] = frozenset(marks)
    return cache[article_id]


def _figure(text: str) -> str:
    """A figure as both languages write it ("6,2" -> "6.2", "1.200" -> "1200"), or "" for one that is no
    mark (fewer than three digits and no decimal part; a year)."""
    parts = re.split(r"[.,]", text)
    whole, rest = parts[0], parts[1:]
    decimal = ""
    while rest and len(rest[0]) == 3 and (len(rest) > 1 or len(whole) <= 3):  # thousands: "1.200", "1,200,000"
        whole += rest.pop(0)
    if rest:
        decimal = rest.pop(0)
    if rest:
        return ""
    if decimal:
        return f"{whole}.{decimal}"
    if len(whole) < 3 or (len(whole) == 4 and whole[:2] in ("19", "20")):
        return ""
    return whole


def _article_language(snap: store.Snapshot, article_id: str) -> str:
    article = snap.articles.get(article_id)
    return article.language if article is not None else ""


_ARTICLE_VECTORS: weakref.WeakKeyDictionary[Any, dict[str, np.ndarray]] = weakref.WeakKeyDictionary()


def article_vector(snap: store.Snapshot, article_id: str) -> np.ndarray:
    """What an article is about: the mean of its sentence vectors once what all the articles of its language
    share is taken out (`mean_sentence_vectors`), normalised (cached per snapshot)."""
    cache = _ARTICLE_VECTORS.setdefault(snap, {})
    if article_id not in cache:
        rows = [r for c in snap.rows_of_article(article_id) for r in snap.sentence_vector_rows_of_chunk(c)]
        article = snap.articles.get(article_id)
        if not rows or article is None:
            cache[article_id] = np.zeros(snap.dim, dtype=np.float32)
        else:
            vectors = np.asarray(snap.sentence_vectors[np.unique(rows)], dtype=np.float32)
            cache[article_id] = _unit(vectors.mean(axis=0) - mean_sentence_vectors(snap)[article.language])
    return cache[article_id]


def timeline_events(snap: store.Snapshot, scored: list[tuple[float, int, Evidence]], query: np.ndarray,
                    floor: Callable[[Evidence], float],
                    story: list[tuple[float, int, Evidence]] | None = None,
                    elsewhere: Callable[[set[str]], list[tuple[float, int, Evidence]]] | None = None,
                    ) -> list[tuple[Evidence, str]]:
    """One event from each article of the asked story (`asked_story`, found among `story`'s articles: those
    of every date where the question's period limits `scored`; and the sentences `elsewhere` gives for it: its
    reports in other languages, `marked_reports`): its closest sentence with its day (`event_day`); one event
    for copies of a report (the same story and day)."""
    closeness = story_closeness(snap, [t for t in scored if t[2].score >= floor(t[2])], query)
    wide = closeness if story is None else {  # the period's articles are found among all the dates' too
        **closeness, **story_closeness(snap, [t for t in story if t[2].score >= floor(t[2])], query)}
    members = asked_story(snap, wide)
    if elsewhere is not None and members:
        more = story_closeness(snap, [t for t in elsewhere(members) if t[2].score >= floor(t[2])], query)
        closeness = {**more, **closeness}
        members |= set(more)
    events: list[tuple[Evidence, str]] = []
    told: set[tuple[str, str]] = set()  # (story, day): another outlet's copy of the same report is one event
    reported = {d for m in members if (a := snap.articles.get(m)) is not None and (d := _day(a.published))}
    for _, ev in sorted(closeness.values(), key=lambda t: -t[0]):
        if ev.article_id not in members or len(events) >= TIMELINE_EVENTS:
            continue
        article = snap.articles.get(ev.article_id)
        day = event_day(ev, snap)
        if recalled(day, ev.published, reported):
            day = ev.published
        key = (story_of(article) if article else ev.article_id, day)
        if key not in told:
            told.add(key)
            events.append((ev, day))
    return events


def recalled(day: str, published: str, reported: set[dt.date]) -> bool:
    """Whether the day a report's sentence names is an earlier event of the story that the report recalls ("…
    approved the wage agreement, ending the dispute that led to a warning strike on November 3" in a report of
    19 November): more than `RECALLED_DAYS` before the report, and within a day of another of the story's
    reports (`reported`: their publication days), which told of it then."""
    named, own = _day(day), _day(published)
    if named is None or own is None or (own - named).days <= RECALLED_DAYS:
        return False
    return any(abs((r - named).days) <= 1 for r in reported)


def _day(value: str | None) -> dt.date | None:
    """The calendar day an ISO date or time names, None for none."""
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


#: a digest of a period ("Was ist diese Woche passiert?"): at most this many stories, the newest
DIGEST_EVENTS = 10
DIGEST_ARTICLES = 2000
#: which outlets reported a story: at most this many of its reports
COVERAGE_REPORTS = 12


def digest_events(snap: store.Snapshot, f: Filters) -> list[tuple[Evidence, str]]:
    """What the stories of a period reported (`f`: the period and the asked filters): the articles published
    then grouped into stories (`article_vector` links of at least `STORY_LINK` within one language; an edited
    copy from another outlet is its original's story, `story_of`), the `DIGEST_EVENTS` stories with the most
    reports (then the newest), each by the headline (first sentence) of its newest report, in the order of
    their days. At most `DIGEST_ARTICLES` of the period's newest articles are read."""
    articles = sorted((a for a in snap.articles.values() if a.published and f.matches(a)),
                      key=lambda a: (a.published or "", a.id), reverse=True)[:DIGEST_ARTICLES]
    if not articles:
        return []
    parent = list(range(len(articles)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    vectors = np.stack([article_vector(snap, a.id) for a in articles])
    linked = (vectors @ vectors.T) >= STORY_LINK
    index = {a.id: i for i, a in enumerate(articles)}
    for i, a in enumerate(articles):
        original = index.get(story_of(a))
        if original is not None:
            parent[root(i)] = root(original)
        for j in np.flatnonzero(linked[i, i + 1:]) + i + 1:
            if articles[j].language == a.language:
                parent[root(int(j))] = root(i)
    stories: dict[int, list[Article]] = {}
    for i, a in enumerate(articles):  # newest first within each story
        stories.setdefault(root(i), []).append(a)
    chosen = sorted(stories.values(), key=lambda told: (len(told), told[0].published or ""), reverse=True)
    chosen = sorted(chosen[:DIGEST_EVENTS], key=lambda told: (told[0].published or "", told[0].id))
    return [(ev, ev.published) for told in chosen if (ev := headline_evidence(snap, told[0].id)) is not None]


def headline_evidence(snap: store.Snapshot, article_id: str) -> Evidence | None:
    """An article's headline as evidence: its first sentence that tells something (`_tells`)."""
    article = snap.articles.get(article_id)
    rows = snap.rows_of_article(article_id) if article is not None else []
    if article is None or not rows:
        return None
    opening = [s for s in split_sentences(article.text[:LEAD_CHARS], article.language) if _tells(s.text)]
    if not opening:
        return None
    chunk = snap.chunks[rows[0]]
    return Evidence(sentence=opening[0], chunk_id=chunk.id, article_id=article.id, title=article.title,
                    url=article.url, date=article.date, score=0.0, passage=chunk.text,
                    date_source=article.date_source)


def _headline_text(snap: store.Snapshot, ev: Evidence) -> str:
    """The headline of `ev`'s article (its first sentence where it has none)."""
    head = headline_evidence(snap, ev.article_id)
    return head.sentence.text if head is not None else ev.title


def _tells(text: str) -> bool:
    """Whether a line of an article's opening tells something: three words besides a date ("Dienstag, 14.
    Oktober 2025" and "Von Ole Martens" do not)."""
    words = [w for w in re.findall(r"[^\W\d_]{2,}", without_dateline(text)) if w.lower() not in MONTHS
             and not is_weekday(w)]
    return len(words) >= 3


#: a word of a question found in this share of the passages or more says where, not what ("Marstedt" in
#: local news): left out of a timeline's topic
GENERIC_SHARE = 0.3
_ASKING = re.compile(r"^(gib|give|me|mir|zeig\w*|show|list\w*|bitte|please)$", re.IGNORECASE)


def topic_of(question: str, snap: store.Snapshot) -> str:
    """The question without the words that ask for a timeline ("Chronologie", "timeline", "gib mir") and
    without words that nearly every article has (the city of a local paper): what the story is about."""
    kept = [word for word in re.findall(r"\w[\w-]*", question)
            if not (timeframe_words(word) or _ASKING.match(word) or _generic(word, snap))]
    topic = " ".join(kept)
    return topic if has_content_words(topic, detect_language(question)) else question


def without_generic(question: str, snap: store.Snapshot) -> str:
    """The question without the words that nearly every article has (`GENERIC_SHARE`: "Marstedt")."""
    return " ".join(word for word in re.findall(r"\w[\w-]*|[^\w\s]", question) if not _generic(word, snap))


def _generic(word: str, snap: store.Snapshot) -> bool:
    """Whether the word is in at least `GENERIC_SHARE` of the passages (in either language's stemming)."""
    n = max(1, len(snap.chunks))
    languages: tuple[Language, ...] = ("de", "en")
    return any(stem and snap.document_frequency(stem, lang) >= GENERIC_SHARE * n
               for lang in languages for stem in stem_tokens(word, lang, drop_stopwords=False)[:1])


_MEANS: weakref.WeakKeyDictionary[Any, dict[Language, np.ndarray]] = weakref.WeakKeyDictionary()


def mean_sentence_vectors(snap: store.Snapshot) -> dict[Language, np.ndarray]:
    """The mean of the index's sentence vectors per language of their passage (once per snapshot); a
    language without sentences gets the mean of all."""
    if snap not in _MEANS:
        vectors = np.asarray(snap.sentence_vectors, dtype=np.float32)
        german_chunks = np.array([c.language == "de" for c in snap.chunks], dtype=bool)
        german = german_chunks[np.asarray(snap.sentence_rows)[:, 0]] if len(vectors) else np.zeros(0, dtype=bool)
        overall = vectors.mean(axis=0) if len(vectors) else np.zeros(vectors.shape[1:], dtype=np.float32)
        _MEANS[snap] = {"de": vectors[german].mean(axis=0) if german.any() else overall,
                        "en": vectors[~german].mean(axis=0) if (~german).any() else overall}
    return _MEANS[snap]


def _prepare(snap: store.Snapshot, question: str, history: History, k: int, filters: Filters | None,
             follow: bool = False, translation: str = "", periods: bool = True) -> Prepared:
    t0 = time.perf_counter()
    q = analyse(question, history, follow, periods=periods)
    period = q.frame.period
    if period is not None and not period_applies(period, snap):
        q, period = analyse(question, history, follow, periods=False), None
    lang = q.language

    closest: Evidence | None = None  # set where a newer report's sentence or a report's lead (`newer`) takes the
    # closest one's place
    newer: Evidence | None = None
    figured = False  # the closest sentence gave no figure in the asked unit; one that gives it went first
    promoted: set[tuple[str, int]] = set()  # sentences that hold the question's focus and went first in their article

    def done(evidence: Sequence[Evidence], reason: str = "", from_context: bool = False,
             with_before: bool = False, candidates: Sequence[Evidence] = (), days: Sequence[str] = ()) -> Prepared:
        ms = (time.perf_counter() - t0) * 1000
        replaced = closest if newer is not None and evidence and evidence[0] is newer else None
        under = None
        if evidence and (figured or sentence_key(evidence[0]) in promoted) and not reason \
                and not from_context and not with_before:  # chosen for what it holds, not for its closeness: the
            # judge reads it under its article's headline, which names what it may not ("die 520 Meter lange
            # Kaimauer" of the berth)
            under = headline_evidence(snap, evidence[0].article_id)
            if under is not None and sentence_key(under) == sentence_key(evidence[0]):
                under = None
            before = preceding_sentence(snap, evidence[0]) if under is not None and len(evidence) == 1 \
                and q.kind in ("factoid", "date") else None
            if before is not None and under is not None and sentence_key(before) == sentence_key(under):
                # the article's opening sentence right before it: read with it and cited, as a lead's details are
                # ("Der neue Tarifvertrag erhöht den Lohn … um 6,2 Prozent" after the lead on the wage deal)
                evidence, with_before, under = [evidence[0], before], True, None
        return Prepared(question, q.standalone, lang, tuple(evidence), reason, ms, q, from_context, with_before,
                        tuple(candidates), tuple(days), replaced, under)

    if not has_content_words(q.standalone, lang):
        return done((), "the question has no content words")
    embedder = get_embedder(snap.embedder)
    # a period the search is limited to has done its work: its words would favour the sentences that name it
    # ("Marstedt, 1. Oktober 2025 – …" for "What did the council decide in October 2025 about …?")
    searched = without_period(q.standalone, period, lang)
    f = filters or Filters()
    # an outlet the question names ("Was meldet Radio Wemme …?") limits the search to its articles, and its name
    # is not matched as words (reports seldom name their own outlet)
    host, said = ("", "") if f.source else named_outlet(q.standalone, outlet_names(snap))
    if host:
        f = replace(f, source=host)
        if period is not None and asks_for_news(q.text.replace(said, " "), period.said, lang):  # "Was meldete
            # der Nordbote letzte Woche?": the outlet's digest of the period
            q = replace(q, kind="timeline", frame=replace(q.frame, timeline=True, digest=True, latest=False))
        elif q.kind == "factoid" and not q.answer_type and _REPORTED.match(q.text):  # "Was berichtete der
            # Nordbote über die Lindenbrücke?": what its report says on the topic, an overview of it
            q = replace(q, kind="overview")
        searched = without_words(searched, said, lang)
        translation = without_words(translation, named_outlet(translation, {outlet_name(host): host})[1], "de")
    elif (period is not None and not q.follow_up and not q.frame.digest and not q.frame.coverage
          and asks_for_news(without_generic(q.text, snap), period.said, lang)):  # "Was passierte letzte Woche in
        # Marstedt?": the place every article reports from is no topic; the period's digest
        q = replace(q, kind="timeline", frame=replace(q.frame, timeline=True, digest=True, latest=False))
    qvec = np.asarray(embedder.embed_query(searched), dtype=np.float32)
    if period is not None:  # "letzte Woche", "im Oktober 2025": the articles published then
        f = f.within(period.since, period.until)
        if f.empty:
            return done((), f"the question asks about {period.said} ({period.since} to {period.until}), outside the "
                            "dates the search is limited to")
    want = TIMELINE_K if q.kind == "timeline" else SET_K if q.is_set else k
    retriever = HybridRetriever(snapshot=snap, k=max(k, want), since=f.since, until=f.until,
                                source=f.source)
    translation = without_period(translation, period, "de")
    tvec = np.asarray(embedder.embed_query(translation), dtype=np.float32) if translation else None

    def found_by(r: HybridRetriever) -> list[Hit]:
        """The passages the question finds, and those its German rendering finds (not for a follow-up's:
        the topic finds them)."""
        found = r.hits(searched, language=lang, qvec=qvec)
        if tvec is not None and not q.follow_up:
            known = {h.chunk.id for h in found}
            found += [h for h in r.hits(translation, language="de", qvec=tvec) if h.chunk.id not in known]
        return found

    hits = found_by(retriever)
    svec, words = qvec, searched
    if q.follow_up:  # the topic finds the chunks; the sentence must answer the new question's own words
        own = np.asarray(embedder.embed_query(question), dtype=np.float32)
        svec = _unit((1 - OWN_WEIGHT) * qvec + OWN_WEIGHT * own)
        if has_content_words(question, lang):
            words = question
    rank_vec, rank_words, rank_lang = svec, words, lang
    rvec: np.ndarray | None = None
    if tvec is not None:  # the German rendering finds chunks too (`found_by`), and ranks the sentences with
        # the question; a follow-up's rendering is of its own words, the topic joins it
        rvec = _unit((1 - OWN_WEIGHT) * qvec + OWN_WEIGHT * tvec) if q.follow_up else tvec
        rank_vec, rank_words, rank_lang = _unit(svec + rvec), translation, "de"

    # an English question's words as the German words a dictionary gives for them (`rag.glossary`)
    across = glossary_groups(german_words(words), idf_of(snap)) if lang == "en" else []

    def needed(ev: Evidence) -> float:
        return threshold(snap.embedder, lang, hit_language(snap, ev))

    def ranked(among: list[Hit], least: Callable[[Evidence], float] = needed) -> list[tuple[float, int, Evidence]]:
        found = scored_sentences(snap, among, rank_words, rank_vec, rank_lang, _date_matcher(q.dates))
        if rvec is not None:  # how strong the evidence is: the question's own cosine, or the rendering's as far
            # above the German questions' threshold ("Who sang the national anthem?" / "Wer sang die Nationalhymne?")
            own = {vrow: float(snap.sentence_vectors[vrow] @ svec) for _, vrow, _ in found}
            found = [(s, vrow, replace(ev, score=max(own[vrow], float(snap.sentence_vectors[vrow] @ rvec)
                                                     - threshold(snap.embedder, "de", hit_language(snap, ev))
                                                     + needed(ev)))) for s, vrow, ev in found]
            margin = TRANSLATION_MARGINS.get(snap.embedder)
            if found and margin is not None:  # the rendering reorders the sentences close to the question only
                top = max(own.values())
                found.sort(key=lambda t: (own[t[1]] < top - margin, -t[0]))
        else:  # across languages cosines run lower (the thresholds are calibrated per pair of languages): in
            # articles of both languages a sentence ranks by how far it stands above its own pair's threshold
            same = threshold(snap.embedder, lang, lang)
            found = focused([(s - needed(ev) + same, vrow, ev) for s, vrow, ev in found], least)
        return glossed(found, least)

    def focused(found: list[tuple[float, int, Evidence]],
                least: Callable[[Evidence], float]) -> list[tuple[float, int, Evidence]]:
        """Within the best sentence's article, the sentences at or above `least` that hold what the question asks
        beyond the article's headline come first (`focus_share`): they take the ranking scores of that article's
        sentences in their new order, so how articles compare ("the newest report", a tie) and how strong the
        evidence is (the cosine) stay as they were. Not with a rendering: it reorders only the sentences about as
        close as the closest one (`TRANSLATION_MARGINS`)."""
        found.sort(key=lambda t: -t[0])
        if not FOCUS_WEIGHT or not found:
            return found
        home = found[0][2].article_id
        members = [t for t in found if t[2].article_id == home and t[2].score >= least(t[2]) - FOCUS_MARGIN
                   and hit_language(snap, t[2]) == rank_lang]
        if len(members) < 2:
            return found
        idf = idf_of(snap)
        # the headline whole: a title cut from an article's first sentence ("Der koreanische … des neuen
        # IPCC-Vorstandes…") would leave that sentence words of its own beyond it
        title = _headline_text(snap, found[0][2])
        reordered = sorted(members, key=lambda t: -(t[0] + FOCUS_WEIGHT * focus_share(
            rank_words, t[2].sentence.text, title, rank_lang, idf)))
        if reordered[0] is not members[0]:
            promoted.add(sentence_key(reordered[0][2]))
        # the members' places (and scores) in `found` filled in their new order: `found` stays sorted; one below
        # the threshold takes the strength of the place it moves to as well
        places, moved = {id(t) for t in members}, iter(reordered)

        def fill(place: Scored, member: Scored) -> Scored:
            ev = member[2]
            if ev.score < least(ev) and place[2].score > ev.score:
                ev = replace(ev, score=place[2].score)
            return place[0], member[1], ev

        return [fill(t, next(moved)) if id(t) in places else t for t in found]

    def glossed(found: list[tuple[float, int, Evidence]],
                least: Callable[[Evidence], float]) -> list[tuple[float, int, Evidence]]:
        """The German sentences at or above `least` that hold the English question's words in German (`across`)
        rank higher; how strong the evidence is stays the cosine, so no abstention changes."""
        if not across:
            return found
        found = [(s + GLOSSARY_WEIGHT * grouped_share(across, ev.sentence.text)
                  if ev.score >= least(ev) and hit_language(snap, ev) == "de" else s, vrow, ev)
                 for s, vrow, ev in found]
        found.sort(key=lambda t: -t[0])
        return found

    def reported_elsewhere(members: set[str], least: Callable[[Evidence], float] = needed,
                           ) -> list[tuple[float, int, Evidence]]:
        """The sentences of the asked story's reports in other languages (`marked_reports`), ranked."""
        reports = marked_reports(snap, members, f)
        return ranked([h for a in reports if (ev := headline_evidence(snap, a)) is not None
                       for h in article_hits(snap, ev)], least) if reports else []

    scored = ranked(hits)
    if q.follow_up:  # ranked by its own words, but its strength is the whole question's ("Zu welchem Titel?"
        # after "Wer adelte Drogo 1047?" is far from every sentence alone): the closer of the two cosines
        scored = [(s, vrow, replace(ev, score=max(ev.score, float(snap.sentence_vectors[vrow] @ qvec))))
                  for s, vrow, ev in scored]
    if q.follow_up and history and scored and points_back_to(question, lang):  # "es", "dort": what an earlier
        # answer named, beside the sentences that answered
        answered = _earlier_answers(snap, previous_user_questions(history), k, filters)
        if answered:
            scored = near_earlier(scored, answered, needed, question, q.answer_type)
    if q.follow_up and asks_for_more(question):  # "… außerdem?": not a sentence the conversation gave
        answers = previous_answers(history)
        if answers:  # the answers quote their sentences
            said = " ".join(" ".join(a.split()) for a in answers)
            fresh = [item for item in scored if " ".join(item[2].sentence.text.split()) not in said]
        else:  # only the questions: their best sentences, found again
            given = _best_sentences(snap, previous_user_questions(history), k)
            fresh = [item for item in scored if sentence_key(item[2]) not in given]
        scored = fresh or scored
    if not scored:
        of = f" of {host}" if host else ""
        if period is not None:
            return done((), f"no article{of} published {period.said} ({period.since} to {period.until}) matches the "
                            "question")
        return done((), f"no article{of} matches the question")

    unit = measure(q.standalone) if not q.is_set else None
    if unit and scored and not gives_measure(scored[0][2].sentence.text, question, unit):
        # "Was kostet …?", "Wie lang wird …?": the closest sentence strong enough on its own that gives the figure in
        # its unit, not a closer one without (a headline, "… stellte die Pläne vor"); the judge still checks it
        figure = next((t for t in scored if t[2].score >= needed(t[2]) and gives_measure(t[2].sentence.text, question,
                                                                                         unit)), None)
        if figure is not None:
            scored = [figure, *(t for t in scored if t is not figure)]
            figured = True
    if q.kind != "timeline" and scored:  # the latest report asked for; else a newer article wins a tie
        best_units = units(scored[0][2].sentence.text, question, q.answer_type) if q.answer_type else set()

        # a figure asked without a time ("Wie hoch ist der Schaden der Sturmflut?"): the story's newest report of
        # it, as for the latest (6,5 Millionen Euro of 10 November, not the first estimate of 4 Millionen), unless
        # the question asks for the first one ("zunächst", "originally")
        latest = q.frame.latest or (period is None and not q.dates and q.answer_type in FIGURES
                                    and not _FIRST_REPORT.search(q.text))
        story: set[str] | None = None
        if latest:  # the newest report of the asked story, not the newest of the close ones
            story = asked_story(snap, story_closeness(snap, scored, topic_query(snap, embedder, q.standalone, lang,
                                                                               translation)))
            known = {sentence_key(ev) for _, _, ev in scored}  # and its reports in other languages
            more = [t for t in reported_elsewhere(story) if sentence_key(t[2]) not in known]
            if more:
                story |= {ev.article_id for _, _, ev in more}
                scored = [scored[0], *sorted([*scored[1:], *more], key=lambda t: -t[0])]  # the best stays first

        def same_fact(ev: Evidence) -> bool:  # evidence on its own, of the asked type, in the same unit
            if ev.score < needed(ev) or (story is not None and ev.article_id not in story):
                return False
            if not q.answer_type:
                return True
            told = ev
            if not gives_answer_type(ev.sentence.text, question, q.answer_type):  # a newer report's lead whose
                # figure follows it ("Die Schäden … fallen höher aus" / "Die Stadt beziffert sie jetzt auf rund 6,5
                # Millionen Euro"): the factoid step below reads the two together
                details = _details_after_lead(snap, ev, scored, needed, question, q.answer_type)
                if details is None:
                    return False
                told = details
            found = units(told.sentence.text, question, q.answer_type)
            return gives_answer_type(told.sentence.text, question, q.answer_type) and (
                not best_units or bool(found & best_units))

        first = scored[0][2]
        scored = newest_wins(scored, LATEST_MARGIN if latest else TIE_MARGIN, same_fact)
        if scored[0][2] is not first and latest and q.answer_type and (q.frame.latest or not figured):
            # the same figure, newer: the closest names what was asked (one chosen for its figure does not: the
            # judge reads the newer one under its headline)
            closest, newer = first, scored[0][2]

    if q.is_set:
        def floor(ev: Evidence) -> float:
            return needed(ev) - SET_MARGIN

        if q.kind == "timeline" and q.frame.digest:  # what every story of the period reported
            events = digest_events(snap, f)
            if events:
                return done([ev for ev, _ in events], days=[day for _, day in events])
        if q.kind == "timeline" and q.frame.coverage:  # which outlets reported the story: its reports
            closeness = story_closeness(snap, [t for t in scored if t[2].score >= floor(t[2])],
                                        topic_query(snap, embedder, q.standalone, lang, translation))
            told = asked_story(snap, closeness)
            told |= set(marked_reports(snap, told, f)) if told else set()  # its reports in other languages
            groups = groups_of(snap)  # and the edited copies other outlets ran of them
            told |= {copy for a in told if a in snap.articles for copy in groups.get(story_of(snap.articles[a]), ())}
            reports = [opening for a in sorted(told, key=lambda a: (snap.articles[a].published or "", a))
                       if (opening := headline_evidence(snap, a)) is not None][:COVERAGE_REPORTS]
            if reports:
                return done(reports, days=[ev.published for ev in reports])
        if q.kind == "timeline":  # dated events across the articles, in the order they happened
            wide = None
            if period is not None:  # the story is told over every date; its events are those of the period
                asked = filters or Filters()
                wide = ranked(found_by(HybridRetriever(snapshot=snap, k=max(k, want), since=asked.since,
                                                       until=asked.until, source=asked.source)))
            events = timeline_events(snap, scored, topic_query(snap, embedder, q.standalone, lang, translation),
                                     floor, wide, lambda members: reported_elsewhere(members, floor))
            if not events:
                return done([ev for _, _, ev in scored[:3]], WEAK)
            ordered = sorted(events, key=lambda t: (t[1] or "9999", t[0].published, t[0].sentence.start))
            return done([ev for ev, _ in ordered], days=[day for _, day in ordered])
        overview = q.kind == "overview"
        if overview and host and not _tells_about(snap, scored[0][2], searched, lang):
            return done([ev for _, _, ev in scored[:3]], f"no article of {host} tells of what the question asks "
                                                         "about")
        if overview:  # one article summed up: its lead and the sentences closest to the question, per paragraph
            # (the whole newest report for "the latest on …")
            # what it says about one topic ("… say about his Bible translation?"): the sentences closest to that topic
            # (the question's other words found the article)
            topic = asked_topic(q.standalone)
            # a topic its article's headline names ("the talks between Phan Van Giang and Pete Hegseth") is the
            # article: summed up whole
            the_article = bool(topic) and overlap_share(topic, _headline_text(snap, scored[0][2]), lang,
                                                        idf_of(snap)) >= HEADLINE_TOPIC
            topic = "" if the_article else topic
            rendered = asked_topic(translation) if topic and translation else ""  # the topic in the German rendering
            if rendered and rvec is not None:  # an English question on German articles: its rendering's topic,
                # its German words and vector with the question's (the dictionary's words would peak the ranking
                # on one sentence: the rendering has them)
                topic_vec = _unit(svec + rvec + np.asarray(embedder.embed_query(rendered), dtype=np.float32))
                whole = scored_sentences(snap, article_hits(snap, scored[0][2]), rendered, topic_vec, "de",
                                         _date_matcher(q.dates))
            elif translation:
                whole = ranked(article_hits(snap, scored[0][2]), floor)
            else:  # the topic's vector is embedded only where it ranks
                topic_vec = _unit(svec + np.asarray(embedder.embed_query(topic), dtype=np.float32)) if topic else svec
                whole = glossed(scored_sentences(snap, article_hits(snap, scored[0][2]), topic or q.standalone,
                                                 topic_vec, lang, _date_matcher(q.dates)), floor)
            if scored[0][2].score >= floor(scored[0][2]):
                chosen = select_overview(snap, whole, floor, max_sentences=OVERVIEW_SENTENCES,
                                         whole=whole_article(question) or q.frame.latest or the_article,
                                         carry=speaks_of_before, focused=bool(topic))
                return done(with_enumerations(snap, chosen, ENUMERATION_CAP))
        evidence = select_set(snap, scored, floor, spread=q.kind in ("multi", "comparison"), lead=overview,
                              # another article only as evidence on its own, unless the question asks across them
                              other_margin=0.0 if q.kind == "multi" or names_articles(q.text) else SET_MARGIN,
                              per_article=OVERVIEW_SENTENCES if overview else 3,
                              max_sentences=OVERVIEW_SENTENCES if overview else 5,
                              pinned=_best_per_part(snap, embedder, question, scored, floor)
                              + facet_pins(scored, floor, facets(q.standalone), lambda ev: hit_language(snap, ev)))
        if not evidence:
            return done([ev for _, _, ev in scored[:3]], WEAK)
        unfigured = _change_without_figures(q.text, evidence, lang)
        if unfigured:
            return done(evidence, NO_FIGURES.format(amount=unfigured))
        return done(with_enumerations(snap, evidence, ENUMERATION_CAP))
    top = [ev for _, _, ev in scored[:3]]
    prefer = _date_matcher(q.dates)
    if q.kind == "event_date" and prefer is not None:  # what happened on the date: a sentence must name it
        dated = [ev for _, _, ev in scored if prefer(ev)]
        if not dated:
            return done(top, f"no sentence of the articles names {', '.join(q.dates)}")
        # of the sentences naming the day, the one about what the question names ("im Hafen"), not about
        # the place every article names ("Marstedter …"): the most of the topic's words, then the closest
        about = topic_of(question, snap)
        if about != question and len(dated) > 1:
            idf = idf_of(snap)
            share = {id(ev): overlap_share(about, ev.sentence.text, lang, idf) if hit_language(snap, ev) == lang
                     else 0.0 for ev in dated}
            dated.sort(key=lambda ev: -share[id(ev)])  # stable: the closest first among equals
        top = dated[:1] + [ev for ev in top if ev is not dated[0]][:2]
    # a sentence naming the date the question names is strong evidence ("Was geschah am 2. November?")
    named = PREFER_BONUS if prefer is not None and prefer(top[0]) else 0.0
    if top[0].score + named < needed(top[0]):
        return done(top, WEAK)
    # only sentences that are evidence on their own count: a weak third sentence would let its
    # numbers answer the question ("994 people were harmed by dioxin")
    kept = [top[0], *(ev for ev in top[1:] if ev.score >= needed(ev))]
    places, others = facets(q.text)
    evidence = promote_answer_type(promote_specific(kept, [*places, *others], SPECIFIC_MARGIN), question,
                                   q.answer_type, TYPE_MARGIN)
    best = evidence[0]
    cands = [best, *(ev for ev in evidence if ev is not best)][:READ_CANDIDATES]  # evidence on their own only
    later = only_later_days(best.sentence.text, question, best.published)  # "Seit wann …?": a plan is no answer
    if q.answer_type and (later or not gives_answer_type(best.sentence.text, question, q.answer_type)):
        after = next_in_paragraph(snap, best)
        if after is not None and _GOES_ON.match(after.sentence.text) \
                and gives_answer_type(after.sentence.text, question, q.answer_type):
            # the sentence after goes on about whom the best one names and gives what was asked ("Die Beiträge von
            # al-Muwaffaq … sind … wegweisend." + "Er lebte im 10. Jahrhundert …"): read together, before any date
            # of the sentence before it, which may be about someone else
            after = replace(after, score=best.score)  # as close as the pair it is read in
            return done([after, best], with_before=True, candidates=[after])
        before = preceding_sentence(snap, best, same_paragraph=True)
        if q.answer_type == "date" and before and gives_answer_type(before.sentence.text, question, "date"):
            return done([best, before], from_context=True)  # "Am 2. November … . Dabei unterzeichneten …"
        details = _details_after_lead(snap, best, scored, needed, question, q.answer_type)
        if details is not None:  # the lead says what happened, the sentence after it how much: read together
            return done([details, best], with_before=True, candidates=[details])
        if later:
            return done(evidence, LATER_ONLY)
        # the sentences after the best one that give what was asked, for the model to judge ("Am 3. Februar übergab
        # ihre Sprecherin … 9.850 Unterschriften" below "… sammelt … Unterschriften für ein Bürgerbegehren" for how
        # many signatures were handed in); without the model the question stays unanswered
        typed = [ev for ev in evidence[1:] if gives_answer_type(ev.sentence.text, question, q.answer_type)
                 and not only_later_days(ev.sentence.text, question, ev.published)]
        return done(evidence, NO_TYPE.format(kind=q.answer_type), candidates=typed)
    if refers_back(best.sentence.text) or (_WHO.match(q.text) and _PERSON.search(best.sentence.text)):
        # "Sie veranlassten Luther dazu, …": who "sie" are is said before; so is who "er" is in "Mit 39 Jahren
        # ist er der älteste Quarterback" for "Wer ist der älteste Quarterback?"
        before = preceding_sentence(snap, best, same_paragraph=True)
        if before is not None:
            return done([best, before], with_before=True, candidates=cands)
    if (q.kind == "factoid" and not q.answer_type and _WHAT.match(q.text) and period is not None
            and not _is_lead(snap, best)):  # what a report of the period says: its lead ("Was wurde diese Woche
        # über … bekannt?" finds "…, teilte die Geschäftsführerin am Montag mit." after the news itself)
        lead = lead_of(snap, best)
        close = {sentence_key(ev): ev for _, _, ev in scored}
        if lead is not None and sentence_key(lead) in close:  # the closest sentence names what was asked ("…
            # des neuen Klinikverbunds …"), so the judge reads it; the lead ("Die Geburtshilfe … wird Ende März
            # 2026 geschlossen.") is the answer
            closest, newer = best, close[sentence_key(lead)]
            best = newer
    if q.kind == "factoid" and not q.answer_type and _WHAT.match(q.text) and _is_lead(snap, best):
        # a news lead says that something was decided or agreed; the sentence after it says what
        # ("… haben sich … auf einen neuen Tarifvertrag geeinigt." + "Die Löhne steigen um 6,2 Prozent.")
        after = next_in_paragraph(snap, best)
        close = {sentence_key(ev): ev for _, _, ev in scored[1:]}
        if after is not None and sentence_key(after) in close:
            nxt = close[sentence_key(after)]
            if nxt.score >= needed(nxt) - SET_MARGIN:
                return done([best, nxt], candidates=cands)
    if q.kind == "why":  # a reason often takes two sentences: a close runner-up next to the best joins it
        cands = [*cands, *_reasons_named(scored, best, cands, needed)]
        for ev in (ev for _, _, ev in scored[1:WHY_NEIGHBOURS + 1]):
            if ev.score >= needed(ev) - SET_MARGIN and adjacent(snap, best, ev):
                return done([best, ev], with_before=ev.sentence.start < best.sentence.start, candidates=cands)
        # and a reason given elsewhere as close to the question as the best one, evidence on its own, is shown
        # beside it: the ranking cannot tell which of the two the question means ("Warum trug die Lutherbibel …
        # zur Verbreitung … bei?": the demand for German books, and Luther's notes and Cranach's woodcuts)
        closest_score = scored[0][0]
        tie = next((ev for s, _, ev in scored[:WHY_NEIGHBOURS + 1] if s >= closest_score - WHY_TIE_MARGIN
                    and sentence_key(ev) != sentence_key(best) and ev.score >= needed(ev)), None)
        if tie is not None:
            return done([best, tie], candidates=cands)
    return done([best], candidates=cands)


def _reasons_named(scored: list[tuple[float, int, Evidence]], best: Evidence, taken: Sequence[Evidence],
                   needed: Callable[[Evidence], float]) -> list[Evidence]:
    """The sentences of the best one's article that name a cause (`forms.gives_reason`), rank within
    `WHY_REASON_MARGIN` of the closest and are close enough to be evidence beside it, at most `WHY_REASONS`, the
    closest first, other than those `taken` already."""
    keys = {sentence_key(ev) for ev in (best, *taken)}
    top = scored[0][0]
    return [ev for s, _, ev in scored if s >= top - WHY_REASON_MARGIN and ev.article_id == best.article_id
            and sentence_key(ev) not in keys and ev.score >= needed(ev) - SET_MARGIN
            and gives_reason(ev.sentence.text)][:WHY_REASONS]


#: what an outlet reported, wrote or said ("Was meldete Radio Wemme …?", "What did the Herald report …?")
_REPORTED_VERB = re.compile(r"\b(bericht\w*|meld\w*|schreib\w*|schrieb\w*|sagt\w*|report\w*|writes?|wrote|says?|said|"
                            r"did|does)\b", re.IGNORECASE)
_REPORTED = re.compile(rf"^\W*(was|what)\b.*{_REPORTED_VERB.pattern}", re.IGNORECASE)
_WHAT = re.compile(r"^\W*(was|what|welche[nrms]?|which)\b", re.IGNORECASE)
#: A question that asks for a person ("Wer …?", "Wen …?", "Who …?").
_WHO = re.compile(r"^\W*(wer|wen|wem|who|whom)\b", re.IGNORECASE)
#: A personal pronoun that may stand for the person asked for, named in the sentence before.
_PERSON = re.compile(r"\b(er|sie|he|she|they)\b", re.IGNORECASE)


#: a lead's details: how many sentences after it an answer to what the lead leaves open may come from
LEAD_DETAILS = 3
#: a sentence that goes on about what was said before opens with an article or a pronoun ("The deal raises
#: …", "Der neue Tarifvertrag …", "Sie …"); one that opens with a name ("Südstadt erhöht …") turns to another
_CONTINUES = re.compile(
    r"^\W*(der|die|das|den|dem|des|ein|eine|einen|the|a|an|this|these|that|those|it|its|they|their|he|she|his|her|"
    r"er|sie|es|ihr\w*|sein\w*|dies\w*|dabei|damit|danach|demnach|zudem|außerdem|zugleich|also|moreover)\b",
    re.IGNORECASE)


#: A sentence that opens with "er" / "he" / "she" goes on about the person the sentence before it named ("sie" may be
#: "they", who may be others: "Sie veranlassten Luther dazu, … des 1875 … komponierten Stücks"; with a verb in the
#: singular it is "she" or "it": "Sie soll im April 2027 in Betrieb gehen" after the sentence on the new ambulance
#: station)
_GOES_ON = re.compile(r"^\W*(?:er|he|she|(?-i:Sie)\s+(?:soll|wird|hat|ist|war|wurde|hatte|kann|muss|darf|will|"
                      r"bleibt|geht|kommt|liegt|steht|kostet|bietet|erhält|ersetzt|nimmt))\b", re.IGNORECASE)


def _details_after_lead(snap: store.Snapshot, best: Evidence, scored: list[tuple[float, int, Evidence]],
                        needed: Callable[[Evidence], float], question: str, kind: str) -> Evidence | None:
    """A news lead tells what happened ("Union members have approved the new wage agreement …"), the
    sentences after it the figures ("The deal raises wages by 6.2 percent …"): of the `LEAD_DETAILS` after
    a lead that gives none of the asked kind, the closest to the question that gives it and is close enough
    to be evidence for a set answer. The sentence right after tells the lead's event however close it is, where
    the lead is a headline (its own lead: "Rammarbeiten am Liegeplatz 7 haben begonnen" / "Am Nordkai … haben
    am Montag die Rammarbeiten … begonnen.") or where a pronoun stands for what the lead names ("Die Schäden der
    Sturmflut … fallen … höher aus" / "Die Stadt beziffert sie jetzt auf rund 6,5 Millionen Euro")."""
    if not _is_lead(snap, best):
        return None
    close = {sentence_key(ev): ev for _, _, ev in scored[1:]}
    headline = _is_headline(snap, best)
    details = []
    for i, after in enumerate(following_sentences(snap, best, LEAD_DETAILS)):
        ev = close.get(sentence_key(after))
        if ev is None or not gives_answer_type(after.sentence.text, question, kind):
            continue
        if i == 0 and (headline or has_pronoun(after.sentence.text)):  # the lead's own, or it goes on about
            # what the lead names ("Die Stadt beziffert sie jetzt auf rund 6,5 Millionen Euro"): read with it
            details.append(ev)
        elif _CONTINUES.match(after.sentence.text) and ev.score >= needed(ev) - SET_MARGIN:
            details.append(ev)
    return max(details, key=lambda ev: ev.score - needed(ev)) if details else None


def _change_without_figures(question: str, evidence: Sequence[Evidence], language: Language) -> str:
    """The amount a question asks how it changed ("Wie haben sich die Verteidigungsausgaben Südkoreas im Vergleich
    zum Vorjahr verändert?"), where the evidence's sentences that name it give no figure and say no change in words
    ("Hegseth werde Südkoreas Engagement zur Erhöhung der Verteidigungsausgaben … begrüßen" is an aim): the articles
    do not say how it changed. "" where the question asks nothing of the kind, no sentence names the amount (the
    articles may say it in other words), or one gives a figure ("von 300 Millionen auf 430 Millionen")."""
    m = _AMOUNT_CHANGE.search(question)
    noun = _AMOUNT_NOUN.search(m.group("de") or m.group("en")) if m else None
    if noun is None:
        return ""
    asked = set(stem_tokens(noun.group(0), language))
    naming = [ev for ev in evidence if asked & set(stem_tokens(ev.sentence.text, language))]
    if not naming or any(gives_answer_type(ev.sentence.text, question, "number") or _CHANGED.search(ev.sentence.text)
                         for ev in naming):  # a figure, not a calendar date ("am 4. November")
        return ""
    return noun.group(0)


def _is_headline(snap: store.Snapshot, ev: Evidence) -> bool:
    """Whether the sentence is its article's headline (its title, first)."""
    article = snap.articles.get(ev.article_id)
    return (article is not None and " ".join(ev.sentence.text.split()) == " ".join(article.title.split())
            and preceding_sentence(snap, ev) is None)


def lead_of(snap: store.Snapshot, ev: Evidence) -> Evidence | None:
    """The first sentence of `ev`'s article after its headline (its first sentence when it has none)."""
    article = snap.articles.get(ev.article_id)
    if article is None:
        return None
    opening = split_sentences(article.text[:LEAD_CHARS], article.language)[:2]
    if not opening:
        return None
    first = replace(ev, sentence=opening[0], score=0.0)
    if _is_headline(snap, first):
        return replace(ev, sentence=opening[1], score=0.0) if len(opening) > 1 else None
    return first


def _is_lead(snap: store.Snapshot, ev: Evidence) -> bool:
    """Whether the sentence opens its article (after at most a headline)."""
    before = preceding_sentence(snap, ev)
    return before is None or preceding_sentence(snap, before) is None


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / max(float(np.linalg.norm(v)), 1e-9)).astype(np.float32)


def earlier_answer(snap: store.Snapshot, history: History, k: int = 5,
                   filters: Filters | None = None) -> Evidence | None:
    """The best sentence of the conversation's last question, found again with the questions before it (~15 ms);
    None without one, or where that question was not answered."""
    asked = previous_user_questions(history)
    return _answered_again(snap, asked, k, filters) if asked else None


def near_earlier(scored: list[Scored], answered: list[Evidence], needed: Callable[[Evidence], float],
                 question: str = "", atype: str | None = None) -> list[Scored]:
    """A follow-up's sentences ranked with the conversation's place: those within `NEAR_CHARS` of a sentence that
    answered an earlier question (itself included) rank `NEAR_WEIGHT` higher, where they are evidence on their own (a
    weaker one would answer a question the articles do not, "In welcher Provinz liegt er?") and, where the follow-up
    asks for a figure or a date, hold one: the one that ranks first so goes first, the others keep their order. The
    earlier answer's own sentence does not rank higher where another sentence of its report ranks above it: it was
    read for the earlier question, and the follow-up's own words find what it asks elsewhere in the story ("What pay
    rise are they demanding?" after "Which union is behind the strike?": "Die GVS fordert … 7,5 Prozent mehr Lohn").
    "Und wer hat es gegründet?" after "Wie hieß das römische Fort …?" asks about the fort: "Sie erhielt den
    Familiennamen des römischen Kaisers Hadrian, der sie … gründete." right after its sentence, not the university
    "gegründet" 1834 further on, nor another article's founding. "How much does it weigh?" after "Which university
    is behind the MIRA-2 satellite?": the earlier answer's sentence gives no weight, "Der Satellit wiegt 11,8
    Kilogramm …" further on does. `atype`: the question's answer type (`question.answer_type`)."""

    def outranked(a: Evidence) -> bool:  # another sentence of its report ranks above the earlier answer's own
        return any(t[2].article_id == a.article_id and t[2].sentence.start != a.sentence.start
                   for t in scored[:next((i for i, t in enumerate(scored) if sentence_key(t[2]) == sentence_key(a)),
                                         len(scored))])

    def bonus(ev: Evidence) -> float:
        near = any(ev.article_id == a.article_id and abs(ev.sentence.start - a.sentence.start) <= NEAR_CHARS
                   and not (ev.sentence.start == a.sentence.start and outranked(a)) for a in answered)
        return NEAR_WEIGHT if near and ev.score >= needed(ev) and (
            atype is None or bool(typed_candidates(ev.sentence.text, question, atype))) else 0.0

    best = max(scored, key=lambda t: t[0] + bonus(t[2]))  # the first of equals: `scored[0]` where it ties
    if best is scored[0]:
        return scored
    return [best, *(t for t in scored if t is not best)]  # the others keep their order


#: Earlier questions of a conversation answered again, per snapshot: each follow-up of a chain finds the earlier ones'
#: answers again, and each of those its own earlier ones, so without it a chain of n follow-ups prepared ~2^n times
_AGAIN: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], Evidence | None]] = weakref.WeakKeyDictionary()
_AGAIN_KEEP = 256


def _answered_again(snap: store.Snapshot, asked: list[str], k: int,
                    filters: Filters | None = None) -> Evidence | None:
    """The best sentence of the last of `asked`, with the questions before it as its conversation; None where it
    is not answered. Kept per snapshot for the same questions, k, filters and day (relative days read against it)."""
    memo = _AGAIN.setdefault(snap, {})
    key = (tuple(asked), k, filters, today())
    if key not in memo:
        if len(memo) >= _AGAIN_KEEP:
            memo.clear()
        p = prepare(snap, asked[-1], [{"role": "user", "content": q} for q in asked[:-1]], k, filters)
        memo[key] = p.evidence[0] if p.evidence and not p.abstain_reason else None
    return memo[key]


def _earlier_answers(snap: store.Snapshot, asked: list[str], k: int,
                     filters: Filters | None = None) -> list[Evidence]:
    """The best sentence of each earlier question of a conversation that was answered, found again (~15 ms each)."""
    return [ev for i in range(len(asked)) if (ev := _answered_again(snap, asked[:i + 1], k, filters)) is not None]


def _best_sentences(snap: store.Snapshot, asked: list[str], k: int) -> set[tuple[str, int]]:
    """The best sentence of each earlier question of a conversation, answered again (~15 ms each)."""
    return {sentence_key(ev) for ev in _earlier_answers(snap, asked, k)}


def _best_per_part(snap: store.Snapshot, embedder: Any, question: str, scored: list[tuple[float, int, Evidence]],
                   floor: Any) -> list[tuple[float, int, Evidence]]:
    """For a compound question, the sentence closest to each part ("…, compared with how many have been
    identified?" gets its own sentence), if it passes the floor by its cosine to that part."""
    subs = parts(question)
    if len(subs) < 2 or not scored:
        return []
    rows = np.asarray([vrow for _, vrow, _ in scored])
    out = []
    for sub in subs:
        cos = snap.sentence_vectors[rows] @ np.asarray(embedder.embed_query(sub), dtype=np.float32)
        i = int(np.argmax(cos))
        s, vrow, ev = scored[i]
        if float(cos[i]) >= floor(ev):
            out.append((s, vrow, replace(ev, score=float(cos[i]))))
    return out


def hit_language(snap: store.Snapshot, ev: Evidence) -> Language:
    art = snap.articles.get(ev.article_id)
    return art.language if art else "de"
