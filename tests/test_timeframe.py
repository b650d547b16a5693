"""Time in questions and sentences (`rag.timeframe`): the period asked about, "latest", timelines, the day
a sentence tells of, and the publication dates ingest finds."""

from __future__ import annotations

import datetime as dt

import pytest

from rag.dates import parse_published
from rag.errors import ConfigError
from rag.question import analyse
from rag.timeframe import (
    day_in_words,
    names_relative_day,
    question_period,
    relative_day,
    sentence_day,
    time_frame,
    today,
    with_days,
)

FRIDAY = dt.date(2025, 11, 21)


@pytest.mark.parametrize(("question", "since", "until", "relative"), [
    ("Was wurde letzte Woche im Tarifstreit vereinbart?", "2025-11-10", "2025-11-16", True),
    ("What did the union say last week?", "2025-11-10", "2025-11-16", True),
    ("Was meldeten die Zeitungen diese Woche zum Hafen?", "2025-11-17", "2025-11-21", True),
    ("Was berichteten die Zeitungen gestern über den Hafen?", "2025-11-20", "2025-11-20", True),
    ("What was reported yesterday about the bridge?", "2025-11-20", "2025-11-20", True),
    ("Was geschah in den letzten sieben Tagen?", "2025-11-14", "2025-11-21", True),
    ("Was beschloss der Rat letzten Monat?", "2025-10-01", "2025-10-31", True),
    ("What did the council decide this month?", "2025-11-01", "2025-11-21", True),
    ("Was beschloss der Rat im Oktober 2025?", "2025-10-01", "2025-10-31", False),
    ("What did the council decide in October?", "2025-10-01", "2025-10-31", False),
    ("Was beschloss der Rat im Dezember?", "2024-12-01", "2024-12-31", False),  # the latest December past
    ("Was ist seit dem 10. November beim Brückenbau passiert?", "2025-11-10", "2025-11-21", False),
    ("What happened before 15 October 2025?", "1900-01-01", "2025-10-14", False),
    ("Was geschah bis zum 15. Oktober?", "1900-01-01", "2025-10-15", False),
    ("Was ist heute im Hafen passiert?", "2025-11-21", "2025-11-21", True),
    ("What did the council decide today?", "2025-11-21", "2025-11-21", True),
    ("Was hat der Rat, der im Rathaus tagt, heute beschlossen?", "2025-11-21", "2025-11-21", True),
    ("Welche Meldungen gibt es heute zur Brücke?", "2025-11-21", "2025-11-21", True),
    ("Who resigned today?", "2025-11-21", "2025-11-21", True),
    ("Was passiert heute in Marstedt?", "2025-11-21", "2025-11-21", True),
])
def test_the_period_a_question_asks_about(question: str, since: str, until: str, relative: bool) -> None:
    period = question_period(question, FRIDAY)
    assert period is not None and (period.since, period.until, period.relative) == (since, until, relative)


@pytest.mark.parametrize("question", [
    "Wie viele Fahrgäste waren an Bord?", "Was geschah am 3. November im Hafen?", "Was geschah im Jahr 1066?",
    "Wer wurde 1047 geadelt?", "Welche Woche war die wichtigste?",
    # "heute" / "today" for nowadays or so far
    "Wie hieß das römische Fort, das dort stand, wo heute Newcastle liegt?",
    "Wie viele Kisten hat Vietnam bis heute übergeben?", "Welche Stadt ist heute noch die Hauptstadt?",
    "Which city is still today the capital of the region?",
    "Nenne die großen Firmen, bei denen heute viele beratende Apotheker in den USA angestellt sind.",
    "Welche Länder, die heute zur EU gehören, waren damals beteiligt?",
    # a question in the present tense: nowadays
    "Wozu will Vietnam heute amerikanische Offiziere ins Land holen?", "Which companies employ pharmacists today?",
    "Was kostet heute ein Ticket?"])
def test_no_period_where_none_is_asked(question: str) -> None:
    assert question_period(question, FRIDAY) is None


def test_latest_and_timeline_questions() -> None:
    assert time_frame("Wie hoch sind die Kosten nach neuestem Stand?", FRIDAY).latest
    assert time_frame("What is the latest on the strike?", FRIDAY).latest
    assert not time_frame("Wie hoch sind die Kosten?", FRIDAY).latest
    for q in ("Chronologie des Streiks", "Give me a timeline of the bridge renovation",
              "Wie hat sich der Hafenausbau seit Oktober entwickelt?", "Was geschah letzte Woche beim Streik?"):
        frame = time_frame(q, FRIDAY)
        assert frame.timeline and not frame.latest, q
    # a development without a time is no timeline ("Wie hat sich die Bevölkerung entwickelt?" asks for a trend)
    assert not time_frame("Wie hat sich die Bevölkerung entwickelt?", FRIDAY).timeline


def test_analysis_turns_a_period_of_events_into_a_timeline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_TODAY", "2025-11-21")
    q = analyse("Was geschah im Oktober 2025 beim Streik?")
    assert q.kind == "timeline" and q.dates == () and q.frame.period is not None
    # read as dates of events (the articles were not published then), it stays what it was
    q = analyse("Was geschah im Oktober 2025 beim Streik?", periods=False)
    assert q.kind != "timeline" and q.dates == ("Oktober 2025",) and q.frame.period is None
    assert analyse("Was geschah am 3. November im Hafen?").kind == "event_date"


