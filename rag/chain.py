"""The evidence-first answer chain.

question (+ history) -> standalone question -> hybrid retrieval -> the few sentences that answer
-> evidence answer (instant, a quote) -> generated answer (optional LLM) -> checks -> Answer.
A generated answer that fails a check is replaced by the evidence answer, flagged unverified.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable, RunnableLambda

from . import store
from .chunking import split_sentences
from .embedders import get_embedder
from .errors import LLMError, RagError
from .evidence import (
    expected_answer_type,
    gives_answer_type,
    has_content_words,
    looks_like_instruction,
    promote_answer_type,
    select_evidence,
    threshold,
)
from .lang import detect_language, stem_tokens
from .llms import for_role
from .prompts import ABSTAIN, build_judge_messages, build_messages, judge_says_no
from .retrieve import RetrievalConfig, retrieve
from .types import Answer, Citation, Evidence, Language, StreamEvent
from .verify import is_abstention, verify_answer

log = logging.getLogger(__name__)

History = Sequence[Any]  # [(user, assistant), ...] or [{"role": ..., "content": ...}, ...]

_FOLLOW_UP = re.compile(
    r"\b(er|sie|es|ihm|ihr|ihn|dort|dabei|davon|damit|darüber|dies\w*|jene\w*|he|she|it|they|them|his|her|"
    r"their|there|that|this|those|these)\b",
    re.IGNORECASE,
)

MAX_TOKENS = 160
JUDGE_TOKENS = 3
JUDGED_NO = "the language model found that the best sentence does not answer the question"
#: How much closer (cosine) the best sentence may be than one that gives the asked kind of answer.
TYPE_MARGIN = 0.02


def previous_user_questions(history: History) -> list[str]:
    out: list[str] = []
    for turn in history or []:
        if isinstance(turn, dict):
            if turn.get("role") == "user" and isinstance(turn.get("content"), str):
                out.append(turn["content"])
        elif isinstance(turn, (list, tuple)) and turn and isinstance(turn[0], str):
            out.append(turn[0])
    return out


def standalone_question(question: str, history: History, language: Language) -> str:
    """A follow-up ("Und wann war er dort?") gets the previous question's content words added."""
    prev = previous_user_questions(history)
    if not prev:
        return question
    content = stem_tokens(question, language)
    if len(content) >= 5 and not _FOLLOW_UP.search(question):
        return question
    return f"{question} ({prev[-1]})"


@dataclass(frozen=True)
class Prepared:
    question: str
    standalone: str
    language: Language
    evidence: tuple[Evidence, ...]
    abstain_reason: str  # empty when there is evidence to answer from
    retrieve_ms: float


def prepare(snap: store.Snapshot, question: str, history: History = (), k: int = 5) -> Prepared:
    """Retrieval and sentence selection: everything before the language model."""
    t0 = time.perf_counter()
    language = detect_language(question)
    standalone = standalone_question(question, history, language)
    if not has_content_words(standalone, language):
        return Prepared(question, standalone, language, (), "the question has no content words", 0.0)
    embedder = get_embedder(snap.embedder)
    qvec = embedder.embed_query(standalone)
    hits = retrieve(snap, standalone, k, RetrievalConfig(), language=language, qvec=qvec)
    evidence = select_evidence(snap, hits, standalone, qvec, language)
    ms = (time.perf_counter() - t0) * 1000
    if not evidence:
        return Prepared(question, standalone, language, (), "no article matches the question", ms)
    best = evidence[0]
    art_lang = hit_language(snap, best)
    needed = threshold(snap.embedder, language, art_lang)
    if best.score < needed:
        return Prepared(question, standalone, language, tuple(evidence), "the evidence is too weak", ms)
    # only sentences that are evidence on their own reach the model: a weak third sentence would
    # let it attach that sentence's numbers to the question ("994 people were harmed by dioxin")
    evidence = [ev for ev in evidence if ev.score >= threshold(snap.embedder, language, hit_language(snap, ev))]
    kind = expected_answer_type(question)
    evidence = promote_answer_type(evidence, question, kind, TYPE_MARGIN)
    best = evidence[0]
    if not gives_answer_type(best.sentence.text, question, kind):
        why = f"the best sentence gives no {kind}"
        return Prepared(question, standalone, language, tuple(evidence), why, ms)
    return Prepared(question, standalone, language, tuple(evidence), "", ms)


