"""Dates: those an article carries (its metadata, its url, its first lines) and those a question or
sentence names ("am 2. November", "im Juli 2021", "2025-11-02"), and whether two of them fit."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from .lang import MONTH_NAMES, MONTHS

# --- an article's date ---------------------------------------------------------------------------

_M = "|".join(sorted(MONTHS, key=len, reverse=True))
_ISO = re.compile(r"(?<!\d)(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?!\d)")
_DMY_NUM = re.compile(r"(?<!\d)(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})(?!\d)")
_DMY_TEXT = re.compile(rf"(?<!\d)(\d{{1,2}})\.?\s+({_M})\.?\s+(\d{{4}})(?!\d)", re.I)
_MDY_TEXT = re.compile(rf"\b({_M})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)", re.I)
_URL_STAMP = re.compile(r"(?<!\d)((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d*")


def _ymd(y: str, m: str | int, d: str) -> str | None:
    try:
        day = dt.date(int(y), int(m), int(d))
    except ValueError:
        return None
    return day.isoformat() if 1900 <= day.year <= dt.date.today().year + 1 else None


def parse_date(text: str) -> str | None:
    """The first date in `text` (ISO, 02.11.2025, 2. November 2025, November 2, 2025) as YYYY-MM-DD."""
    for rx, order in ((_ISO, "ymd"), (_DMY_NUM, "dmy"), (_DMY_TEXT, "dMy"), (_MDY_TEXT, "Mdy")):
        for m in rx.finditer(text):
            parts = dict(zip(order, m.groups(), strict=True))
            month = MONTHS[parts["M"].lower()] if "M" in parts else parts["m"]
            found = _ymd(parts["y"], month, parts["d"])
            if found:
                return found
    return None


def date_from_url(url: str | None) -> str | None:
    """A date stamp in the url path (`…-20251102153911684.htm`, `/2025/11/02/`)."""
    if not url:
        return None
    parts = urlsplit(url)
    where = parts.path + "?" + parts.query
    for m in _URL_STAMP.finditer(where):
        found = _ymd(*m.groups())
        if found:
            return found
    dated_path = re.search(r"/((?:19|20)\d\d)/(\d{1,2})/(\d{1,2})(?:/|$)", parts.path)
    return _ymd(*dated_path.groups()) if dated_path else None


def date_from_lead(text: str) -> str | None:
    lead = "\n".join([line for line in text.split("\n") if line.strip()][:3])[:400]
    return parse_date(lead)


def parse_published(value: str) -> str | None:
    """A publication date as metadata gives it: ISO (the calendar day as written, whatever the time zone),
    "02.11.2025", "2. November 2025", an e-mail/RSS date ("Sun, 02 Nov 2025 08:00:00 GMT") or what
    `dateparser` reads in German or English; YYYY-MM-DD or None."""
    value = " ".join(str(value).split())[:200]
    if not re.search(r"\d{4}", value):  # a publication date has a year ("gestern" is no metadata)
        return None
    found = parse_date(value)
    if found:
        return found
    try:
        from email.utils import parsedate_to_datetime

        return _ymd(*parsedate_to_datetime(value).strftime("%Y %m %d").split())
    except (TypeError, ValueError, IndexError):
        pass
    import dateparser

    parsed = dateparser.parse(value, languages=["de", "en"],
                              settings={"REQUIRE_PARTS": ["day", "month", "year"], "PREFER_DATES_FROM": "past"})
    return _ymd(str(parsed.year), parsed.month, str(parsed.day)) if parsed else None


#: A line that says when the article was published or last updated: "Stand: 04.11.2025, 16:30 Uhr",
#: "Erschienen am 4. November 2025", "Published November 4, 2025".
_PUBLISHED = re.compile(
    r"\b(?:stand|erschienen|ver(?:ö|oe)ffentlicht|aktualisiert|published|updated|posted|last\s+modified)\b"
    r"\s*(?:am|on|:)?\s*:?\s*([^\n]{6,40})",
    re.IGNORECASE,
)


def date_from_text(text: str) -> str | None:
    """The date a "Stand: …" / "Erschienen am …" / "Published …" line gives, anywhere in the text."""
    for m in _PUBLISHED.finditer(text):
        found = parse_date(m.group(1))
        if found:
            return found
    return None


# --- dates named in questions and sentences --------------------------------------------------

_MONTH = f"({MONTH_NAMES})"
#: A date named in a question: "2. November", "am 3.", "November 2", "2025-11-02", "2.11.2025".
NAMED_DATE = re.compile(
    rf"\b\d{{1,2}}\.\s*{_MONTH}\b|\b{_MONTH}\s+\d{{1,2}}(st|nd|rd|th)?\b|\b\d{{1,2}}(st|nd|rd|th)?\s+(of\s+)?{_MONTH}\b|"
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}\.\d{1,2}\.(\d{2,4})?\b|"
    rf"\b{_MONTH}\s+\d{{4}}\b|\b(im\s+jahre?|in\s+the\s+year|in|im|of|von|zwischen|between|seit|since)\s+\d{{3,4}}\b|"
    # a bare year after a verb of happening ("Was geschah 1830 in Nordafrika?")
    r"\b(geschah|geschahen|passierte|passierten|ereignete(n)?\s+sich|happened|occurred)\s+\d{4}\b",
    re.IGNORECASE,
)


#: A year of the last millennia ("1961", "2027")
YEAR = re.compile(r"\b(1\d{3}|20\d{2})\b")
DateKey = tuple[int | None, int | None, int | None]  # (day, month, year), None where not said


def date_keys(text: str, bare_years: bool = False) -> set[DateKey]:
    """The dates `text` names, as (day, month, year): "2. November" -> (2, 11, None), "im Juli 2021" ->
    (None, 7, 2021), "im Jahr 1030" -> (None, None, 1030). `bare_years`: any year counts (a sentence
    says "1030 erhielt er …"; a question names a year with a preposition)."""
    out: set[DateKey] = set()
    for m in NAMED_DATE.finditer(text):
        digits = [int(x) for x in re.findall(r"\d+", m.group(0))]
        month = next((MONTHS[w.lower()] for w in re.findall(r"[^\W\d_]+", m.group(0)) if w.lower() in MONTHS), None)
        years = [d for d in digits if d >= 100]
        days = [d for d in digits if 1 <= d <= 31]
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", m.group(0)):
            out.add((digits[2], digits[1], digits[0]))
        elif month:
            out.add((days[0] if days and days[0] != (years[0] if years else None) else None, month,
                     years[0] if years else None))
        elif len(digits) >= 2 and digits[0] <= 31 and digits[1] <= 12:  # 2.11.2025
            out.add((digits[0], digits[1], digits[2] if len(digits) > 2 else None))
        elif years:
            out.add((None, None, years[0]))
    if bare_years:
        out |= {(None, None, int(y)) for y in YEAR.findall(text)}
    return out


def date_fits(wanted: DateKey, said: DateKey) -> bool:
    (d, m, y), (sd, sm, sy) = wanted, said
    if d is not None and d != sd or m is not None and m != sm:
        return False
    if y is not None and (sy != y if d is None and m is None else sy is not None and sy != y):
        return False
    return True


def names_date(text: str, dates: tuple[str, ...]) -> bool:
    """Whether `text` names one of the question's `dates` (day and month as asked; the year, if both say one)."""
    wanted = {k for d in dates for k in date_keys(d)}
    said = date_keys(text, bare_years=True)
    return any(date_fits(w, s) for w in wanted for s in said)
