"""The evidence-first answer flow, one LangChain Runnable (`AnswerFlow`).

question (+ history) -> analysis (language, kind, follow-up) -> hybrid retrieval -> evidence by kind
-> evidence answer (instant: quote, short span, or cited bullets) -> the model where it helps
(judge, reader, yes/no, check) -> Answer. The model can only add to the evidence answer: whatever it
says that fails a check is dropped, and the extractive form of the same kind stays, flagged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable, RunnableConfig

from . import store
from .embedders import get_embedder
from .errors import RagError
from .evidence import (
    PREFER_BONUS,
    article_hits,
    gives_answer_type,
    has_content_words,
    promote_answer_type,
    scored_sentences,
    select_overview,
    select_set,
    threshold,
)
from .forms import VERDICTS, bullets, extractive_short, quoted, refers_back, single_text
from .forms import snap as snap_span
from .lang import detect_language
from .neighbours import adjacent, preceding_sentence, sentence_key, with_enumerations
from .prompts import ABSTAIN, build_judge_messages, judge_says_no
from .question import Question, analyse, asks_for_more, names_date, parts, previous_answers, previous_user_questions
from .reading import Reading, not_all, read
from .retrieve import RetrievalConfig, retrieve
from .types import Answer, Citation, Evidence, Language, StreamEvent

log = logging.getLogger(__name__)

History = Sequence[Any]  # [(user, assistant), ...] or [{"role": ..., "content": ...}, ...]

JUDGE_TOKENS = 3
JUDGED_NO = "the language model found that the best sentence does not answer the question"
#: How much closer (cosine) the best sentence may be than one that gives the asked kind of answer.
TYPE_MARGIN = 0.02
#: A list, overview or comparison takes sentences this much below the answer threshold.
SET_MARGIN = 0.03
#: Bullets of an overview (a list, comparison or multi-article answer has at most five).
OVERVIEW_SENTENCES = 6
#: Weight of a follow-up's own words against the conversation's topic when its sentence is chosen.
OWN_WEIGHT = 0.6
#: How many runners-up a why-question looks at for a second sentence next to the best one.
WHY_NEIGHBOURS = 3
#: Most bullets of a set answer once an enumeration's items are added.
ENUMERATION_CAP = 8
#: Chunks retrieved for a list, overview, comparison or multi-article question.
SET_K = 8
NOT_CHECKED = "a quote of the closest sentence; no check confirmed that it answers the question"
NOT_CHECKED_SET = "quotes of the closest sentences; not checked for meaning"


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
    #: reason continues across the two), read with it
    with_before: bool = False


def _date_matcher(dates: tuple[str, ...]) -> Any:
    """A test for sentences naming one of `dates` (None when the question names none)."""
    return (lambda text: names_date(text, dates)) if dates else None


def prepare(snap: store.Snapshot, question: str, history: History = (), k: int = 5) -> Prepared:
    """Question analysis, retrieval and evidence by kind: everything before the language model."""
    t0 = time.perf_counter()
    q = analyse(question, history)
    lang = q.language

    def done(evidence: Sequence[Evidence], reason: str = "", from_context: bool = False,
             with_before: bool = False) -> Prepared:
        ms = (time.perf_counter() - t0) * 1000
        return Prepared(question, q.standalone, lang, tuple(evidence), reason, ms, q, from_context, with_before)

    if not has_content_words(q.standalone, lang):
        return done((), "the question has no content words")
    embedder = get_embedder(snap.embedder)
    qvec = np.asarray(embedder.embed_query(q.standalone), dtype=np.float32)
    hits = retrieve(snap, q.standalone, max(k, SET_K) if q.is_set else k, RetrievalConfig(), language=lang, qvec=qvec)
    svec, words = qvec, q.standalone
    if q.follow_up:  # the topic finds the chunks; the sentence must answer the new question's own words
        both = (1 - OWN_WEIGHT) * qvec + OWN_WEIGHT * np.asarray(embedder.embed_query(question), dtype=np.float32)
        svec = (both / max(float(np.linalg.norm(both)), 1e-9)).astype(np.float32)
        if has_content_words(question, lang):
            words = question
    scored = scored_sentences(snap, hits, words, svec, lang, _date_matcher(q.dates))
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
        return done((), "no article matches the question")

    def needed(ev: Evidence) -> float:
        return threshold(snap.embedder, lang, hit_language(snap, ev))

    if q.is_set:
        def floor(ev: Evidence) -> float:
            return needed(ev) - SET_MARGIN

        overview = q.kind == "overview"
        if overview:  # one article summed up: its lead and the sentences closest to the question, per paragraph
            whole = scored_sentences(snap, article_hits(snap, scored[0][2]), q.standalone, svec, lang,
                                     _date_matcher(q.dates))
            if scored[0][2].score >= floor(scored[0][2]):
                chosen = select_overview(snap, whole, floor, max_sentences=OVERVIEW_SENTENCES)
                return done(with_enumerations(snap, chosen, ENUMERATION_CAP))
        evidence = select_set(snap, scored, floor, spread=q.kind in ("multi", "comparison"), lead=overview,
                              per_article=OVERVIEW_SENTENCES if overview else 3,
                              max_sentences=OVERVIEW_SENTENCES if overview else 5,
                              pinned=_best_per_part(snap, embedder, question, scored, floor))
        if not evidence:
            return done([ev for _, _, ev in scored[:3]], "the evidence is too weak")
        return done(with_enumerations(snap, evidence, ENUMERATION_CAP))
    top = [ev for _, _, ev in scored[:3]]
    prefer = _date_matcher(q.dates)
    if q.kind == "event_date" and prefer is not None:  # what happened on the date: a sentence must name it
        dated = [ev for _, _, ev in scored if prefer(ev.sentence.text)]
        if not dated:
            return done(top, f"no sentence of the articles names {', '.join(q.dates)}")
        top = dated[:1] + [ev for ev in top if ev is not dated[0]][:2]
    # a sentence naming the date the question names is strong evidence ("Was geschah am 2. November?")
    named = PREFER_BONUS if prefer is not None and prefer(top[0].sentence.text) else 0.0
    if top[0].score + named < needed(top[0]):
        return done(top, "the evidence is too weak")
    # only sentences that are evidence on their own count: a weak third sentence would let its
    # numbers answer the question ("994 people were harmed by dioxin")
    kept = [top[0], *(ev for ev in top[1:] if ev.score >= needed(ev))]
    evidence = promote_answer_type(kept, question, q.answer_type, TYPE_MARGIN)
    best = evidence[0]
    if q.answer_type and not gives_answer_type(best.sentence.text, question, q.answer_type):
        before = preceding_sentence(snap, best, same_paragraph=True)
        if q.answer_type == "date" and before and gives_answer_type(before.sentence.text, question, "date"):
            return done([best, before], from_context=True)  # "Am 2. November … . Dabei unterzeichneten …"
        return done(evidence, f"the best sentence gives no {q.answer_type}")
    if refers_back(best.sentence.text):  # "Sie veranlassten Luther dazu, …": who "sie" are is said before
        before = preceding_sentence(snap, best, same_paragraph=True)
        if before is not None:
            return done([best, before], with_before=True)
    if q.kind == "why":  # a reason often takes two sentences: a close runner-up next to the best joins it
        for ev in (ev for _, _, ev in scored[1:WHY_NEIGHBOURS + 1]):
            if ev.score >= needed(ev) - SET_MARGIN and adjacent(snap, best, ev):
                return done([best, ev], with_before=ev.sentence.start < best.sentence.start)
    return done([best])


def _best_sentences(snap: store.Snapshot, asked: list[str], k: int) -> set[tuple[str, int]]:
    """The best sentence of each earlier question of a conversation, answered again (~15 ms each)."""
    given: set[tuple[str, int]] = set()
    for i, earlier in enumerate(asked):
        p = prepare(snap, earlier, [{"role": "user", "content": q} for q in asked[:i]], k)
        if p.evidence and not p.abstain_reason:
            given.add(sentence_key(p.evidence[0]))
    return given


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


def judged(p: Prepared, llm: BaseChatModel, snap: store.Snapshot) -> Prepared:
    """Ask the model whether the best sentence (read with the one before it) answers the question.

    Similarity cannot tell "Wer ist der Präsident?" from "Wer ist der Verteidigungsminister?" when
    the article names only the latter; the model can. A clear "no" turns the answer into an
    abstention; anything else keeps it. Raises LLMError like any call of the model."""
    from .llms import for_role

    if p.abstain_reason or not p.evidence or (p.q and (p.q.is_set or p.q.kind == "yesno")):
        return p  # a yes/no question is read as such: "unclear" keeps the quote, it does not abstain
    best = p.evidence[0]
    before = preceding_sentence(snap, best)
    reply = for_role(llm, "judge").invoke(
        build_judge_messages(p.standalone, best.sentence.text, before.sentence.text if before else ""),
        max_tokens=JUDGE_TOKENS)
    return replace(p, abstain_reason=JUDGED_NO) if judge_says_no(str(reply.content)) else p


def hit_language(snap: store.Snapshot, ev: Evidence) -> Language:
    art = snap.articles.get(ev.article_id)
    return art.language if art else "de"


def citation(n: int, ev: Evidence) -> Citation:
    return Citation(n=n, article_id=ev.article_id, title=ev.title, url=ev.url, quote=ev.sentence.text,
                    chunk_id=ev.chunk_id, date=ev.date, passage=ev.passage)


def evidence_answer(p: Prepared, *, timings: dict[str, float] | None = None, llm: str = "extractive",
                    reason: str = "", reading: Reading | None = None, judged: bool = False) -> Answer:
    """The extractive form of the question's kind, or the abstention.

    A factoid shows the span of the asked kind (a number, date, time span) that stands out in the best
    sentence. Without a model this is never marked verified: the quote is the article's words, but
    nothing has checked that it answers the question ("Seit wann ist er Minister?" finds the date of a
    visit). With a model, `judged` is the judge's yes; a `reading` that passed its checks (the model's
    short answer or yes/no) takes the short span's place, verified; a question on a named date whose
    sentence names that date is verified by the judge's yes."""
    timings = dict(timings or {"retrieve_ms": p.retrieve_ms})
    lang = p.language
    if p.abstain_reason or not p.evidence:
        return Answer(ABSTAIN[lang], (), True, True, lang, timings, p.abstain_reason, p.question, llm,
                      kind=p.q.kind if p.q else "")
    q = p.q or analyse(p.question)
    cites = tuple(citation(n, ev) for n, ev in enumerate(p.evidence, 1))
    if q.is_set:
        return Answer(bullets(list(p.evidence), lang), cites, False, False, lang, timings, reason or NOT_CHECKED_SET,
                      p.question, llm, kind=q.kind)
    source = p.evidence[-1] if p.from_context else p.evidence[0]
    cite = len(p.evidence) if p.from_context else 1
    if reading and reading.short and p.with_before and snap_span(reading.short, source.sentence.text) is None:
        cite = 2  # the span is in the sentence before, which the best one refers back to
    if reading is not None and reading.short:
        return Answer(single_text(list(p.evidence), lang, reading.shown, cite), cites, False, True, lang, timings, "",
                      p.question, llm, short=reading.short, kind=q.kind)
    short, unique = extractive_short(source.sentence.text, q.text, q.answer_type, hit_language_of(p, source))
    part = not_all(q.text, source.sentence.text) if q.kind == "yesno" else ""
    if part:  # "alle 45?" and the sentence says "44 von 45"
        short = VERDICTS[lang]["no"]
        reason = reason or f"the question asks about all, the sentence says “{part}”"
    shown = display_short(short, lang, source)
    text = single_text(list(p.evidence), lang, shown, cite)
    verified = judged and q.kind == "event_date" and not reason
    why = reason or ("" if verified else _unchecked_reason(short, unique, p.from_context))
    return Answer(text, cites, False, verified, lang, timings, why, p.question, llm, short=short, kind=q.kind)


