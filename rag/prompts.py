"""The prompts: static text first (llama.cpp reuses its cached prefix), then the one sentence.

Short prompts, each kind in its own llama.cpp context: the judge (does this sentence answer the
question?), the reader (copy the shortest span that answers it), the answer check (does the sentence
give this answer? the judge's prompt continued, in the judge's context, so that the sentence it has
just read is not read again), a yes/no question's two answers checked against the sentence, the
German rendering of an English question, and an English answer's German words. All examples are
fictional, so no fact of theirs can leak into an answer.
"""

from __future__ import annotations

import math
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from .types import Language

ABSTAIN: dict[Language, str] = {
    "de": "Dazu steht in den Artikeln nichts.",
    "en": "The articles don't say.",
}

# --- does the best sentence answer the question? (asked before the answer is phrased) ---------

JUDGE_SYSTEM = (
    "You check whether a sentence from a news article answers a question. The context, when "
    "given, is the sentence before it. Reply with one word: yes if the sentence states the answer, "
    "no if it does not."
)
# Fictional: one sentence, a question it answers and one on the same topic it does not.
JUDGE_SHOTS: list[tuple[str, str]] = [
    ("Context: Die Stadt Feldkirch eröffnete im Mai eine neue Brücke.\nSentence: Sie ist 300 Meter lang.\n"
     "Question: Wie lang ist die Brücke in Feldkirch?", "yes"),
    ("Context: Die Stadt Feldkirch eröffnete im Mai eine neue Brücke.\nSentence: Sie ist 300 Meter lang.\n"
     "Question: Wie viel hat die Brücke in Feldkirch gekostet?", "no"),
    ("Sentence: Jana Ostrowski leitet seit Mai die Firma Nordwerk.\nQuestion: Who is the head of Nordwerk?", "yes"),
    ("Sentence: Jana Ostrowski leitet seit Mai die Firma Nordwerk.\nQuestion: Who founded Nordwerk?", "no"),
]


def build_judge_messages(question: str, sentence: str, context: str = "") -> list[BaseMessage]:
    """`context`: the sentence before it in the article ("Sie ist 300 Meter lang" needs it)."""
    return _with_shots(JUDGE_SYSTEM, JUDGE_SHOTS, f"{_sentence_block(sentence, context)}\nQuestion: {question.strip()}")


#: What the answer check asks after the judge's own text and the answer (`build_answer_check_messages`).
ANSWER_CHECK_ASK = ("Is this the answer the sentence states? Reply no if the answer names another event, person, "
                    "place or number, or if the sentence does not say it.")


def build_answer_check_messages(question: str, answer: str, sentence: str, context: str = "") -> list[BaseMessage]:
    """Does the sentence give this answer to the question? The judge's prompt with the answer and the question
    about it appended: run in the judge's llama.cpp context right after the judge read the same sentence and
    question, only the appended words are new to the model (~40 tokens, not the sentence's ~200 again: ~3 s
    less per answer on 2 cores). Its own few-shot examples would sit after the sentence and cost that again."""
    block = f"{_sentence_block(sentence, context)}\nQuestion: {question.strip()}"
    return _with_shots(JUDGE_SYSTEM, JUDGE_SHOTS, f"{block}\nAnswer: {answer.strip()}\n{ANSWER_CHECK_ASK}")


def judge_says_no(reply: str) -> bool:
    """True only for a clear "no"/"nein": anything else keeps the answer (a garbled reply is no refusal)."""
    return _first_word(reply) in ("no", "nein")


#: The first-token words of each reply the prompts ask for (any case, with or without a leading space).
YES_NO: dict[str, tuple[str, ...]] = {"yes": ("yes", "ja"), "no": ("no", "nein")}
YES_NO_UNCLEAR: dict[str, tuple[str, ...]] = {**YES_NO, "unclear": ("unclear", "unc", "un")}


