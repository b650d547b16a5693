"""The model where it helps: the short answer of a factoid, the verdict of a yes/no question.

The reader copies the shortest span of the best sentence that answers (an English question gets an
English phrase with names and numbers kept). What it says is checked before it is shown: snapped to
the sentence (or, across languages, its numbers and names found there), of the asked type, more
than the question's own words, short; then the model is asked once more whether the sentence gives
this answer to the question (alignment shows the words are the sentence's, not that they answer).
That check is graded: its P(yes) from the first token's log-probabilities must reach `VERIFY_MIN` for
"verified"; between `CHECK_MIN` and it the span is shown unverified, with the reason; below, the quote.
A yes/no verdict is the answer ("Ja" or "Nein") the check finds the sentence supports more firmly
(`contrasted`; without log-probabilities the verdict prompt's word), and stands only where the
sentence states the claim plainly (`yes_no_doubt`). A reply that fails keeps the extractive form,
flagged with the reason.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from .answer_types import in_dateline_only
from .errors import RagError
from .evidence import holds_word
from .forms import (
    CITATION,
    VERDICTS,
    has_type,
    is_bare_word,
    number_as_written,
    number_span,
    only_repeats,
    ordinal_for_count,
    quoted,
    reason_clause,
    refers_back,
    snap,
    snap_date,
    too_long,
    with_scale,
)
from .glossary import backs, backs_german, german_words, unknown_english, unsaid_names, unsaid_terms
from .lang import detect_language, stem_tokens
from .numbers import other_amount, other_factor
from .prompts import (
    ALIGN_ROLE,
    CHECK_ROLE,
    GLOSS_ROLE,
    JUDGE_ROLE,
    YES_NO_UNCLEAR,
    YESNO_ROLE,
    build_align_messages,
    build_answer_check_messages,
    build_check_messages,
    build_gloss_messages,
    build_reader_messages,
    build_yesno_messages,
    judge_says_no,
    reader_found_nothing,
    reader_role,
    shares,
    warm_up_prompts,
    yesno_verdict,
)
from .question import Question, asks_why
from .timeframe import names_relative_day
from .types import Language
from .verify import ONLY_REPEATS, names_missing, verify_answer, words_of_the_other_language

log = logging.getLogger(__name__)

READER_TOKENS = 40
#: Share of a yes/no question's content words a sentence must hold for a "yes" (same language).
YES_OVERLAP = 0.75
#: Below this share of the question's content words, a sentence's negation carries a "no" only where the sentence
#: names the question's last word (`yes_no_doubt`).
NEGATED_OVERLAP = 0.5
VERDICT_TOKENS = 3
#: How many alternatives of the first token a graded check reads (the yes/no words are among the first few).
TOP_LOGPROBS = 10
#: The answer check's least P(yes) for the reader's short answer to be shown at all (below it the model's
#: check finds that the sentence does not give it: the quote stays), and its least P(yes) for the answer to
#: be marked verified (between the two, the span is shown unverified, with the reason). Calibrated with
#: bench/graded_checks.py (the reader's aligned span beats the quote's own span at every P(yes), but only a
#: firm yes makes "verified" rarely wrong) for the check's own prompt; bench/answer_check.py carried them to
#: the judge's prompt continued (`build_answer_check_messages`, stop 38): at .62 it passes as many wrong
#: spans (another number or name of the same sentence) as the old prompt did at .5 (19 of 53) and keeps 51
#: of 53 right ones (52); at .8 it still passes no wrong one and 8 right ones, as the old prompt did.
CHECK_MIN = 0.62
VERIFY_MIN = 0.8
#: A yes/no verdict from the contrasting checks (`contrasted`): how much more firmly the sentence must
#: support one answer than the other.
VERDICT_MARGIN = 0.05
#: A verdict from the verdict prompt (a model without log-probabilities for the checks): the least share
#: of the likeliest reply among yes, no and unclear.
VERDICT_MIN = 0.5
REPEATS = f"the model's answer {ONLY_REPEATS}"
SHOWING_QUOTE = "; showing the quote"
UNTOLD = "the model could not tell yes or no from the sentence"
#: What a question says to the reader that answered with its own words (`read`).
NOT_THIS: dict[Language, str] = {"de": "(Nicht: „{}“.)", "en": "(Not: “{}”.)"}
#: Tokens for the sentence's own words of an English short answer (`source_words`), and how many words
#: those may have beyond the answer's ("the Weber brothers" / "den Brüdern Karl und Otto Weber").
SOURCE_TOKENS = 32
SOURCE_EXTRA_WORDS = 3
#: Tokens for the English of an answer the English reader left in German (`translated_words`).
GLOSS_TOKENS = 24
_CITES = re.compile(rf"\s*(?:{CITATION.pattern}|\[\s*\]|\[n\])", re.IGNORECASE)


#: Why a reading adds nothing where the reader found no answer in the sentence.
NOTHING = "the model found no short answer in the sentence"
#: The reader answered "wie viele" with an ordinal ("dritte"): it found no count.
ORDINAL = "the model's answer “{span}” counts nothing"
_ORDINAL = re.compile(re.escape(ORDINAL).replace(re.escape("{span}"), ".*"))
#: An English answer names what the question names and the German sentence does not mention (`unsaid_names`): the
#: model's answer, not the sentence's, as one in the sentence's language that is not in it.
UNSAID = "the model's answer names “{word}” of the question, which the sentence does not mention"
_UNSAID_HEAD = UNSAID.split("“", 1)[0]
#: The answer check (P(yes) below `CHECK_MIN`) found that the sentence does not give the reader's answer.
REJECTED = "the model's check found that the sentence does not give “{span}” as the answer"
NO_REASON = "the model's answer “{span}” names no reason"
_NO_REASON_HEAD = NO_REASON.split("“", 1)[0]
_REJECTED_HEAD = REJECTED.split("“", 1)[0]


@dataclass(frozen=True)
class Reading:
    """What the model added: the short answer (or yes/no word) to show, or why nothing was added."""

    short: str = ""
    shown: str = ""  # as shown: quoted when it is the sentence's words in another language
    problem: str = ""
    checks: dict[str, float] = field(default_factory=dict)  # the model's P(yes) per check (see Answer.checks)
    unsure: str = ""  # why the short answer is shown but not verified (the check was not firm)
    #: the model's answer where the sentence does not hold its words (same language), or where it names what the
    #: question names and the sentence does not mention (another language, `UNSAID`): it found no answer there
    invented: str = ""
    #: an answer in another language than the sentence's: the sentence's own words for it ("sechs" for "six")
    source: str = ""

    @property
    def found_nothing(self) -> bool:
        """The reader found no answer in the sentence (`NOTHING`), or only an ordinal for a count (`ORDINAL`)."""
        return self.problem.startswith(NOTHING) or _ORDINAL.match(self.problem) is not None

    @property
    def repeats(self) -> bool:
        """The reader's answer only repeats the question's words (`REPEATS`; across languages, as the check of a
        translated answer words it)."""
        return ONLY_REPEATS in self.problem

    @property
    def rejected(self) -> bool:
        """The answer check found that the sentence does not give the reader's answer (`REJECTED`)."""
        return self.problem.startswith(_REJECTED_HEAD)


