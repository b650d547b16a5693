"""What a question asks for: its language, the kind of answer, the dates it names, and whether it
follows up on the conversation or starts a new topic.

The kind decides the evidence and the answer form (`chain`): a factoid gets one sentence and a
short span beside its quote; a list, overview, comparison or question over several articles gets a
few sentences across chunks and articles as cited bullets; yes/no gets a verdict with its quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .dates import NAMED_DATE
from .lang import NUMBER_WORDS, detect_language, stem_tokens
from .timeframe import TimeFrame, time_frame, timeframe_words
from .types import Language

#: Kinds of question. `SET_KINDS` are answered from several sentences.
KINDS = ("factoid", "date", "list", "overview", "comparison", "multi", "why", "yesno", "event_date", "timeline")
SET_KINDS = frozenset({"list", "overview", "comparison", "multi", "timeline"})

#: how many items a list asks for ("welche drei", "which two", "welche beiden")
_NUMBER_WORD = {**{w: v for w, v in NUMBER_WORDS.items() if 2 <= v <= 6}, "beiden": 2}
_COUNT = re.compile(
    r"\b(welche|which|what|nenne\w*|name|list\w*)\s+(?:\w+\s+)?(" + "|".join(_NUMBER_WORD) + r"|[2-6])\b",
    re.IGNORECASE
)
_OVERVIEW = re.compile(
    r"\b(zusammen(fassen|fassung|gefasst)|fasse\w*|fass\b|überblick|worum\s+(geht|ging|gehen|gingen)|wovon\s+handel|"
    r"was\s+(ist|sind)\s+(die\s+)?(wichtigst|kernpunkt|kernaussage|hauptpunkt)\w*|"
    r"was\s+(geschah|passierte|passiert|geschieht)\s+(bei|beim|während|auf|in\s+der|im)\b|"
    r"was\s+(steht|sagt|sagen|berichte\w*|schreib\w*|erzähl\w*)\s+.{0,40}\b(artikel\w*|berichte?|text\w*)\b|"
    # what is done or said at each of several things ("at the different stops of his trip", "an den verschiedenen
    # Stationen"): "different" / "unterschiedlich" before a plural is "various", no comparison
    r"^\W*(was|what)\b.*\b(the|den|die|der)\s+(different|various|verschiedenen|unterschiedlichen|einzelnen)\s+\w+|"
    r"summar\w*|overview|what\s+is\s+the\s+article\s+about|what\s+are\s+the\s+(main|key)\s+points|"
    r"what\s+(happened|happens)\s+(at|during|in\s+the)\b|"
    r"what\s+do(es)?\s+(the\s+)?(\w+\s+){0,4}(articles?|texts?|reports?|stor(y|ies))\s+(say|report|tell)|"
    r"in\s+(a\s+)?(few|brief)|the\s+gist|key\s+points|"
    r"^\W*what\s+(is|are|was|were)\b.{0,80}\babout\s*\?\s*$)",  # "What were the talks in Hanoi about?"
    re.IGNORECASE,
)
#: Two comparatives set against each other ("mehr oder weniger", "higher or lower", "früher oder später"): the
#: question asks which, not yes or no
_EITHER = re.compile(r"\b(mehr|weniger|more|less|fewer|\w{3,}er)\s+(oder|or)\s+(mehr|weniger|more|less|fewer|\w{3,}er)"
                     r"\b(?!\s+(?:nicht|not)\b)", re.IGNORECASE)
_COMPARISON = re.compile(
    r"\b(vergleich\w*|unterschied(e|en|s)?\b|anders\s+als\b|wie\s+unterschiedlich|unterschiedlich\w*\s+(zu|von)\b|unterscheid\w*|"
    r"gemeinsamkeit\w*|gemeinsam\s+haben|verglichen|im\s+gegensatz|"
    r"compar\w*|difference\w*|differ(s|ed|ing)?\b|different(ly)?\s+(from|than|to)\b|how\s+different|in\s+common|"
    r"versus|vs\.?|contrast|"
    r"vorher\s+und\s+nachher|before\s+and\s+after|wie\s+(hat|haben)\s+sich\s+.{0,90}verändert|"
    r"how\s+(has|have|did)\s+.{0,90}chang\w*)\b"
    # two questions in one ("Was will er in Japan erreichen, und was tut er in Malaysia?")
    r"|,?\s+(und|and)\s+(\w+\s+)?(was|wer|wie|wo|wann|warum|what|who|how|where|when|why)\b(?=\s+\w+\s+\w)"
    # "…, and which Aaron Spelling drama …?" (without the comma "welche Länder und welche Städte" is one list)
    r"|,\s+(und|and)\s+(\w+\s+)?(welche[mnrs]?|which)\b(?=\s+\w+\s+\w)",
    re.IGNORECASE,
)
_MULTI = re.compile(
    # "beide Seiten", "both countries": the two parties an article reports on, not two articles
    # a German noun after it names the two things asked about ("die beiden Luchse"), unless they are articles
    r"\b(beide[nr]?\s+artikel\w*|(beiden|beide\b|both\b)(?!\s+(seiten|sides|länder|countries|staaten|states|"
    r"parteien|parties|regierungen|governments|armeen|armies|völker|peoples|nations?|minister\w*|delegation\w*)\b)"
    r"(?!\s+(?!(?:artikel|texte?n?|bericht\w*|meldung\w*|quelle\w*|zeitung\w*)\b)(?-i:[A-ZÄÖÜ]))|"
    r"both\s+articles?|in\s+den\s+artikeln|den\s+artikeln|"
    r"die\s+artikel\b|the\s+articles\b|each\s+article|jede[rsm]?\s+artikel\w*|jeweils|"
    r"(the\s+)?(other|two|each|both|all)\s+(of\s+the\s+)?(\w+\s+)?(articles?|texts?|reports?)\b|"
    r"(which|what)\s+of\s+the\s+(\w+\s+)?(articles|texts)|texts\s+on\b|"
    r"welche[mn]?\s+(der\s+)?(artikel|texte)|(anderen?|beiden?|zwei)\s+(\w+\s+)?(artikel\w*|texte?n?)\b|"
    r"\b(artikeln|texten)\b)",
    re.IGNORECASE,
)
_LIST = re.compile(
    r"\b(nennen?\b|aufzähl\w*|auflist\w*|liste\b|list\b|name\s+(the|all|some)|enumerate|"
    r"welche\s+\w+\s+(wurden|werden|sind|waren|haben|hatten)\b|"
    r"(?<![\w,]\sin\s)(?<![\w,]\sof\s)(?<![\w,]\sto\s)(?<![\w,]\sby\s)"  # "one way in which graphs …" is no list
    r"(which|what)\s+(?!(kind|type|sort|group|form|class|variety|one)\s+of\b)"  # "what kind of …": one
    r"((?!(does|did|was|has|is|were|are|do|would|could|can|will|should|might|may|must)\b)\w+\s+){0,2}"
    r"(?!(does|was|has|is|this|its|his|news|series|species|means|politics|physics|economics|mathematics)\b)(\w{2,}[^su\W]s|\w+ies|people|peoples)\b"
    # "What analysis is …": no plural; "Which Apollo missions does the article bring up?": the plural's verb comes later
    # "Which products is the dairy best known for?": the plural is the object, "is" the verb of what follows it
    r"(?<!is)(?!\s+(is|was)\b(?!\s+(the|this|that|its|his|her|their|an?|he|she|it|they)\b))"
    r"(?!\s+(does|has)\s+(?!(the|this|that|these|those|its|his|her|their|an?)\b))"
    # a verb with its object is no plural noun ("What rainforest covers the …", "What route connects Fresno …")
    r"(?!\s+(the|a|an|that|this|its|his|her|their|our|some|any|each|every|alongside|along|between|west|east|"
    r"north|south|after|before|to|into|through|during|when|if|(?-i:[A-Z])\w*)\b)|"
    r"\b(nennt|nennen|genannt|aufgeführt)\b|"
    r"welche\s+(\w+\s+)?[A-ZÄÖÜ]\w+\s+(\w+\s+){0,3}\w+(en|ten)\b(?<!\bden)(?<!\bwerden)\s*\?|"
    # what there is or will be ("Welche Angebote soll es im Gesundheitszentrum geben?", "Welche Projekte gab es?")
    r"welche\s+(?-i:[A-ZÄÖÜ])\w*e\s+(gibt|gab|soll|sollte|wird|würde)\s+es\b|"
    r"what\s+(topics|issues|areas|countries|agreements|steps|measures)\b|"
    r"welche\s+(themen|länder|bereiche|punkte|schritte|maßnahmen|vereinbarungen|abkommen|staaten)\b)",
    re.IGNORECASE,
)
#: a German plural asked for ("Auf welchen Linien …?", "Welche Beigaben fanden …?") or what a thing consists of:
#: "welche"/"welchen" before a noun in -en, -rn or -ln is a plural (no singular of a feminine noun ends so, and a
#: masculine or neuter singular takes "welcher", "welches", "welchem")
_PLURAL_ASKED = re.compile(
    r"\b(auf|an|in|aus|bei|mit|nach|von|zu|vor|unter|über|zwischen|seit|gegenüber)\s+welchen\s+"
    r"(?-i:[A-ZÄÖÜ])\w*(en|rn|ln)\b|^\W*welche\s+(?-i:[A-ZÄÖÜ])\w*(en|rn|ln)\b|"
    r"\b(consists?|consisted)\s+of\b|\bmade\s+up\s+of\b",
    re.IGNORECASE,
)
_WHY = re.compile(
    r"^\W*(warum|weshalb|wieso|weswegen|wozu|wofür|why|how\s+come)\b|\b(aus\s+welchem\s+grund|mit\s+welchem\s+ziel|"
    r"was\s+veranlasste|was\s+führte\s+(dazu|zu)|vor\s+welchem\s+hintergrund|against\s+what\s+background|"
    r"what\s+(might\s+|could\s+)?(explains?|led\s+to|caused|prompted|motivated)|"
    r"zu\s+welchem\s+zweck|for\s+what\s+(reason|purpose)|what\s+(was|is|were|are)\s+the\s+(reason|purpose|goal|aim)s?|"
    r"what\s+for)\b",
    re.IGNORECASE,
)
#: The adjectives of a measure asked for besides "hoch", "groß", "high", "big" …: "Wie teuer …?", "How tall …?" ask for
#: a figure (`_NUMBER_Q`), not a manner (`_HOW`)
_MEASURE_DE = "schwer|tief|breit|teuer|schnell|dick"
_MEASURE_EN = "tall|heavy|deep|wide|expensive|costly|fast|thick"
_HOW = re.compile(
    r"^\W*(wie|how)\s+(?!viel|lang|hoch|groß|alt|weit|oft|heißt|hieß|heißen|nennt|lautet|lauten|bezeichnet|"
    rf"{_MEASURE_DE}|many|much|long|old|far|big|large|high|often|{_MEASURE_EN})\w+",
    re.IGNORECASE,
)
_YESNO_EN = re.compile(
    r"^\W*(is|are|was|were|did|does|do|has|have|had|can|could|will|would|should|shall|may|might|must)\b",
    re.IGNORECASE,
)
# A German yes/no question starts with its finite verb; these words start other questions.
_NOT_VERB_DE = frozenset(
    "wer wen wem wessen was wann wo woher wohin warum weshalb wieso weswegen wozu wofür womit wodurch wie welche "
    "woran worauf woraus worin worüber worum worunter wobei wogegen wonach wovon wovor wozwischen "
    "welcher welches welchem welchen wieviel wieviele in im an am auf aus bei mit nach seit von vom zu zum zur "
    "für über unter vor hinter durch gegen ohne um ab bis laut der die das den dem des ein eine einer einem einen "
    "und oder aber also ich du er sie es wir ihr nenne nennen fasse fass beschreibe erkläre gib vergleiche".split()
)
_DATE_Q = re.compile(
    r"^\W*(wann|seit\s+wann|bis\s+wann|ab\s+wann|when|since\s+when|until\s+when|from\s+when)\b|"
    r"\b(welche[mnrs]?\s+(tag|datum|termin)|"
    r"(in|ab|seit|bis|zu|von)\s+welche[mn]?\s+(jahr|jahren|monat|zeitpunkt|zeitraum|jahrhundert)|"
    r"welche[nr]?\s+zeitraum|which\s+(day|date|year|month|centur)|what\s+(day|date|year|month|centur)|"
    r"in\s+(what|which)\s+(years?|period|centur)|(what|which)\s+(time\s+)?period)\w*\b",
    re.IGNORECASE,
)
# one question about two places ("When does he meet them in Hanoi and in Seoul?"): a sentence for each
_TWO_PLACES = re.compile(
    r"\b(in|im|auf|at|on|bei)\s+[A-ZÄÖÜ][\w-]*\w\s+(und|and|sowie|as\s+well\s+as)\s+((in|im|auf|at|on|bei)\s+)?"
    r"[A-ZÄÖÜ][\w-]+")
# "what happened / was geschah …" on a named date: the answer is the event, a sentence, not a span
# ("Was war der Name des Sturms, der … im Mai 2012 traf?", "What channel did ABC launch in 1981?" ask for a name)
_HAPPEN = re.compile(
    r"^\W*(was\b(?!\s+(ist|war|sind|waren)\s+(der|die|das)\b)|"
    r"what\s+(?=(happened|happens|happen|occurred|did|does|do|was|were|is|are|has|have|had|will|would|took|takes)\b)"
    r"(?!(is|was|are|were)\s+the\b))",
    re.IGNORECASE)
#: asking for the news on something ("Welche Nachrichten gab es …?", "What news was there on …?")
_NEWS_ASKED = re.compile(
    r"^\W*(welche[nrs]?|what|which|any)\s+(nachricht|neuigkeit|meldung|news|report|development|update)\w*",
    re.IGNORECASE)
#: "Wie nennt man …?", "Wie wird … genannt?", "Nennen Sie eine …", "Name one …": one name, not a list
_ONE_NAME = re.compile(
    r"\bwie\s+(nennt|nennen|heißt|heißen|bezeichnet)\b|\bwie\s+(wird|werden|wurde|wurden)\b[^?]*\b(genannt|bezeichnet)\b|"
    r"^\W*(nenne[n]?|name)\s+(sie\s+)?(ein|eine|einen|einem|die\s+andere|den\s+anderen|das\s+andere|one|an?|"
    r"the\s+other)\b",
    re.IGNORECASE,
)

# Words that point back into the conversation: pronouns, "there", "that", elliptic openers.
_ANAPHOR = re.compile(
    r"\b(er|sie|es|ihm|ihr|ihn|ihnen|dort|dabei|davon|damit|darüber|dazu|daran|danach|davor|deren|dessen|"
    r"dies\w*|jene\w*|derselbe\w*|he|she|it|they|them|him|his|her|hers|their|theirs|there|that|this|those|these|"
    r"same)\b",
    re.IGNORECASE,
)
_ELLIPSIS = re.compile(r"^\W*(und|aber|also|auch|and|but|also|what\s+about|how\s+about|und\s+was\s+ist\s+mit)\b",
                       re.IGNORECASE)
# "sie"/"Sie" as polite address, "es gibt", "it is" do not point back; these keep a question standalone.
_NOT_ANAPHOR = re.compile(r"\b(es\s+gibt|gibt\s+es|es\s+geht|geht\s+es|is\s+it\s+true|it\s+is)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Question:
    """One analysed question."""

    text: str  # as asked
    standalone: str  # with the topic of the conversation added when it follows up
    language: Language
    kind: str  # one of KINDS
    answer_type: str | None  # "percent", "duration", "number", "date" (what a factoid must contain), else None
    dates: tuple[str, ...] = ()  # dates the question itself names
    count: int | None = None  # how many items a list question asks for
    follow_up: bool = False
    #: the period it asks about, whether it wants the latest report or a timeline (`rag.timeframe`)
    frame: TimeFrame = TimeFrame()

    @property
    def is_set(self) -> bool:
        return self.kind in SET_KINDS


def _turns(history: Sequence[Any], role: str) -> list[str]:
    """The texts of one role's turns in a history given as [(user, assistant), …], [{"role", "content"}, …]
    or, for the user, plain strings."""
    index = 0 if role == "user" else 1
    out: list[str] = []
    for turn in history or []:
        if isinstance(turn, dict):
            if turn.get("role") == role and isinstance(turn.get("content"), str):
                out.append(turn["content"])
        elif isinstance(turn, (list, tuple)) and len(turn) > index and isinstance(turn[index], str):
            out.append(turn[index])
        elif isinstance(turn, str) and role == "user":
            out.append(turn)
    return out


#: A marker that opens a question on another topic ("Anderes Thema: Wann kam …?", "Different question: what …?"):
#: it says the conversation does not apply, and is no part of what is asked
_NEW_TOPIC = re.compile(
    r"^\W*(?:(?:ganz\s+)?(?:anderes|neues)\s+thema|themenwechsel|(?:eine\s+)?(?:ganz\s+)?(?:andere|neue)\s+frage|"
    r"(?:jetzt\s+|nun\s+)?(?:etwas|was)\s+anderes|zu\s+etwas\s+anderem|"
    r"(?:a\s+)?(?:different|new|another|other)\s+(?:question|topic|subject)|change\s+of\s+(?:topic|subject)|"
    r"changing\s+(?:the\s+)?(?:topic|subject)|on\s+(?:a\s+)?(?:different|another|other)\s+(?:note|topic)|"
    r"something\s+else)\s*[:,;.!–—-]+\s*(?=\w)",
    re.IGNORECASE,
)


def new_topic(question: str) -> tuple[str, bool]:
    """The question without a marker that it changes the topic ("Anderes Thema: …", "Different question: …"), and
    whether it had one: such a question is no follow-up, and the marker's words are nothing it asks about (they
    would hide its opening question word, "Wann …", from the kind it asks for)."""
    m = _NEW_TOPIC.match(question)
    return (question[m.end():], True) if m else (question, False)


def previous_user_questions(history: Sequence[Any]) -> list[str]:
    """The user turns of a history."""
    return _turns(history, "user")


def previous_answers(history: Sequence[Any]) -> list[str]:
    """The assistant turns of a history."""
    return _turns(history, "assistant")


_ELSE = re.compile(
    r"\b(außerdem|zusätzlich|darüber\s+hinaus|sonst\s+noch|was\s+noch|welche\w*\s+(\w+\s+)?noch|noch\s+(etwas|mehr)|"
    r"what\s+else|who\s+else|where\s+else|besides|in\s+addition|apart\s+from\s+that|other\s+than\s+that)\b",
    re.IGNORECASE,
)


def asks_for_more(question: str) -> bool:
    """Whether a follow-up asks for something besides what was answered ("Wozu trug sie außerdem bei?")."""
    return bool(_ELSE.search(question))


def is_follow_up(question: str, language: Language) -> bool:
    """A follow-up points back (a pronoun, "there", an elliptic "Und wann?") or has almost no content of
    its own. A question that names its own topic without pointing back is a new topic, however short
    ("Wer ist der Präsident von Frankreich?" after a question on Vietnam)."""
    content = stem_tokens(question, language)
    if len(content) <= 1:
        return True
    if _ELLIPSIS.search(question) or asks_for_more(question):  # "… außerdem?" is about what was said
        return True
    return points_back_to(question, language)


def points_back_to(question: str, language: Language) -> bool:
    """Whether a question speaks of something said before by a pronoun or "dort"/"there" ("Und wer hat es
    gegründet?", "Wie viele Menschen lebten damals dort?"), not only by its opening "Und …" or by "außerdem".
    Capitalised "Sie" mid-sentence is the polite address, not "they"."""
    cleaned = _NOT_ANAPHOR.sub(" ", question)
    if language == "de":
        cleaned = re.sub(r"(?<=\w\s)Sie\b", " ", cleaned)
    return bool(_ANAPHOR.search(cleaned))


#: an English pronoun that may point back to a name earlier in the same question
_PRONOUN_EN = re.compile(r"\b(he|she|it|they|them|him|his|her|hers|its|their|theirs)\b", re.IGNORECASE)


def bound_in_question(question: str, language: Language, history: Sequence[Any]) -> bool:
    """An English question whose pronoun follows a name that the conversation has not spoken of ("What did
    Luther write in German in his last writing?" after questions on South Korea): the pronoun points to that
    name, not back to the conversation, so the question is a new topic. "Where will he meet Hegseth?" (the
    pronoun first) and "And what did he …" (an elliptic follow-up) still follow up. Not for German, where
    every noun is capitalised ("In welcher Provinz liegt er?")."""
    if language != "en" or _ELLIPSIS.search(question) or asks_for_more(question):
        return False
    cleaned = _NOT_ANAPHOR.sub(" ", question)  # "is it true" points nowhere
    pronoun = _PRONOUN_EN.search(cleaned)
    if not pronoun:
        return False
    said = " ".join(previous_user_questions(history) + previous_answers(history)).lower()
    before = cleaned[:pronoun.start()]  # the position is the cleaned text's
    return any(m.group(1).lower() not in _NOT_NAME and m.group(1).lower() not in said
               for m in _NAME.finditer(before))


def standalone_question(question: str, history: Sequence[Any], language: Language,
                        follow: bool = False) -> tuple[str, bool]:
    """The question to retrieve with, and whether it follows up: a follow-up gets the conversation's
    last self-contained question added ("Und wann war das? (Wie viele Kisten …?)"). `follow`: take it as a
    follow-up whatever its words (`prepare` does so for a short question that finds nothing alone)."""
    prev = previous_user_questions(history)
    if not prev or not (follow or (is_follow_up(question, language)
                                   and not bound_in_question(question, language, history))):
        return question, False
    # the topic is the last question that stood on its own (a chain of follow-ups keeps the first)
    topic = prev[-1]
    for earlier in reversed(prev):
        topic = earlier
        if not is_follow_up(earlier, detect_language(earlier)):
            break
    return f"{question} ({new_topic(topic)[0]})", True


_NUMBER_Q = re.compile(
    r"\b(was\s+kostet|was\s+kosten|wie\s*viel\w*|wie\s+hoch|wie\s+lange?|wie\s+groß|wie\s+alt|wie\s+weit|wievielte\w*|"
    rf"wie\s+({_MEASURE_DE})|how\s+(many|much|long|old|far|big|large|high|{_MEASURE_EN})|what\s+percentage|"
    # asking for a figure by its name: "What is the latest estimate of …?", "Welche Summe …?"
    r"(what|which)\s+(is|are|was|were|will\s+be)\s+the\s+(\w+\s+)?(estimate|amount|total|sum|figure|price|cost|budget)s?|"
    r"what\s+(\w+\s+)?estimate|"
    r"(welche[nrs]?|wie\s+lautet|was\s+ist)\s+(die|der|das)?\s*(\w+\s+)?(schätzung|summe|betrag|preis|kosten|gesamtsumme))\b",
    re.IGNORECASE,
)
#: "wie lange" asks for a time span, "wie lang" for a length ("Wie lang wird die Kaimauer?") unless it lasts
_DURATION_Q = re.compile(r"\b(wie\s+lange\b|wie\s+lang\b.*\bdauer\w*|how\s+long)\b", re.IGNORECASE)
#: a figure asked in a unit of measure (`measure`): money, or a length ("wie lang" without "dauert"; "wie hoch" can
#: be an amount, a rate or a height, so it names no unit)
_MONEY_Q = re.compile(r"\b(kost(?:et|en|ete|eten)|teuer\w*|preis\w*|geld\w*|how\s+much\s+(?:\w+\s+){0,4}cost\w*|"
                      r"costs?|price\w*|expensive|money)\b", re.IGNORECASE)
_LENGTH_Q = re.compile(r"\b(wie\s+(?:lang|tief|breit|weit)\b(?!.*\bdauer)|how\s+(?:tall|deep|wide|far)\b|länge|length)",
                       re.IGNORECASE)


#: "how long" with "is/was" and a thing, no verb of time: a length or a time span ("How long is the road?")
_HOW_LONG_IS = re.compile(
    r"\bhow\s+long\s+(?:is|are|was|were)\s+(?:the|a|an|this|that|its|their)\b(?!.*\b(?:ago|take|took|last\w*|been|"
    r"stay\w*|serve\w*|live\w*|wait\w*|reign\w*|rule\w*|run\w*|held|hold)\b)", re.IGNORECASE)


def measure(question: str) -> str | None:
    """"money" or "length" for a question whose figure comes in such a unit ("Was kostet der Ausbau?", "Wie lang wird
    die Kaimauer?"), else None: the answer is a number with its unit, not any number of the sentence."""
    if answer_type(question) != "number":
        return None
    if _MONEY_Q.search(question):
        return "money"
    if _LENGTH_Q.search(question):
        return "length"
    return None


_PERCENT_Q = re.compile(
    r"\b(wie\s+viel\w*\s+prozent|(um|zu)\s+wie\s+viel\w*\s+prozent|welche[nrm]?\s+(prozentsatz|anteil)|"
    r"(what|which|by\s+what|how\s+high\s+a)\s+(percentage|percent|share|proportion)|how\s+many\s+per\s*cent)\b",
    re.IGNORECASE,
)


def asks_open(question: str) -> bool:
    """A news reader's open question, answered by what a sentence tells rather than by one name, figure or day: "what"
    with a verb ("Was wurde im Tarifstreit vereinbart?", "Was berichteten die Zeitungen über …?", "What did the
    council decide …?") or asking for the news ("Welche Nachrichten gab es …?"); not one that asks for a figure
    ("Was kostet …?") or names what it asks for ("Was war der Name …?", "What is the capital …?")."""
    return answer_type(question) is None and (_HAPPEN.search(question) is not None
                                              or _NEWS_ASKED.search(question) is not None)


def answer_type(question: str) -> str | None:
    """"percent" for what-percentage, "duration" for how-long, "number" for how-many/how-much, "date" for
    when-questions, else None."""
    if _PERCENT_Q.search(question):
        return "percent"
    if _DURATION_Q.search(question):
        # "How long is the road?" asks for a length as "How long was the strike?" asks for a time: a number either way
        return "number" if _HOW_LONG_IS.search(question) else "duration"
    if _NUMBER_Q.search(question):
        return "number"
    if _DATE_Q.search(question):
        return "date"
    return None


_PARTS = re.compile(
    r"\s*(?:;|,?\s+(?:und|and|sowie|but|aber)\s+(?=(?:\w+\s+)?(?:was|wer|wie|wo|wann|warum|welche\w*|what|who|how|"
    r"where|when|why|which)\b)|,?\s+(?:compared?\s+(?:with|to)|im\s+vergleich\s+zu|verglichen\s+mit|versus|vs\.?|gegenüber)\s+)",
    re.IGNORECASE,
)


def parts(question: str) -> list[str]:
    """The sub-questions of a compound question ("Was will er in Japan erreichen, und was tut er in
    Malaysia?" -> two), each at least three words, or of one asked about two topics (`topic_pair`); one part for a
    simple question."""
    pieces = [p.strip(" ,?") for p in _PARTS.split(question)]
    pieces = [p for p in pieces if len(p.split()) >= 2]
    if len(pieces) > 1:
        return pieces
    pair = topic_pair(question)
    if pair:
        return [pair[0][1], pair[1][1]]
    either = alternatives(question)
    return list(either) if either else [question]


#: "…: A or B?" / "…, A oder B?": the two things a question sets against each other, after its last colon or comma
_ALTERNATIVES = re.compile(r"[:,]\s*(?P<a>[^:,?]{3,120}?)\s+(?:or|oder)\s+(?P<b>[^:,?]{3,120}?)\s*\?\s*$",
                           re.IGNORECASE)


def alternatives(question: str) -> tuple[str, str] | None:
    """The two things a comparison sets against each other after its colon or comma, each as a phrase to find its own
    sentence by ("Which number is larger: the robbed graves or the dead with healed fractures?" -> "the robbed
    graves", "the dead with healed fractures"); None for a question that sets nothing against each other so. (Split
    at "than" too, an English part found a sentence of another article by the cross-language cosine alone: p9-24.)"""
    q = question.strip()
    m = _ALTERNATIVES.search(q)
    if m is not None and is_either(q):
        return m.group("a").strip(), m.group("b").strip()
    return None


def is_either(question: str) -> bool:
    """Whether a question asks which of two things (a comparative or "which"/"welche" before its colon or comma)."""
    head = re.split(r"[:,]", question, maxsplit=1)[0]
    return bool(_EITHER.search(question) or re.search(
        r"\b(which|what|welche[rsmn]?|was|wer|who)\b.*\b(\w{3,}er|more|less|first|earlier|later|zuerst|früher|"
        r"später|eher|mehr|weniger|größer|höher|länger)\b", head, re.IGNORECASE))


#: Two topics asked about together, the same preposition before each ("in den Texten über die Hugenotten und über
#: die Geschichte der Pharmazie", "in connection with the cabin fire and with the restored footage")
_TOPIC_PAIR = re.compile(
    r"\b(über|zu|zur|zum|mit|von|vom|bei|beim|für|about|with|on|of|for|regarding)\s+(\S.{0,80}?)\s*,?\s+"
    r"(?:und|and|sowie|as\s+well\s+as)\s+(\1)\s+(?=\S)", re.IGNORECASE)


def topic_pair(question: str) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """The two topics of a question that asks the same of each, the same preposition before both, each with the
    question asked of it alone: ("die Hugenotten", "Welche Übersetzungen werden in den Texten über die Hugenotten?"),
    ("die Geschichte der Pharmazie …", "Welche Übersetzungen werden in den Texten über die Geschichte der Pharmazie
    erwähnt?"); None for any other question. The first topic's question ends with it: where the second topic ends
    is not known."""
    m = _TOPIC_PAIR.search(question)
    if m is None:
        return None
    first = question[:m.end(2)].rstrip(" ,") + "?"
    second = question[:m.start(1)] + question[m.start(3):]
    return (m.group(2), first), (question[m.end(3):].strip(" ?"), second)


#: Two places asked together ("in Hanoi und in Seoul", "in Vietnam and South Korea"): a question on each.
_PLACE_PAIR = re.compile(r"\b(in|im|at)\s+([A-ZÄÖÜ][\w-]*\w(?:\s+[A-ZÄÖÜ][\w-]*\w)?)\s+(und|and|sowie)\s+"
                         r"(?:(in|im|at)\s+)?([A-ZÄÖÜ][\w-]*\w(?:\s+[A-ZÄÖÜ][\w-]*\w)?)")


def one_place(question: str, sentence: str) -> str:
    """A question asking about two places together ("Mit welchen Amtskollegen trifft Hegseth in Hanoi und in Seoul
    zusammen?") asked of the one place a sentence names ("… in Hanoi …": "Mit welchen Amtskollegen trifft Hegseth in
    Hanoi zusammen?"): a sentence that answers for one place answers a part of it. Without such a pair, a question
    on two topics (`topic_pair`) asked of the one the sentence holds (`_one_topic`). The question as it is where it
    names neither pair, or the sentence names both or neither."""
    m = _PLACE_PAIR.search(question)
    if m is None:
        return _one_topic(question, sentence)
    first, second = m.group(2), m.group(5)
    names = [name for name in (first, second) if re.search(rf"\b{re.escape(name.split()[0])}", sentence)]
    if len(names) != 1:
        return question
    return _asked_of_place(question, m, names[0])


def _asked_of_place(question: str, pair: re.Match[str], name: str) -> str:
    """The question with its pair of places (`_PLACE_PAIR`) asked of one of them ("… in Hanoi und in Seoul …" ->
    "… in Hanoi …")."""
    return f"{question[:pair.start()]}{pair.group(1)} {name}{question[pair.end():]}"


def _one_topic(question: str, sentence: str) -> str:
    """A question asked about two topics (`topic_pair`) asked of the one whose words a sentence holds; the question
    as it is where it has no such pair, or the sentence holds the words of both or neither."""
    pair = topic_pair(question)
    if pair is None:
        return question
    language = detect_language(question)
    said = set(stem_tokens(sentence, language))
    (a, asked_a), (b, asked_b) = pair
    own_a, own_b = set(stem_tokens(a, language)), set(stem_tokens(b, language))
    own_a, own_b = own_a - own_b, own_b - own_a
    holds = [asked for own, asked in ((own_a, asked_a), (own_b, asked_b)) if own & said]
    return holds[0] if len(holds) == 1 else question


_NAME = re.compile(r"(?<![.?!:]\s)(?<!^)\b([A-ZÄÖÜ][\w-]{2,})")
_NOT_NAME = frozenset("Was Wer Wie Wo Wann Warum What Who How Where When Why Which Und And The Der Die Das Den Dem Des "
                      "Ein Eine Einer Artikel Text Texte Texten Artikeln Article Articles Text Texts".lower().split())


_PLACE_BEFORE = re.compile(
    r"\b(in|im|auf|nach|aus|bei|at|on|from|to|between|zwischen|über|about)\s+(der|dem|den|the)?\s*$", re.IGNORECASE)


_WHOLE = re.compile(
    r"\b(worum\s+geht|wovon\s+handel\w*|summar\w*|zusammenfassung|überblick|overview|the\s+gist|"
    r"fasse\s+(\w+\s+){0,3}(artikel|text|bericht|meldung)\w*\s+(\w+\s+){0,8}zusammen|"
    r"what\s+is\s+the\s+(article|text|report|story)\b|(main|key)\s+points|wichtigste[nr]?\s+(punkte|aussagen))\b",
    re.IGNORECASE)
_ABOUT_TOPIC = re.compile(
    r"\b(was\s+(sagt|steht|berichtet|schreibt|erzählt)\w*|what\s+do(es)?\s+.{0,40}\s+(say|report|tell|write)\s+about|"
    r"zusammen,?\s+was|"
    # "an overview of what the text says about …", "einen Überblick, was der Text über … sagt"
    r"what\s+(the|this|that|each|both)\s+.{0,40}?\s+(says?|reports?|tells?|writes?)\s+about|"
    r"was\s+(der|die|das|diese[rs]?|jede[rs]?)\s+[^?,]{0,40}?(?=\s+über\b))\b", re.IGNORECASE)


#: an overview of one topic named right after the words that ask for it ("a short overview of how the video was
#: restored", "Worum ging es bei den Gesprächen …?"); not of an article ("Summarize the article on X")
_TOPIC_OF = re.compile(
    r"\b(?:overview\s+of|summary\s+of|summari[sz]e|überblick\s+(?:über|zu)|zusammenfassung\s+(?:über|zu)|"
    r"worum\s+(?:ging|geht|gehen|gingen)\s+es\s+(?:bei|beim|in\s+der|in\s+den|im))\s+", re.IGNORECASE)
_AN_ARTICLE = re.compile(r"^(?:(?:the|this|that|each|both|den|dem|die|der|das|diese[mnrs]?|jede[mnrs]?|beide[mn]?)\s+)?"
                         r"(?:\w+\s+)?(?:articles?|texts?|reports?|stor(?:y|ies)|news|artikel\w*|texte?n?|bericht\w*|"
                         r"meldung\w*|nachricht\w*)\b", re.IGNORECASE)
_TOPIC_START = re.compile(r"\b(?:über|about)\s+", re.IGNORECASE)
_TOPIC_VERB = re.compile(r"\s*\b(?:sagt|sagen|steht|stehen|berichtet|berichten|schreibt|schreiben|erzählt|erzählen)"
                         r"\b\W*$",
                         re.IGNORECASE)


def asked_topic(question: str) -> str:
    """The one topic an overview asks about ("his Bible translation" in "What does the Martin Luther text say
    about his Bible translation?", "die Zusammenarbeit bei der Bewältigung der Kriegsfolgen" in "Fasse zusammen,
    was der Artikel über die Zusammenarbeit bei der Bewältigung der Kriegsfolgen berichtet."); "" where it asks
    for no one topic of an article."""
    m = _ABOUT_TOPIC.search(question)
    if m is None:
        named = _TOPIC_OF.search(question)
        rest = question[named.end():].strip(" ?.!") if named else ""
        return "" if _AN_ARTICLE.match(rest) else rest
    rest = question[m.end():]
    if not m.group(0).lower().endswith("about"):
        start = _TOPIC_START.search(rest)
        if start is None:
            return ""
        rest = rest[start.end():]
    return _TOPIC_VERB.sub("", rest).strip(" ?.!")


def names_articles(question: str) -> bool:
    """Whether the question asks across articles ("die Artikel", "both texts", "in welchen der Artikel")."""
    return _MULTI.search(question) is not None


def asks_why(question: str) -> bool:
    """A why-question in so many words ("Warum …?", "Why …?", "Aus welchem Grund …?"), not a "how" the why kind
    also takes ("Wie beschrieb Luther die Messe?")."""
    return _WHY.search(question) is not None


def whole_article(question: str) -> bool:
    """An overview of a whole article ("Worum geht es im Artikel über X?", "Summarize the text on X"): its
    words only find the article; what it says about one topic ("What does the text say about the Bible
    translation?") is not."""
    return bool(_WHOLE.search(question)) and not _ABOUT_TOPIC.search(question) and not asked_topic(question)


def facets(question: str) -> tuple[list[str], list[str]]:
    """The names a question sets side by side ("in Hanoi and in Seoul", "Japan …, Malaysia", "Hawaii …
    Vietnam"): its capitalised words, not at the start of the question or of a clause, without question
    words and words for "article"/"text" (a German question's common nouns come along; the evidence step
    keeps only the ones that single out a few sentences). Two lists: the names after a preposition
    ("in Hawaii", "in Vietnam": what a question compares, however many sentences name them), the others."""
    out: list[tuple[bool, str]] = []
    text = question.strip()
    for m in _NAME.finditer(text):
        word = re.sub(r"(['’]s|s['’])$", "", m.group(1))
        if word.lower() not in _NOT_NAME and word not in (w for _, w in out):
            out.append((not _PLACE_BEFORE.search(text[:m.start()]), word))
    return [w for other, w in out if not other], [w for other, w in out if other]


#: What a yes/no question may put before its verb, set off by a comma or colon: where or by whom it is said ("In the
#: United States, are pharmacists …?", "According to the report, did …?", "Laut dem Bericht: Hat …?")
_FRONTED = re.compile(r"^\W*(?:in|im|at|on|for|from|during|under|according\s+to|laut|nach|bei|seit|für|während|"
                      r"zu|zur|zum|unter)\b[^,:;?]{1,60}[,:]\s*(?=\w)", re.IGNORECASE)
_YESNO_DE_VERB = re.compile(
    r"(?:ist|sind|war|waren|hat|haben|hatte|hatten|wird|werden|wurde|wurden|kann|können|konnte|konnten|darf|dürfen|"
    r"durfte|durften|soll|sollen|sollte|sollten|muss|müssen|musste|mussten|gibt|gab|stimmt|trifft)\b",
    re.IGNORECASE)


#: A follow-up's opening conjunction ("Und zählen solche Schulen zu den Privatschulen?", "And is it still open?")
_OPENING_AND = re.compile(r"^\W*(?:und|aber|also|oder|and|but|so|or)\b[\s,]*", re.IGNORECASE)


def is_yes_no(question: str, language: Language) -> bool:
    """Whether a question asks yes or no: it opens with its verb ("Gibt es …?", "Did …?"), after a fronted phrase
    ("In the United States, are …?") or a follow-up's "Und" / "And" (then in German a verb in lower case: "Und
    Südkorea?" names a topic)."""
    opening = _OPENING_AND.match(question)
    if opening and opening.end() < len(question):
        rest = question[opening.end():]
        return (language == "en" or rest[:1].islower()) and is_yes_no(rest, language)
    fronted = _FRONTED.match(question)
    if fronted and (_YESNO_EN if language == "en" else _YESNO_DE_VERB).match(question[fronted.end():]):
        return True  # "In the United States, are pharmacists regulated …?"
    if language == "en":
        return bool(_YESNO_EN.search(question))
    words = question.strip().split()
    first = words[0].strip("„\"'»(").lower() if words else ""
    return (bool(first) and first.isalpha() and first not in _NOT_VERB_DE and first not in STOPWORDS_DE_NOUNLESS
            and not _ASKS_LATER_DE.search(question))


#: A German question whose question word comes after its first word ("Als was können …", "Basierend auf
#: welchem Attribut …", "Wenn zwei Zahlen multipliziert werden, wie heißt …") asks for that, not yes or no
#: ("…, wie geplant, …" is no question word); so does one whose question word stands where its answer would
#: ("… hat welche Position inne?", "… eine internationale was sei?", "… beschreiben die Menschen wie?":
#: "welche" anywhere, the others at the end).
_ASKS_LATER_DE = re.compile(
    r"(?:[,;:]\s*|\b(?:als|auf|an|in|mit|von|aus|nach|bei|für|über|unter|zu|gegen|durch|um)\s+)"
    r"(?:wer|wen|wem|wessen|was|wann|wo|woher|wohin|wie(?!\s+\w+\s*,|\s+vor\b)|"
    r"warum|weshalb|wieso|wozu|wofür)\b|"
    r"\bwelche[mnrs]?\b|\b(?:wer|wen|wem|wessen|was|wann|warum)(?:\s+\w+)?\s*\?\s*$|\bwie\s*\?\s*$",
    re.IGNORECASE,
)


STOPWORDS_DE_NOUNLESS = frozenset("dies diese dieser dieses jene nicht auch noch".split())


def classify(question: str, language: Language | None = None) -> tuple[str, int | None]:
    """The kind of a question (see KINDS) and, for a list, how many items it asks for."""
    q = question.strip()
    language = language or detect_language(q)
    m = _COUNT.search(q)
    count = None
    if m:
        word = m.group(2).lower()
        count = int(word) if word.isdigit() else _NUMBER_WORD.get(word)
    if _OVERVIEW.search(q):
        return "overview", count
    if is_yes_no(q, language) and not _COUNT.search(q) and not _EITHER.search(q):
        return "yesno", None
    if _COMPARISON.search(q) or _EITHER.search(q) or alternatives(q) is not None:
        return "comparison", count
    if (_MULTI.search(q) and not _DATE_Q.search(q)) or _TWO_PLACES.search(q):
        return "multi", count
    one_name = _ONE_NAME.search(q) is not None
    plural = _PLURAL_ASKED.search(q) is not None and not _DATE_Q.search(q) and not _NEWS_ASKED.search(q)
    if count or ((_LIST.search(q) or plural) and not one_name):
        return "list", count
    if _WHY.search(q) or (_HOW.search(q) and not one_name):
        return "why", None
    if _DATE_Q.search(q):
        return "date", None
    if NAMED_DATE.search(q) and _HAPPEN.search(q):
        return "event_date", None
    return "factoid", None


#: asking for the newest report on a topic, nothing more specific
_LATEST_ON = re.compile(
    r"^\W*(what'?s|what\s+is|what\s+are)\s+(the\s+)?(latest|newest)(\s+(news|developments?|updates?))?\s+"
    r"(on|about|in|from|regarding|with)\b|^\W*(any|the)\s+(latest|news)\b|^\W*what'?s\s+new\b|"
    r"^\W*(was\s+(ist|gibt\s+es)\s+)?(der\s+|das\s+)?(neueste|aktuelle|jüngste)[nrs]?\s+(stand|entwicklung)?\s*"
    r"(zu|zum|zur|über|bei|beim|vom|von|in|im)\b|^\W*was\s+gibt\s+es\s+neues\b",
    re.IGNORECASE,
)


#: words that ask what was new in a period without saying about what ("Was gab es gestern Neues?", "Welche Themen
#: gab es letzte Woche?", "What happened this week?")
_NEWS = re.compile(
    r"\b(gab|gibt|geben|los|neu\w*|passiert\w*|geschehen|geschah|ereignet|nachricht\w*|meld\w*|themen?|"
    r"schlagzeile\w*|bericht\w*|ereignis\w*|wichtig\w*|alles|überblick|happen\w*|news|new|topics?|headlines?|"
    r"stories|events?|report\w*|going\s+on|any|anything|important|main|overview|schrieb\w*|schreib\w*|wrote|"
    r"write|say|said)\b", re.IGNORECASE)


#: a question for the outlets that reported a story ("Welche Zeitungen berichteten über …?", "Which outlets covered
#: …?", "Wer hat über … berichtet?")
_COVERAGE = re.compile(
    r"\b(welche[nrs]?\s+(zeitung\w*|medien|medium|sender\w*|outlets?|quellen|blätter|portale?|redaktion\w*|"
    r"nachrichtenseiten|websites?)|(in\s+)?welche[nrm]?\s+(zeitung\w*|medien|quellen)|which\s+(outlets?|newspapers?|"
    r"papers?|media|sources?|publications?|news\s+(sites?|outlets?)|websites?)|who\s+(reported|covered)|"
    r"wer\s+(hat\s+)?(über|darüber)\s+.{0,60}\bberichtet|wer\s+berichtete)\b", re.IGNORECASE)


_REPORTING = re.compile(r"\b(berichtet\w*|berichten|meldet\w*|meldeten|gemeldet|schrieb\w*|schreiben|geschrieben|"
                        r"reported|report|reporting|covered|cover|coverage|wrote|write|writes|written)\b",
                        re.IGNORECASE)


def asks_for_news(question: str, said: str, language: Language) -> bool:
    """Whether the question asks what was new in its period and names no topic: nothing with content is left
    once the period's words, the words asking for news and the question words are out."""
    if not _NEWS.search(question):
        return False
    rest = _NEWS.sub(" ", re.sub(re.escape(said), " ", question, flags=re.IGNORECASE))
    rest = " ".join(w for w in re.findall(r"\w[\w-]*", rest) if not timeframe_words(w))
    return not stem_tokens(rest, language)


def analyse(question: str, history: Sequence[Any] = (), follow: bool = False, periods: bool = True) -> Question:
    """Language, kind, named dates, time frame and the standalone form of `question` in its conversation
    (`follow`: as a follow-up, see `standalone_question`). `periods=False` reads a named month or span as
    dates of events, not of publication (the articles were not published then: "im Oktober 1517")."""
    language = detect_language(question)
    standalone, follow = standalone_question(question, history, language, follow)
    kind, count = classify(question, language)
    frame = time_frame(question, periods=periods)
    if frame.period is not None and not follow and asks_for_news(question, frame.period.said, language):
        frame = replace(frame, timeline=True, digest=True, latest=False)
    if _COVERAGE.search(question) and _REPORTING.search(question) and not frame.digest:  # which outlets
        # reported: the story's reports
        frame = replace(frame, timeline=True, coverage=True, latest=False)
    if frame.timeline:  # "Chronologie des Streiks", "Was geschah letzte Woche …?": dated events in order
        kind = "timeline"
    elif frame.latest and _LATEST_ON.search(question):  # "What is the latest on the strike?": the newest report
        kind = "overview"
    dates = tuple(m.group(0) for m in NAMED_DATE.finditer(question))
    if frame.period is not None and frame.period.since != frame.period.until:
        # "im Oktober 2025" is the period, not a date that one sentence must name
        dates = tuple(d for d in dates if d.lower() not in frame.period.said.lower())
        if kind == "event_date" and not dates:  # "Was beschloss der Rat im Oktober 2025?": asked in the period
            kind = "factoid"
    atype = answer_type(question) if kind in ("factoid", "date") else None
    return Question(question, standalone, language, kind, atype, dates, count, follow, frame)


@dataclass(frozen=True)
class DatedPair:
    """A question on when each of two things happened: which came first ("Which came first, A or B?", "Was liegt
    weiter zurück: A oder B?"), how far apart they are ("Wie viele Jahre liegen zwischen A und B?"), their years
    ("In welchen Jahren fanden A und B statt?") or two when-questions in one ("Wann wurde …, und wann …?": the items
    are the questions). `parts`: the question asked of each ("When was A?")."""

    items: tuple[str, str]
    parts: tuple[str, str]
    order: bool  # asks which came first (or last)
    apart: bool  # asks how many years lie between them
    places: bool = False  # the items are two places one event is asked of ("… in Hanoi and in Seoul?")


#: "which came first", "which lies further in the past", "was war früher", "was liegt weiter zurück"
_WHICH_FIRST = re.compile(
    r"\b(?:which|what)\s+(?:\w+\s+)?(?:came|happened|was|occurred|took\s+place|is)\s+(?:first|earlier|older|later|"
    r"last|more\s+recent)\b|"
    r"\b(?:which|what)\s+(?:\w+\s+)?(?:lies|is|was)\s+further\s+(?:back|in\s+the\s+past)\b|"
    r"\b(?:was|welche[rs]?(?:\s+\w+)?)\s+(?:war|geschah|kam|passierte|ist|ereignete\s+sich)\s+"
    r"(?:zuerst|früher|eher|älter|später|zuletzt|jünger)\b|"
    r"\b(?:was|welche[rs]?(?:\s+\w+)?)\s+liegt\s+(?:weiter|länger)\s+zurück\b|"
    r"\b(?:was|welche[rs]?(?:\s+\w+)?)\s+fand\s+(?:zuerst|früher|eher|später|zuletzt)\s+statt\b",
    re.IGNORECASE)
#: "In welchen Jahren fanden A und B statt", "In which years did A and B happen", "Wann fanden A und B jeweils statt"
_YEARS_OF = re.compile(
    r"^\W*(?:in\s+welche[nm]\s+jahren|in\s+which\s+years|in\s+what\s+years|(?:wann|when)(?=.*\b(?:jeweils|each|"
    r"beide|both)\b))\s+(?:\w+\s+)?(?P<pair>.+?)(?:\s+(?:jeweils\s+)?(?:statt|stattgefunden|passiert|geschehen|"
    r"gegründet|happen|take\s+place|occur|place|founded)\w*)?\s*(?:,|\?|$)",
    re.IGNORECASE)
#: "How many years lie between A and B", "Wie viele Jahre liegen zwischen A und B"
_YEARS_APART = re.compile(
    r"\b(?:wie\s*viele\s+jahre\s+(?:\w+\s+){0,2}zwischen|how\s+many\s+years\s+(?:\w+\s+){0,2}between)\s+"
    r"(?P<pair>.+?)\s*(?:\?|$)", re.IGNORECASE)
_DAZWISCHEN = re.compile(r"\b(dazwischen|in\s+between|apart|zwischen\s+(beiden|ihnen)|between\s+(them|the\s+two))\b",
                         re.IGNORECASE)
_ITEM_TRIM = " ,;:–—-?\"'„“”"


def _split_pair(text: str, words: str) -> tuple[str, str] | None:
    m = re.search(rf"\s+(?:{words})\s+", text, re.IGNORECASE)
    if m is None:
        return None
    a, b = text[:m.start()].strip(_ITEM_TRIM), text[m.end():].strip(_ITEM_TRIM)
    b = re.sub(r"\s+(?:jeweils|each|statt|stattgefunden)\s*$", "", b, flags=re.IGNORECASE).strip(_ITEM_TRIM)
    if not a or not b or not a[0].isalnum() or not b[0].isalnum():
        return None
    return a, b


def when_question(item: str, language: Language, dative: bool = False) -> str:
    """The question for when one of a pair happened ("Wann war die Schlacht von Jumonville Glen?"; an item in the
    dative, as "zwischen dem Edikt … und …" has it: "Wann kam es zu dem Edikt …?")."""
    if language == "en":
        return f"When was {item}?"
    return f"Wann kam es zu {item}?" if dative else f"Wann war {item}?"


def dated_pair(question: str, language: Language | None = None) -> DatedPair | None:
    """The two things a question asks the dates of, with what it asks of them (`DatedPair`); None for any other
    question. "Which came first, A or B?" splits at "or"/"oder"; "In which years did A and B happen?" and "How
    many years lie between A and B?" at the first "and"/"und"."""
    q = question.strip()
    order = _WHICH_FIRST.search(q)
    pair: tuple[str, str] | None = None
    apart = False
    m: re.Match[str] | None = None
    if order is not None:
        rest = q[:order.start()] + " ; " + q[order.end():]
        for segment in re.split(r"\s*[,;:?–—]\s*|\s+-\s+", rest):
            if re.search(r"\s(or|oder)\s", segment, re.IGNORECASE):
                pair = _split_pair(segment, "or|oder")
                break
    else:
        m = _YEARS_APART.search(q)
        apart = m is not None
        if m is None:
            m = _YEARS_OF.search(parts(q)[0] + "?")
        if m is not None:
            pair = _split_pair(m.group("pair"), "and|und|sowie")
    if pair is None:  # two when-questions in one ("An welchem Tag wurde …, und wann soll er …?"): each as asked
        asked = [f"{part[:1].upper()}{part[1:]}?" for part in parts(q)]
        both = len(asked) == 2 and all(answer_type(part) == "date" for part in asked)
        if both:
            return DatedPair((asked[0], asked[1]), (asked[0], asked[1]), False, False)
        places = _PLACE_PAIR.search(q)
        if places is None or answer_type(q) != "date":
            return None
        # one when-question on two places ("On which days was Hegseth due in Hanoi and in Seoul?"): asked of each
        first, second = places.group(2), places.group(5)
        return DatedPair((first, second), (_asked_of_place(q, places, first), _asked_of_place(q, places, second)),
                         False, False, places=True)
    apart = apart or _DAZWISCHEN.search(q) is not None
    dative = apart and m is not None and re.search(r"\bzwischen\b", m.group(0), re.IGNORECASE) is not None
    language = language or detect_language(question)  # only for a pair: asked of every question
    return DatedPair(pair, (when_question(pair[0], language, dative), when_question(pair[1], language, dative)),
                     order is not None, apart)
