"""The article library: the indexed articles listed and filtered, one deleted from the index and the folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag import api, store
from rag.errors import RagError
from ui import render

SEED = "003_0b9d6cc08c71d728.txt"


def test_the_library_lists_filters_and_deletes_an_article(seeds_copy: Path, hashing_index: Path) -> None:
    rows = api.list_articles(hashing_index)
    assert len(rows) == 2 and {r["path"] for r in rows} == {SEED, "000_92dd99e734424ef3.txt"}
    assert all(r["chunks"] > 0 and r["same_story"] == 0 for r in rows)
    # newest first; the article without a date of its own last, shown with its file's time
    assert [r["date_source"] for r in rows] == ["url", "file-time"] and rows[0]["date"] == "2025-11-02"
    baotintuc = next(r for r in rows if r["path"] == "000_92dd99e734424ef3.txt")
    assert baotintuc["outlet"] == "baotintuc.vn" and baotintuc["date_source"] == "url"

    html = render.render_library(rows, text="baotintuc")
    assert "1 of 2 articles" in html and "2025-11-02" in html and "undated" not in html

    doomed = next(r for r in rows if r["path"] == SEED)
    report = api.delete_article(doomed["id"], seeds_copy, hashing_index)
    assert report.removed == 1
    assert not (seeds_copy / SEED).exists()
    assert [p.name.endswith(SEED) for p in (seeds_copy / ".deleted").iterdir()] == [True]  # set aside, not lost
    assert doomed["id"] not in store.open_index(hashing_index).articles
    assert [r["path"] for r in api.list_articles(hashing_index)] == ["000_92dd99e734424ef3.txt"]
    assert api.update_index(seeds_copy, hashing_index).to_json()["added"] == 0  # the folder agrees with the index
    with pytest.raises(RagError, match="deleted already"):
        api.delete_article(doomed["id"], seeds_copy, hashing_index)


def test_a_failed_update_puts_the_file_back(seeds_copy: Path, hashing_index: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from rag import indexing

    doomed = next(r for r in api.list_articles(hashing_index) if r["path"] == SEED)

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(indexing, "sync", broken)
    with pytest.raises(OSError, match="disk full"):
        api.delete_article(doomed["id"], seeds_copy, hashing_index)
    assert (seeds_copy / SEED).exists() and doomed["id"] in store.open_index(hashing_index).articles


def test_an_article_that_shares_its_file_is_not_deleted(seeds_copy: Path, hashing_index: Path) -> None:
    lines = [{"title": f"Meldung {i}", "text": f"Die Brücke Nummer {i} in Feldkirch ist {300 + i} Meter lang. "
              "Sie wurde im Mai eröffnet und verbindet zwei Stadtteile.", "url": f"https://example.org/{i}"}
             for i in range(2)]
    (seeds_copy / "zwei.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines),
                                           encoding="utf-8")
    api.update_index(seeds_copy, hashing_index)
    one = next(r for r in api.list_articles(hashing_index) if r["path"] == "zwei.jsonl")
    assert one["outlet"] == "example.org"
    with pytest.raises(RagError, match="holds 1 other article"):
        api.delete_article(one["id"], seeds_copy, hashing_index)
    assert (seeds_copy / "zwei.jsonl").exists() and len(api.list_articles(hashing_index)) == 4


def test_the_library_escapes_what_articles_say() -> None:
    row = {"id": "x", "title": "<script>alert(1)</script>", "outlet": "", "date": "", "date_source": "",
           "path": "<b>.txt", "chunks": 1, "same_story": 0}
    feed = {"url": "https://example.org/rss", "title": "<img src=x onerror=alert(2)>", "items": 3,
            "last_pull": None, "last_error": "Could not reach <host>"}
    html = render.render_library([row], [feed])
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert "undated" in html and "last error: Could not reach &lt;host&gt;" in html


def test_a_large_library_shows_the_first_rows_and_says_so() -> None:
    rows = [{"id": str(i), "title": f"Meldung {i}", "outlet": "example.org", "date": "2025-11-01", "date_source": "",
             "path": f"{i}.txt", "chunks": 1, "same_story": 0} for i in range(render.LIBRARY_ROWS + 50)]
    html = render.render_library(rows)
    assert html.count("<tr data-id=") == render.LIBRARY_ROWS and "filter to find the others" in html
    assert render.render_library(rows, text="Meldung 249").count("<tr data-id=") == 1


def test_the_pages_ask_api_needs_only_the_question(seeds_copy: Path, hashing_index: Path) -> None:
    from rag.config import Settings
    from ui.app import build_app

    app = build_app(Settings(index_dir=hashing_index, articles_dir=seeds_copy, embedder="hashing", llm="extractive"))
    params = app.get_api_info()["named_endpoints"]["/ask"]["parameters"]
    required = [p["parameter_name"] for p in params if not p.get("parameter_has_default")]
    assert required == ["message"] and {p["parameter_name"] for p in params} >= {"since", "until", "source"}