def shares(reply: Any, labels: dict[str, tuple[str, ...]] = YES_NO) -> dict[str, float] | None:
    """How the model weighed the replies a one-word prompt allows: each label's share of the probability
    of the first token, among the labels' tokens (P(yes) = .9 where "yes" is 9 times likelier than "no").
    None when the reply carries no log-probabilities (a server that ignores `logprobs`, a scripted
    model) or none of its first token's alternatives is a label's word: decide from the text then."""
    meta = getattr(reply, "response_metadata", None) or {}
    content = (meta.get("logprobs") or {}).get("content") or []
    if not content:
        return None
    mass = dict.fromkeys(labels, 0.0)
    for alt in content[0].get("top_logprobs") or [content[0]]:
        word = str(alt.get("token", "")).strip().lower()
        for label, words in labels.items():
            if word and word in words:
                mass[label] += math.exp(float(alt.get("logprob", -math.inf)))
    total = sum(mass.values())
    return {label: m / total for label, m in mass.items()} if total > 0 else None


def _first_word(reply: str) -> str:
    words = reply.strip().lower().split()
    return words[0].strip(".,!:;\"'") if words else ""


# --- the reader: the shortest span of the sentence that answers ----------------------------------

READER_SYSTEM = (
    "You extract answers from a sentence of a news article. Reply with the shortest phrase that "
    "answers the question: a number with its unit, a date, a name or a short phrase. Copy it exactly "
    "as written in the sentence. If the sentence does not answer the question, reply: none."
)
READER_SYSTEM_EN = (
    "You extract answers from a German sentence of a news article for an English question. Reply with "
    "the shortest English phrase that answers it: a number with its unit, a date, a name or a short "
    "phrase. Keep names and numbers exactly as written; translate other words into English. If the "
    "sentence does not answer the question, reply: none."
)
READER_SHOTS: list[tuple[str, str]] = [
    ("Sentence: Die Firma Nordwerk meldete am 3. Mai einen Gewinn von 12 Millionen Euro.\n"
     "Question: Wie hoch war der Gewinn von Nordwerk?", "12 Millionen Euro"),
    ("Sentence: Jana Ostrowski leitet seit Mai die Firma Nordwerk.\nQuestion: Wer leitet Nordwerk?",
     "Jana Ostrowski"),
    ("Sentence: Die Stadt baute die Brücke, um den Verkehr in der Altstadt zu entlasten.\n"
     "Question: Warum baute die Stadt die Brücke?", "um den Verkehr in der Altstadt zu entlasten"),
    ("Sentence: Die Brücke wurde im März 2019 eröffnet.\nQuestion: Wer hat die Brücke bezahlt?", "none"),
]
READER_SHOTS_EN: list[tuple[str, str]] = [
    ("Sentence: Die Firma Nordwerk meldete am 3. Mai einen Gewinn von 12 Millionen Euro.\n"
     "Question: How large was Nordwerk's profit?", "12 million euros"),
    ("Sentence: Jana Ostrowski leitet seit Mai die Firma Nordwerk.\nQuestion: Who runs Nordwerk?",
     "Jana Ostrowski"),
    ("Sentence: Die Stadt baute die Brücke, um den Verkehr in der Altstadt zu entlasten.\n"
     "Question: Why did the city build the bridge?", "to relieve traffic in the old town"),
    ("Sentence: Die Brücke wurde im März 2019 eröffnet.\nQuestion: Who paid for the bridge?", "none"),
]


def _with_shots(system: str, shots: list[tuple[str, str]], last: str) -> list[BaseMessage]:
    messages: list[BaseMessage] = [SystemMessage(content=system)]
    for user, assistant in shots:
        messages.append(HumanMessage(content=user))
        messages.append(AIMessage(content=assistant))
    messages.append(HumanMessage(content=last))
    return messages


def _sentence_block(sentence: str, context: str) -> str:
    before = f"Context: {' '.join(context.split())}\n" if context.strip() else ""
    return f"{before}Sentence: {' '.join(sentence.split())}"


def build_reader_messages(question: str, sentence: str, language: Language, context: str = "") -> list[BaseMessage]:
    """The reader prompt; an English question gets the English variant (names and numbers kept)."""
    system, shots = (READER_SYSTEM_EN, READER_SHOTS_EN) if language == "en" else (READER_SYSTEM, READER_SHOTS)
    return _with_shots(system, shots, f"{_sentence_block(sentence, context)}\nQuestion: {question.strip()}")


def reader_found_nothing(reply: str) -> bool:
    return _first_word(reply) in ("none", "keine", "nichts", "") or not reply.strip()


# --- yes/no questions: what does the sentence say? -----------------------------------------------

