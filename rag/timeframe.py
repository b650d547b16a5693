"""Time in questions and sentences: the period a question asks about ("letzte Woche", "im Oktober 2025",
"seit dem 10. November", "last month"), whether it wants the latest report ("neueste Stand", "latest") or
a timeline ("Chronologie", "timeline"), and the day a sentence speaks of ("am Montag" in an article of
Tuesday 4 November is 3 November).

Relative expressions in a question are anchored to today (`today()`: the `RAG_TODAY` setting, else the
machine's date); those in a sentence to its article's publication date. Weeks run Monday to Sunday:
"letzte Woche" on Friday 21 November 2025 is 10–16 November. Single words are resolved with `dateparser`
("gestern", "vor drei Tagen", "Montag", "two days ago"); ranges are calendar arithmetic.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from .dates import date_keys
from .errors import ConfigError
from .lang import MONTH_NAMES, MONTHS, NUMBER_WORDS


def today() -> dt.date:
    """The day relative questions are anchored to: `RAG_TODAY` (YYYY-MM-DD) when set, else the date."""
    raw = os.environ.get("RAG_TODAY", "").strip()
    if not raw:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"RAG_TODAY={raw!r} is not a date; write it as YYYY-MM-DD or unset it.") from None


@dataclass(frozen=True)
class Period:
    """Days a question asks about, both ends inclusive (ISO dates), and the words that said it."""

    since: str
    until: str
    said: str
    #: anchored to today ("letzte Woche"): it always applies; a named month or day applies only where the
    #: articles' publication dates reach it ("im Oktober" in a question on Luther is his October)
    relative: bool = False


@dataclass(frozen=True)
class TimeFrame:
    period: Period | None = None
    latest: bool = False  # "neueste Stand", "latest", "zuletzt": the newest report wins
    timeline: bool = False  # "Chronologie", "timeline": dated events in order
    #: "Was ist diese Woche passiert?", "Any news from yesterday?": a period and no topic: what every story
    #: of the period reported (`rag.question.analyse` sets it)
    digest: bool = False
    #: "Welche Zeitungen berichteten über …?", "Which outlets covered …?": the story's reports with their outlets
    coverage: bool = False


_LATEST = re.compile(
    r"\b(neueste[mnrs]?|j(?:ü|ue)ngste[mnrs]?|aktuelle[mnrs]?|aktuell|zuletzt|derzeit|inzwischen|mittlerweile|"
    r"letzte[nm]?\s+stand|stand\s+der\s+dinge|latest|most\s+recent(?:ly)?|newest|currently|current|recently|"
    r"now|as\s+of\s+now|so\s+far|was\s+gibt\s+es\s+neues|what'?s\s+new|any\s+news)\b",
    re.IGNORECASE,
)
_TIMELINE = re.compile(
    r"\b(chronolog\w*|zeitleiste|zeitliche[nr]?\s+(ablauf|abfolge|verlauf)|der\s+reihe\s+nach|timeline|chronology|"
    r"chronological\w*|sequence\s+of\s+events|in\s+(what|which)\s+order)\b",
    re.IGNORECASE,
)
#: a development over time: a timeline when the question also says since when ("seit Oktober", "so far")
_DEVELOPED = re.compile(r"\b(entwickelt|entwicklung|verlauf|verlaufen|bisher|developed|evolved|unfolded|progressed|"
                        r"so\s+far|until\s+now)\b", re.IGNORECASE)
_HAPPENED = re.compile(
    r"\b(was\s+(ist|geschah|passierte|gab\s+es)|what\s+(happened|has\s+happened|was\s+new)|berichte\w*|reported|"
    r"neues|news)\b",
    re.IGNORECASE,
)

_WEEK_LAST = re.compile(r"\b(letzte|vergangene|vorige|vorherige)[rn]?\s+woche\b|\b(last|past|previous)\s+week\b", re.I)
_WEEK_THIS = re.compile(r"\b(diese[rn]?|laufende[rn]?)\s+woche\b|\bthis\s+week\b", re.I)
_MONTH_LAST = re.compile(r"\b(letzte|vergangene|vorige|vorherige)[nm]?\s+monat\w*|\b(last|past|previous)\s+month\b",
                         re.I)
_MONTH_THIS = re.compile(r"\b(diese[nm]?|laufende[nm]?)\s+monat\w*|\bthis\s+month\b", re.I)
_LAST_DAYS = re.compile(r"\b(?:in\s+den\s+)?(?:letzten|vergangenen)\s+(\w+)\s+tage[n]?\b|"
                        r"\b(?:in\s+the\s+)?(?:last|past)\s+(\w+)\s+days\b", re.I)
_DAY_WORDS = {"heute": 0, "today": 0, "gestern": 1, "yesterday": 1, "vorgestern": 2}
_DAY_WORD = re.compile(r"\b(vorgestern|gestern|heute|yesterday|today|the\s+day\s+before\s+yesterday)\b", re.I)
#: "heute" / "today" that says nowadays or up to now, not the day: after a relative pronoun or "wo", "bis", "noch"
#: ("das Fort, das dort stand, wo heute Newcastle liegt", "bis heute"), before "noch" ("heute noch"); "still today",
#: "to this day", "until today"
_NOWADAYS = re.compile(r"\b(wo|wie|was|der|die|das|dem|den|des|welche[mnrs]?|bis|noch|auch|schon|als|still|until|"
                       r"till|up\s+to|as\s+of)\s+(heute|today)$", re.IGNORECASE)
#: "heute" in a German relative clause describes what is asked about as it is nowadays ("Nenne die Firmen, bei denen
#: heute viele Apotheker angestellt sind"), not the day of a report: a comma, maybe a preposition, a relative pronoun
_IN_RELATIVE = re.compile(r",\s*(?:\w+\s+)?(?:der|die|das|dem|den|denen|deren|dessen|welche[mnrs]?|wo|wohin|woher)\s+"
                          r"[^,;:?]*\bheute$", re.IGNORECASE)
#: A question about what happened or was reported: "heute" / "today" in it is the day of the reports ("Was ist heute
#: im Hafen passiert?", "Was hat der Rat heute beschlossen?", "What did the council decide today?"); in one in the
#: present tense it is nowadays ("Wozu will Vietnam heute amerikanische Offiziere ins Land holen?")
_TOLD = re.compile(
    rf"{_HAPPENED.pattern}|\b(was\s+(geschieht|passiert)|what\s+is\s+(happening|going\s+on)|nachrichten|meldung\w*|"
    r"hatten?|wurden?|waren?|did|were|has|had|have)\b|"
    r"\b(hat|haben|ist|sind)\b.*\b((?:ge|be|ver|er|ent|zer|emp|miss)\w+(?:t|en)|\w+iert)\W*$|\b\w{3,}ed\b",
    re.IGNORECASE,
)
_MONTH = f"({MONTH_NAMES})"
_IN_MONTH = re.compile(rf"\b(?:im|in|during|of)\s+{_MONTH}(?:\s+(\d{{4}}))?\b", re.I)
_SINCE = re.compile(rf"\b(seit|since|ab|from)\s+(?:dem\s+|the\s+)?(\d{{1,2}}\.?\s*{_MONTH}|{_MONTH}\s+\d{{1,2}}\w*|"
                    rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}|{_MONTH})(?:,?\s+(\d{{4}}))?", re.I)
_BEFORE = re.compile(rf"\b(vor\s+dem|bis\s+zum|before|until|till|by)\s+(?:the\s+)?(\d{{1,2}}\.?\s*{_MONTH}|"
                     rf"{_MONTH}\s+\d{{1,2}}\w*|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH})(?:,?\s+(\d{{4}}))?",
                     re.I)


def timeframe_words(word: str) -> bool:
    """Whether a word only asks about time ("Chronologie", "timeline", "entwickelt", "seit")."""
    return bool(_TIMELINE.fullmatch(word) or _DEVELOPED.fullmatch(word) or _TIME_WORD.fullmatch(word))


_TIME_WORD = re.compile(rf"seit|since|bis|until|wann|when|order|reihe|ablauf|entwicklung|history|geschichte|"
                        rf"{MONTH_NAMES}|\d{{4}}", re.IGNORECASE)


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _recent_year(month: int, day: int, now: dt.date) -> int:
    """The year of "im Oktober" / "3. November" without one: the latest such day not after today."""
    return now.year if (month, day) <= (now.month, now.day) else now.year - 1


def _named_day(text: str, now: dt.date, year: str | None) -> dt.date | None:
    keys = [k for k in date_keys(text) if k[1] is not None]
    if not keys:
        month = next((MONTHS[w.lower()] for w in re.findall(r"[^\W\d_]+", text) if w.lower() in MONTHS), None)
        keys = [(1, month, None)] if month else []
    if not keys:
        return None
    d, m, y = keys[0]
    assert m is not None
    day = d or 1
    y = int(year) if year else y or _recent_year(m, day, now)
    try:
        return dt.date(y, m, day)
    except ValueError:
        return None


def _year_of(said: str) -> str | None:
    return said[-4:] if said[-4:].isdigit() else None


def question_period(question: str, now: dt.date) -> Period | None:
    """The days `question` asks about, or None."""
    iso = dt.date.isoformat
    m = _DAY_WORD.search(question)
    if m and m.group(1).lower() in ("heute", "today") and (_NOWADAYS.search(question[:m.end()])
                                                          or _IN_RELATIVE.search(question[:m.end()])
                                                          or re.match(r"\s+noch\b", question[m.end():])
                                                          or not _TOLD.search(question)):
        m = None  # "wo heute Newcastle liegt", "bis heute", "still today": nowadays, no day of publication
    if m:
        back = _DAY_WORDS.get(m.group(1).lower(), 2)
        day = now - dt.timedelta(days=back)
        return Period(iso(day), iso(day), m.group(0), True)
    m = _WEEK_LAST.search(question)
    if m:
        monday = now - dt.timedelta(days=now.weekday() + 7)
        return Period(iso(monday), iso(monday + dt.timedelta(days=6)), m.group(0), True)
    m = _WEEK_THIS.search(question)
    if m:
        return Period(iso(now - dt.timedelta(days=now.weekday())), iso(now), m.group(0), True)
    m = _LAST_DAYS.search(question)
    if m:
        word = (m.group(1) or m.group(2)).lower()
        n = int(word) if word.isdigit() else NUMBER_WORDS.get(word)
        if n:
            return Period(iso(now - dt.timedelta(days=n)), iso(now), m.group(0), True)
    m = _MONTH_LAST.search(question)
    if m:
        first = (now.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        return Period(iso(first), iso(_month_end(first.year, first.month)), m.group(0), True)
    m = _MONTH_THIS.search(question)
    if m:
        return Period(iso(now.replace(day=1)), iso(now), m.group(0), True)
    since, before = _SINCE.search(question), _BEFORE.search(question)
    if since or before:
        start = _named_day(since.group(0), now, _year_of(since.group(0))) if since else None
        end = _named_day(before.group(0), now, _year_of(before.group(0))) if before else None
        if end is not None and before and before.group(1).lower() in ("vor dem", "before"):
            end -= dt.timedelta(days=1)
        if start or end:
            said = " … ".join(m.group(0) for m in (since, before) if m)
            return Period(iso(start or dt.date(1900, 1, 1)), iso(end or now), said)
    m = _IN_MONTH.search(question)
    if m:
        month = MONTHS[m.group(1).lower()]
        year = int(m.group(2)) if m.group(2) else _recent_year(month, 1, now)
        return Period(iso(dt.date(year, month, 1)), iso(_month_end(year, month)), m.group(0))
    return None


def time_frame(question: str, now: dt.date | None = None, periods: bool = True) -> TimeFrame:
    """What `question` asks of time: a period (with `periods`), the latest report, a timeline."""
    period = question_period(question, now or today()) if periods else None
    ranged = period is not None and period.since != period.until
    timeline = bool(_TIMELINE.search(question)) or (ranged and bool(_HAPPENED.search(question) or
                                                                    _DEVELOPED.search(question)))
    return TimeFrame(period, bool(_LATEST.search(question)) and not timeline, timeline)


# --- the day a sentence speaks of ----------------------------------------------------------------

_RELATIVE = re.compile(
    r"\b(vorgestern|gestern|heute|yesterday|today|vor\s+(?:\w+)\s+tagen|(?:\w+)\s+days\s+ago|"
    r"(?:am\s+|on\s+|last\s+|vergangenen\s+|letzten\s+)?(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|"
    r"sonntag|monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
    re.IGNORECASE,
)


_SENTENCE_DATE = re.compile(
    rf"\b\d{{1,2}}\.\s*{_MONTH}(?:\s+\d{{4}})?|\b{_MONTH}\s+\d{{1,2}}(?!\d)(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|"
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:\s+\d{{4}})?|\b\d{{4}}-\d{{2}}-\d{{2}}\b|"
    rf"\b\d{{1,2}}\.\d{{1,2}}\.\d{{4}}\b|\b{_MONTH}\s+\d{{4}}\b",
    re.IGNORECASE,
)


_WEEKDAY_NAMES = {"de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
                  "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
_WEEKDAYS = {name.lower(): i for names in _WEEKDAY_NAMES.values() for i, name in enumerate(names)}


def is_weekday(word: str) -> bool:
    """Whether `word` is a weekday's name ("Montag", "monday")."""
    return word.lower() in _WEEKDAYS