def _unchecked_reason(short: str, unique: bool, from_context: bool) -> str:
    if short and unique and not from_context:
        return f"“{short}” is the only span of the asked kind in the quote; no check confirmed that it answers the " \
            "question"
    if short and from_context:
        return "the date is from the sentence before the quote; no check confirmed that it is the asked event's"
    if short and not unique:
        return "the sentence holds several candidates; the one nearest the question's words is shown; no check " \
            "confirmed that it answers the question"
    return NOT_CHECKED


def hit_language_of(p: Prepared, ev: Evidence) -> Language:
    return detect_language(ev.sentence.text) if ev.sentence.text else p.language


def display_short(short: str, language: Language, source: Evidence) -> str:
    """A short answer in the sentence's own words is quoted when the question is in another language
    (“130 Millionen US-Dollar” for an English question): the answer's own words stay in one language."""
    if short and any(ch.isalpha() for ch in short) and detect_language(source.sentence.text) != language:
        return quoted(short, language)
    return short


def _elapsed(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


class AnswerFlow(Runnable[dict[str, Any], Answer]):
    """{"question", "history"?} -> Answer. `.stream()` yields `StreamEvent`s: the evidence answer at once,
    then the model's tokens, then the checked final answer; `.invoke()` returns the final Answer."""

    def __init__(self, snap: store.Snapshot, llm: BaseChatModel | None = None, llm_name: str = "extractive",
                 k: int = 5) -> None:
        self.snap, self.llm, self.llm_name, self.k = snap, llm, llm_name, k

    def invoke(self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        final: Answer | None = None
        for event in self.stream(input, config):
            if event.kind == "final":
                final = event.answer
        assert final is not None
        return final

    def stream(  # type: ignore[override]
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[StreamEvent]:
        yield from self._events(str(input["question"]), input.get("history") or ())

    async def astream(  # type: ignore[override]
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[StreamEvent]:
        events = self.stream(input, config)
        while (event := await asyncio.to_thread(next, events, None)) is not None:
            yield event

    def _events(self, question: str, history: History) -> Iterator[StreamEvent]:
        t0 = time.perf_counter()
        p = prepare(self.snap, question, history, self.k)
        first = _elapsed(t0)
        base = evidence_answer(p, timings={"retrieve_ms": p.retrieve_ms, "total_ms": first}, llm=self.llm_name)
        yield StreamEvent("evidence", base.answer, base)
        if self.llm is None or base.abstained or (p.q and p.q.is_set):
            yield StreamEvent("final", base.answer, replace(base, timings={
                "retrieve_ms": p.retrieve_ms, "first_token_ms": first, "total_ms": _elapsed(t0)}))
            return
        timings: dict[str, float] = {"retrieve_ms": p.retrieve_ms}
        reading = Reading()
        try:
            t_judge = time.perf_counter()
            p = judged(p, self.llm, self.snap)
            timings["judge_ms"] = _elapsed(t_judge)
            if p.abstain_reason:  # the abstention is the first (and last) text shown after the quote
                timings["first_token_ms"] = timings["total_ms"] = _elapsed(t0)
                ans = evidence_answer(p, timings=timings, llm=self.llm_name)
                yield StreamEvent("final", ans.answer, ans)
                return
            if p.q and p.q.kind == "event_date":  # the event is the sentence itself, not a span of it
                timings["first_token_ms"] = timings["total_ms"] = _elapsed(t0)
                ans = evidence_answer(p, timings=timings, llm=self.llm_name, judged=True)
                yield StreamEvent("final", ans.answer, ans)
                return
            best = p.evidence[0]
            context = p.evidence[1].sentence.text if p.from_context or p.with_before else ""
            for item in read(p.standalone, p.q or analyse(question), best.sentence.text, context, p.language,
                             hit_language(self.snap, p.evidence[-1] if p.from_context else best), self.llm):
                if isinstance(item, str):
                    timings.setdefault("first_token_ms", _elapsed(t0))
                    yield StreamEvent("token", item)
                else:
                    reading = item
        except RagError as e:  # the judge or the reader failed: the extractive form stays, flagged
            timings.setdefault("first_token_ms", _elapsed(t0))
            timings["total_ms"] = _elapsed(t0)
            ans = evidence_answer(p, timings=timings, llm=self.llm_name,
                                  reason=f"the language model failed ({e}); showing the quote instead")
            yield StreamEvent("final", ans.answer, ans)
            return
        timings.setdefault("first_token_ms", _elapsed(t0))
        timings["total_ms"] = _elapsed(t0)
        ans = evidence_answer(p, timings=timings, llm=self.llm_name, reason=reading.problem, reading=reading)
        yield StreamEvent("final", ans.answer, ans)