@dataclass(frozen=True)
class Judged:
    """What the judge last read (`rag.chain.judged`): the sentence's own text, the sentence as the judge read it
    (a weekday with its date), and the sentence before it that the judge read it after ("" for none). The answer
    check reads the same (`read`), so that llama.cpp finds it already read in the judge's context."""

    own: str
    shown: str
    before: str


def verdict(question: str, sentence: str, context: str, language: Language, source_language: Language,
            llm: BaseChatModel, strict: bool = False, after: str = "", before: str = "", title: str = "") -> Reading:
    """A yes/no question's verdict on one sentence: the yes/no word, or why there is none. `strict` (a
    runner-up, not the closest sentence) holds it to `yes_no_doubt`'s strict rule. `after`: the next
    sentence of the paragraph, read with it ("… 994 Kisten zurückgegeben. Die USA gaben bekannt, dass die
    Identifizierung von 740 dieser Kisten abgeschlossen sei."); a "no" may rest on it, a "yes" must be
    stated plainly in the sentence itself. `before`: the paragraph before the sentence (`yes_no_doubt`)."""
    from .llms import for_role

    claim = sentence
    if after:
        sentence = f"{sentence} {after}"
    if settled_no(question, claim, after):  # no, whatever the model says
        word = VERDICTS[language]["no"]
        return Reading(word, word)
    support = contrasted(question, sentence, context, language, llm)
    if support is not None:  # both answers checked against the sentence: the one it supports more, clearly
        checks = {k: round(v, 4) for k, v in support.items()}
        gap = support["yes"] - support["no"]
        found = "yes" if gap >= VERDICT_MARGIN else "no" if -gap >= VERDICT_MARGIN else ""
    else:  # no log-probabilities: the verdict prompt's word
        said = for_role(llm, YESNO_ROLE).invoke(build_yesno_messages(question, sentence, context),
                                             max_tokens=VERDICT_TOKENS, logprobs=True, top_logprobs=TOP_LOGPROBS)
        graded = shares(said, YES_NO_UNCLEAR)
        checks = {k: round(v, 4) for k, v in graded.items()} if graded is not None else {}
        if graded is not None:  # the likeliest reply, if it is likely enough
            found = max(graded, key=lambda k: graded[k])
            found = found if found != "unclear" and graded[found] >= VERDICT_MIN else ""
        else:
            found = yesno_verdict(str(said.content))
    if not found:
        return Reading(problem=f"{UNTOLD}{SHOWING_QUOTE}", checks=checks)
    doubt = yes_no_doubt(question, sentence if found == "no" else claim, found, language, source_language,
                         strict=strict, before=before, title=title)
    if doubt == FEW_SHARED and not strict:  # a paraphrase ("der letzte Regierungschef der DDR" / "der letzte
        # Premierminister der Deutschen Demokratischen Republik") shares few words: the model's clear "yes" is shown,
        # not verified, with why (`Reading.unsure`); a runner-up's verdict that stands goes before it
        word = VERDICTS[language][found]
        return Reading(word, word, checks=checks, unsure=f"the model said {found}, but {doubt}; compare it with the "
                                                         "quote")
    if doubt:
        return Reading(problem=f"the model said {found}, but {doubt}{SHOWING_QUOTE}", checks=checks)
    word = VERDICTS[language][found]
    return Reading(word, word, checks=checks)


def warm_up(llm: BaseChatModel) -> None:
    """Evaluate each prompt's fixed prefix now, each in its own llama.cpp context (`prompts.warm_up_prompts`):
    `rag serve` does it at start, `rag eval` before it times the first question."""
    from .llms import for_role

    for role, messages in warm_up_prompts():
        for_role(llm, role).invoke(messages, max_tokens=1)


def p_yes(model: BaseChatModel, messages: list[BaseMessage],
          max_tokens: int = VERDICT_TOKENS) -> tuple[float | None, bool]:
    """Ask a one-word yes/no prompt: (the model's P(yes) among yes/no in its first token, None without
    log-probabilities; whether its reply is a clear "no", for when there is no P(yes))."""
    reply = model.invoke(messages, max_tokens=max_tokens, logprobs=True, top_logprobs=TOP_LOGPROBS)
    graded = shares(reply)
    return (graded["yes"] if graded is not None else None), judge_says_no(str(reply.content))


def contrasted(question: str, sentence: str, context: str, language: Language,
               llm: BaseChatModel) -> dict[str, float] | None:
    """How firmly the sentence supports each answer of a yes/no question: the check's P(yes) for "Ja" and
    for "Nein" as the answer. Asked "does it say yes?" the small model says yes to nearly any sentence on
    the topic ("Es ist umstritten, ob …" included); both answers share that bias, so their difference
    carries what the sentence says. None when the model gives no log-probabilities."""
    from .llms import for_role

    support: dict[str, float] = {}
    for label in ("yes", "no"):
        p, _ = p_yes(for_role(llm, CHECK_ROLE),
                     build_check_messages(question, VERDICTS[language][label], sentence, context), max_tokens=1)
        if p is None:
            return None
        support[label] = p
    return support


