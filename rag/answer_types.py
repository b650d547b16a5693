"""Whether a sentence gives the kind of answer a question asks for (a date for "when…?", a number for
"how many…?", a duration, a percentage) beyond what the question already says."""

from __future__ import annotations

import datetime as dt
import re

from .dates import YEAR
from .forms import DATE_SPAN, PERCENT_SPAN
from .lang import COUNT_COMPOUND, COUNT_WORDS, MONTH_NAMES
from .timeframe import is_weekday, sentence_day, without_dateline
from .types import Evidence

_NUMBER_WORDS = (
    f"{COUNT_WORDS}|zwanzig|dreißig|hundert|tausend|million\\w*|milliard\\w*|twenty|hundred|thousand|billion\\w*|"
    "dutzend\\w*|dozen\\w*|hälfte|half|doppelt\\w*|double"
)
_DATE_IN = re.compile(
    rf"\b(\d{{1,2}}\.\s*jahrhundert\w*|\d{{1,2}}(?:st|nd|rd|th)\s+centur\w*|{MONTH_NAMES}|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|heute|gestern|morgen|today|yesterday|tomorrow|jahr\w*|year\w*|"
    r"woche\w*|week\w*|centur\w*|1\d{3}|20\d\d|(im\s+jahre?|in\s+the\s+year|anno)\s+\d{3,4}|\d{1,2}\.\s*\d{1,2}\.|"
    r"frühjahr\w*|frühling\w*|sommer\w*|herbst\w*|winter\w*|spring|summer|autumn|quartal\w*|quarter\w*)\b",
    re.IGNORECASE,
)
_NUMBER_IN = re.compile(rf"\d|\b({_NUMBER_WORDS}|{COUNT_COMPOUND})\b", re.IGNORECASE)


_DURATION_IN = re.compile(
    rf"(\d+(?:[.,]\d+)?|\b(?:{_NUMBER_WORDS}|ein\w*|a|an|several|mehrere\w*|einig\w*))\s*"
    r"(sekunde|minute|stunde|tag|woche|monat|jahr|jahrzehnt|second|minute|hour|day|week|month|year|decade)"
    r"(e|en|n|s|es)?\b",
    re.IGNORECASE,
)


#: a calendar date ("3. November", "November 3, 2025", "Oktober 2025", "31.10.2025"): its numbers count no thing
_CALENDAR = re.compile(
    rf"\b\d{{1,2}}\.?\s*(?:{MONTH_NAMES})\b(?:\s+\d{{4}}\b)?|\b(?:{MONTH_NAMES})\s+\d{{1,2}}\b(?:,?\s+\d{{4}}\b)?|"
    rf"\b(?:{MONTH_NAMES})\s+\d{{4}}\b|\b\d{{1,2}}\.\d{{1,2}}\.(?:\d{{2,4}}\b)?",
    re.IGNORECASE,
)


def without_calendar_dates(text: str) -> str:
    """The text without its calendar dates: "a warning strike on November 3" gives no number of anything."""
    return _CALENDAR.sub(" ", text)


def _new_matches(pattern: re.Pattern[str], sentence: str, question: str) -> bool:
    asked = {m.group(0).lower() for m in pattern.finditer(question)}
    return any(m.group(0).lower() not in asked for m in pattern.finditer(sentence))


#: The date a report was made, not the date of what it reports: "kündigte am 26. Oktober an, dass …",
#: "teilte am Montag mit", "announced on October 26 that …", "said on Monday".
_ANNOUNCED = re.compile(
    rf"\b(kündigt\w*|angekündigt|teilt\w*|gab|gibt|sagt\w*|erklärt\w*|bestätigt\w*|meldet\w*|announc\w*|said|"
    rf"says|stated|confirmed|reported|told)\s+(?:[\w-]+\s+){{0,3}}?(?:am|on)\s+"
    rf"(?:\d{{1,2}}\.?\s*(?:{MONTH_NAMES})|(?:{MONTH_NAMES})\s+\d{{1,2}}|montag|dienstag|mittwoch|donnerstag|"
    rf"freitag|samstag|sonntag|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\w*",
    re.IGNORECASE,
)
_ABOUT_REPORT = re.compile(r"\b(kündig|angekündigt|ankündig|mitgeteilt|bekannt|announc|said|sagt|bestätig|confirm"
                           r"|report|meldet|gemeldet|berichte|erschien|veröffentlicht|publish)", re.IGNORECASE)


def names_a_day(sentence: str) -> bool:
    """Whether the sentence names a day: a calendar date ("4. November", "November 4") or a weekday ("diese Woche"
    names none)."""
    return bool(_CALENDAR.search(sentence)) or any(is_weekday(w) for w in re.findall(r"[^\W\d_]+", sentence))