def judged(p: Prepared, llm: BaseChatModel, snap: store.Snapshot) -> Prepared:
    """Ask the model whether the best sentence answers the question (one word, before phrasing).

    Similarity cannot tell "Wer ist der Präsident?" from "Wer ist der Verteidigungsminister?" when
    the article names only the latter; the model can. It reads the sentence before the quote as
    context (the article of `snap`). A clear "no" turns the answer into an abstention; anything else
    keeps it. Raises LLMError like any call of the model."""
    if p.abstain_reason or not p.evidence:
        return p
    judge = for_role(llm, "judge")
    best = p.evidence[0]
    messages = build_judge_messages(p.standalone, best.sentence.text, preceding_sentence(snap, best))
    reply = judge.invoke(messages, max_tokens=JUDGE_TOKENS)
    if judge_says_no(str(reply.content)):
        return replace(p, abstain_reason=JUDGED_NO)
    return p


def preceding_sentence(snap: store.Snapshot, ev: Evidence) -> str:
    """The sentence before the evidence sentence in its article ("" when it is the first)."""
    art = snap.articles.get(ev.article_id)
    if art is None:
        return ""
    before = art.text[max(0, ev.sentence.start - 1000) : ev.sentence.start].strip()
    sentences = split_sentences(before, art.language) if before else []
    if not sentences or looks_like_instruction(sentences[-1].text):  # article text is data, never a command
        return ""
    return sentences[-1].text


def hit_language(snap: store.Snapshot, ev: Evidence) -> Language:
    art = snap.articles.get(ev.article_id)
    return art.language if art else "de"


def _citation(n: int, ev: Evidence) -> Citation:
    return Citation(
        n=n, article_id=ev.article_id, title=ev.title, url=ev.url, quote=ev.sentence.text,
        chunk_id=ev.chunk_id, date=ev.date, passage=ev.passage,
    )


def evidence_answer(p: Prepared, *, verified: bool = True, reason: str = "", timings: dict[str, float] | None = None,
                    llm: str = "extractive") -> Answer:
    """The best sentence, quoted and cited; or the abstention."""
    timings = dict(timings or {"retrieve_ms": p.retrieve_ms})
    if p.abstain_reason or not p.evidence:
        return Answer(ABSTAIN[p.language], (), True, True, p.language, timings, p.abstain_reason, p.question, llm)
    best = p.evidence[0]
    quote = " ".join(best.sentence.text.split())
    # the quote alone: short, and the title, link and passage are in the citation
    if p.language == "de":
        text = f"„{quote}“ [1]"
    else:
        text = f"“{quote}” [1]"
    return Answer(text, (_citation(1, best),), False, verified, p.language, timings, reason, p.question, llm)


_CITE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_PLACEHOLDER = re.compile(r"\s*\[n\]", re.IGNORECASE)


def cited_numbers(text: str) -> list[int]:
    out: list[int] = []
    for m in _CITE.finditer(text):
        for part in m.group(1).split(","):
            n = int(part)
            if n not in out:
                out.append(n)
    return out


def finish_generated(p: Prepared, text: str, timings: dict[str, float], llm_name: str) -> Answer:
    """Check a generated answer; fall back to the evidence answer when a check fails."""
    text = _PLACEHOLDER.sub("", text).strip()  # "[n]" copied from the prompt's instruction
    if is_abstention(text, p.language):
        fallback = evidence_answer(p, verified=False, timings=timings, llm=llm_name,
                                   reason="the model found no answer in the sentences; showing the best quote")
        return fallback
    sentences = [ev.sentence.text for ev in p.evidence]
    check = verify_answer(text, sentences, p.language, n_max=len(sentences), question=p.question)
    if not check.ok:
        reason = "; ".join(check.problems)
        log.info("generated answer failed checks: %s", reason)
        return evidence_answer(p, verified=False, timings=timings, llm=llm_name,
                               reason=f"the generated answer failed a check ({reason}); showing the quote instead")
    cites = tuple(_citation(n, p.evidence[n - 1]) for n in sorted(check.cited))
    return Answer(text, cites, False, True, p.language, timings, "", p.question, llm_name)