@lru_cache(maxsize=4096)
def _resolve(words: str, anchor: dt.date) -> dt.date | None:
    words = re.sub(r"^(am|on|vergangenen|letzten|last)\s+", "", words.strip().lower())
    if words in ("heute", "today"):
        return anchor
    if words in _WEEKDAYS:  # "am Montag" in a news report: the latest Monday, the day itself on a Monday
        return anchor - dt.timedelta(days=(anchor.weekday() - _WEEKDAYS[words]) % 7)
    import dateparser

    base = dt.datetime(anchor.year, anchor.month, anchor.day, 12)
    found = dateparser.parse(words, languages=["de", "en"],
                             settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"})
    if found is None:
        return None
    day = found.date()
    return day if dt.timedelta(0) <= anchor - day <= dt.timedelta(days=60) else None


#: a dateline: where and when the report was filed, before its first sentence ("Marstedt, 12. November 2025 (npa) –
#: …", "MARSTEDT, November 12, 2025 (npa) - …"): the publication's day, not the day of an event
_DATELINE = re.compile(
    rf"^\W*[^\W\d][\w .'/-]{{0,40}},\s*(?:den\s+)?(?:\d{{1,2}}\.?\s*{_MONTH}|{_MONTH}\s+\d{{1,2}}\w*),?\s+\d{{4}}"
    r"\s*(?:\([^)]{1,30}\))?\s*[–—-]+\s*", re.IGNORECASE)


def without_dateline(text: str) -> str:
    """The sentence without the dateline it opens with, if any."""
    return _DATELINE.sub("", text, count=1)


def sentence_day(text: str, published: str | None) -> dt.date | None:
    """The first day `text` names, read against its article's publication date: "am 3. November" (the year
    from the publication date: the nearest such day), "2. November 2025", "am Montag", "gestern". A month
    without a day is its first day ("Ende Januar 2026" -> 2026-01-01), a year alone is not a day, and a
    dateline's day is the report's, not one the sentence tells of."""
    anchor = dt.date.fromisoformat(published[:10]) if published else None
    found: list[tuple[int, dt.date]] = []
    text = without_dateline(text)  # the report's day, not its event's: "Marstedt, 12. November 2025 (npa) – Die
    # Umweltinitiative hat am Dienstag, 11. November, Klage eingereicht"
    for m in _SENTENCE_DATE.finditer(text):
        said = m.group(0)
        numbers = [int(x) for x in re.findall(r"\d+", said)]
        years = [n for n in numbers if n >= 1000]
        month = next((MONTHS[w.lower()] for w in re.findall(r"[^\W\d_]+", said) if w.lower() in MONTHS), None)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", said):
            y, mo, d = numbers
        elif month is None:  # 03.11.2025
            d, mo, y = numbers
        else:
            days = [n for n in numbers if n < 1000]
            d, mo, y = (days[0] if days else 1), month, (years[0] if years else 0)
        if not y:
            if anchor is None:
                continue
            # the nearest such day to the publication date (a December article's "am 5. Januar" is next year's)
            y = min((anchor.year - 1, anchor.year, anchor.year + 1),
                    key=lambda yy: abs((dt.date(yy, mo, min(d, 28)) - anchor).days))
        try:
            found.append((m.start(), dt.date(y, mo, d)))
        except ValueError:
            continue
    if anchor is not None:
        dated = {start for start, _ in found}
        for m in _RELATIVE.finditer(text):
            if _WEEKDAY_OF_DATE.match(text, m.end()) and any(m.end() < start <= m.end() + 8 for start in dated):
                continue  # "ab Montag, 1. Dezember": the weekday of the date that follows, not the Monday before
            day = _resolve(m.group(0), anchor)
            if day is not None:
                found.append((m.start(), day))
    return min(found)[1] if found else None


#: between a weekday and the date it is the weekday of: "Montag, 1. Dezember", "Montag, dem 3. November"
_WEEKDAY_OF_DATE = re.compile(r",?\s*(?:de[mn]\s+|the\s+)?(?=\d|[A-Z][a-z]+\s+\d)")


def relative_day(text: str, published: str | None) -> tuple[str, dt.date] | None:
    """The first words of `text` that name a day only relative to the report ("am Montag", "gestern", "vor
    drei Tagen") and the day they name, read against the article's publication date; None without one."""
    if not published:
        return None
    anchor = dt.date.fromisoformat(published[:10])
    for m in _RELATIVE.finditer(text):
        day = _resolve(m.group(0), anchor)
        if day is not None:
            return m.group(0), day
    return None


_MONTH_WORDS = {"de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
                       "Oktober", "November", "Dezember"),
                "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                       "October", "November", "December")}


def day_in_words(day: dt.date, language: str) -> str:
    """"Montag, 3. November 2025" / "Monday, 3 November 2025"."""
    lang = "de" if language == "de" else "en"
    weekday, month = _WEEKDAY_NAMES[lang][day.weekday()], _MONTH_WORDS[lang][day.month - 1]
    return f"{weekday}, {day.day}. {month} {day.year}" if lang == "de" else f"{weekday}, {day.day} {month} {day.year}"


def names_relative_day(text: str) -> bool:
    """Whether `text` names a day relative to its report ("am Montag", "gestern")."""
    return bool(_RELATIVE.search(text))


def with_days(text: str, published: str | None, language: str) -> str:
    """`text` with the day each relative expression names after it, read against the publication date:
    "Am Montag (3. November 2025) begannen …" for a report of 4 November 2025; as it is without one."""
    if not published:
        return text
    anchor = dt.date.fromisoformat(published[:10])

    def told(m: re.Match[str]) -> str:
        day = _resolve(m.group(0), anchor)
        return f"{m.group(0)} ({day_in_words(day, language).split(', ', 1)[1]})" if day else m.group(0)

    return _RELATIVE.sub(told, text)