def without_report_dates(sentence: str, question: str) -> str:
    """The sentence without the dates on which something was announced, said or reported, unless the question asks
    about the announcement ("Wann wurde die Reise angekündigt?"): "Das Ministerium kündigte am 26. Oktober
    an, dass Hegseth Japan besucht" gives no date of the visit, nor does a dateline ("Wiesenbrunn, 27. August 2026
    (Isartaler Zeitung) – … haben Archäologen ein Gräberfeld freigelegt": the day of the report)."""
    return sentence if _ABOUT_REPORT.search(question) else _ANNOUNCED.sub(" ", without_dateline(sentence))


#: "Seit wann …?", "Since when …?": what has been so since a day before the report
_SINCE_WHEN = re.compile(r"\b(seit\s+wann|since\s+when)\b", re.IGNORECASE)


def only_later_days(sentence: str, question: str, published: str | None) -> bool:
    """Whether the sentence answers a since-when question only with days after its report's ("Seit wann gibt es das
    Klinikum?" / "… werden zum 1. Januar 2027 unter dem Namen „Kellerwald Kliniken“ zusammengeführt." in a report of
    March 2026): a plan, not since when it has been so. False where the report's day or a sentence's year is unknown."""
    if not published or not _SINCE_WHEN.search(question):
        return False
    report = dt.date.fromisoformat(published[:10])
    spans = [m.group(0) for m in DATE_SPAN.finditer(without_report_dates(sentence, question))]
    later = []
    for span in spans:
        year = YEAR.search(span)
        if year is None:  # "am 5. Januar": which year, the sentence does not say
            return False
        day = sentence_day(span, published)
        later.append(day > report if day is not None else int(year.group(1)) > report.year)
    return bool(later) and all(later)


def in_dateline_only(span: str, sentence: str, question: str) -> bool:
    """Whether `span` is said only in the dateline the sentence opens with (the report's day and place), for a
    question that does not ask about the report."""
    rest = without_dateline(sentence)
    return (len(rest) < len(sentence) and span in sentence[:len(sentence) - len(rest)] and span not in rest
            and not _ABOUT_REPORT.search(question))


def gives_answer_type(sentence: str, question: str, kind: str | None) -> bool:
    """Whether the sentence holds something of the asked kind that the question itself does not (for a date,
    not only the date a report was made, `without_report_dates`)."""
    if kind == "percent":
        return _new_matches(PERCENT_SPAN, sentence, question)
    if kind == "duration":
        return _new_matches(_DURATION_IN, sentence, question)
    if kind == "number":  # how many / how much: a day of the month is no count
        return _new_matches(_NUMBER_IN, without_calendar_dates(sentence), without_calendar_dates(question))
    if kind == "date":
        return _new_matches(_DATE_IN, without_report_dates(sentence, question), question)
    return True


def promote_answer_type(evidence: list[Evidence], question: str, kind: str | None, margin: float) -> list[Evidence]:
    """Put first the best sentence that gives the asked kind of answer, if it scores within `margin`
    (cosine) of the best one: for "when…?" a sentence with the date beats a slightly closer one without.
    Dates only: news sentences are full of numbers, and promoting any number-bearing sentence for a
    how-many question answered on-topic questions the articles do not answer (seed QA un-01, un-04)."""
    if kind != "date" or not evidence or gives_answer_type(evidence[0].sentence.text, question, kind):
        return evidence
    for i, ev in enumerate(evidence[1:], start=1):
        if ev.score >= evidence[0].score - margin and gives_answer_type(ev.sentence.text, question, kind):
            return [ev, *evidence[:i], *evidence[i + 1 :]]
    return evidence


_SCALE = r"(?:\s*(?:(?:millionen|milliarden|millions?|billions?|tausend|thousand|bn)\b|mio\.?|mrd\.?))?"
_AMOUNT = rf"(?:\d[\d.,]*|\b(?:{_NUMBER_WORDS}))"
#: a number with its unit, per kind of measure (`rag.question.measure`)
_MEASURES = {
    "money": re.compile(rf"{_AMOUNT}{_SCALE}\s*(?:(?:US-Dollar|Dollars?|Euros?|EUR|USD|Pfund|pounds?|Franken|francs?|"
                        rf"Yen|Dong)\b|€|\$)|(?:€|\$|US\$)\s*\d[\d.,]*{_SCALE}", re.IGNORECASE),
    "length": re.compile(rf"{_AMOUNT}\s*(?:-\s*)?(?:Meter|metres?|meters?|m|Kilometer|kilometres?|kilometers?|km|"
                         rf"Zentimeter|cm|Millimeter|mm|Meilen|miles?|feet|foot|Fuß)\b", re.IGNORECASE),
}


def gives_measure(sentence: str, question: str, measure: str) -> bool:
    """Whether the sentence holds a number in the asked measure's unit that the question does not ("95 Millionen
    Euro" for "Was kostet der Ausbau?", "520 Meter" for "Wie lang wird die Kaimauer?")."""
    pattern = _MEASURES.get(measure)
    return pattern is not None and _new_matches(pattern, without_calendar_dates(sentence), question)
