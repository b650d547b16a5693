"""Filters by publication date and outlet: search, answers, the CLI, and clear errors for bad values."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from rag import api
from rag.cli import main
from rag.errors import ConfigError
from rag.filters import make_filters, named_outlet, outlet_name

ITEMS = [  # the same kind of story from three outlets on three days
    {"id": "a", "title": "Hafen Emden Oktober", "date": "2025-10-20", "url": "https://www.nordwest.example/hafen",
     "text": "Der Hafen Emden meldete im Oktober einen Rekord. Es wurden 4711 Autos verschifft."},
    {"id": "b", "title": "Hafen Emden November", "date": "2025-11-03", "url": "https://news.kuestenblatt.example/h",
     "text": "Der Hafen Emden meldete im November einen neuen Rekord. Es wurden 5200 Autos verschifft."},
    {"id": "c", "title": "Hafen Emden Dezember", "date": "2025-12-01", "url": "https://www.nordwest.example/hafen2",
     "text": "Der Hafen Emden meldete im Dezember einen dritten Rekord. Es wurden 6100 Autos verschifft."},
    {"id": "d", "title": "Hafen ohne Datum", "url": "https://www.nordwest.example/alt",
     "text": "Der Hafen Emden meldete einen Rekord. Es wurden 3900 Autos verschifft."},
]


@pytest.fixture()
def dated_index(tmp_path: Path) -> Path:
    arts = tmp_path / "articles"
    arts.mkdir()
    (arts / "hafen.jsonl").write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in ITEMS) + "\n",
                                      encoding="utf-8")
    api.build_index(arts, tmp_path / "index", embedder="hashing")
    return tmp_path / "index"


QUESTION = "Wie viele Autos verschiffte der Hafen Emden?"


def _dates(hits: list) -> list:  # type: ignore[type-arg]
    return sorted({h.date for h in hits}, key=str)


def test_search_keeps_only_articles_of_the_asked_days_and_outlet(dated_index: Path) -> None:
    assert len({h.article_id for h in api.search(QUESTION, k=10, index_dir=dated_index)}) == 4
    assert _dates(api.search(QUESTION, k=10, index_dir=dated_index, since="2025-11-01")) == ["2025-11-03", "2025-12-01"]
    assert _dates(api.search(QUESTION, k=10, index_dir=dated_index, until="2025-11-03")) == ["2025-10-20", "2025-11-03"]
    assert _dates(api.search(QUESTION, k=10, index_dir=dated_index, since="2025-11-03",
                             until="2025-11-03")) == ["2025-11-03"]
    from_outlet = api.search(QUESTION, k=10, index_dir=dated_index, source="nordwest.example")
    assert {h.url for h in from_outlet} == {ITEMS[0]["url"], ITEMS[2]["url"], ITEMS[3]["url"]}
    assert api.search(QUESTION, k=10, index_dir=dated_index, source="kuestenblatt.example", until="2025-10-31") == []
    for mode in ("dense", "bm25"):  # each ranker honours the filter, not only the fusion
        assert _dates(api.search(QUESTION, k=10, index_dir=dated_index, mode=mode, since="2025-12-01")) == [
            "2025-12-01"]


def test_an_answer_uses_only_the_filtered_articles(dated_index: Path) -> None:
    ans = api.ask(QUESTION, llm="extractive", index_dir=dated_index, since="2025-11-01", until="2025-11-30")
    assert not ans.abstained and {c.date for c in ans.citations} == {"2025-11-03"} and "5200" in ans.answer
    none = api.ask(QUESTION, llm="extractive", index_dir=dated_index, since="2026-01-01")
    assert none.abstained and not none.citations


def test_the_cli_takes_the_filters(dated_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", QUESTION, "--index", str(dated_index), "--since", "2025-12-01", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {r["date"] for r in rows} == {"2025-12-01"}
    assert main(["ask", QUESTION, "--llm", "extractive", "--index", str(dated_index), "--source",
                 "https://news.kuestenblatt.example/", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "5200" in json.dumps(out, ensure_ascii=False)
    assert main(["search", QUESTION, "--index", str(dated_index), "--since", "1. November"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"since": "2025-13-01"}, "--since '2025-13-01' is not a date"),
    ({"until": "gestern"}, "--until 'gestern' is not a date"),
    ({"since": "2025-12-01", "until": "2025-11-01"}, "is after --until"),
    ({"source": "kein domain"}, "is not a domain"),
])
def test_bad_filter_values_say_what_to_write(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make_filters(**kwargs)


def test_sources_are_matched_as_domains() -> None:
    from rag.types import Article

    f = make_filters(source="WWW.Nordwest.example")
    art = Article("x", "t", "text", "https://nordwest.example/a", "2025-01-01", "p", "de")
    assert f.source == "nordwest.example" and f.matches(art)
    assert not f.matches(Article("y", "t", "text", "https://evilnordwest.example/a", None, "p", "de"))
    assert not f.matches(Article("z", "t", "text", None, None, "p", "de"))


def test_each_article_says_where_its_date_comes_from(tmp_path: Path) -> None:
    from rag.ingest import load_file

    cases = {
        "feed.jsonl": (json.dumps({"title": "T", "date": "2025-11-03", "text": "Der Rat tagte am Montag in Kiel."}),
                       "2025-11-03", "jsonl"),
        "page.html": ('<html><head><meta property="article:published_time" content="2025-10-01T08:00:00Z">'
                      "<title>Rat</title></head><body><p>Der Rat tagte am Mittwoch in Kiel und beschloss den "
                      "Bebauungsplan.</p></body></html>", "2025-10-01", "metadata"),
        "link.txt": ("Der Rat tagte am Dienstag in Kiel über den Haushalt.\n\nQuelle: "
                     "https://example.org/rat-20250912103000.htm\n",
                     "2025-09-12", "url"),
        "dateline.txt": ("Kiel, 3. August 2025\n\nDer Rat tagte am Sonntag in Kiel.\n", "2025-08-03", "dateline"),
        "stand.txt": ("Rat in Husum\n\nDer Rat tagte am Freitag.\n\nEr beschloss den Haushalt.\n\n"
                      "Die Sitzung dauerte drei Stunden.\n\nStand: 07.11.2025, 16:30 Uhr\n", "2025-11-07", "text"),
        "undated.txt": ("Der Rat tagte am Freitag in Heide.\n", "2025-06-30", "file-time"),
        "rss.jsonl": (json.dumps({"title": "R", "date": "Sun, 02 Nov 2025 23:30:00 -0500",
                                  "text": "Der Rat tagte am Sonntag in Eutin."}), "2025-11-02", "jsonl"),
    }
    for name, (content, date, source) in cases.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
        os.utime(tmp_path / name, (dt.datetime(2025, 6, 30, 12).timestamp(),) * 2)
        [art] = load_file(tmp_path / name)
        assert (art.date, art.date_source) == (date, source), name
    api.build_index(tmp_path, tmp_path / "ix", embedder="hashing")
    [hit] = api.search("Rat Kiel Haushalt", k=1, index_dir=tmp_path / "ix", source="example.org") or [None]
    assert hit is not None and (hit.date, hit.date_source) == ("2025-09-12", "url")
    ans = api.ask("Wann tagte der Rat in Kiel?", llm="extractive", index_dir=tmp_path / "ix", until="2025-08-31")
    assert ans.citations and all(c.date_source == "dateline" for c in ans.citations)


def test_an_outlet_is_named_in_a_question_by_its_name() -> None:
    hosts = {outlet_name(h): h for h in ("radio-wemme.example", "nordbote.example", "sueddeutsche.de",
                                         "en.baotintuc.vn", "bbc.co.uk")}
    assert set(hosts) == {"radio wemme", "nordbote", "sueddeutsche", "baotintuc", "bbc"}
    assert named_outlet("Was meldet Radio Wemme zum Hafen?", hosts) == ("radio-wemme.example", "Radio Wemme")
    assert named_outlet("Was stand im Nordboten über den Hafen?", hosts) == ("nordbote.example", "Nordboten")
    assert named_outlet("Was schreibt die Süddeutsche über die Wahl?", hosts) == ("sueddeutsche.de", "Süddeutsche")
    assert named_outlet("What does the BBC say?", hosts) == ("bbc.co.uk", "BBC")
    assert named_outlet("Wie hoch ist die Brücke?", hosts) == ("", "")
    assert named_outlet("Was meldet das Radio?", hosts) == ("", "")  # one word of a two-word name is none
