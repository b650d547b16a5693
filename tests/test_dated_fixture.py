"""The dated fixture (tests/data/dated): every article's publication date and where it comes from."""

from __future__ import annotations

from pathlib import Path

from rag.ingest import load_file
from tests.conftest import copy_dated


def test_every_fixture_article_gets_its_publication_date_and_provenance(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    gold = copy_dated(folder)
    read = {(a.path, a.title): a for p in sorted(folder.rglob("*")) if p.is_file() for a in load_file(p, root=folder)}
    assert len(read) == len(gold) >= 40
    wrong = [(g["path"], g["date"], g["date_source"], read[(g["path"], g["title"])].date,
              read[(g["path"], g["title"])].date_source) for g in gold
             if (read[(g["path"], g["title"])].date, read[(g["path"], g["title"])].date_source)
             != (g["date"], g["date_source"])]
    assert wrong == []
    assert {g["date_source"] for g in gold} == {"metadata", "jsonl", "url", "dateline", "text", "file-time"}
    assert {Path(g["path"]).suffix for g in gold} == {".html", ".jsonl", ".txt", ".md", ".pdf"}
