"""The evidence-first answer flow, one LangChain Runnable (`AnswerFlow`).

question (+ history) -> analysis (language, kind, follow-up) -> hybrid retrieval -> evidence by kind
(`rag.prepare`) -> evidence answer (instant: quote, short span, or cited bullets) -> the model where it helps
(judge, reader, yes/no, check) -> Answer. The model can only add to the evidence answer: whatever it
says that fails a check is dropped, and the extractive form of the same kind stays, flagged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable, RunnableConfig

from . import store
from .answer_types import gives_answer_type
from .config import env_render_questions
from .dates import date_keys
from .errors import RagError
from .filters import Filters, outlet
from .forms import CITATION, VERDICTS, bullets, extractive_short, gives_reason, quoted, single_text, timeline
from .forms import snap as snap_span
from .glossary import unsaid_terms
from .lang import detect_language, stem_tokens
from .neighbours import next_in_paragraph, paragraph_before, preceding_sentence, sentence_key
from .prepare import (
    ELLIPTIC_WORDS,
    NO_TYPE,
    WEAK,
    History,
    Prepared,
    earlier_answer,
    event_day,
    hit_language,
    lead_of,
    prepare,
)
from .prompts import ABSTAIN, JUDGE_ROLE, build_judge_messages
from .question import Question, analyse, asked_topic, asks_open, asks_why, new_topic, one_place, previous_answers
from .reading import (
    NOTHING,
    UNTOLD,
    Judged,
    Reading,
    has_pronoun,
    hedges,
    p_yes,
    points_back,
    read,
    settled_no,
    told,
    verdict,
)
from .stories import groups_of, story_of
from .timeframe import day_in_words, relative_day, sentence_day, with_days
from .translation import render_question
from .types import Answer, Citation, Evidence, Language, Source, StreamEvent
from .verify import names_missing

log = logging.getLogger(__name__)

JUDGE_TOKENS = 3
#: The judge's least P(yes) (its share against "no" in the first token) for the best sentence to be
#: answered from; calibrated with bench/judge.py (the model says "yes" far more readily than "no").
JUDGE_MIN = 0.5
#: A judge below this P(yes) is not sure enough to stand alone: when the reader then answers with words
#: the sentence does not hold (it found no answer there), the question is abstained (bench/graded_checks.py).
JUDGE_FIRM = 0.9
#: How each abstention after an unsure judge begins; what else doubted the answer follows it.
_JUDGE_DOUBTED = "the language model was not sure that the best sentence answers the question (P(yes) {p:.2f}), "
JUDGE_UNSURE = _JUDGE_DOUBTED + "and its answer “{said}” is not in it"
#: Below this P(yes) of the judge, a sentence in which the reader finds no answer is no answer either: the
#: development set's questions answered with a quote the reader found nothing in had P(yes) .51, .60, .62
#: (two unanswerable, one wrong quote) and .76 or more (right quotes but one), docs/BENCHMARKS.md "Stop 35".
JUDGE_LUKEWARM = 0.7
JUDGE_NOTHING = _JUDGE_DOUBTED + "and it found no answer in it"
#: The kinds of question that ask for one thing (a name, a figure, a day), whose quote without it answers nothing
#: unless the judge was firm: the probe sets' quotes the reader found nothing in under an unsure judge (P(yes) .78,
#: .83, .87) were all wrong, two of them to questions the articles do not answer (docs/BENCHMARKS.md, "Stop 45").
#: An open question ("Was wurde im Tarifstreit vereinbart?", `question.asks_open`) is answered by what its sentence
#: tells: it has `JUDGE_LUKEWARM`'s bar like a set (the time section's time-01 and time-05 at .84 and .70, stop 48).
ASKED_THING = ("factoid", "date", "followup")
JUDGE_NO_REASON = _JUDGE_DOUBTED + "and its check found that the reason read in it is not what it says"
NO_REASON_GIVEN = "the language model found no reason in the closest sentences, and they give none in so many words"
JUDGED_NO = "the language model found that the best sentence does not answer the question"
#: A runner-up (`Prepared.candidates`) answers a factoid, date or why-question whose best sentence the judge
#: rejected, or the reader found no answer in, only at this P(yes) or above: it was ranked below the best one, so
#: it needs more than the best one's `JUDGE_MIN` (between `JUDGE_LUKEWARM` and `JUDGE_FIRM`).
RUNNER_UP_JUDGE = 0.85
#: Where no runner-up reaches `RUNNER_UP_JUDGE`, the one the judge takes most still answers when it is at least this
#: P(yes) and `RUNNER_UP_LEAD` above the best sentence's: the judge's order among the sentences it read counts, not
#: only its absolute P(yes), which is low for a sentence that says what was asked in other words than the question
#: ("Ihr Elektrozaun war … 1,20 Meter hoch" for the fence of "der Schäferin, deren Schafe bei Girod getötet wurden":
#: .60 against .24 for the sentence on Girod). The reader and its checks still have to find the answer in it.
RUNNER_UP_CLEAR = 0.6
RUNNER_UP_LEAD = 0.25
#: How many of a set's sentences, the closest first, the judge reads until one answers (a part of) the question.
SET_JUDGED = 3
#: The kinds of question the reader answers with a span of one sentence: the ones a runner-up, the sentence after
#: the best one or the previous answer's sentence may answer instead.
READ_KINDS = ("factoid", "date", "why")
JUDGED_NO_SET = "the language model found that not even the closest sentence answers the question"
JUDGED_SET = "quotes of the closest sentences; the model found that the closest one answers the question, the " \
    "others are not checked for meaning"
JUDGED_NEXT_SET = "quotes of the closest sentences; the model found that the closest one does not answer the " \
    "question and a next one does, the others are not checked for meaning"
NOT_MENTIONED = "no sentence close to the question mentions {name}"
UNDECIDED = "no sentence close to the question says yes or no ({why})"
NOT_CHECKED = "a quote of the closest sentence; no check confirmed that it answers the question"
NOT_CHECKED_SET = "quotes of the closest sentences; not checked for meaning"
NOT_CHECKED_TIMELINE = "the closest sentences in the order of the days they name (else their article's date); " \
    "not checked for meaning"
NOT_CHECKED_DIGEST = "the headline of the newest report of each story of the period (the stories most reported " \
    "first); not checked for meaning"
NOT_CHECKED_COVERAGE = "the reports of the asked story, each by its headline and outlet; not checked for meaning"


def judged(p: Prepared, llm: BaseChatModel, snap: store.Snapshot, checks: dict[str, float] | None = None) -> Prepared:
    """Ask the model whether the best sentence answers the question (read with the one before it where it points
    back to it: a pronoun, "dabei", or the lead whose figures it gives); where a
    newer report's sentence of the same fact took the closest one's place, the closest one, which names
    what was asked (the newer one keeps the answer).

    Similarity cannot tell "Wer ist der Präsident?" from "Wer ist der Verteidigungsminister?" when
    the article names only the latter; the model can. Where the model reports log-probabilities, its
    P(yes) below `JUDGE_MIN` turns the answer into an abstention (kept in `checks["judge"]`); otherwise a
    clear "no" does. A list, overview or comparison is judged on its closest sentence, which must answer (a part
    of) the question. Raises LLMError like any call of the model."""
    if p.abstain_reason or not p.evidence or (p.q and p.q.kind in ("yesno", "timeline")):
        return p  # a yes/no question is read as such: "unclear" keeps the quote, it does not abstain
    if p.q and p.q.is_set:  # a list, overview or comparison: whether its closest sentence answers (a part of) it,
        # else the next closest, at the runner-up's P(yes) ("Ein Großteil der Arbeit … wird in Ausschüssen geleistet."
        # does not say on which weekdays committees meet; "Die Ausschusssitzungen finden am Dienstag, …" does)
        def judge_one(ev: Evidence) -> tuple[Prepared, dict[str, float]]:
            # "… in Hanoi und in Seoul …?" of a sentence on Hanoi: what it asks of Hanoi (P(yes) .36 for the whole)
            return _judged_on(p, ev, llm, snap, lambda read_: one_place(p.standalone, read_))

        closest, *others = sorted(p.evidence, key=lambda ev: -ev.score)[:SET_JUDGED]
        first, first_checks = judge_one(closest)
        out, tried = first, first_checks
        for ev in others if first.abstain_reason else ():
            again, again_checks = judge_one(ev)
            if not again.abstain_reason and again_checks.get("judge", 0.0) >= RUNNER_UP_JUDGE:
                out, tried = again, {**again_checks, "judge_closest": first_checks.get("judge", 0.0)}
                break
        if checks is not None:
            checks.update(tried)
        return out
    # a newer report's figure: whether it answers is the closest sentence's to say
    best = p.closest if p.closest is not None else p.evidence[0]
    paired = p.with_before and p.closest is None  # the news lead whose figures it gives, or what it refers to
    before: Evidence | None = None  # a sentence that names what it speaks of is judged alone: an unrelated
    # sentence before it only distracts the small model ("In Hawaii wird Hegseth Führer des Indo-Pacific Command
    # … treffen" after a quote on peace through strength: P(yes) .51 with it, .82 alone)
    if paired and len(p.evidence) > 1:
        before = p.evidence[1]
    elif paired:
        before = preceding_sentence(snap, best)
    elif points_back(best.sentence.text):
        before = antecedent(snap, best)
    if before is None and p.headline is not None and best is p.evidence[0]:  # chosen for its figure: under its headline
        before = p.headline
    sentence = best.sentence.text
    if p.q and (p.q.answer_type == "date" or p.q.kind == "event_date" or p.q.frame.period):  # "am Montag" is
        # a day the judge cannot tell from the sentence alone: its report's date tells it
        sentence = with_days(sentence, best.published, hit_language(snap, best))
    out = _judge(p, sentence, before, llm, checks, JUDGED_NO, best.sentence.text)
    lead = lead_of(snap, best) if out.abstain_reason and before is None else None
    asked = p.q.text if p.q else p.standalone  # its own words, not the earlier question's a follow-up carries
    if lead is not None and sentence_key(lead) != sentence_key(best) \
            and lead_tells(asked, p.language, best.sentence.text, lead.sentence.text, hit_language(snap, best)):
        # a sentence deep in its report leaves to the lead what it is about ("Beide Häuser zusammen schrieben 2025
        # ein Minus von 14,2 Millionen Euro" for the deficit of the district's hospitals: P(yes) .37 alone, .88
        # under "Der Kreistag des Landkreises Kellerwald hat … die Fusion der beiden kreiseigenen Krankenhäuser
        # beschlossen.")
        led: dict[str, float] = {}
        again = _judge(p, sentence, lead, llm, led, JUDGED_NO, best.sentence.text)
        if not again.abstain_reason and led.get("judge", 0.0) >= JUDGE_LUKEWARM:
            if checks is not None:
                checks.update(judge=led["judge"], judge_alone=checks.get("judge", 0.0))
            return again
    return out


def lead_tells(question: str, language: Language, sentence: str, lead: str, source_language: Language) -> bool:
    """Whether the lead of a sentence's report names what the question (in `language`) asks about and the sentence
    leaves out: a content word of a question in the report's language ("Kellerwald", "Kreiskrankenhäuser" beside
    "Beide Häuser"), or a name of one in another language."""
    if language == source_language:
        missing = set(stem_tokens(question, language)) - set(stem_tokens(sentence, language))
        return bool(missing & set(stem_tokens(lead, language)))
    return any(not names_missing(name, [lead]) for name in names_missing(question, [sentence]))


def runners_up(p: Prepared, llm: BaseChatModel, snap: store.Snapshot,
               checks: dict[str, float]) -> Iterator[tuple[Prepared, dict[str, float]]]:
    """For a factoid, date or why-question whose best sentence the judge rejected or the reader found no answer in,
    the runners-up that are evidence on their own (`Prepared.candidates`) the judge takes at `RUNNER_UP_JUDGE` or
    above, in turn, then the one it takes most where that is clearly above the best sentence (`RUNNER_UP_CLEAR`,
    `RUNNER_UP_LEAD`), each read after whom it points back to: the evidence and checks to answer from instead (the
    best sentence's P(yes) as `judge_closest`). Ranking puts "… begrüßte das neue Hilfspaket von 130 Millionen"
    above "Dadurch erhöht sich die Gesamtsumme … von 300 Millionen auf 430 Millionen" for the aid given before the
    package, and "Er bekräftigte, dass die Vereinigten Staaten …" above the sentence naming the US ambassador.
    Raises LLMError like any call of the model."""
    # the best sentence's P(yes), where it was judged: only then may a runner-up be clearly above it
    closest = {"judge_closest": checks["judge"]} if "judge" in checks else {}
    clearest: tuple[Prepared, dict[str, float]] | None = None  # the runner-up the judge takes most, below the bar
    for ev in runner_up_candidates(p):
        again, tried = judged_alone(p, ev, llm, snap)
        if again.abstain_reason or "judge" not in tried:
            continue
        if tried["judge"] >= RUNNER_UP_JUDGE:
            yield again, {**tried, **closest}
        elif clearest is None or tried["judge"] > clearest[1]["judge"]:
            clearest = again, tried
    if clearest is not None and closest \
            and clearest[1]["judge"] >= max(RUNNER_UP_CLEAR, closest["judge_closest"] + RUNNER_UP_LEAD):
        yield clearest[0], {**clearest[1], **closest}


def _typed_runners_up(p: Prepared) -> bool:
    """Whether a question abstained because its best sentence gives no figure or day of the asked kind has runners-up
    that give one (`prepare`), for the judge to take instead."""
    return bool(p.q and p.candidates and p.abstain_reason == NO_TYPE.format(kind=p.q.answer_type))


def runner_up_candidates(p: Prepared) -> list[Evidence]:
    """The runners-up `runners_up` may judge: for a factoid, date or why-question, its candidates other than the
    best sentence that give the asked type of answer; for a why-question, those that name a cause first."""
    q = p.q
    if q is None or q.kind not in READ_KINDS or not p.evidence:
        return []
    best = sentence_key(p.closest if p.closest is not None else p.evidence[0])
    found = [ev for ev in p.candidates if sentence_key(ev) != best
             and not (q.answer_type and not gives_answer_type(ev.sentence.text, p.standalone, q.answer_type))]
    if q.kind == "why":  # those that name a cause first
        found.sort(key=lambda ev: not gives_reason(ev.sentence.text))
    return found


def judged_alone(p: Prepared, ev: Evidence, llm: BaseChatModel,
                 snap: store.Snapshot) -> tuple[Prepared, dict[str, float]]:
    """`p` with `ev` as its evidence (read after whom it points back to, `antecedent`), judged, and the judge's
    checks. Raises LLMError like any call of the model."""
    before = antecedent(snap, ev) if points_back(ev.sentence.text) else None
    tried: dict[str, float] = {}
    again = judged(replace(p, evidence=(ev, before) if before else (ev,), abstain_reason="", candidates=(),
                           from_context=False, with_before=before is not None, closest=None, headline=None),
                   llm, snap, tried)
    return again, tried


def judged_pair(p: Prepared, llm: BaseChatModel, snap: store.Snapshot, checks: dict[str, float]) -> Prepared:
    """A question on when each of two things happened (`Prepared.pair`): each item's sentence judged on the
    question asked of that item ("When was the Peterloo massacre?"), not on the compound whole, which no one
    sentence answers (P(yes) .34 for "Which lies further in the past …: the Edict of Fontainebleau or …?" on the
    edict's sentence). An item whose sentence the judge rejects is left undated; with none left, the answer
    abstains. The P(yes) of each item in `checks` (`judge_1`, `judge_2`). Raises LLMError like any call of the
    model."""
    assert p.pair is not None
    part_of = list(p.part_of)
    for i, at in enumerate(p.part_of):
        if at < 0:
            continue
        said, tried = _judged_on(p, p.evidence[at], llm, snap, p.pair.parts[i])
        if "judge" in tried:
            checks[f"judge_{i + 1}"] = tried["judge"]
        if said.abstain_reason:
            part_of[i] = -1
    kept = sorted({at for at in part_of if at >= 0})
    if not kept:
        return replace(p, abstain_reason=JUDGED_NO_SET)
    return replace(p, evidence=tuple(p.evidence[at] for at in kept),
                   part_of=tuple(kept.index(at) if at >= 0 else -1 for at in part_of))


def _judged_on(p: Prepared, ev: Evidence, llm: BaseChatModel, snap: store.Snapshot,
               asked: str | Callable[[str], str]) -> tuple[Prepared, dict[str, float]]:
    """`p` judged on one sentence of its set or pair, read after whom it points back to (`antecedent`), on the
    question `asked` (or that it gives for the text read: the part of a compound question the sentence is about),
    and the judge's checks. Raises LLMError like any call of the model."""
    prior = antecedent(snap, ev) if points_back(ev.sentence.text) else None
    tried: dict[str, float] = {}
    read_ = f"{prior.sentence.text} {ev.sentence.text}" if prior else ev.sentence.text
    question = asked if isinstance(asked, str) else asked(read_)
    return _judge(p, ev.sentence.text, prior, llm, tried, JUDGED_NO_SET, ev.sentence.text, question), tried


#: How many sentences back the judge looks for the one that names whom a pronoun stands for.
ANTECEDENT_STEPS = 3


def antecedent(snap: store.Snapshot, ev: Evidence) -> Evidence | None:
    """The sentence a sentence that points back is read after: the one before it, or, where that one too
    speaks of someone only by a pronoun ("In Japan wird er …" before "In Malaysia wird er …"), the closest one
    before them in the paragraph that names whom (“In Hawaii wird Hegseth …”), at most `ANTECEDENT_STEPS`
    back. The small judge cannot tell whom "er" means from a sentence that does not say it (P(yes) .48 for
    "Wo nimmt Hegseth am Treffen der ASEAN-Verteidigungsminister teil?" after the Japan sentence, .82 after
    the Hawaii one)."""
    before = preceding_sentence(snap, ev)
    if before is None or not has_pronoun(ev.sentence.text):
        return before
    walked = before
    for _ in range(ANTECEDENT_STEPS - 1):
        if not has_pronoun(walked.sentence.text):
            return walked
        earlier = preceding_sentence(snap, walked, same_paragraph=True)
        if earlier is None:
            break
        walked = earlier
    return walked if not has_pronoun(walked.sentence.text) else before


def _judge(p: Prepared, sentence: str, before: Evidence | None, llm: BaseChatModel,
           checks: dict[str, float] | None, reason: str, own: str, asked: str = "") -> Prepared:
    """`p` abstained for `reason` where the model finds that `sentence` (read after `before`; `own`: the
    sentence's own text, `sentence` may add the days its weekdays name) does not answer it (`asked`: the part of
    the question to judge it on, else the whole); what it read is kept in `judged_as`."""
    from .llms import for_role

    context = before.sentence.text if before else ""
    yes, said_no = p_yes(for_role(llm, JUDGE_ROLE), build_judge_messages(asked or p.standalone, sentence, context),
                         max_tokens=JUDGE_TOKENS)
    if yes is not None and checks is not None:
        checks["judge"] = round(yes, 4)
    says_no = yes < JUDGE_MIN if yes is not None else said_no
    return replace(p, abstain_reason=reason if says_no else p.abstain_reason, judged_as=Judged(own, sentence, context))


def citation(n: int, ev: Evidence) -> Citation:
    day = sentence_day(ev.sentence.text, ev.published or None)
    return Citation(n=n, article_id=ev.article_id, title=ev.title, url=ev.url, quote=ev.sentence.text,
                    chunk_id=ev.chunk_id, date=ev.date, passage=ev.passage, date_source=ev.date_source,
                    tells_of=day.isoformat() if day else "")


def evidence_answer(p: Prepared, *, timings: dict[str, float] | None = None, llm: str = "extractive",
                    reason: str = "", reading: Reading | None = None, judged: bool = False) -> Answer:
    """The extractive form of the question's kind, or the abstention.

    A factoid shows the span of the asked kind (a number, date, time span) that stands out in the best
    sentence. Without a model this is never marked verified: the quote is the article's words, but
    nothing has checked that it answers the question ("Seit wann ist er Minister?" finds the date of a
    visit). With a model, `judged` is the judge's yes; a `reading` that passed its checks (the model's
    short answer or yes/no) takes the short span's place, verified unless the model's check was not firm
    (`Reading.unsure`, then the reason); a question on a named date whose
    sentence names that date is verified by the judge's yes."""
    timings = dict(timings or {"retrieve_ms": p.retrieve_ms})
    lang = p.language
    if p.abstain_reason or not p.evidence:
        return Answer(ABSTAIN[lang], (), True, True, lang, timings, p.abstain_reason, p.question, llm,
                      kind=p.q.kind if p.q else "")
    q = p.q or analyse(p.question)
    cites = tuple(citation(n, ev) for n, ev in enumerate(p.evidence, 1))
    dated = q.frame.period is not None or q.frame.latest  # a time-aware answer names the days it relies on
    if p.pair is not None:
        text, doubt = pair_text(p, lang, dated)
        verified = judged and not doubt and not reason
        return Answer(text, cites, False, verified, lang, timings,
                      reason or ("" if verified else doubt or PAIR_UNCHECKED), p.question, llm, kind=q.kind)
    if q.kind == "timeline":
        days = list(p.days) if len(p.days) == len(p.evidence) else [event_day(ev) for ev in p.evidence]
        outlets = [outlet(ev.url) or ev.title for ev in p.evidence] if q.frame.coverage else None
        why = NOT_CHECKED_COVERAGE if q.frame.coverage else NOT_CHECKED_DIGEST if q.frame.digest else \
            NOT_CHECKED_TIMELINE
        return Answer(timeline(list(p.evidence), days, lang, outlets), cites, False, False, lang, timings,
                      reason or why, p.question, llm, kind=q.kind)
    if q.is_set:
        return Answer(bullets(list(p.evidence), lang, dated), cites, False, False, lang, timings,
                      reason or NOT_CHECKED_SET, p.question, llm, kind=q.kind)
    source = p.evidence[-1] if p.from_context else p.evidence[0]
    cite = len(p.evidence) if p.from_context else 1
    read_ = reading.source or reading.short if reading else ""
    if read_ and p.with_before and len(p.evidence) > 1 and snap_span(read_, source.sentence.text) is None \
            and snap_span(read_, p.evidence[1].sentence.text) is not None:
        cite = 2  # the span is in the sentence before, which the best one refers back to (an English answer
        # that stands in neither, a paraphrase, cites the sentence it was read in)
    if reading is not None and reading.short:  # verified unless the model's check was not firm
        shown = day_named(reading.short, q, source, lang) or reading.shown
        return Answer(single_text(list(p.evidence), lang, shown, cite, dated), cites, False,
                      not reading.unsure, lang, timings, reading.unsure, p.question, llm, short=reading.short,
                      short_source=reading.source, kind=q.kind)
    short, unique = extractive_short(source.sentence.text, q.text, q.answer_type, hit_language_of(p, source))
    settled = settled_no(q.text, source.sentence.text) if q.kind == "yesno" else ""
    if settled:  # "alle 45?" and the sentence says "44 von 45", "bewiesen?" and it says "wenn …", …
        short = VERDICTS[lang]["no"]
        reason = reason or settled
    if not short and q.answer_type == "date":  # "am Montag": the only day the sentence names
        said = relative_day(source.sentence.text, source.published)
        short, unique = (said[0], True) if said else ("", False)
    shown = day_named(short, q, source, lang) or display_short(short, lang, source)
    text = single_text(list(p.evidence), lang, shown, cite, dated)
    verified = judged and q.kind == "event_date" and not reason
    why = reason or ("" if verified else _unchecked_reason(short, unique, p.from_context))
    return Answer(text, cites, False, verified, lang, timings, why, p.question, llm, short=short, kind=q.kind)


PAIR_UNCHECKED = "each date is the one its quote gives for the item; no check confirmed that the quotes answer " \
    "the question"
PAIR_UNDATED = "the articles give no date for one of the two things asked about"
PAIR_SEVERAL = "a quote gives several dates; the one shown for its item is the one nearest the item's words, or the " \
    "model's reading, which its check did not confirm"
_NO_DATE = {"de": "die Artikel nennen kein Datum dafür", "en": "the articles give no date for it"}
_FIRST = {"de": "Zuerst: {a} ({ya}); {n} {unit} später: {b} ({yb}).",
          "en": "First: {a} ({ya}); {n} {unit} later: {b} ({yb})."}
_SAME = {"de": "Beides {y}.", "en": "Both {y}."}
_UNITS = {"de": {"year": ("Jahr", "Jahre"), "day": ("Tag", "Tage")},
          "en": {"year": ("year", "years"), "day": ("day", "days")}}
_YEAR = re.compile(r"(?<![\d.,])(\d{3,4})(?![\d.,]\d)(?!\s*(?:v\.\s*Chr|BC|B\.C))")
_DATIVE = re.compile(r"^(dem|den|einem|einer)\s+", re.IGNORECASE)


def _label(item: str) -> str:
    """An item of a dated pair as a line opens with it ("dem Edikt von Nantes" -> "Edikt von Nantes")."""
    item = _DATIVE.sub("", item)
    return item[:1].upper() + item[1:]


def _when(short: str, ev: Evidence) -> tuple[dt.date | int, str] | None:
    """The day a date answer names (the year from its report where it names none: "am 3. November", "am Montag"),
    else its year alone, with the date as shown; None for neither."""
    day = sentence_day(short, ev.published or None)
    if day is not None:
        return day, short
    year = _YEAR.search(short)
    return (int(year.group(1)), year.group(1)) if year else None


def _in_order(items: tuple[str, str], first: tuple[dt.date | int, str], second: tuple[dt.date | int, str],
              language: Language) -> str:
    """Which of two dated items came first and how long before the other: in days where both have a day less
    than a year apart, else in years; "" where only one has a day and both fall in its year (no order known)."""
    (a, (wa, sa)), (b, (wb, sb)) = sorted(zip(items, (first, second), strict=True),
                                          key=lambda t: (t[1][0] if isinstance(t[1][0], int) else t[1][0].year,
                                                         t[1][0] if isinstance(t[1][0], dt.date) else dt.date.min))
    ya, yb = (w if isinstance(w, int) else w.year for w in (wa, wb))
    if isinstance(wa, dt.date) and isinstance(wb, dt.date) and abs((wb - wa).days) < 365:
        n, unit = (wb - wa).days, "day"
    elif ya != yb:
        n, unit = yb - ya, "year"
    elif isinstance(wa, int) and isinstance(wb, int):
        return _SAME[language].format(y=sa)
    else:
        return ""
    if n == 0:
        return _SAME[language].format(y=sa)
    return _FIRST[language].format(a=_DATIVE.sub("", a), ya=sa, b=_DATIVE.sub("", b), yb=sb, n=n,
                                   unit=_UNITS[language][unit][n != 1])


def pair_text(p: Prepared, language: Language, dated: bool = False) -> tuple[str, str]:
    """The dated-pair form: each item with the date its sentence gives and its citation, which came first and
    how many years lie between (where the question asks and both dates have a year), then the quotes; and why an
    item's date is in doubt ("" where each item got a date of its own: the only one its sentence gives, or the
    model's firm reading)."""
    assert p.pair is not None
    lines: list[str] = []
    whens: list[tuple[dt.date | int, str] | None] = []  # each item's day (or year alone) and its date as shown
    doubt = ""
    for i, (item, at) in enumerate(zip(p.pair.items, p.part_of, strict=True)):
        said = f"{_label(item)}{' ' if item.endswith('?') else ': '}"  # an item that is a question is answered
        if at < 0:
            lines.append(f"{said}{_NO_DATE[language]}")
            doubt = PAIR_UNDATED
            whens.append(None)
            continue
        ev = p.evidence[at]
        read_, sure = p.part_read[i] if p.part_read else ("", False)
        short, unique = (read_, sure) if read_ else extractive_short(ev.sentence.text, p.pair.parts[i], "date",
                                                                      hit_language_of(p, ev))
        relative = relative_day(ev.sentence.text, ev.published) if not short else None
        if relative:  # "am Montag": the only day the sentence names, read against its report's date
            short, unique = relative[0], True
        if not (short and unique):
            doubt = doubt or PAIR_SEVERAL
        shown = day_in_words(relative[1], language) if relative else display_short(short, language, ev)
        lines.append(f"{said}{shown or quoted(ev.sentence.text, language)} [{at + 1}]")
        when = _when(short, ev) if short else None
        whens.append((when[0], shown) if when and relative else when)
    first, second = whens
    if (p.pair.order or p.pair.apart) and first is not None and second is not None:
        line = _in_order(p.pair.items, first, second, language)
        if line:
            lines.append(line)
    return "\n".join(lines) + "\n\n" + bullets(list(p.evidence), language, dated), doubt


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


def with_stories(answer: Answer, snap: store.Snapshot) -> Answer:
    """Each citation names the other articles of its article's story ("also reported by"; `rag.stories`)."""
    if not answer.citations:
        return answer
    groups = groups_of(snap)
    cites = []
    for c in answer.citations:
        article = snap.articles.get(c.article_id)
        others = [snap.articles[i] for i in groups.get(story_of(article), ()) if i != c.article_id
                  and i in snap.articles] if article else []
        cites.append(replace(c, also_reported_by=tuple(Source(a.id, a.title, a.url, a.date) for a in others))
                     if others else c)
    return replace(answer, citations=tuple(cites))


#: the most words a conversation's last short answer has (a longer first line is a quote or a list)
KNOWN_WORDS = 8


def pronoun_stands_for(question: str, q: Question, history: History) -> str:
    """What a follow-up's pronoun stands for: the conversation's last short answer ("Jean de Béthencourt" for
    "Who led it together with him?" after "Which nobleman led the expedition …?"); "" where the question is no
    follow-up with a pronoun, or the last answer was a quote, a list or an abstention."""
    if not q.follow_up or not has_pronoun(question):
        return ""
    answers = previous_answers(history)
    if not answers:
        return ""
    first = " ".join(CITATION.sub("", answers[-1].strip().split("\n", 1)[0]).split()).strip("„“”\"'«» ")
    if not first or first[0] in "•-*" or len(first.split()) > KNOWN_WORDS or first.endswith((".", "?", "!")):
        return ""  # a quoted sentence, a list, an abstention
    return first


def wants_translation(snap: store.Snapshot, p: Prepared) -> bool:
    """An English question whose evidence is German (also where it is too weak for the English question:
    the rendering may be as close as a German question must be), and not a list, overview or comparison
    (their answer asks no model; rendering them was measured at stop 27: the same 153/190 on the development
    set, ~1 s more per question; a timeline's articles are chosen with it, and an overview of one topic's
    sentences: "what the Luther text says about his hymns" ranks them by the rendering's "seine Hymnen"). Not a
    follow-up: of the stored sets' English follow-ups, rendering changed the sentences of 3, 2 for the worse, none
    for the better (stop 46)."""
    return (p.language == "en" and bool(p.evidence)
            and not (p.q and p.q.is_set and p.q.kind != "timeline"  # a timeline's story is found with it
                     and not (p.q.kind == "overview" and asked_topic(p.q.standalone)))
            and not (p.q and p.q.frame.digest)  # a period's digest reads no topic
            # a follow-up rendered alone has lost its topic ("Und wie groß ist seine Aufteilung?" for "And how big is
            # its share?" after a question on the Amazon rainforest): its words and vector chose a sentence off topic
            and not (p.q and p.q.follow_up)
            and hit_language(snap, p.evidence[0]) != "en")


def hit_language_of(p: Prepared, ev: Evidence) -> Language:
    return detect_language(ev.sentence.text) if ev.sentence.text else p.language


def display_short(short: str, language: Language, source: Evidence) -> str:
    """A short answer in the sentence's own words is quoted when the question is in another language
    (“130 Millionen US-Dollar” for an English question): the answer's own words stay in one language."""
    if short and any(ch.isalpha() for ch in short) and detect_language(source.sentence.text) != language:
        return quoted(short, language)
    return short


def day_named(short: str, q: Question, source: Evidence, language: Language) -> str:
    """A date answer that names its day only relative to the report ("am Montag", "gestern") as the day it
    names, read against the article's publication date ("Montag, 3. November 2025"); "" for any other."""
    if q.answer_type != "date" or not short or date_keys(short):
        return ""
    said = relative_day(short, source.published)
    return day_in_words(said[1], language) if said else ""


def _elapsed(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


class AnswerFlow(Runnable[dict[str, Any], Answer]):
    """{"question", "history"?} -> Answer. `.stream()` yields `StreamEvent`s: the evidence answer at once,
    then the model's tokens, then the checked final answer; `.invoke()` returns the final Answer."""

    def __init__(self, snap: store.Snapshot, llm: BaseChatModel | None = None, llm_name: str = "extractive",
                 k: int = 5, filters: Filters | None = None) -> None:
        self.snap, self.llm, self.llm_name, self.k, self.filters = snap, llm, llm_name, k, filters

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
        for event in self._events(str(input["question"]), input.get("history") or ()):
            yield replace(event, answer=with_stories(event.answer, self.snap)) if event.answer else event

    async def astream(  # type: ignore[override]
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[StreamEvent]:
        events = self.stream(input, config)
        while (event := await asyncio.to_thread(next, events, None)) is not None:
            yield event

    def _events(self, question: str, history: History) -> Iterator[StreamEvent]:
        t0 = time.perf_counter()
        question, changed = new_topic(question)
        if changed:  # "Anderes Thema: …": the conversation before it does not apply
            history = ()
        p = prepare(self.snap, question, history, self.k, self.filters)
        first = _elapsed(t0)
        base = evidence_answer(p, timings={"retrieve_ms": p.retrieve_ms, "total_ms": first}, llm=self.llm_name)
        yield StreamEvent("evidence", base.answer, base)
        timings: dict[str, float] = {"retrieve_ms": p.retrieve_ms}
        if self.llm is not None and wants_translation(self.snap, p) and env_render_questions():
            p, base = self._translated(p, question, history, timings)
        found: list[Evidence | None] = []

        def previous() -> Evidence | None:  # the previous answer's sentence, looked up once, when first needed
            if not found:
                found.append(earlier_answer(self.snap, history, self.k, self.filters))
            return found[0]

        elliptic = self._elliptic(p, question, history, previous) if self.llm is not None and base.abstained else None
        if elliptic is not None:  # "Zu welchem Titel?" finds nothing alone: the model judges the previous answer's
            # sentence for it, read as a follow-up
            p, base = elliptic, evidence_answer(elliptic, timings=dict(timings), llm=self.llm_name)
        if self.llm is not None and not base.abstained and p.pair is not None:
            yield self._judged_pair(p, timings, t0)
            return
        if self.llm is not None and not base.abstained and p.q and p.q.is_set and p.q.kind != "timeline":
            yield self._judged_set(p, base, timings, t0)
            return
        typed = self.llm is not None and base.abstained and _typed_runners_up(p)
        if self.llm is None or (base.abstained and not typed) or (p.q and p.q.is_set) or p.pair is not None:
            yield StreamEvent("final", base.answer, replace(base, timings={
                **timings, "first_token_ms": first, "total_ms": _elapsed(t0)}))
            return
        reading = Reading()
        checks: dict[str, float] = {}  # the model's P(yes) of each check that ran
        try:
            t_judge = time.perf_counter()
            if typed:  # the best sentence gives no figure or day asked for: a runner-up that gives one, where the
                # judge is sure of it (it has no best sentence's P(yes) to be clearly above)
                accepted = next(runners_up(replace(p, abstain_reason=""), self.llm, self.snap, checks), None)
                if accepted is not None:
                    p, checks = accepted
            else:
                p = judged(p, self.llm, self.snap, checks)  # a yes/no question is not judged: it is read as such
            if p.abstain_reason == JUDGED_NO:  # a follow-up's closest sentence does not answer it: the previous
                # answer's may ("Und worüber spricht er mit ihnen?" after "Wen trifft Hegseth auf Hawaii?")
                accepted = self._judged_in_conversation(p, previous) or self._judged_earlier(p, previous) \
                    or next(runners_up(p, self.llm, self.snap, checks), None)
                if accepted is not None:
                    p, checks = accepted
            timings["judge_ms"] = _elapsed(t_judge)
            if p.abstain_reason:  # the abstention is the first (and last) text shown after the quote
                timings["first_token_ms"] = timings["total_ms"] = _elapsed(t0)
                ans = replace(evidence_answer(p, timings=timings, llm=self.llm_name), checks=checks)
                yield StreamEvent("final", ans.answer, ans)
                return
            if p.q and p.q.kind == "event_date":  # the event is the sentence itself, not a span of it
                timings["first_token_ms"] = timings["total_ms"] = _elapsed(t0)
                ans = replace(evidence_answer(p, timings=timings, llm=self.llm_name, judged=True), checks=checks)
                yield StreamEvent("final", ans.answer, ans)
                return
            best = p.evidence[0]
            context = p.evidence[1].sentence.text if p.from_context or p.with_before else ""
            q = p.q or analyse(question)
            source_language = hit_language(self.snap, p.evidence[-1] if p.from_context else best)
            if q.kind == "yesno":  # the closest sentence's verdict, else a runner-up's
                p, reading = self._verdict(p, q, context, source_language)
                if reading.short:
                    timings["first_token_ms"] = _elapsed(t0)
                    yield StreamEvent("token", reading.shown)
            else:
                for item in read(p.standalone, q, best.sentence.text, context, p.language, source_language, self.llm,
                                 p.judged_as, known=pronoun_stands_for(question, q, history)):
                    if isinstance(item, str):
                        timings.setdefault("first_token_ms", _elapsed(t0))
                        yield StreamEvent("token", item)
                    else:
                        reading = item
                if not reading.short and elliptic is not None:  # the previous answer's sentence, judged for a
                    # question too weak alone, answers it only with what the reader finds in it ("Und seine Frau?")
                    p = replace(p, abstain_reason=WEAK)
                elif not reading.short:  # nothing to read in a follow-up's closest sentence: the previous answer's
                    # may hold it ("Und wer auf amerikanischer Seite?" after who signed for Vietnam)
                    p, reading, checks = self._read_earlier(p, previous, reading, checks)
                if not p.abstain_reason and (
                        (reading.problem.startswith(NOTHING) and checks.get("judge", 1.0) < JUDGE_FIRM)
                        or ((reading.problem.startswith(NOTHING) or reading.repeats) and not asks_open(q.text)
                            and checks.get("judge", 1.0) >= JUDGE_FIRM)):
                    # no answer in a sentence the judge was not firm on: a runner-up it is sure of may hold one
                    # ("Who is the US ambassador …?" on "Er bekräftigte, dass die Vereinigten Staaten …"); nor, for
                    # one thing asked, in a sentence on the topic the judge was firm on, where the reader found
                    # nothing or only the question's own words ("Apart from the warm welcome, what did Hegseth thank
                    # Vietnam for?" on the sentence thanking for the welcome; a headline without the names). A reader
                    # that repeats the question under a judge not firm on its sentence is left to the rules below:
                    # the runner-ups tried there found nothing and cost seconds
                    p, reading, checks = self._read_runner_up(p, reading, checks)
                if not p.abstain_reason and (reading.problem.startswith(NOTHING) or reading.invented
                                             or self._reason_after(p)):  # the sentence after it may say what it
                    # leads up to, or give the reason a why-question asks for where the best one gives none
                    p, reading, checks = self._read_continuation(p, reading, checks)
                if reading.invented and checks.get("judge", 1.0) < JUDGE_FIRM:  # two doubts: not answered here
                    p = replace(p, abstain_reason=JUDGE_UNSURE.format(p=checks["judge"], said=reading.invented))
                elif (q.kind == "why" and reading.rejected and checks.get("judge", 1.0) < JUDGE_FIRM
                      and not any(gives_reason(ev.sentence.text) for ev in p.evidence)):  # a why's answer is the
                    # reason the sentence gives: the judge unsure the sentence answers, the check sure the reason read
                    # in it is not what it says, and no quote gives a reason in so many words: the quote tells an
                    # event without its reason ("Why did Jean de Béthencourt choose the Canary Islands …?" on the
                    # sentence telling his conquest). A quote that does ("Denn, so die Behörde, …") stays, unread
                    p = replace(p, abstain_reason=JUDGE_NO_REASON.format(p=checks["judge"]))
                elif (q.kind == "why" and asks_why(q.text) and reading.problem.startswith(NOTHING)
                      and not any(gives_reason(ev.sentence.text) for ev in p.evidence)):
                    # asked why, the reader finds no reason, and the sentences give none in so many words: the
                    # quote tells the event, not why ("Warum ist Pachauri … zurückgetreten?" on "… nach dem Rücktritt
                    # von Rajendra K. Pachauri im Februar 2015 …")
                    p = replace(p, abstain_reason=NO_REASON_GIVEN)
                elif reading.found_nothing and checks.get("judge", 1.0) < (
                        JUDGE_FIRM if q.kind in ASKED_THING and not asks_open(q.text) else JUDGE_LUKEWARM):
                    # the reader finds no answer in a sentence the judge barely took: two doubts ("In which
                    # Malaysian city is the ADMM-Plus meeting held?" on "In Malaysia wird er am Treffen …
                    # teilnehmen.", P(yes) .51); for one name, figure or day asked for, in a sentence the judge was
                    # not firm on ("How many subscribers did Sky Digital have when it launched?" on its launch, .78),
                    # or only an ordinal for a count ("dritte" for "Wie viele Aussteller …?")
                    p = replace(p, abstain_reason=JUDGE_NOTHING.format(p=checks["judge"]))
        except RagError as e:  # the judge or the reader failed: the extractive form stays, flagged
            if elliptic is not None:  # unjudged, the previous answer's sentence is no answer to a question too weak
                p = replace(p, abstain_reason=WEAK)
            timings.setdefault("first_token_ms", _elapsed(t0))
            timings["total_ms"] = _elapsed(t0)
            ans = replace(evidence_answer(p, timings=timings, llm=self.llm_name,
                                          reason=f"the language model failed ({e}); showing the quote instead"),
                          checks=checks)
            yield StreamEvent("final", ans.answer, ans)
            return
        timings.setdefault("first_token_ms", _elapsed(t0))
        timings["total_ms"] = _elapsed(t0)
        ans = evidence_answer(p, timings=timings, llm=self.llm_name, reason=reading.problem, reading=reading)
        yield StreamEvent("final", ans.answer, replace(ans, checks={**checks, **reading.checks}))

    def _judged_set(self, p: Prepared, base: Answer, timings: dict[str, float], t0: float) -> StreamEvent:
        """A list, overview or comparison whose closest sentences (`SET_JUDGED`) the model finds no answer to the
        question is abstained; else its bullets stay, the judge's P(yes) in `checks` (a model failure keeps them,
        flagged)."""
        assert self.llm is not None
        checks: dict[str, float] = {}
        reason = ""
        try:
            t_judge = time.perf_counter()
            p = judged(p, self.llm, self.snap, checks)
            timings["judge_ms"] = _elapsed(t_judge)
        except RagError as e:
            reason = f"the language model failed ({e}); the closest sentences are not checked"
        timings["first_token_ms"] = timings["total_ms"] = _elapsed(t0)
        ans = evidence_answer(p, timings=timings, llm=self.llm_name, reason=reason) if p.abstain_reason or reason \
            else replace(base, timings=timings, reason=JUDGED_NEXT_SET if "judge_closest" in checks else JUDGED_SET)
        ans = replace(ans, checks=checks)
        return StreamEvent("final", ans.answer, ans)

    def _judged_pair(self, p: Prepared, timings: dict[str, float], t0: float) -> StreamEvent:
        """A dated pair with each item's sentence judged on its own question (`judged_pair`): verified where both
        pass and each gives one date; a model failure keeps the dates, flagged."""
        assert self.llm is not None
        checks: dict[str, float] = {}
        reason, ok = "", False
        try:
            t_judge = time.perf_counter()
            p = judged_pair(p, self.llm, self.snap, checks)
            timings["judge_ms"] = _elapsed(t_judge)
            ok = not p.abstain_reason
            if ok:
                p = self._read_pair(p, checks)
        except RagError as e:
            reason = f"the language model failed ({e}); the dates are not checked"
        timings["first_token_ms"] = timings["total_ms"] = _elapsed(t0)
        ans = evidence_answer(p, timings=timings, llm=self.llm_name, reason=reason, judged=ok)
        ans = replace(ans, checks=checks)
        return StreamEvent("final", ans.answer, ans)

    def _read_pair(self, p: Prepared, checks: dict[str, float]) -> Prepared:
        """A dated pair whose item's sentence gives several dates ("(1995–2025)", "1773 … 1774"): the date the
        reader finds for the item's own question, where the sentence gives it (`part_read`; a check that is not
        firm leaves the answer unverified). Raises LLMError like any call of the model."""
        assert self.llm is not None and p.pair is not None
        found: list[tuple[str, bool]] = []
        for i, at in enumerate(p.part_of):
            ev = p.evidence[at] if at >= 0 else None
            part = p.pair.parts[i]
            if ev is None or extractive_short(ev.sentence.text, part, "date", hit_language_of(p, ev))[1]:
                found.append(("", False))
                continue
            got = Reading()
            for item in read(part, analyse(part), ev.sentence.text, "", p.language, hit_language(self.snap, ev),
                             self.llm):
                if isinstance(item, Reading):
                    got = item
            checks.update({f"{name}_{i + 1}": value for name, value in got.checks.items()})
            found.append((got.short, not got.unsure) if got.short and not got.problem else ("", False))
        return replace(p, part_read=tuple(found)) if any(short for short, _ in found) else p

    @staticmethod
    def _earlier(p: Prepared, previous: Callable[[], Evidence | None]) -> Prepared | None:
        """For a follow-up factoid, its evidence replaced by the sentence that answered the conversation's last
        question (`previous`: `prepare.earlier_answer`), the other asked thing often standing beside the first in
        it; None when it is no follow-up, or that sentence is already its evidence."""
        if not (p.q and p.q.follow_up and p.q.kind in READ_KINDS):
            return None
        prev = previous()
        if prev is None or sentence_key(prev) in {sentence_key(ev) for ev in p.evidence}:
            return None
        return replace(p, evidence=(prev,), abstain_reason="", from_context=False, with_before=False, candidates=(),
                       closest=None, headline=None)

    def _elliptic(self, p: Prepared, question: str, history: History,
                  previous: Callable[[], Evidence | None]) -> Prepared | None:
        """A short question in a conversation whose evidence is too weak alone and that its topic did not
        confirm (`prepare`: "Zu welchem Titel?" after "Wer adelte Drogo im Jahr 1047?"), as a follow-up factoid
        with the previous answer's sentence as its evidence, for the judge to accept or reject; None otherwise."""
        if p.abstain_reason != WEAK or not history or len(question.split()) > ELLIPTIC_WORDS:
            return None
        q = analyse(question, history, follow=True)
        if q.kind not in READ_KINDS:
            return None
        return self._earlier(replace(p, q=q, standalone=q.standalone, evidence=(), abstain_reason=""), previous)

    def _judged_in_conversation(self, p: Prepared, previous: Callable[[], Evidence | None],
                                ) -> tuple[Prepared, dict[str, float]] | None:
        """A follow-up's best sentence that the judge rejected on the question's standalone form, judged on the
        follow-up's own words after the previous answer's sentence, which tells what it points back to, where it is
        another sentence of that answer's report: taken, with the judge's checks, where the judge is firm; else None.
        "How much does it weigh? (Which university is behind the MIRA-2 satellite?)" reads "it" as the university
        (P(yes) .11 on "Der Satellit wiegt 11,8 Kilogramm …"); "How much does it weigh?" after the sentence naming
        the satellite does not (.98)."""
        assert self.llm is not None
        q = p.q
        if q is None or not q.follow_up or not p.evidence or q.text == p.standalone:
            return None
        best = p.closest if p.closest is not None else p.evidence[0]
        prev = previous()
        if prev is None or prev.article_id != best.article_id or sentence_key(prev) == sentence_key(best):
            return None
        tried: dict[str, float] = {}
        again = _judge(replace(p, abstain_reason=""), best.sentence.text, prev, self.llm, tried, JUDGED_NO,
                       best.sentence.text, asked=q.text)
        return None if again.abstain_reason or tried.get("judge", 0.0) < JUDGE_FIRM else (again, tried)

    def _judged_earlier(self, p: Prepared,
                        previous: Callable[[], Evidence | None]) -> tuple[Prepared, dict[str, float]] | None:
        """A follow-up's evidence replaced by the previous answer's sentence (`_earlier`) and the judge's checks of
        it, where the judge accepts it; else None."""
        assert self.llm is not None
        earlier = self._earlier(p, previous)
        if earlier is None:
            return None
        tried: dict[str, float] = {}
        again = judged(earlier, self.llm, self.snap, tried)
        return None if again.abstain_reason else (again, tried)

    def _read_earlier(self, p: Prepared, previous: Callable[[], Evidence | None], reading: Reading,
                      checks: dict[str, float]) -> tuple[Prepared, Reading, dict[str, float]]:
        """The previous answer's sentence judged and read for a follow-up whose own sentence gave no short
        answer: taken where it passes the judge and gives one the sentence holds; else what was read stays."""
        assert self.llm is not None
        accepted = self._judged_earlier(p, previous)
        if accepted is None:
            return p, reading, checks
        again, tried = accepted
        got = self._reading_of(again)
        if not got.short or got.invented:
            return p, reading, checks
        return again, got, tried

    def _read_runner_up(self, p: Prepared, reading: Reading,
                        checks: dict[str, float]) -> tuple[Prepared, Reading, dict[str, float]]:
        """The first runner-up the judge is sure of (`runners_up`) in which the reader finds a short answer that
        passes its checks; else the best sentence and what was read in it."""
        assert self.llm is not None
        for again, tried in runners_up(p, self.llm, self.snap, checks):
            got = self._reading_of(again)
            if got.short and not got.problem:
                return again, got, tried
        return p, reading, checks

    def _read_continuation(self, p: Prepared, reading: Reading,
                           checks: dict[str, float]) -> tuple[Prepared, Reading, dict[str, float]]:
        """For a factoid, date or why-question whose best sentence holds no answer (the reader found none, or one
        that is not in it), the sentence after it in its paragraph where that goes on about it (it points back:
        "… ein Stück Papier, auf dem Luther seine letzte Schrift verfasst hatte." / "Der Text war in Lateinisch
        geschrieben, abgesehen von den Worten „Wir sind Bettler”, welche er auf Deutsch niederschrieb."), read after
        the best one: its short answer where the reader finds one that passes its checks; else the best sentence
        and what was read in it. Raises LLMError like any call of the model."""
        assert self.llm is not None
        q = p.q
        if q is None or q.kind not in READ_KINDS or p.from_context or not p.evidence:
            return p, reading, checks
        best = p.evidence[0]
        nxt = next_in_paragraph(self.snap, best)
        if nxt is None or not points_back(nxt.sentence.text):
            return p, reading, checks
        again = replace(p, evidence=(nxt, best), with_before=True, candidates=(), closest=None, headline=None)
        got = self._reading_of(again)
        if got.short and not got.problem:  # its checks join the answer's with the reading's
            return again, got, checks
        return p, reading, checks

    def _reason_after(self, p: Prepared) -> bool:
        """A why-question whose best sentence gives no reason in so many words, where the sentence after it goes on
        about it and gives one ("Es ist verlockend zu denken, dass Funktionsprobleme viel umfassender sind …" /
        "Dies ist jedoch nicht der Fall, da Funktionsprobleme als Entscheidungsprobleme umformuliert werden
        können."): the reason is read there first."""
        if p.q is None or p.q.kind != "why" or not asks_why(p.q.text) or p.from_context or not p.evidence \
                or gives_reason(p.evidence[0].sentence.text):
            return False
        nxt = next_in_paragraph(self.snap, p.evidence[0])
        return nxt is not None and points_back(nxt.sentence.text) and gives_reason(nxt.sentence.text)

    def _reading_of(self, again: Prepared) -> Reading:
        """What the reader finds in another sentence than the first one read (its tokens are not streamed), read
        with the sentence before it where the evidence pairs them. Raises LLMError like any call of the model."""
        assert self.llm is not None
        got = Reading()
        context = again.evidence[1].sentence.text if again.with_before else ""
        for item in read(again.standalone, again.q or analyse(again.question), again.evidence[0].sentence.text,
                         context, again.language, hit_language(self.snap, again.evidence[0]), self.llm,
                         again.judged_as):
            if isinstance(item, Reading):
                got = item
        return got

    def _translated(self, p: Prepared, question: str, history: History,
                    timings: dict[str, float]) -> tuple[Prepared, Answer]:
        """The evidence again with the model's German rendering of the English question (`rag.translation`);
        where the model fails or its rendering is unusable, the evidence stays as it was."""
        assert self.llm is not None
        t = time.perf_counter()
        try:
            rendering = render_question(question, self.llm)
        except RagError as e:
            log.warning("The German rendering of the question failed (%s); the English question alone chooses "
                        "the sentences.", e)
            rendering = ""
        timings["translate_ms"] = _elapsed(t)
        if rendering:
            p = prepare(self.snap, question, history, self.k, self.filters, translation=rendering)
            timings["retrieve_ms"] += p.retrieve_ms
        return p, evidence_answer(p, timings=dict(timings), llm=self.llm_name)

    def _verdict(self, p: Prepared, q: Question, context: str, source_language: Language) -> tuple[Prepared, Reading]:
        """A yes/no question's verdict: the best sentence's (read with the sentence before it where it
        refers back); where the model cannot tell or its verdict fails `yes_no_doubt`, each runner-up's in
        turn, held to the strict rule ("Dies ist jedoch nicht der Fall", "Südkorea ist der letzte Halt"
        decide what the closest sentence leaves open). The first verdict that stands makes its sentence
        the quote; none: the best sentence's outcome. Raises LLMError like any call of the model."""
        assert self.llm is not None
        best, *runners = p.candidates or p.evidence[:1]
        # the sentence after often qualifies the closest one: the verdict reads both
        nxt = next_in_paragraph(self.snap, best)
        # where each sentence's pronouns find their names (the verdicts and the "not mentioned" rule read it)
        before = {sentence_key(ev): paragraph_before(self.snap, ev) for ev in (best, *runners)}
        first = verdict(p.standalone, best.sentence.text, context, p.language, source_language, self.llm,
                        after=nxt.sentence.text if nxt else "", before=before[sentence_key(best)], title=best.title)
        # the closest sentence's verdict is shown with the sentence after it that the verdict read too
        closest = replace(p, evidence=(*p.evidence[:2 if context else 1], nxt)) if nxt else p
        if first.short and not first.unsure:
            return closest, first
        for ev in runners:
            reading = verdict(p.standalone, ev.sentence.text, "", p.language, hit_language(self.snap, ev), self.llm,
                              strict=True, before=before[sentence_key(ev)])
            if reading.short:
                return replace(p, evidence=(ev,), from_context=False, with_before=False), reading
        if first.short:  # the closest sentence's verdict, shown unverified (`reading.FEW_SHARED`)
            return closest, first
        if p.language != source_language:  # across languages a name of the question that no sentence read
            # mentions ("Did North Korea react …?") is what the articles do not say, and so is a term the dictionary
            # knows whose German words none of them holds ("Did Hegseth also meet Vietnam's prime minister …?")
            read_ = [text for ev in (best, *runners) for text in told(ev.sentence.text, before[sentence_key(ev)])]
            read_ += [nxt.sentence.text] if nxt else []
            absent = names_missing(q.text.split(maxsplit=1)[-1], read_)
            if not absent and p.language == "en":
                absent = unsaid_terms(q.text, " ".join(read_))
            if absent:
                return replace(p, abstain_reason=NOT_MENTIONED.format(name=absent[0])), Reading()
        if first.problem.startswith(UNTOLD) and not hedges(best.sentence.text):  # the model tells neither from
            # any sentence read, and the closest does not leave it open in so many words ("Es ist umstritten, ob …",
            # a quote worth showing): whether it is so, the articles do not say ("Zahlt das Land etwas für die
            # Rettungswache?" on the sentence that it is built; a quote beside no yes or no answers nothing)
            return replace(p, abstain_reason=UNDECIDED.format(why=UNTOLD)), Reading(checks=first.checks)
        return p, first