YESNO_SYSTEM = (
    "You read a sentence from a news article and a yes/no question. Reply with one word: yes if the "
    "sentence says yes, no if the sentence says no, unclear if it does not say."
)
YESNO_SHOTS: list[tuple[str, str]] = [
    ("Sentence: Die Brücke in Feldkirch wurde im März eröffnet.\nQuestion: Wurde die Brücke in Feldkirch eröffnet?",
     "yes"),
    ("Sentence: Die Firma Nordwerk lehnte das Angebot ab.\nQuestion: Did Nordwerk accept the offer?", "no"),
    ("Sentence: Jana Ostrowski leitet die Firma Nordwerk.\nQuestion: Ist Jana Ostrowski verheiratet?", "unclear"),
]


def build_yesno_messages(question: str, sentence: str, context: str = "") -> list[BaseMessage]:
    return _with_shots(YESNO_SYSTEM, YESNO_SHOTS, f"{_sentence_block(sentence, context)}\nQuestion: {question.strip()}")


def yesno_verdict(reply: str) -> str:
    """"yes", "no" or "" (unclear or garbled: no verdict is shown)."""
    word = _first_word(reply)
    return {"yes": "yes", "ja": "yes", "no": "no", "nein": "no"}.get(word, "")


# --- a yes/no question's two answers, each checked against the sentence (`reading.contrasted`) ---

CHECK_SYSTEM = (
    "You check an answer against a sentence from a news article. Reply with one word: yes if the "
    "sentence states this answer to the question, no if it does not (another event, another person, "
    "another number, or not said)."
)
CHECK_SHOTS: list[tuple[str, str]] = [
    ("Sentence: Nordwerk wurde 1998 gegründet und zog 2005 nach Linz.\nQuestion: Wann wurde Nordwerk gegründet?\n"
     "Answer: 2005", "no"),
    ("Sentence: Nordwerk wurde 1998 gegründet und zog 2005 nach Linz.\nQuestion: Wann wurde Nordwerk gegründet?\n"
     "Answer: 1998", "yes"),
    ("Sentence: Jana Ostrowski traf Minister Petr Halas in Wien.\nQuestion: Who is the minister?\n"
     "Answer: Jana Ostrowski", "no"),
    ("Sentence: Die Stadt Nordheim kündigte am 3. Mai an, dass sie die Brücke eröffnen wird.\n"
     "Question: Wann eröffnet Nordheim die Brücke?\nAnswer: 3. Mai", "no"),
]


def build_check_messages(question: str, answer: str, sentence: str, context: str = "") -> list[BaseMessage]:
    last = f"{_sentence_block(sentence, context)}\nQuestion: {question.strip()}\nAnswer: {answer.strip()}"
    return _with_shots(CHECK_SYSTEM, CHECK_SHOTS, last)


# --- an English short answer's own words in the German sentence -----------------------------------

ALIGN_SYSTEM = (
    "You get a German sentence and a short English answer that was taken from it. Reply with the words "
    "of the German sentence that say this answer, copied exactly as written, and nothing else."
)
# Fictional, like every example here.
ALIGN_SHOTS: list[tuple[str, str]] = [
    ("Sentence: Die Stadt Nordheim baute 2019 sechs neue Brücken über die Lenne.\nAnswer: six", "sechs"),
    ("Sentence: Die Firma Nordwerk meldete am 3. Mai einen Gewinn von 12 Millionen Euro.\n"
     "Answer: 12 million euros", "12 Millionen Euro"),
    ("Sentence: Die Firma Nordwerk meldete am 3. Mai einen Gewinn von 12 Millionen Euro.\nAnswer: May 3", "3. Mai"),
    ("Sentence: Der Rat beschloss, den Hafen um einen Liegeplatz zu erweitern, weil mehr Schiffe kommen.\n"
     "Answer: because more ships are coming", "weil mehr Schiffe kommen"),
    ("Sentence: Die Firma wurde 1998 von den Brüdern Karl und Otto Weber in Linz gegründet.\n"
     "Answer: the Weber brothers", "den Brüdern Karl und Otto Weber"),
]


def build_align_messages(sentence: str, answer: str) -> list[BaseMessage]:
    return _with_shots(ALIGN_SYSTEM, ALIGN_SHOTS, f"Sentence: {' '.join(sentence.split())}\nAnswer: {answer.strip()}")