def read(question: str, q: Question, sentence: str, context: str, language: Language, source_language: Language,
         llm: BaseChatModel, judged_as: Judged | None = None, known: str = "") -> Iterator[str | Reading]:
    """The reader's tokens as they come, then one `Reading` (see module doc): a factoid's short answer.
    `context` is the sentence before `sentence` when the answer may sit there (a date). `judged_as`: what the
    judge last read (`Prepared.judged_as`); where that was this sentence, the answer check reads the same (the
    judge's context has read it already). `known`: what a follow-up's pronoun stands for, the conversation's last
    answer ("Jean de Béthencourt" for "Who led it together with him?"): a span that only repeats it is no answer,
    like one that repeats the question."""
    from .llms import for_role

    parts: list[str] = []
    # one context per reader language: the German and English prompts' fixed prefixes differ, and one
    # context would evaluate the whole prefix again at every switch of language (~400 tokens)
    messages = build_reader_messages(question, sentence, language, context)
    for chunk in for_role(llm, reader_role(language)).stream(messages, max_tokens=READER_TOKENS):
        token = chunk.content if isinstance(chunk.content, str) else str(chunk.content)
        if token:
            parts.append(token)
            yield token
    source = f"{context} {sentence}" if context else sentence
    reply = _reply("".join(parts), source)
    asked = f"{question} {known}" if known else question  # what a span must not merely repeat
    span, problem = check_short(reply, source, asked, q.answer_type, q.kind, language, source_language)
    def read_again(asking: str, text: str, before: str) -> tuple[str, str, str]:
        """The reader's reply to `asking` on `text` (after `before`), and its span and problem against the source."""
        again = for_role(llm, reader_role(language)).invoke(build_reader_messages(asking, text, language, before),
                                                            max_tokens=READER_TOKENS)
        reply2 = _reply(again.content if isinstance(again.content, str) else str(again.content), source)
        return (reply2, *check_short(reply2, source, asked, q.answer_type, q.kind, language, source_language))

    if problem == REPEATS:  # "die Broncos" for "Wen schlugen die Broncos …?": read again without those words
        hidden_sentence, hidden_context = (hide(x, reply, asked, source_language) for x in (sentence, context))
        if hidden_sentence != sentence:
            second, span2, problem2 = read_again(question, hidden_sentence, hidden_context)
            if not problem2 and "…" not in span2:
                reply, span, problem = second, span2, ""
    if problem == REPEATS:  # the hidden sentence read as no answer ("none"): the whole sentence, the question
        # saying which answer it is not ("Wen schlugen die Broncos …? (Nicht: „Die Broncos“.)")
        third, span3, problem3 = read_again(f"{question.strip()} {NOT_THIS[language].format(reply)}", sentence,
                                            context)
        if not problem3:
            reply, span, problem = third, span3, ""
    clause = reason_clause(sentence) if q.kind == "why" and asks_why(question) and (
        problem.startswith(NOTHING) or problem.startswith(_NO_REASON_HEAD)) else ""
    if clause:  # the reader found no reason where the sentence gives one in so many words ("…, da …"): that clause,
        # checked like a reader's answer
        span2, problem2 = check_short(clause, source, question, q.answer_type, q.kind, language, source_language)
        if not problem2:
            reply, span, problem = clause, span2, ""
    checks: dict[str, float] = {}
    doubt: float | None = None  # a P(yes) of the check between CHECK_MIN and VERIFY_MIN: shown, not verified
    if not problem:  # alignment shows the span is the sentence's; whether it answers, the model checks
        shown, before = ((judged_as.shown, judged_as.before) if judged_as and judged_as.own == sentence
                         else (sentence, context))
        yes, said_no = p_yes(for_role(llm, JUDGE_ROLE), build_answer_check_messages(question, span, shown, before))
        if yes is not None:
            checks["check"] = round(yes, 4)
        if yes < CHECK_MIN if yes is not None else said_no:
            problem = REJECTED.format(span=span)
        elif yes is not None and yes < VERIFY_MIN:
            doubt = yes
    if problem:
        invented = (language == source_language and not reader_found_nothing(reply) and snap(reply, source) is None) \
            or problem.startswith(_UNSAID_HEAD)
        yield Reading(problem=f"{problem}{SHOWING_QUOTE}", checks=checks, invented=reply if invented else "")
        return
    if language == source_language:
        yield Reading(span, span, checks=checks, unsure=_not_sure(span, doubt))
        return
    try:
        words = source_words(span, source, llm)
    except RagError as e:  # the answer stands checked; only its German words are not shown
        log.warning("The model failed to find the sentence's own words for “%s” (%s).", span, e)
        words = ""
    named = span  # what the check read
    if language == "en" and (words == span or (words and unknown_english(span, question))):  # the reader left
        # the sentence's German (“Nationalhymne”) or some of it ("994 kistens with dead bodies"): the English of
        # the sentence's words
        english = translated_words(words, source, llm)
        if english:  # the check's doubt, if any, is named by the sentence's words shown beside the new answer
            named, span = words, english
    elif language == "de" and words == span:  # a German question on an English report: the reader copied its
        # English ("104 million euros"): the German of the sentence's words
        german = translated_words(words, source, llm, into="de")
        if german:
            named, span = words, german
    shown = quoted(span, language) if words == span else f"{span} ({quoted(words, language)})" if words else span
    yield Reading(span, shown, checks=checks, unsure=_not_sure(named, doubt), source=words)


def _not_sure(answer: str, doubt: float | None) -> str:
    """Why a short answer is shown but not verified ("" when the check was firm)."""
    if doubt is None:
        return ""
    return (f"the model's check is not sure that the sentence gives “{answer}” as the answer (P(yes) {doubt:.2f}); "
            "compare it with the quote")


_ARTICLE = re.compile(r"^(?:der|die|das|den|dem|des|ein|eine|einen|einem|einer|eines)\s+", re.IGNORECASE)
_DIGITS = re.compile(r"\d+(?:[.,:]\d+)*")