def run_stream(
    snap: store.Snapshot, llm: BaseChatModel | None, llm_name: str, question: str, history: History = (), k: int = 5
) -> Iterator[StreamEvent]:
    """Evidence answer first, then the generated tokens, then the checked final answer."""
    t0 = time.perf_counter()
    p = prepare(snap, question, history, k)
    ev_answer = evidence_answer(p, timings={"retrieve_ms": p.retrieve_ms,
                                            "total_ms": (time.perf_counter() - t0) * 1000}, llm=llm_name)
    yield StreamEvent("evidence", ev_answer.answer, ev_answer)
    if llm is None or ev_answer.abstained:
        timings = {"retrieve_ms": p.retrieve_ms, "first_token_ms": (time.perf_counter() - t0) * 1000,
                   "total_ms": (time.perf_counter() - t0) * 1000}
        yield StreamEvent("final", ev_answer.answer, _with_timings(ev_answer, timings))
        return
    parts: list[str] = []
    first: float | None = None
    judge_ms: float | None = None
    try:
        t_judge = time.perf_counter()
        p = judged(p, llm, snap)
        judge_ms = (time.perf_counter() - t_judge) * 1000
        if p.abstain_reason:  # the abstention is the first (and last) text shown after the quote
            elapsed = (time.perf_counter() - t0) * 1000
            timings = {"retrieve_ms": p.retrieve_ms, "judge_ms": judge_ms, "first_token_ms": elapsed,
                       "total_ms": elapsed}
            ans = evidence_answer(p, timings=timings, llm=llm_name)
            yield StreamEvent("final", ans.answer, ans)
            return
        for chunk in llm.stream(build_messages(p.question, list(p.evidence), p.language), max_tokens=MAX_TOKENS):
            token = chunk.content if isinstance(chunk.content, str) else str(chunk.content)
            if not token:
                continue
            if first is None:
                first = (time.perf_counter() - t0) * 1000
            parts.append(token)
            yield StreamEvent("token", token)
    except RagError as e:  # the judge or the answer failed: the quote stays, flagged unverified
        elapsed = (time.perf_counter() - t0) * 1000
        timings = {"retrieve_ms": p.retrieve_ms, "first_token_ms": elapsed if judge_ms is None else (first or 0.0),
                   "total_ms": elapsed}
        ans = evidence_answer(p, verified=False, timings=timings, llm=llm_name,
                              reason=f"the language model failed ({e}); showing the quote instead")
        yield StreamEvent("final", ans.answer, ans)
        return
    timings = {"retrieve_ms": p.retrieve_ms, "judge_ms": judge_ms, "first_token_ms": first or 0.0,
               "total_ms": (time.perf_counter() - t0) * 1000}
    ans = finish_generated(p, "".join(parts), timings, llm_name)
    yield StreamEvent("final", ans.answer, ans)


def _with_timings(a: Answer, timings: dict[str, float]) -> Answer:
    return replace(a, timings=timings)


def build_chain(snap: store.Snapshot, llm: BaseChatModel | None, llm_name: str, k: int = 5) -> Runnable[Any, Answer]:
    """The same flow as LangChain Runnables: {"question", "history"} -> Answer."""
    from langchain_core.output_parsers import StrOutputParser

    prep: Runnable[Any, Prepared] = RunnableLambda(lambda x: prepare(snap, x["question"], x.get("history", ()), k))

    def answer(p: Prepared) -> Answer:
        base = evidence_answer(p, llm=llm_name)
        if llm is None or base.abstained:
            return base
        to_messages: RunnableLambda[Prepared, list[Any]] = RunnableLambda(
            lambda q: build_messages(q.question, list(q.evidence), q.language)
        )
        gen: Runnable[Prepared, str] = (
            to_messages
            | llm.bind(max_tokens=MAX_TOKENS)
            | StrOutputParser()
        )
        t0 = time.perf_counter()
        try:
            p = judged(p, llm, snap)
            if p.abstain_reason:
                return evidence_answer(p, llm=llm_name)
            text = gen.invoke(p)
        except LLMError as e:
            return evidence_answer(p, verified=False, llm=llm_name, reason=f"the language model failed ({e})")
        timings = {"retrieve_ms": p.retrieve_ms, "total_ms": p.retrieve_ms + (time.perf_counter() - t0) * 1000}
        return finish_generated(p, text, timings, llm_name)

    return prep | RunnableLambda(answer)