def test_today_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_TODAY", "2025-11-21")
    assert today() == FRIDAY
    monkeypatch.setenv("RAG_TODAY", "21.11.2025")
    with pytest.raises(ConfigError, match="RAG_TODAY.*YYYY-MM-DD"):
        today()
    monkeypatch.delenv("RAG_TODAY")
    assert today() == dt.date.today()


@pytest.mark.parametrize(("sentence", "published", "day"), [
    ("Am Montag legten die Fahrer die Arbeit nieder.", "2025-11-04", "2025-11-03"),  # a Tuesday's article
    ("On Monday the drivers walked out.", "2025-11-04", "2025-11-03"),
    ("Gestern einigten sich die Parteien.", "2025-11-18", "2025-11-17"),
    ("Vor drei Tagen begann der Streik.", "2025-11-18", "2025-11-15"),
    ("Am 3. November begann der Streik.", "2025-11-04", "2025-11-03"),
    ("Am 5. Januar geht es weiter.", "2025-12-20", "2026-01-05"),  # the nearest 5 January
    ("Die Brücke soll Ende Januar 2026 fertig sein.", "2025-11-10", "2026-01-01"),
    ("Seit dem 2. November 2025 wird gestreikt.", None, "2025-11-02"),
    ("Bis 03.11.2025 gilt der Fahrplan.", None, "2025-11-03"),
    ("Der Rat tagte ohne Ergebnis.", "2025-11-04", None),
    # a weekday followed by its date is that date's weekday, not the one before the report
    ("Die Brücke wird ab Montag, 1. Dezember, voll gesperrt.", "2025-11-18", "2025-12-01"),
    ("Am Montag, dem 3. November, streikten die Fahrer.", "2025-11-12", "2025-11-03"),
    ("The bridge closes on Monday, December 1, for cars.", "2025-11-20", "2025-12-01"),
    ("Am Montag begann der Streik, der bis zum 9. November dauert.", "2025-11-04", "2025-11-03"),
    ("Am 3. November begann der Streik.", None, None),  # no year and no article date to read it against
])
def test_the_day_a_sentence_tells_of(sentence: str, published: str | None, day: str | None) -> None:
    found = sentence_day(sentence, published)
    assert (found.isoformat() if found else None) == day


@pytest.mark.parametrize(("value", "day"), [
    ("2025-11-02T23:30:00-05:00", "2025-11-02"),  # the calendar day as written
    ("Sun, 02 Nov 2025 08:00:00 GMT", "2025-11-02"),
    ("02.11.2025", "2025-11-02"), ("2. November 2025", "2025-11-02"), ("November 2, 2025", "2025-11-02"),
    ("2025/11/02", "2025-11-02"), ("Sonntag, 2. Nov. 2025", "2025-11-02"), ("gestern", None), ("", None),
])
def test_publication_dates_in_the_formats_metadata_gives(value: str, day: str | None) -> None:
    assert parse_published(value) == day


def test_a_relative_day_is_read_against_the_report() -> None:
    # a report of Tuesday 4 November: "am Montag" is 3 November, "gestern" too
    assert relative_day("Die Arbeiten haben am Montag begonnen.", "2025-11-04") == ("am Montag", dt.date(2025, 11, 3))
    assert relative_day("Der Rat beschloss gestern den Haushalt.", "2025-11-04") == ("gestern", dt.date(2025, 11, 3))
    assert relative_day("Der Rat beschloss den Haushalt am 2. November.", "2025-11-04") is None
    assert relative_day("Die Arbeiten haben am Montag begonnen.", None) is None  # no report date: no day
    assert day_in_words(dt.date(2025, 11, 3), "de") == "Montag, 3. November 2025"
    assert day_in_words(dt.date(2025, 11, 3), "en") == "Monday, 3 November 2025"
    assert with_days("The judges ruled on Wednesday that", "2025-11-20", "en") == \
        "The judges ruled on Wednesday (19 November 2025) that"
    assert with_days("Die Arbeiten dauern an.", "2025-11-20", "de") == "Die Arbeiten dauern an."
    assert names_relative_day("am Montag") and not names_relative_day("3. November")


def test_a_datelines_day_is_the_reports_not_the_events() -> None:
    text = "Marstedt, 12. November 2025 (npa) – Die Umweltinitiative hat am Dienstag, 11. November, Klage eingereicht."
    assert sentence_day(text, "2025-11-12") == dt.date(2025, 11, 11)
    assert sentence_day("MARSTEDT, November 12, 2025 (npa) - The group sued on Tuesday.", "2025-11-12") == \
        dt.date(2025, 11, 11)
    # a dateline and nothing else: the sentence names no day of its own (its event takes its article's day)
    assert sentence_day("Marstedt, 1. Oktober 2025 – Die Stadt plant Parkzonen.", "2025-10-01") is None
    assert sentence_day("Am 2. November 2025 unterzeichneten beide Seiten.", "2025-11-04") == dt.date(2025, 11, 2)