def source_words(span: str, source: str, llm: BaseChatModel) -> str:
    """The sentence's own words for a short answer in another language ("sechs" for "six", "türkischen
    Streitkräften" for "Turkish forces"): the answer itself where the sentence holds it, else the words the
    model copies from the sentence, snapped to it, holding the answer's numbers, at most
    `SOURCE_EXTRA_WORDS` longer and at least a third as long ("antritt" says nothing of "to be part of
    American engagement in the region"); where the model copies nothing usable (it tends to repeat "130
    million US dollars"), the sentence's date or number span that holds the answer's one number ("130
    Millionen US-Dollar", "26. Oktober"); "" otherwise. Raises LLMError like any call of the model."""
    from .llms import for_role

    copied = snap(span, source)
    if copied is not None:
        return span if copied.lower() == span.lower() else copied
    reply = for_role(llm, ALIGN_ROLE).invoke(build_align_messages(source, span), max_tokens=SOURCE_TOKENS)
    said = _reply(reply.content if isinstance(reply.content, str) else str(reply.content), source).strip("\"„“”'")
    words = snap(said, source) or snap(_ARTICLE.sub("", said), source) if said else None
    numbers = _DIGITS.findall(span)
    size = len(words.split()) if words is not None else 0
    if words is not None and all(n in words for n in numbers) \
            and max(1, round(len(span.split()) / 3)) <= size <= len(span.split()) + SOURCE_EXTRA_WORDS:
        return words
    return number_span(numbers[0], source) if len(numbers) == 1 else ""


def _in_quotes(words: str, sentence: str) -> bool:
    """Whether the sentence puts `words` in quotation marks (a title, a quotation)."""
    return re.search(rf"[„“”\"»«‚‘’']\s*{re.escape(words)}\s*[“”\"«»‘’']", sentence) is not None


def translated_words(words: str, source: str, llm: BaseChatModel, into: Language = "en") -> str:
    """The English of a short answer that the English reader copied from the German sentence untranslated
    ("national anthem" for “Nationalhymne”, "German-language publications" for “deutschsprachigen
    Publikationen”): an English question is answered in English, the sentence's words shown beside it. ""
    where nothing needs translating (numbers only; a title or a quotation the sentence puts in quotes) or the
    model gives nothing usable: words the German sentence holds (a name it kept), German function words, a
    number lost, far longer, or words the bilingual dictionary does not back (`glossary.backs`: the small
    model renders "Wir sind Bettler" as "we are bedfellows"; without the dictionary nothing is translated).
    A failed call of the model gives "" too: the answer stands checked, only untranslated. `into="de"`: the
    same the other way, the German of an English report's words for a German question ("104 Millionen Euro"
    for “104 million euros”, `glossary.backs_german`)."""
    from .llms import for_role

    if not re.search(r"[^\W\d_]", words) or _in_quotes(words, source):  # numbers; a title or a quotation
        # the sentence puts in quotes („Ein neues Lied wir heben an“) is shown as written
        return ""
    try:
        reply = for_role(llm, GLOSS_ROLE).invoke(build_gloss_messages(words, into), max_tokens=GLOSS_TOKENS)
    except RagError as e:
        log.warning("The model failed to translate “%s” (%s).", words, e)
        return ""
    lines = str(reply.content).strip().splitlines()
    said = _CITES.sub("", lines[0]).strip().strip("\"„“”'.").strip() if lines else ""
    if not said or reader_found_nothing(said) or re.search(rf"(?<!\w){re.escape(said)}(?!\w)", source, re.IGNORECASE) \
            or words_of_the_other_language(said, into) or len(said.split()) > 2 * len(words.split()) + 2 \
            or any(re.sub(r"[.,]", "", n) not in re.sub(r"[.,]", "", said) for n in _DIGITS.findall(words)):
        return ""  # a number lost ("6,5" and "6.5" are one number, as each language writes it)
    return said if (backs_german(said, words) if into == "de" else backs(said, words)) else ""


_HEDGE = re.compile(
    r"\b(nicht|kein\w*|nie|niemals|ob|umstritten|verlockend|möglich\w*|vielleicht|wenn|falls|angeblich|"
    r"not|no|never|whether|if|might|may|possibl\w*|tempting|allegedly|unclear)\b",
    re.IGNORECASE,
)


def hedges(sentence: str) -> bool:
    """Whether the sentence negates or hedges what it says ("nicht", "Es ist umstritten, ob …", "might")."""
    return bool(_HEDGE.search(sentence))


_QUANTIFIER = re.compile(r"\b(alle\w*|nur|schon|bereits|jede\w*|immer|ausschließlich|all|only|already|every\w*|"
                         r"always|entirely|ganz|vollständig)\b", re.IGNORECASE)


#: A question whether something ever happened ("Haben sie schon einmal gestreikt?", "Has it ever flooded before?"):
#: its "no" says it never did, which only a sentence that says so ("noch nie", "zum ersten Mal") supports
_EVER = re.compile(r"\b(schon\s+(ein)?mal|jemals|ever)\b", re.IGNORECASE)
#: A "no" to such a question where the sentence does not say it never happened
NEVER_UNSAID = "the sentence does not say that it never happened"

#: A "yes" on a sentence in the question's language that holds less than `YES_OVERLAP` of its content words
FEW_SHARED = "the sentence shares too few of the question's words"


