"""Time-aware questions on the dated fixture (tests/data/dated, today = 2025-11-21), answered from the
evidence (extractive) with the real e5 model: the asked period limits the articles, the latest report
wins, a timeline lists the story's events in order, a period no article covers is abstained."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from rag import api
from rag.filters import Filters
from rag.prepare import event_day, newest_wins
from rag.types import Answer, Article, Evidence, Sentence
from tests.conftest import DATED, copy_dated

GOLD = json.loads((DATED / "gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dated_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("dated")
    copy_dated(base / "articles")
    api.build_index(base / "articles", base / "index", embedder="e5-small")
    return base / "index"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_TODAY", GOLD["today"])


def _stories() -> dict[str, str]:
    return {g["title"]: g["story"] for g in GOLD["articles"]}


def test_last_week_is_answered_from_last_weeks_articles(dated_index: Path) -> None:
    a = api.ask("Was wurde letzte Woche im Tarifstreit bei den Marstedter Verkehrsbetrieben vereinbart?",
                llm="extractive", index_dir=dated_index)
    assert not a.abstained and "6,2" in a.answer and "4,5" not in a.answer
    assert all("2025-11-10" <= c.date <= "2025-11-16" for c in a.citations if c.date)
    assert "(2025-11-1" in a.answer  # a time-aware answer names the day each quote was published


def test_a_period_no_article_covers_is_abstained_with_the_reason(dated_index: Path) -> None:
    a = api.ask("Was geschah im September 2025 beim Streik der Verkehrsbetriebe?", llm="extractive",
                index_dir=dated_index)
    assert a.abstained and "2025-09-01" in a.reason and "2025-09-30" in a.reason


def test_the_latest_report_wins_over_an_older_closer_one(dated_index: Path) -> None:
    a = api.ask("Wie viel kostet ein Anwohnerparkausweis in Marstedt nach dem neuesten Stand?", llm="extractive",
                index_dir=dated_index)
    assert a.short.startswith("90") and "120 Euro" not in a.answer
    # asked without "neuesten Stand", the closest sentence (the October plan) is the answer
    b = api.ask("Wie viel kostet ein Anwohnerparkausweis in Marstedt?", llm="extractive", index_dir=dated_index)
    assert b.short.startswith("120")


def test_a_timeline_lists_the_storys_events_in_order(dated_index: Path) -> None:
    a = api.ask("Chronologie der Klinikfusion in Marstedt", llm="extractive", index_dir=dated_index)
    assert a.kind == "timeline" and not a.abstained
    days = re.findall(r"^• (\d{4}-\d{2}-\d{2}):", a.answer, flags=re.MULTILINE)
    assert len(days) >= 3 and days == sorted(days)
    stories = _stories()
    assert {stories[c.title] for c in a.citations} == {"hospital"}
    assert "2025-10-14" in days  # "am Dienstag" in the lead of the article of Wednesday 15 October


def test_a_timeline_takes_the_storys_articles_and_not_another_storys(dated_index: Path) -> None:
    """Asked in English, the German reports of the bridge's cost (5 November) and of the committee's money
    (10 November) are far from the question's words but close to the story's other articles; the report on
    the port's pile driving is as close to the question as some of the story's, but of another story."""
    a = api.ask("Give me a timeline of the Linden Bridge renovation in Marstedt.", llm="extractive",
                index_dir=dated_index)
    days = re.findall(r"^• (\d{4}-\d{2}-\d{2}):", a.answer, flags=re.MULTILINE)
    assert {"2025-11-05", "2025-11-10", "2025-12-01"} <= set(days) and days == sorted(days)
    stories = _stories()
    assert {stories[c.title] for c in a.citations} == {"bridge"}


def test_a_timeline_since_a_day_finds_its_story_over_every_date(dated_index: Path) -> None:
    """Since 10 November the bridge's story has three reports; the committee's is linked to the story only
    through earlier reports, which the period leaves out of the answer but not out of finding the story."""
    a = api.ask("Was ist seit dem 10. November beim Brückenbau an der Lindenbrücke passiert?", llm="extractive",
                index_dir=dated_index)
    assert "3,4 Millionen" in a.answer and "1. Dezember" in a.answer
    assert all(c.date >= "2025-11-10" for c in a.citations)
    stories = _stories()
    assert {stories[c.title] for c in a.citations} == {"bridge"}


def test_a_timeline_takes_the_storys_report_in_another_language_by_its_names_and_figures(dated_index: Path) -> None:
    """The English report of the court's ruling on 19 November is far from the German question in the vectors
    (an English report on the bridge's ferry is closer); it names the port director, the environmental group
    and the quay wall's 520 metres as the German reports of the berth do."""
    a = api.ask("Was ist seit dem 15. November beim Liegeplatz 7 geschehen?", llm="extractive",
                index_dir=dated_index)
    days = re.findall(r"^• (\d{4}-\d{2}-\d{2}):", a.answer, flags=re.MULTILINE)
    assert "2025-11-19" in days and days == sorted(days)
    assert "urgent application" in a.answer
    stories = _stories()
    assert {stories[c.title] for c in a.citations} == {"port"}


def test_a_figure_asked_without_a_time_is_the_storys_newest(dated_index: Path) -> None:
    """The damage was first put at 4 million euros (27 October), then at 6,5 million (10 November): asked
    without a time, the newest figure; asked for the first estimate, the first."""
    a = api.ask("Wie hoch ist der Schaden der Sturmflut?", llm="extractive", index_dir=dated_index)
    assert a.short == "6,5 Millionen Euro" and a.citations[0].date >= "2025-11-10"
    b = api.ask("Wie hoch wurde der Schaden zunächst geschätzt?", llm="extractive", index_dir=dated_index)
    assert b.short == "4 Millionen Euro"


def test_the_latest_report_of_a_story_may_be_in_another_language(dated_index: Path) -> None:
    """The newest cost of the berth (104 million euros, 20 November) is in an English report that the German
    question's words and vector do not find; the story's names and figures do."""
    a = api.ask("Wie teuer wird der neue Liegeplatz 7 nach dem neuesten Stand?", llm="extractive",
                index_dir=dated_index)
    assert not a.abstained and "104 million" in a.answer
    assert a.citations[0].title == "Court clears way for Marstedt port expansion"


def test_which_outlets_reported_a_story_includes_its_reports_in_another_language(dated_index: Path) -> None:
    a = api.ask("Wer hat über die Klage gegen den Liegeplatz 7 berichtet?", llm="extractive", index_dir=dated_index)
    stories = _stories()
    assert "northsea-herald.example" in a.answer and {stories[c.title] for c in a.citations} == {"port"}


def test_a_day_a_later_report_recalls_is_not_its_event(dated_index: Path) -> None:
    """The English report of 19 November (members approve the deal) names the warning strike of 3 November,
    which the story's reports of that day told: its bullet is its own day, after the agreement of 13 November."""
    a = api.ask("Chronologie des MVB-Tarifstreits", llm="extractive", index_dir=dated_index)
    bullets = re.findall(r"^• (\d{4}-\d{2}-\d{2}): (.*)$", a.answer, flags=re.MULTILINE)
    assert [day for day, _ in bullets] == sorted(day for day, _ in bullets)
    approved = [day for day, text in bullets if "have approved" in text]
    assert approved == ["2025-11-19"]
    assert any(day == "2025-11-03" for day, _ in bullets)  # the strike keeps its day from its own report


def test_a_recalled_day_is_long_before_the_report_on_a_day_the_story_was_reported() -> None:
    from rag.prepare import recalled

    reported = {dt.date(2025, 11, 3), dt.date(2025, 11, 13)}
    assert recalled("2025-11-03", "2025-11-19", reported)
    assert recalled("2025-11-02", "2025-11-19", reported)  # the evening before a report of the next day
    assert not recalled("2025-11-13", "2025-11-19", reported)  # within a week: the report's own news
    assert not recalled("2025-10-20", "2025-11-19", reported)  # no report of the story then: told first here
    assert not recalled("", "2025-11-19", reported) and not recalled("2025-11-03", "", reported)


def test_an_articles_marks_are_its_rare_names_and_figures_in_both_languages(dated_index: Path) -> None:
    """What `STORY_MARKS` is set from: the English reports share 3 or more marks with an article of their own
    story, and at most 2 with any article of another story."""
    from rag.prepare import STORY_MARKS, story_marks

    snap = api.open_snapshot(dated_index)
    stories = _stories()
    english = [a for a in snap.articles.values() if a.language == "en" and stories[a.title] != "single"]
    assert len(english) == 3
    for report in english:
        shared = {b.id: len(story_marks(snap, report.id) & story_marks(snap, b.id))
                  for b in snap.articles.values() if b.language == "de"}
        own = [n for b, n in shared.items() if stories[snap.articles[b].title] == stories[report.title]]
        other = [n for b, n in shared.items() if stories[snap.articles[b].title] != stories[report.title]]
        assert max(other) < STORY_MARKS
        if stories[report.title] != "bridge":  # the ferry shares two marks with its story: not linked by them
            assert max(own) >= STORY_MARKS
    port = next(a for a in english if stories[a.title] == "port")
    marks = story_marks(snap, port.id)
    assert {"wemme-watt", "olsen", "520"} <= marks and "marstedt" not in marks  # in every report: the place


def test_a_figure_is_one_mark_however_a_language_writes_it() -> None:
    from rag.prepare import _figure

    assert _figure("6,2") == _figure("6.2") == "6.2"
    assert _figure("1.200") == _figure("1,200") == "1200"
    assert _figure("15,4") == "15.4" and _figure("520") == "520"
    assert _figure("2025") == _figure("87") == _figure("1.2.3") == ""  # a year, two digits, no figure


def test_a_named_month_limits_the_search_and_is_not_matched_as_words(dated_index: Path) -> None:
    """ "in October 2025" limits the articles to October's; as words of the question it made the dateline
    "Marstedt, 1. Oktober 2025 – …" of a parking report the closest sentence."""
    a = api.ask("What did the Marstedt city council decide in October 2025 about the port expansion?",
                llm="extractive", index_dir=dated_index)
    stories = _stories()
    assert a.citations and stories[a.citations[0].title] == "port"
    assert all("2025-10-01" <= c.date <= "2025-10-31" for c in a.citations)


def test_a_copy_from_another_outlet_is_one_event(dated_index: Path) -> None:
    a = api.ask("Chronologie der Klinikfusion in Marstedt", llm="extractive", index_dir=dated_index)
    days = re.findall(r"^• (\d{4}-\d{2}-\d{2}):", a.answer, flags=re.MULTILINE)
    # both outlets tell the start on 1 January 2026 (an agency text): one event, citing one of them
    assert days.count("2026-01-01") == 1 and len(days) == len(set(days))
    [start] = [c for c, day in zip(a.citations, days, strict=True) if day == "2026-01-01"]
    assert "1. Januar" in start.quote


def _ev(article: str, date: str, text: str = "Der Rat beschloss den Haushalt.", source: str = "jsonl",
        score: float = 0.9) -> Evidence:
    return Evidence(Sentence(text, 0, len(text)), f"{article}-c", article, article, None, date, score,
                    date_source=source)


def test_newest_wins_only_within_the_margin_and_never_by_a_files_time() -> None:
    old, new, filed = _ev("a", "2025-10-01"), _ev("b", "2025-11-01"), _ev("c", "2025-12-01", source="file-time")
    scored = [(0.90, 0, old), (0.86, 1, new), (0.895, 2, filed)]
    assert [t[2] for t in newest_wins(scored, 0.05, lambda ev: True)][:1] == [new]
    assert [t[2] for t in newest_wins(scored, 0.01, lambda ev: True)][:1] == [old]  # 0.04 apart: no tie
    assert [t[2] for t in newest_wins(scored, 0.05, lambda ev: ev is not new)][:1] == [old]


def test_filters_narrowed_to_a_period() -> None:
    f = Filters(since="2025-10-15", source="nordbote.example").within("2025-10-01", "2025-10-31")
    assert (f.since, f.until, f.source, f.empty) == ("2025-10-15", "2025-10-31", "nordbote.example", False)
    assert Filters(until="2025-09-30").within("2025-10-01", "2025-10-31").empty
    dated = Article("x", "t", "text", None, "2025-10-20", "p", "de", date_source="file-time")
    assert not Filters(since="2025-10-01").matches(dated)  # a file's time is no publication date


def test_an_event_without_a_day_takes_its_articles_publication_day() -> None:
    assert event_day(_ev("a", "2025-11-04", "Der Streik begann am Montag.")) == "2025-11-03"
    assert event_day(_ev("a", "2025-11-04", "Der Streik dauert an.")) == "2025-11-04"
    assert event_day(_ev("a", "2025-11-04", "Der Streik dauert an.", source="file-time")) == ""


def test_a_citation_says_which_day_its_sentence_tells_of(dated_index: Path) -> None:
    a = api.ask("Was geschah am 3. November im Marstedter Hafen?", llm="extractive", index_dir=dated_index)
    assert a.citations and a.citations[0].tells_of == "2025-11-03"
    assert a.to_json()["citations"][0]["tells_of"] == "2025-11-03"  # type: ignore[index]


def test_the_latest_report_comes_from_the_asked_story_not_another_with_a_newer_figure(dated_index: Path) -> None:
    """The newest cost among the close sentences is the bridge's (15,4 Millionen Euro); asked about the
    port's berth, an article that never names the berth is no report of its story."""
    a = api.ask("Was kostet der Ausbau des Liegeplatzes 7 laut den jüngsten Berichten?", llm="extractive",
                index_dir=dated_index)
    assert "15,4" not in a.answer and "Lindenbrücke" not in a.answer


def test_a_figure_the_lead_leaves_open_comes_from_the_sentences_after_it(dated_index: Path) -> None:
    """The English report's lead says the wage deal was approved (on a strike "on November 3", no count), a
    sentence after it by how much."""
    a = api.ask("By how much will wages rise at Marstedt's public transport company MVB?", llm="extractive",
                index_dir=dated_index)
    assert not a.abstained and a.short.startswith("6.2") and a.citations[0].quote.startswith("The deal raises")


def _judged(dated_index: Path, question: str, judge_yes: Callable[[str], bool],
            reading: str) -> tuple[Answer, list[str]]:
    """The flow's answer with a fake model whose judge says yes where `judge_yes(prompt)` (the check always, the
    reader `reading`), and the prompts of the judge's own calls (not the answer checks)."""
    from langchain_core.messages import BaseMessage

    from rag import store
    from rag.chain import AnswerFlow
    from rag.prompts import ANSWER_CHECK_ASK, JUDGE_SYSTEM
    from tests.fakes import RecordingChatModel

    def reply(messages: list[BaseMessage]) -> str:
        if messages[0].content == JUDGE_SYSTEM:
            return "yes" if judge_yes(str(messages[-1].content)) else "no"
        return "yes" if "Check" in str(messages[0].content) else reading

    model = RecordingChatModel(reply)
    answer = AnswerFlow(store.open_index(dated_index), model, "fake").invoke({"question": question})
    judged = [str(call[-1].content) for call in model.calls
              if call[0].content == JUDGE_SYSTEM and not str(call[-1].content).endswith(ANSWER_CHECK_ASK)]
    return answer, judged


def _sentence(prompt: str) -> str:
    """The sentence a judge's prompt asks about."""
    return prompt.split("Sentence:")[-1].split("Question:")[0]


def test_the_judge_reads_the_closest_sentence_where_a_newer_report_gives_the_figure(dated_index: Path) -> None:
    """The newest report's "Bei den Kosten bleibe es bei 15,4 Millionen Euro" does not name the bridge; the
    sentence it replaced does, so the judge reads that one and the answer keeps the newest report's quote."""
    answer, judged = _judged(dated_index, "Wie hoch sind die Kosten der Brückensanierung an der Lindenbrücke nach "
                             "neuestem Stand?", lambda prompt: "Lindenbrücke" in _sentence(prompt),
                             "15,4 Millionen Euro")
    assert len(judged) == 1 and "Bei den Kosten bleibe es" not in judged[0]
    assert not answer.abstained and "15,4" in answer.answer
    assert answer.citations[0].quote.startswith("Bei den Kosten bleibe es") and answer.citations[0].date == "2025-11-18"


def test_the_judge_reads_a_sentence_chosen_for_its_figure_under_its_headline(dated_index: Path) -> None:
    """"… die Rammarbeiten für die 520 Meter lange Kaimauer" was chosen for its length, not for its closeness, and
    does not say which quay wall: the judge reads it under its article's headline, which names the berth."""
    answer, judged = _judged(dated_index, "Wie lang wird die neue Kaimauer am Liegeplatz 7?",
                             lambda prompt: "Liegeplatz" in prompt.split("Question:")[0], "520 Meter")
    assert len(judged) == 1 and "520 Meter" in judged[0] and "Spatenstich für den Liegeplatz 7" in judged[0]
    assert not answer.abstained and answer.short == "520 Meter"


def test_the_latest_figure_comes_from_a_newer_reports_lead_and_the_sentence_after_it(dated_index: Path) -> None:
    """The October report's "Schäden von rund 4 Millionen Euro" is closest; the November report's lead gives no
    figure ("Die Schäden … fallen … höher aus als zunächst angenommen") and the sentence after it does ("Die Stadt
    beziffert sie jetzt auf rund 6,5 Millionen Euro"): the newer report is the same fact, and the latest wins."""
    for question in ("Wie hoch ist nach neuester Schätzung der Schaden der Sturmflut in Marstedt?",
                     "Wie viel Schaden hat die Sturmflut in Marstedt laut dem neuesten Bericht angerichtet?"):
        a = api.ask(question, llm="extractive", index_dir=dated_index)
        assert not a.abstained and a.citations[0].quote.startswith("Die Stadt beziffert sie jetzt auf rund 6,5")
        assert a.citations[0].date == "2025-11-10"


def test_a_date_said_as_a_weekday_is_answered_with_the_day_it_names(dated_index: Path) -> None:
    """"am Montag" in a report of Monday 3 November is that day: the short answer names it."""
    a = api.ask("Wann war der erste Spatenstich für den Liegeplatz 7?", llm="extractive", index_dir=dated_index)
    assert a.short == "am Montag" and a.answer.startswith("Montag, 3. November 2025")
    en = api.ask("When did pile driving start at Berth 7?", llm="extractive", index_dir=dated_index)
    assert en.short == "am Montag" and en.answer.startswith("Monday, 17 November 2025")


def test_a_headline_without_a_date_is_answered_from_its_lead(dated_index: Path) -> None:
    """The headline "Rammarbeiten am Liegeplatz 7 haben begonnen" is the closest sentence; its lead says when."""
    a = api.ask("Wann begannen die Rammarbeiten am Liegeplatz 7?", llm="extractive", index_dir=dated_index)
    assert not a.abstained and a.citations[0].quote.startswith("Am Nordkai")
    assert a.answer.startswith("Montag, 17. November 2025")


def test_the_judge_reads_the_day_a_weekday_names(dated_index: Path) -> None:
    """"Was geschah am 3. November?" and a sentence that says "am Montag": the judge reads which day that is."""
    from langchain_core.messages import BaseMessage

    from rag import store
    from rag.chain import AnswerFlow
    from rag.prompts import ANSWER_CHECK_ASK, JUDGE_SYSTEM
    from tests.fakes import RecordingChatModel

    def reply(messages: list[BaseMessage]) -> str:  # yes only where the sentence tells the asked day
        return "yes" if "3. November 2025" in str(messages[-1].content).split("Question:")[0] else "no"

    model = RecordingChatModel(reply)
    answer = AnswerFlow(store.open_index(dated_index), model, "fake").invoke(
        {"question": "Was geschah am 3. November im Marstedter Hafen?"})
    judged = [str(call[-1].content) for call in model.calls  # the judge's own calls, not the answer checks
              if call[0].content == JUDGE_SYSTEM and not str(call[-1].content).endswith(ANSWER_CHECK_ASK)]
    assert judged and "am Montag (3. November 2025)" in judged[0]
    assert not answer.abstained and answer.verified and "Spatenstich" in answer.answer


def test_what_a_report_of_the_period_says_comes_from_its_lead(dated_index: Path) -> None:
    """The closest sentence of this week's report is its attribution ("…, teilte die Geschäftsführerin am Montag
    mit"); what was announced is the report's lead."""
    a = api.ask("What was announced this week about the merger of the Marstedt hospitals?", llm="extractive",
                index_dir=dated_index)
    assert not a.abstained
    assert a.citations[0].quote.startswith("Die Geburtshilfe des St.-Annen-Krankenhauses wird Ende März 2026")


def test_the_judge_reads_the_closest_sentence_where_the_periods_report_is_answered_by_its_lead(
        dated_index: Path) -> None:
    """The lead ("Die Geburtshilfe … wird Ende März 2026 geschlossen.") does not name the merger; the closest
    sentence of the same report does ("… des neuen Klinikverbunds …"): the judge reads that one, the answer
    keeps the lead (a judge that read the lead said no, and a runner-up took the answer's place)."""
    answer, judged = _judged(dated_index, "Was wurde diese Woche über die Fusion der Marstedter Kliniken bekannt?",
                             lambda prompt: "Klinikverbund" in _sentence(prompt), "none")
    assert judged and "Klinikverbunds" in judged[0]
    assert not answer.abstained
    assert answer.citations[0].quote.startswith("Die Geburtshilfe des St.-Annen-Krankenhauses wird Ende März 2026")


def test_the_figure_a_lead_leaves_open_comes_from_the_pronoun_sentence_after_it(dated_index: Path) -> None:
    """"Die Schäden der Sturmflut … fallen … höher aus" gives no number; "Die Stadt beziffert sie jetzt auf rund
    6,5 Millionen Euro" does, and its "sie" is the lead's damage."""
    a = api.ask("What is the latest estimate of the storm surge damage in Marstedt?", llm="extractive",
                index_dir=dated_index)
    assert not a.abstained and "6,5 Millionen" in a.citations[0].quote
    assert a.citations[0].date == "2025-11-10"


def test_an_outlet_named_in_the_question_limits_the_answer_to_its_reports(dated_index: Path) -> None:
    from rag.filters import outlet

    a = api.ask("Was berichtete der Nordbote über die Lindenbrücke?", llm="extractive", index_dir=dated_index)
    assert not a.abstained and a.citations
    assert {outlet(c.url) for c in a.citations} == {"nordbote.example"}
    assert any("15,4 Millionen Euro" in c.quote for c in a.citations)
    b = api.ask("Wie viel kostet laut Radio Wemme der Bahnhof?", llm="extractive", index_dir=dated_index)
    assert all(outlet(c.url) == "radio-wemme.example" for c in b.citations)
    # the Rundschau has no report on the storm surge: no other outlet's report stands in for it
    c = api.ask("Was berichtete die Marstedter Rundschau über die Sturmflut?", llm="extractive",
                index_dir=dated_index)
    assert c.abstained and "marstedter-rundschau.example" in c.reason


def test_a_period_in_the_place_every_article_reports_from_is_the_periods_digest(dated_index: Path) -> None:
    """"in Marstedt" names no story: every report of the fixture is from Marstedt."""
    a = api.ask("Was passierte letzte Woche in Marstedt?", llm="extractive", index_dir=dated_index)
    b = api.ask("Was passierte letzte Woche?", llm="extractive", index_dir=dated_index)
    assert a.kind == "timeline" and a.answer == b.answer and a.answer.count("\n• ") >= 3
    c = api.ask("Was passierte letzte Woche an der Lindenbrücke?", llm="extractive", index_dir=dated_index)
    stories = _stories()
    assert {stories[x.title] for x in c.citations} == {"bridge"}  # a story named: its events, no digest


def test_a_period_without_a_topic_gets_what_each_story_reported(dated_index: Path) -> None:
    """"Was ist diese Woche passiert?" names no topic: one bullet per story of the week (its newest report's
    headline), in the order of their days, every story of the week and no report from before it."""
    a = api.ask("Was ist diese Woche passiert?", llm="extractive", index_dir=dated_index)
    assert a.kind == "timeline" and not a.abstained
    days = re.findall(r"^• (\d{4}-\d{2}-\d{2}):", a.answer, flags=re.MULTILINE)
    assert days == sorted(days) and all("2025-11-17" <= d <= "2025-11-21" for d in days)
    stories = _stories()
    language = {g["title"]: g["language"] for g in GOLD["articles"]}
    told = [(stories[c.title], language[c.title]) for c in a.citations if stories[c.title] != "single"]
    week = {g["story"] for g in GOLD["articles"] if "2025-11-17" <= g["date"] <= "2025-11-21"} - {"single"}
    assert week <= {story for story, _ in told}  # every running story of the week …
    assert len(told) == len(set(told))  # … once in each language (across languages reports are not linked)
    assert "Dienstag" not in a.answer.split("„")[1]  # a date line is no headline
    # with a topic it is that story's timeline, not a digest
    b = api.ask("Was ist diese Woche an der Lindenbrücke passiert?", llm="extractive", index_dir=dated_index)
    assert {stories[c.title] for c in b.citations} == {"bridge"}


def test_news_without_a_topic_is_a_digest_and_with_one_is_not() -> None:
    from rag.question import analyse

    for question in ("Was ist diese Woche passiert?", "Was war im Oktober los?", "Was gab es gestern Neues?",
                     "What happened last week?", "Any news from yesterday?"):
        q = analyse(question)
        assert q.kind == "timeline" and q.frame.digest, question
    for question in ("Was ist letzte Woche beim Streik passiert?", "Was wurde letzte Woche im Tarifstreit vereinbart?",
                     "Was gibt es Neues?"):
        assert not analyse(question).frame.digest, question


def test_an_outlets_news_of_a_period_is_its_digest(dated_index: Path) -> None:
    from rag.filters import outlet

    a = api.ask("What did the Northsea Herald report this week?", llm="extractive", index_dir=dated_index)
    assert a.kind == "timeline" and len(a.citations) == 3
    assert {outlet(c.url) for c in a.citations} == {"northsea-herald.example"}
    assert all("2025-11-17" <= c.date <= "2025-11-21" for c in a.citations)


def test_which_outlets_reported_a_story_lists_its_reports_with_their_outlets(dated_index: Path) -> None:
    from rag.filters import outlet

    a = api.ask("Which outlets reported on the wage deal?", llm="extractive", index_dir=dated_index)
    assert a.kind == "timeline" and not a.abstained
    stories = _stories()
    assert {stories[c.title] for c in a.citations} == {"strike"} and len(a.citations) >= 6
    lines = a.answer.splitlines()
    assert all(f", {outlet(c.url)}: " in line for c, line in zip(a.citations, lines, strict=True))
    assert "northsea-herald.example" in a.answer  # the English report joins the German ones
    # an edited copy of a report in another outlet is a report of that outlet too
    b = api.ask("Welche Zeitungen berichteten über die Klinikfusion?", llm="extractive", index_dir=dated_index)
    assert {stories[c.title] for c in b.citations} == {"hospital"}
    assert {"kuestenblatt.example", "stadtanzeiger-marstedt.example"} <= {outlet(c.url) for c in b.citations}


def test_asking_which_outlets_reported_is_a_coverage_question() -> None:
    from rag.question import analyse

    for question in ("Welche Zeitungen berichteten über die Klinikfusion?", "Which outlets covered the strike?",
                     "Wer hat über die Sturmflut berichtet?", "Which newspapers reported on the bridge?"):
        q = analyse(question)
        assert q.kind == "timeline" and q.frame.coverage, question
    assert not analyse("Welche Zeitung wurde 1850 gegründet?").frame.coverage


def test_who_wrote_a_work_is_no_coverage_question() -> None:
    from rag.question import analyse

    for question in ("Who wrote the 95 theses?", "Wer schrieb die Lutherbibel?", "Which sources did Luther use?",
                     "Welche Quellen nennt der Bericht?"):
        assert not analyse(question).frame.coverage, question


def test_a_figure_asked_in_a_unit_comes_from_a_sentence_that_gives_it_in_that_unit(dated_index: Path) -> None:
    """"Wie lang …?" finds the port's reports, whose closest sentence gives no length: the closest sentence with a
    length in metres answers it (before: "the best sentence gives no number")."""
    a = api.ask("Wie lang wird die neue Kaimauer im Marstedter Hafen?", llm="extractive", index_dir=dated_index)
    assert not a.abstained and "520 Meter" in a.answer and "Kaimauer" in a.citations[0].quote


def test_which_unit_a_figure_is_asked_in() -> None:
    from rag.answer_types import gives_measure
    from rag.question import measure

    assert measure("Was kostet der Ausbau des Liegeplatzes?") == "money"
    assert measure("How much does the bridge repair cost?") == "money"
    assert measure("Wie viel Geld gibt Südkorea für Verteidigung aus?") == "money"
    assert measure("Wie lang wird die neue Kaimauer?") == "length"
    assert measure("How far is the port from the city?") == "length"
    # a time span, a count, an amount that may be a rate or a height: no unit to ask for
    assert measure("Wie lange dauert der Bau?") is None and measure("How long did the strike last?") is None
    assert measure("Wie viele Betten hat die Klinik?") is None and measure("Wie hoch ist die Inflationsrate?") is None
    assert gives_measure("Die Kosten werden auf 95 Millionen Euro geschätzt.", "Was kostet es?", "money")
    assert gives_measure("the project will now cost 104 million euros", "What does it cost?", "money")
    assert gives_measure("ein Paket von 1,2 Mio. € für", "Was kostet es?", "money")
    assert not gives_measure("Der Bau am Liegeplatz 7 beginnt am 3. November 2025.", "Was kostet es?", "money")
    assert not gives_measure("Es kostet 95 Millionen Euro.", "Kostet es 95 Millionen Euro?", "money")  # asked
    assert gives_measure("eine 480 Meter lange Kaimauer", "Wie lang?", "length")
    assert not gives_measure("eine 480 Meter lange Kaimauer", "Wie lang?", "money")