# --- an English answer the reader left in the sentence's German: its English words ----------------

GLOSS_SYSTEM = (
    "You translate a few German words from a news article into English. Keep names and numbers exactly "
    "as written. Reply with the English words only."
)
# Fictional, like every example here.
GLOSS_SHOTS: list[tuple[str, str]] = [
    ("Nationalfeiertag", "national holiday"),
    ("den Brüdern Karl und Otto Weber", "the brothers Karl and Otto Weber"),
    ("12 Millionen Euro", "12 million euros"),
    ("steigender Mieten", "rising rents"),
    ("Jana Ostrowski", "Jana Ostrowski"),
]


#: the same for a German question answered from an English report: the English words in German
GERMAN_GLOSS_SYSTEM = (
    "You translate a few English words from a news article into German. Keep names and numbers exactly "
    "as written. Reply with the German words only."
)


def build_gloss_messages(words: str, into: Language = "en") -> list[BaseMessage]:
    """The model asked for the `into` language's words for `words` (German ones for "en", English for "de")."""
    if into == "de":
        return _with_shots(GERMAN_GLOSS_SYSTEM, [(en, de) for de, en in GLOSS_SHOTS], " ".join(words.split()))
    return _with_shots(GLOSS_SYSTEM, GLOSS_SHOTS, " ".join(words.split()))


# --- an English question in the articles' German: finds the German sentence that answers it -------

TRANSLATE_SYSTEM = (
    "Translate the user's English question into German. Keep names, numbers and dates exactly as "
    "written. Reply with the German question only."
)
# Fictional, like every example here.
TRANSLATE_SHOTS: list[tuple[str, str]] = [
    ("When did the city of Feldkirch open its new bridge?", "Wann eröffnete die Stadt Feldkirch ihre neue Brücke?"),
    ("How many workers did Nordwerk lay off in 2019?", "Wie viele Arbeiter entließ Nordwerk im Jahr 2019?"),
    ("Why did Jana Ostrowski leave the company?", "Warum verließ Jana Ostrowski das Unternehmen?"),
]


def build_translation_messages(question: str) -> list[BaseMessage]:
    return _with_shots(TRANSLATE_SYSTEM, TRANSLATE_SHOTS, " ".join(question.split()))


# --- the llama.cpp context each prompt runs in (`rag.llms.for_role`): the call sites and the warm-up name it here,
# so that a renamed role cannot leave the warm-up filling a context no question uses ------------------------

JUDGE_ROLE = "judge"  # the judge, and the answer check that continues its prompt
CHECK_ROLE = "check"  # a yes/no question's two answers checked (`reading.contrasted`)
YESNO_ROLE = "yesno"
ALIGN_ROLE = "align"
GLOSS_ROLE = "gloss"
TRANSLATE_ROLE = "translate"


def reader_role(language: Language) -> str:
    """One reader context per language: the German and English prompts' fixed prefixes differ."""
    return f"reader-{language}"


# --- warm-up: every prompt's fixed prefix evaluated before the first question -------------------

def warm_up_prompts() -> list[tuple[str, list[BaseMessage]]]:
    """One fictional call of each prompt with the llama.cpp context (role) it runs in: evaluating it once
    leaves the prompt's fixed prefix (system text and examples, ~250–400 tokens, ~5 s on 2 cores) in that
    context's cache, so the first question of each kind does not pay for it."""
    sentence = "Jana Ostrowski leitet seit Mai die Firma Nordwerk."
    de, en = "Wer leitet Nordwerk?", "Who leads Nordwerk?"
    return [
        (JUDGE_ROLE, build_judge_messages(de, sentence)),
        (CHECK_ROLE, build_check_messages(de, "Ja", sentence)),
        (YESNO_ROLE, build_yesno_messages(de, sentence)),
        (reader_role("de"), build_reader_messages(de, sentence, "de")),
        (reader_role("en"), build_reader_messages(en, sentence, "en")),
        (ALIGN_ROLE, build_align_messages(sentence, "Jana Ostrowski")),
        (GLOSS_ROLE, build_gloss_messages("Firma Nordwerk")),
        (TRANSLATE_ROLE, build_translation_messages(en)),
    ]