def yes_no_doubt(question: str, sentence: str, verdict: str, language: Language, source_language: Language,
                 strict: bool = False, before: str = "", title: str = "") -> str:
    """Why a yes/no verdict may not hold ("" when none): a "yes" needs a sentence that states the claim
    plainly (no negation or hedge: "Es ist umstritten, ob …") and, for a question that quantifies
    ("alle", "nur", "already"), the same quantifier; in the same language, most of the question's
    content words. A "no" needs a negation or hedge in the sentence, a quantifier in the question, or a
    word of the question the sentence does not share ("in Tokio" where it says "in Seoul"). `strict`
    (a sentence other than the closest one, which may be about something else): a word the sentence
    does not share does not carry a "no". `before`: the sentence's paragraph before it, where the names its
    pronouns stand for are. A word the sentence leaves to its article's headline (`title`) or to its paragraph
    before it carries no "no" ("Ist die Eisbahn auf dem Marstedter Weihnachtsmarkt neu?" / "Neu ist eine Eisbahn
    vor dem alten Zollhaus." under "Weihnachtsmarkt öffnet …", after "Der Marstedter Weihnachtsmarkt …")."""
    hedged = hedges(sentence)
    # a capitalised word past the first is a name ("Jared Allen"), no quantifier
    quantified = [m.group(0).lower() for m in _QUANTIFIER.finditer(question)
                  if not (m.group(0)[0].isupper() and question[:m.start()].strip(" \"„“'¿¡"))]
    share = _shared(question, sentence, language) if language == source_language else None
    if share is None:  # across languages: the sentence must at least be about the question's names (a pronoun
        # of the sentence stands for a name its paragraph gave before it: "In Malaysia wird er …")
        tells = told(sentence, before)
        absent = names_missing(question.split(maxsplit=1)[-1], tells)
        if not absent and language == "en":  # a term the dictionary knows ("prime minister") in none of its words
            absent = unsaid_terms(question, " ".join(tells))
        if absent:
            return f"the sentence does not mention {absent[0]}"
    if verdict == "no":  # a "no" rests on a negation, a quantifier, or something the sentence says otherwise
        if _EVER.search(question):  # "schon einmal?" is no quantifier: its "no" is "never", which a sentence on
            # another time of it (the coming strike) does not say
            return "" if hedged else NEVER_UNSAID
        if quantified:
            return ""
        if hedged:  # a negation about what was asked: a sentence sharing few of the question's words names at least
            # its last one, where a German question puts its verb ("Darf das Parlament … beschließen?" / "Eine Person
            # darf nicht im … Parlament sitzen …" negates another thing)
            if share is not None and share < NEGATED_OVERLAP \
                    and not _names_last_word(question, f"{sentence} {title} {before}", language):
                return "the sentence negates something other than what was asked"
            return ""
        if share is None or strict:  # only a negation or quantifier counts: across languages the words cannot
            return "the sentence neither negates nor limits what was asked"  # be compared; a runner-up may be off topic
        if share < 1.0:
            said = set(stem_tokens(f"{sentence} {title} {before}", language))
            if any(t not in said for t in stem_tokens(question, language)):
                return ""
        return "the sentence says what was asked"
    if hedged:
        return "the sentence is negated or hedged"
    order = order_unsaid(question, sentence)
    if order:
        return f"the sentence does not say “{order}”"
    missing = [w for w in quantified if language != source_language or not re.search(rf"\b{w}", sentence, re.I)]
    if missing:
        return f"the sentence does not say “{missing[0]}”"
    if share is not None and share < YES_OVERLAP:
        return FEW_SHARED
    return ""


#: "Is South Korea the first stop?", "Ist das die letzte Sitzung?": a place in an order (not "letzte Woche", "last
#: year", a time), and the words a German or English sentence says it with.
_ORDER_ASKED = re.compile(r"\b(erste[nmrs]?|letzte[nmrs]?|first|last|final)\b(?!\s+(?:woche|monat|jahr|tag|nacht|"
                          r"wochenende|week|month|year|day|night|weekend)\w*)", re.IGNORECASE)
_ORDER_SAID = {"first": re.compile(r"\b(erst\w*|zuerst|zunächst|first|beginn\w*|auftakt\w*|start\w*)", re.IGNORECASE),
               "last": re.compile(r"\b(letzt\w*|zuletzt|abschließend\w*|abschluss\w*|schluss\w*|last|final\w*|"
                                  r"ende)\b", re.IGNORECASE)}


def order_unsaid(question: str, sentence: str) -> str:
    """The word by which a yes/no question asks for a place in an order ("first", "letzte") that the sentence does
    not say in either language ("" where it does or none is asked): "Hawaii, Japan, Malaysia, Vietnam und Südkorea"
    names the stops, not which is first."""
    for m in _ORDER_ASKED.finditer(question):
        if not _lower(m):  # a name's part ("First Coast")
            continue
        which = "first" if m.group(1).lower().startswith(("erst", "first")) else "last"
        if not _ORDER_SAID[which].search(sentence):
            return m.group(1)
    return ""


def _names_last_word(question: str, text: str, language: Language) -> bool:
    """Whether the text holds the question's last content word (the same root or a compound's head,
    `evidence.holds_word`)."""
    asked = stem_tokens(question, language)
    return not asked or holds_word(asked[-1], set(stem_tokens(text, language)))


#: Personal and possessive pronouns that refer back to a person or body named before (German and English).
_PRONOUN = re.compile(r"\b(er|sie|ihm|ihn|ihr\w*|sein\w*|he|she|him|his|her|they|them|their)\b", re.IGNORECASE)


def has_pronoun(sentence: str) -> bool:
    """Whether the sentence has a personal or possessive pronoun (who it stands for was said before)."""
    return _PRONOUN.search(sentence) is not None


def points_back(sentence: str) -> bool:
    """Whether the sentence speaks of what the one before it named: it opens by pointing back ("Sie veranlassten
    …", "Dabei …", `forms.refers_back`) or has a pronoun."""
    return refers_back(sentence) or has_pronoun(sentence)


#: Who "dieser Männer" / "these men" are was said before (not "in diesem Jahr", "this week": a time).
_THESE = re.compile(r"\b(diese[rsn]?|jene[rsn]?|these|those)\s+(?!(jahr|woche|monat|tag|zeit|year|week|month|day|time)"
                    r"\w*\b)[^\W\d_]", re.IGNORECASE)


def told(sentence: str, before: str) -> list[str]:
    """What a sentence tells of: itself, and where a pronoun or "dieser …" of it refers back, the paragraph `before`
    it ("Keiner dieser Männer hatte so viel Erfahrung …" after the sentence naming Loudoun and Abercrombie)."""
    return [sentence, before] if before and (has_pronoun(sentence) or refers_back(sentence)
                                              or _THESE.search(sentence)) else [sentence]


_ALL = re.compile(r"\b(alle|sämtliche\w*|all|every)\b", re.IGNORECASE)
_PART_OF = re.compile(r"\b(\d+)\s+(?:von|aus|of|out\s+of)\s+(?:den\s+|the\s+|insgesamt\s+)?(\d+)\b", re.IGNORECASE)
#: "nicht alle Gräber", "not all of the graves": a part of a whole, in words
_NOT_ALL = re.compile(r"\b(?:nicht|keineswegs|längst\s+nicht|not|by\s+no\s+means)\s+(?:alle|sämtliche|all)"
                      r"(?:\s+(?:of\s+)?(?:the|de[rn]|die))?\s+(?P<what>[^\W\d_][\w-]+)", re.IGNORECASE)
#: A question about the whole of something or about it alone ("ganz auf Deutsch", "entirely", "nur in …")
_WHOLE = re.compile(r"\b(alle|sämtliche\w*|ganz|gänzlich|vollständig|komplett|ausschließlich|nur|all|every|entirely|"
                    r"completely|wholly|fully|exclusively|only|solely)\b", re.IGNORECASE)
#: An exception a sentence makes ("abgesehen von den Worten …", "mit Ausnahme von …", "except for …")
_EXCEPTION = re.compile(r"\b(abgesehen\s+von|außer\s+(?:de[mnr]|den|einem|einer|dass|für|in|im|bei)|mit\s+Ausnahme|"
                        r"ausgenommen|bis\s+auf\s+(?:de[mnr]|die|das|eine[mnr]?)|except(?:\s+for)?|apart\s+from|"
                        r"with\s+the\s+exception)\b", re.IGNORECASE)


def not_all(question: str, sentence: str) -> str:
    """"44 von 45" when the question asks about all (of them) and the sentence gives a part of a whole
    ("Hat Vietnam alle 45 Dateien geprüft?" / "… 44 von 45 Dateien geprüft") or says "not all" of what was asked
    ("Were all of the graves still untouched?" / "Nicht alle Gräber sind unversehrt"), or the exception the sentence
    makes when the question asks about the whole of something or about it alone ("Was it written entirely in
    German?" / "Der Text war in Lateinisch geschrieben, abgesehen von den Worten …, welche er auf Deutsch
    niederschrieb"); "" otherwise."""
    if _ALL.search(question):
        for m in _PART_OF.finditer(sentence):
            if int(m.group(1)) < int(m.group(2)):
                return m.group(0)
        for m in _NOT_ALL.finditer(sentence):  # "Nicht alle Gräber sind unversehrt" for "Were all graves untouched?":
            # what it says not all of is asked
            if _keys(m.group("what"), loans=True) & _asked_keys(question):
                return m.group(0)
    if _WHOLE.search(question):
        exception = _EXCEPTION.search(sentence)
        if exception is not None:
            return exception.group(0)
    return ""


def settled_no(question: str, claim: str, after: str = "") -> str:
    """Why a yes/no question's answer is "no" whatever a model says ("" when it is not): a question about all, the
    whole or only one thing meets a part of a whole or an exception in the sentence or the one after it ("alle
    45?" / "44 von 45"), one whether it is proven meets a sentence that leaves it open ("bewiesen?" / "möglich"),
    or one naming an amount meets the sentence giving another ("300 million?" / "130 Millionen"; a figure in the
    next sentence, "von 300 auf 430 Millionen", is about something else: the closest sentence is the asked
    thing's). The extractive answer and the model's verdict both rest on it."""
    part = not_all(question, f"{claim} {after}" if after else claim)
    if part:
        return f"the question asks about all (or only) of it, the sentence says “{part}”"
    hedge = left_open(question, claim)
    if hedge:
        return f"the question asks whether it is proven or certain, the sentence says “{hedge}”"
    amount = other_amount(question, claim)
    if amount:
        return f"the question names another amount than the sentence, which says “{amount}”"
    denied = said_otherwise(question, claim)
    if denied:
        return f"the sentence says “{denied}”"
    change = other_factor(question, claim)
    if change:
        return f"the question asks about another factor than the sentence's change, “{change}”"
    return ""


#: A question whether something still is so, or still happens ("Gibt es diese Rechtsform heute noch?", "Findet
#: der Markt statt?", "Is the line still running?").
_STILL = re.compile(r"\b(noch|weiterhin|nach\s+wie\s+vor|heute|statt|stattfinden|still|anymore|any\s+longer|today|"
                    r"nowadays|go\s+ahead|take\s+place|takes\s+place|taking\s+place)\b", re.IGNORECASE)
#: A sentence saying it ended or was called off ("… wurde abgeschafft", "nicht mehr", "was cancelled").
_ENDED = re.compile(r"\b(abgeschafft|aufgelöst|eingestellt|beendet|abgerissen|stillgelegt|aufgehoben|abgesagt|"
                    r"gestrichen|abgeschaltet|nicht\s+mehr|keine?[nrs]?\s+mehr|abolished|dissolved|discontinued|"
                    r"scrapped|demolished|repealed|cancell?ed|called\s+off|shut\s+down|no\s+longer)\b", re.IGNORECASE)
#: Something that ended and came back ("wiedereröffnet", "erneut", "again").
_AGAIN = re.compile(r"\b(wieder\w*|erneut\w*|neu\s+gegründet|again|reopened|re-opened|restored|revived|"
                    r"reinstated)\b", re.IGNORECASE)
#: A question whether something happened more than once ("mehrmals", "more than once").
_MORE_THAN_ONCE = re.compile(r"\b(mehrmals|mehrfach|wiederholt|öfter\w*|oft|häufig\w*|mehr\s+als\s+einmal|"
                             r"several\s+times|more\s+than\s+once|repeatedly|multiple\s+times|many\s+times|often|"
                             r"frequently)\b", re.IGNORECASE)
#: A sentence saying it happened once ("nur ein einziges Mal", "only once").
_ONCE = re.compile(r"\b(ein(?:\s+einziges|zige[ns]?)\s+Mal|nur\s+einmal|nur\s+ein\s+Mal|only\s+once|just\s+once|"
                   r"a\s+single\s+time|only\s+one\s+time|the\s+only\s+time)\b", re.IGNORECASE)
#: A question whether something is a one-off, and a sentence saying it recurs ("jährlich", "annual").
_ONE_OFF = re.compile(r"\b(einmalig\w*|one-off|one-time|once-only)\b", re.IGNORECASE)
_RECURRING = re.compile(r"\b(jährlich\w*|alljährlich\w*|jedes\s+Jahr|regelmäßig\w*|wiederkehrend\w*|annual\w*|"
                        r"every\s+year|yearly|regular(?:ly)?|recurring)\b", re.IGNORECASE)
#: A question whether two things go together, and a sentence saying they are apart ("Werden Apotheker zusammen mit
#: Ärzten reguliert?" / "… unabhängig von Ärzten reguliert").
_TOGETHER = re.compile(r"\b(zusammen\s+mit|gemeinsam\s+mit|together\s+with|jointly\s+with|along\s+with|the\s+same)\b",
                       re.IGNORECASE)
_APART = re.compile(r"\b(unabhängig\s+von\w*|getrennt\s+von\w*|separat\w*|gesondert\w*|independently\s+of|"
                    r"independent\s+of|separately\s+from|separately)\b", re.IGNORECASE)
#: "zu langsam, um praktikabel zu sein" / "too slow to be practical": the sentence denies what follows "um" / "to"
#: (the word after "zu" an adjective: in lower case, no article, no infinitive).
_TOO_TO = re.compile(r"\bzu\s+(?P<de>[a-zäöüß]+)(?:\s+(?:ist|sind|war|waren|wäre|wären|sei|seien|erscheint|"
                     r"galt|gilt)){0,1},?\s+um\s+(?P<what>(?:\S+\s+){0,6}?)zu\s+(?P<verb>\w+)"
                     r"|\btoo\s+(?P<en>\w+)\s+to\s+(?P<what_en>(?:\w+\s+){0,3}\w+)")
#: Opposites a news sentence answers a yes/no question with ("Ist Südkorea die erste Station?" / "Südkorea ist der
#: letzte Halt"; "Sind die Kosten gestiegen?" / "Die Kosten sind gesunken"; "Ist die Brücke offen?" / "… gesperrt";
#: "Has the council given the go-ahead …?" / "… hat der Gemeinderat … eine Entscheidung vertagt"):
#: each pair's words, either way round. Not winning and losing, which two sides of one game say of each other.
_FIRST = r"erste\w*|first|earliest|frühest\w*"
_LAST = r"letzte\w*|last|final|latest|spätest\w*"
_ROSE = r"gestiegen|steig\w*|stieg\w*|erhöht|zugenommen|rose|risen|rises?|increas\w*"
_FELL = r"gesunken|sinkt|sinken|sank\w*|gesenkt|abgenommen|zurückgegangen|rückläufig|fell|fallen|falls|declin\w*|" \
        r"decreas\w*|dropped"
_OPEN_ = r"geöffnet|offen|freigegeben|open|opened|reopened"
_SHUT = r"geschlossen|gesperrt|closed|shut"
_ALLOWED = r"erlaubt|zulässig|allowed|permitted|legal"
_BANNED = r"verboten|untersagt|unzulässig|illegal|banned|prohibited|forbidden"
_APPROVED = r"angenommen|genehmigt|gebilligt|zugestimmt|approved|accepted"
_REJECTED_ = r"abgelehnt|zurückgewiesen|verworfen|rejected|refused|turned\s+down|voted\s+down"
#: Decided, and put off to later ("Hat der Rat die Sanierung beschlossen?" / "… eine Entscheidung vertagt").
_DECIDED = r"beschlossen|entschieden|genehmigt|gebilligt|zugestimmt|go-ahead|green\s+light|decided|approved"
_POSTPONED = r"vertagt|verschoben|aufgeschoben|zurückgestellt|postponed|deferred|adjourned|put\s+off|shelved"
_OPPOSITES = [(re.compile(rf"\b({a})\b", re.IGNORECASE), re.compile(rf"\b({b})\b", re.IGNORECASE))
              for x, y in ((_FIRST, _LAST), (_ROSE, _FELL), (_OPEN_, _SHUT), (_ALLOWED, _BANNED),
                           (_APPROVED, _REJECTED_), (_DECIDED, _POSTPONED))
              for a, b in ((x, y), (y, x))]
_NOT_ADJECTIVE = re.compile(r"(?:en|ern|eln)$|^(?:de[mnr]|die|das|ein\w*|sein\w*|ihr\w*|dies\w*|jene\w*|unse\w*)$")
_NEGATED = re.compile(r"\b(nicht|nie|niemals|not|never)\b(?!\s+(?:mehr|länger|any\s+more|any\s+longer))",
                      re.IGNORECASE)


def said_otherwise(question: str, sentence: str) -> str:
    """The words by which the sentence says the opposite of what a yes/no question asks, in a way news often does
    ("" where it does not): it still is, or takes place, and the sentence says it was abolished or called off
    ("Gibt es diese Rechtsform heute noch?" / "… wurde die Rechtsform abgeschafft"); more than once and the sentence
    says once ("mehrmals?" / "nur ein einziges Mal"); a one-off and it recurs ("one-off?" / "jährlich"); together
    with something and it is apart from it ("together with physicians?" / "unabhängig von Ärzten"); whether it is
    what the sentence says it is too much of something to be ("practical?" / "zu langsam, um praktikabel zu sein").
    The words must be about what was asked: their clause names something the question names ("Ist Hanoi heute die
    Hauptstadt?" / "Nachdem die Monarchie abgeschafft wurde, …" says nothing here). A sentence that negates
    ("nicht abgeschafft") or where it came back ("wiedereröffnet") says nothing here either."""
    if _NEGATED.search(sentence):
        return ""
    asked = _asked_keys(question)
    pairs = ((_STILL, _ENDED), (_MORE_THAN_ONCE, _ONCE), (_ONE_OFF, _RECURRING), (_TOGETHER, _APART))
    for cue, told_ in pairs:
        if not cue.search(question) or (cue is _STILL and _AGAIN.search(sentence)):
            continue
        for found in told_.finditer(sentence):
            if _keys(_clause_at(sentence, found.start()), loans=True) & asked:
                return found.group(0)
    for cue, told_ in _OPPOSITES:  # the opposite of the question's word, where the sentence does not say that word too
        if not any(_lower(m) for m in cue.finditer(question)) or cue.search(sentence):
            continue
        for found in filter(_lower, told_.finditer(sentence)):
            if _keys(_clause_at(sentence, found.start()), loans=True) & (asked - _keys(found.group(0), loans=True)):
                return found.group(0)
    for m in _TOO_TO.finditer(sentence):
        if m.group("de") is not None and _NOT_ADJECTIVE.search(m.group("de")):
            continue
        if _keys(f"{m.group('what') or ''} {m.group('verb') or ''} {m.group('what_en') or ''}", loans=True) & asked:
            return m.group(0)
    return ""


def _lower(m: re.Match[str]) -> bool:
    """A word in lower case, or opening its sentence: not a name's part ("First Coast")."""
    return m.group(0)[0].islower() or not m.string[:m.start()].strip(" \"„“'")


def _clause_at(sentence: str, at: int) -> str:
    """The clause of the sentence around position `at` (between commas, semicolons, colons or dashes)."""
    start = max((m.end() for m in re.finditer(r"[,;:]\s|\s[–-]\s", sentence[:at])), default=0)
    end = re.search(r"[,;:]\s|\s[–-]\s|$", sentence[at:])
    return sentence[start:at + (end.start() if end else 0)]


def _keys(text: str, loans: bool = False) -> set[str]:
    """The text's content words as German stems, and with `loans` its loan words too (`_loans`)."""
    keys = set(stem_tokens(text, "de"))
    return keys | _loans(text) if loans else keys


def _loans(text: str) -> set[str]:
    """The text's longer words by their first six letters, as a loan word is spelt in either language ("praktikabel"
    and "practical" both "~prakti")."""
    return {"~" + w.lower().replace("c", "k").replace("ph", "f")[:6] for w in re.findall(r"[^\W\d_]{6,}", text)}


def _asked_keys(question: str) -> set[str]:
    """What a question names, as `_keys` finds it in a German sentence: a German question's content words; an
    English one's names, the German words the dictionary gives for its words, and its loan words."""
    if detect_language(question) != "en":
        return _keys(question)
    names = " ".join(re.findall(r"(?<!^)(?<![.?!]\s)\b[A-ZÄÖÜ][\w-]+", question))
    german = " ".join(w for _, words in german_words(question) for w in words)
    return _keys(names) | _keys(german) | _loans(question)


#: A question whether something is proven, confirmed or certain ("Ist bewiesen, dass …?", "Has it been proven …?").
_ESTABLISHED = re.compile(r"\b(bewiesen|erwiesen|nachgewiesen|belegt|bestätigt|gesichert|geklärt|steht\s+fest|"
                          r"feststeht|proven|proved|confirmed|established|certain|settled|shown|known\s+that)\b",
                          re.IGNORECASE)
#: A sentence that leaves it open: a condition, a possibility, a dispute, or saying so ("Wenn P nicht gleich NP
#: ist, …", "es ist möglich, dass …", "Es ist umstritten, ob …", "Dies ist jedoch nicht bewiesen.").
_OPEN = re.compile(r"\b(ob|umstritten|möglich\w*|vielleicht|vermut\w*|wenn|falls|angeblich|unklar|"
                   r"unbekannt|unbewiesen|nicht\s+(?:bewiesen|erwiesen|nachgewiesen|belegt|bestätigt|geklärt|sicher)|"
                   r"whether|if|might|(?-i:may)|possibl\w*|perhaps|presumably|suspected|allegedly|unclear|unknown|disputed|"
                   r"unproven|not\s+(?:(?:been|yet)\s+){0,2}(?:proven|proved|confirmed|established|shown|known|certain))\b",
                   re.IGNORECASE)


def left_open(question: str, sentence: str) -> str:
    """The words by which the sentence leaves open what a question asks to be proven, confirmed or certain
    ("Ist bewiesen, dass P ungleich PSPACE ist?" / "Wenn P nicht gleich NP ist, dann ist auch P nicht gleich
    PSPACE."): its answer is no, as far as the articles say; "" otherwise."""
    if not _ESTABLISHED.search(question):
        return ""
    hedge = _OPEN.search(sentence)
    return hedge.group(0) if hedge else ""


def _shared(question: str, sentence: str, language: Language) -> float:
    asked = set(stem_tokens(question, language))
    return len(asked & set(stem_tokens(sentence, language))) / len(asked) if asked else 1.0


def _reply(text: str, source: str) -> str:
    """The reader's first line without citation marks; a bare number as the source writes it ("3" for "die
    dritte Ausstellung")."""
    lines = text.strip().splitlines()
    return number_as_written(_CITES.sub("", lines[0]).strip() if lines else "", source)


def hide(text: str, reply: str, question: str, language: Language) -> str:
    """`text` with the words that the reply shares with the question replaced by "…" ("Die … besiegten die
    Pittsburgh Steelers" when the reader answered "die Broncos" to "Wen schlugen die Broncos …?")."""
    asked = set(stem_tokens(reply, language)) & set(stem_tokens(question, language))
    if not asked:
        return text
    return re.sub(r"[^\W\d_][\w-]*",
                  lambda m: "…" if set(stem_tokens(m.group(0), language)) & asked else m.group(0), text)


def check_short(reply: str, source: str, question: str, atype: str | None, kind: str, language: Language,
                source_language: Language) -> tuple[str, str]:
    """(the short answer to show, "") when `reply` passes the alignment checks, else ("", the problem)."""
    if reader_found_nothing(reply):
        return "", NOTHING
    span = snap(reply, source)
    if span is None and language == source_language:  # a German question's date the reader wrote in English
        span = snap_date(reply, source)  # ("October 1954"): the sentence's own "Oktober 1954"
    if span is None:
        if language == source_language:
            return "", f"the model's answer “{reply}” is not in the sentence"
        check = verify_answer(f"{reply} [1]", [source], language, question=question)
        if not check.ok:
            return "", "; ".join(check.problems)
        missing = names_missing(reply, [source, question])
        if missing:
            return "", f"name {missing[0]} is not in the sentence"
        unsaid = unsaid_names(reply, question, source) if language == "en" and source_language == "de" else []
        if unsaid:
            return "", UNSAID.format(word=unsaid[0])
        span = reply
    span = with_scale(span, source)
    if atype == "date" and in_dateline_only(span, source, question):  # "Wiesenbrunn, 27. August 2026 (…) –"
        return "", f"the model's answer “{span}” is the day of the report, not of what was asked"
    if not has_type(span, atype) and not (atype == "date" and names_relative_day(span)):  # "am Montag": its
        # report's date tells which day (`rag.chain.day_named`)
        return "", f"the model's answer “{span}” gives no {atype}"
    if ordinal_for_count(span, question):
        return "", ORDINAL.format(span=span)
    if only_repeats(span, question, language):
        return "", REPEATS
    if kind == "why" and asks_why(question) and is_bare_word(span, language):  # "verlockend": a why's answer is a
        # reason (a "how" may be answered by a word: "Wie beschrieb er die Messe?" / "Götzendienst")
        return "", NO_REASON.format(span=span)
    if too_long(span, kind):
        return "", "the model's answer is too long for a short answer"
    return span, ""
