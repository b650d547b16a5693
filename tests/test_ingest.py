"""Loading article files: seeds, formats, encodings, refusals with clear messages, and cleaning."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag import config
from rag.dates import date_from_url, parse_date
from rag.errors import IngestError
from rag.ingest import (
    clean_text,
    derive_title,
    iter_article_files,
    load_file,
    shorten,
)
from rag.types import content_id

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data" / "ingest"
SEED_HANOI = "000_92dd99e734424ef3.txt"
SEED_ASIA = "003_0b9d6cc08c71d728.txt"
HANOI_URL = (
    "https://baotintuc.vn/thoi-su/bo-truong-bo-chien-tranh-hoa-ky-tham-chinh-thuc-viet-nam-20251102153911684.htm"
)


# --- seeds ----------------------------------------------------------------------------------


def test_seed_with_source_line_and_comment_boilerplate() -> None:
    [art] = load_file(SEEDS / SEED_HANOI, root=SEEDS)
    assert art.url == HANOI_URL
    assert art.date == "2025-11-02"  # from the stamp in the url
    assert "Kommentar" not in art.text and "Quelle:" not in art.text and "baotintuc" not in art.text
    assert art.text.endswith("Zum Abschluss der Gespräche tauschten beide Seiten Kriegserinnerungsstücke aus.")
    assert art.text.startswith("Am Nachmittag des 2. November")
    assert "für Frieden, Zusammenarbeit" in art.text  # " ," fixed
    assert "\n\n\n" not in art.text
    assert art.language == "de" and art.path == SEED_HANOI
    assert art.id == content_id(art.text)
    assert art.title.startswith("Am Nachmittag des 2. November leitete General Phan Van Giang")
    assert len(art.title) <= 101 and art.title.endswith("…") and " …" not in art.title


def test_seed_without_source_line() -> None:
    [art] = load_file(SEEDS / SEED_ASIA, root=SEEDS)
    assert art.url is None and art.date_source == "file-time"  # "4. November" has no year
    assert art.published is None  # the file's time is shown, never used as the publication date
    assert art.language == "de"
    assert art.title.startswith("US-Verteidigungsminister Pete Hegseth reist diese Woche nach Asien, einschließlich")
    assert art.title.endswith("Südkorea, um die…") and len(art.title) == 100


def test_id_is_stable_and_depends_only_on_the_text(tmp_path: Path) -> None:
    [a] = load_file(SEEDS / SEED_HANOI)
    copy = tmp_path / "sub" / "renamed.txt"
    copy.parent.mkdir()
    copy.write_bytes((SEEDS / SEED_HANOI).read_bytes().replace(b"\n", b"\r\n"))  # same text, other newlines
    [b] = load_file(copy, root=tmp_path)
    assert a.id == b.id == "3fea50d08f94e0c3"
    assert b.path == "sub/renamed.txt"


# --- cleaning -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text", "url"),
    [
        ("Satz eins.\r\nSatz zwei.\rDrei.", "Satz eins.\nSatz zwei.\nDrei.", None),
        ("Frieden , Zusammenarbeit und   Ruhe .", "Frieden, Zusammenarbeit und Ruhe.", None),
        ("Text.\n\n\n\n\nMehr Text.", "Text.\n\nMehr Text.", None),
        ("Text.\nQuelle: https://x.example/a-1\n\nKommentar (0)\nTeilen\n", "Text.", "https://x.example/a-1"),
        ("Text.\nSource: <https://x.example/b>\nShare", "Text.", "https://x.example/b"),
        ("Text.\n3 Kommentare\nMehr zum Thema:\n", "Text.", None),
        ("Text.\n\nLesen Sie auch: Was die Reise bedeutet\n© 2025 Agentur. Alle Rechte vorbehalten.", "Text.", None),
        ("Lesen Sie auch: den Bericht.\nText.", "Lesen Sie auch: den Bericht.\nText.", None),  # not at the end: kept
        ("Teilen ist gut.\nKommentar (0) gibt es nicht.", "Teilen ist gut.\nKommentar (0) gibt es nicht.", None),
        ("Quelle: dpa\nText.", "Quelle: dpa\nText.", None),  # not a url: kept
        ("e\u0301t\u00e9\x00\x07\tTab\u00a0und\u200bweg\ufeff", "\u00e9t\u00e9\tTab undweg", None),
    ],
)
def test_clean_text(raw: str, text: str, url: str | None) -> None:
    assert clean_text(raw) == (text, url)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_fuzz_clean_text(raw: str) -> None:
    text, url = clean_text(raw)
    assert text == text.strip()
    assert "\r" not in text and "\n\n\n" not in text and "  " not in text
    assert all(ch in "\n\t" or ord(ch) >= 32 and not 0x7F <= ord(ch) < 0xA0 for ch in text)
    assert url is None or url.startswith(("http://", "https://", "HTTP"))
    assert clean_text(text).text == text  # cleaning twice changes nothing


# --- dates and titles -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Hanoi, 2. November 2025 – Der Minister", "2025-11-02"),
        ("am 02.11.2025 um 10 Uhr", "2025-11-02"),
        ("Published November 2, 2025 by staff", "2025-11-02"),
        ("2025-11-03T08:15:00+01:00", "2025-11-03"),
        ("3. Okt. 2024", "2024-10-03"),
        ("am 2. November", None),
        ("am 31.02.2025", None),  # no such day
        ("Nummer 1234-56-78", None),
    ],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    ("url", "iso"),
    [
        (HANOI_URL, "2025-11-02"),
        ("https://zeitung.example/2024/03/09/titel.html", "2024-03-09"),
        ("https://zeitung.example/artikel-12345678.html", None),
        ("https://20251102.example/artikel.html", None),  # the host is not a date
        (None, None),
    ],
)
def test_date_from_url(url: str | None, iso: str | None) -> None:
    assert date_from_url(url) == iso


def test_titles() -> None:
    assert derive_title("Kurze Überschrift\nDer Text folgt hier. Und mehr.", "de") == "Kurze Überschrift"
    assert derive_title("Ein Satz ohne Titel. Zweiter Satz.", "de") == "Ein Satz ohne Titel"
    assert shorten("wort " * 40, 30) == "wort wort wort wort wort wort…"  # 30 chars with the ellipsis
    assert shorten("x" * 300, 100) == "x" * 99 + "…"


# --- formats --------------------------------------------------------------------------------


def test_html_main_text_without_scripts() -> None:
    [art] = load_file(DATA / "article.html", root=DATA)
    assert "Beide Seiten sprachen über die Zusammenarbeit" in art.text
    assert "Geschenke aus" in art.text
    for leaked in ("alert", "EVIL-INJECTED-TEXT", "onerror", "color: red", "tracker", "JavaScript", "Impressum"):
        assert leaked not in art.text
    assert art.title == "Minister besucht Hanoi"
    assert art.url == "https://zeitung.example/politik/minister-besucht-hanoi-20251102153911684.htm"
    assert art.date == "2025-11-03"  # the page's published time wins over the url stamp
    assert art.path == "article.html" and art.language == "de"


def test_html_is_indexed_when_trafilatura_cannot_be_imported(monkeypatch: pytest.MonkeyPatch,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    """With pip 23's resolution lxml came without lxml.html.clean, `import trafilatura` failed, and every
    .html file was skipped as an internal error. Now the built-in parser reads it, and the log says why."""
    import sys

    from rag import loaders

    monkeypatch.setitem(sys.modules, "trafilatura", None)  # `import trafilatura` raises ImportError
    monkeypatch.setattr(loaders, "_TRAFILATURA", [])
    with caplog.at_level(logging.WARNING, logger="rag.loaders"):
        [art] = load_file(DATA / "article.html", root=DATA)
        load_file(DATA / "article.html", root=DATA)
    assert "Beide Seiten sprachen über die Zusammenarbeit" in art.text and "alert" not in art.text
    assert caplog.text.count("lxml_html_clean") == 1  # once, with the fix


def test_tiny_html_uses_the_plain_parser_and_drops_scripts(tmp_path: Path) -> None:
    page = tmp_path / "klein.htm"
    page.write_text(
        "<html><head><title>Klein</title><script>alert(1)</script></head><body>"
        "<p>Nur ein Satz.</p><img src=x onerror=alert(2)><style>p{}</style></body></html>",
        encoding="utf-8",
    )
    [art] = load_file(page)
    assert art.text == "Nur ein Satz."
    assert art.title in ("Klein", "Nur ein Satz")


def test_plain_html_parser_drops_active_content() -> None:
    from rag.loaders import _html_fallback

    page = (
        '<html><head><title>Titel</title><link rel="canonical" href="https://x.example/a">'
        '<meta property="article:published_time" content="2025-01-02"><style>p{color:red}</style></head>'
        "<body><script>alert(1)</script><p>Erster Absatz.</p><img src=x onerror=alert(2)>"
        "<noscript>NOSCRIPT</noscript><svg><text>SVGTEXT</text></svg><p>Zweiter &amp; letzter.</p>"
        "<script>unclosed('EVIL')"
    )
    ex = _html_fallback(page)
    assert ex.text.split() == ["Erster", "Absatz.", "Zweiter", "&", "letzter."]
    assert (ex.title, ex.url, ex.date) == ("Titel", "https://x.example/a", "2025-01-02")


def test_markdown_title_and_syntax() -> None:
    [art] = load_file(DATA / "article.md")
    assert art.title == "Hegseth reist nach Asien"
    assert art.url == "https://zeitung.example/asien-reise" and art.date == "2025-10-26"
    assert "US-Verteidigungsminister Pete Hegseth reist diese Woche nach Asien, einschließlich Südkorea." in art.text
    assert "Japan und Malaysia" in art.text
    for syntax in ("#", "**", "](", "> ", "- Hawaii", "`", "title:"):
        assert syntax not in art.text


def test_jsonl_good_and_bad_lines(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="rag.ingest"):
        arts = load_file(DATA / "articles.jsonl", root=DATA)
    assert [a.title for a in arts] == ["Erster Artikel", "Kein Titel hier", "Dritter"]
    assert [a.published for a in arts] == ["2025-11-02", "2024-10-03", None]
    assert arts[2].date_source == "file-time"
    assert arts[0].url == "https://zeitung.example/a"
    assert arts[1].url is None  # a javascript: url is never kept
    assert {a.path for a in arts} == {"articles.jsonl"}
    assert len({a.id for a in arts}) == 3
    message = caplog.text
    assert "articles.jsonl" in message and "line 2" in message and "line 3" in message and "line 4" in message
    assert "line 5" not in message  # a blank line is not an error


def test_jsonl_without_a_usable_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "x"}\nnot json\n', encoding="utf-8")
    with pytest.raises(IngestError, match=r"bad\.jsonl.*line 1: 'text' is missing.*line 2: not valid JSON"):
        load_file(bad)


def _pdf(lines: list[str], title: str | None = None) -> bytes:
    """A minimal one-page PDF with real text objects."""
    stream = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Title ({title}) >>" if title else "<< >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_text_and_title(tmp_path: Path) -> None:
    lines = ["Minister visits Hanoi", "The minister arrived in Hanoi on November 2, 2025.", "Talks lasted three hours."]
    with_title = tmp_path / "a.pdf"
    with_title.write_bytes(_pdf(lines, title="Visit to Hanoi"))
    [art] = load_file(with_title)
    assert "The minister arrived in Hanoi" in art.text and "Talks lasted three hours." in art.text
    assert art.title == "Visit to Hanoi" and art.language == "en"
    no_title = tmp_path / "b.pdf"
    no_title.write_bytes(_pdf(lines))
    assert load_file(no_title)[0].title == "Minister visits Hanoi"


def test_pdf_line_wraps_are_joined_into_sentences(tmp_path: Path) -> None:
    lines = ["Geburtsstation schliesst",
             "Die Geburtshilfe des Krankenhauses wird Ende Maerz 2026 geschlossen. Ab dem 1.",
             "April kommen alle Kinder des Klinikverbunds im Staedtischen Klinikum zur Welt, teilte",
             "die Geschaeftsfuehrerin am Montag mit.",
             "Quelle: https://www.example.org/lokales/geburtsstation"]
    path = tmp_path / "wrapped.pdf"
    path.write_bytes(_pdf(lines))
    [art] = load_file(path)
    assert "Ab dem 1. April kommen alle Kinder des Klinikverbunds im Staedtischen Klinikum zur Welt, teilte die " \
        "Geschaeftsfuehrerin am Montag mit." in art.text
    assert art.title == "Geburtsstation schliesst"  # a short line stays a line
    assert art.url == "https://www.example.org/lokales/geburtsstation"  # the source line stays its own


def test_broken_pdfs_are_refused(tmp_path: Path) -> None:
    fake = tmp_path / "fake.pdf"
    fake.write_text("just text", encoding="utf-8")
    with pytest.raises(IngestError, match=r"fake\.pdf is not a PDF"):
        load_file(fake)
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(_pdf(["Hallo Welt."])[:60])
    with pytest.raises(IngestError, match=r"cut\.pdf"):
        load_file(cut)


# --- refusals and encodings -----------------------------------------------------------------


def test_binary_file_is_refused(tmp_path: Path) -> None:
    blob = tmp_path / "bild.txt"
    blob.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(IngestError, match=r"bild\.txt looks binary.*remove it"):
        load_file(blob)


def test_control_character_soup_is_refused_even_without_nul(tmp_path: Path) -> None:
    blob = tmp_path / "steuer.md"
    blob.write_bytes(bytes(range(1, 32)) * 20 + b"Text.")
    with pytest.raises(IngestError, match=r"steuer\.md looks binary"):
        load_file(blob)


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n ", "\ufeff".encode()])
def test_empty_file_is_refused(tmp_path: Path, content: bytes) -> None:
    empty = tmp_path / "leer.txt"
    empty.write_bytes(content)
    with pytest.raises(IngestError, match=r"leer\.txt is empty\. Put the article text in it"):
        load_file(empty)


def test_boilerplate_only_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "nur.txt"
    f.write_text("Quelle: https://x.example/a\n\nKommentar (0)\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"nur\.txt has no article text after cleaning"):
        load_file(f)


def test_cp1252_utf16_and_bom_files(tmp_path: Path) -> None:
    text = "Grüße aus Köln – der Preis liegt bei 5 €. Das Treffen war gut."
    for name, data in [
        ("cp.txt", text.encode("cp1252")),
        ("u16.txt", text.encode("utf-16")),  # with BOM
        ("u16be.txt", b"\xfe\xff" + text.encode("utf-16-be")),
        ("bom.txt", b"\xef\xbb\xbf" + text.encode("utf-8")),
    ]:
        (tmp_path / name).write_bytes(data)
        [art] = load_file(tmp_path / name)
        assert art.text == text, name
    assert len({a.id for n in ("cp.txt", "u16.txt") for a in load_file(tmp_path / n)}) == 1


def test_huge_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "MAX_FILE_BYTES", 1000)
    big = tmp_path / "gross.txt"
    big.write_text("Ein Satz. " * 101, encoding="utf-8")  # 1010 bytes
    with pytest.raises(IngestError, match=r"gross\.txt is 0\.000963 MB, over the limit of 0\.000954 MB "
                       r"\(MAX_FILE_BYTES\)\. Split"):
        load_file(big)
    big.write_text("Ein Satz. " * 100, encoding="utf-8")  # exactly the limit is fine
    assert len(load_file(big)) == 1


def test_the_size_limit_is_said_in_whole_megabytes() -> None:
    from rag.ingest import _mb

    assert _mb(config.MAX_FILE_BYTES) == "20 MB" and _mb(50 * 2**20 + 1) == "50 MB"  # not "20.9715 MB"


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    doc = tmp_path / "brief.docx"
    doc.write_bytes(b"PK\x03\x04")
    with pytest.raises(IngestError, match=r"brief\.docx: files of type '\.docx' are not read\. Use one of"):
        load_file(doc)
    with pytest.raises(IngestError, match=r"weg\.txt cannot be read"):
        load_file(tmp_path / "weg.txt")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400), st.sampled_from([".txt", ".md", ".html", ".jsonl", ".pdf"]))
def test_fuzz_bytes_load_or_refuse_cleanly(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"f{suffix}"
        path.write_bytes(data)
        try:
            arts = load_file(path)
        except IngestError as e:
            assert "f" + suffix in str(e)
        else:
            assert arts and all(a.text and a.id == content_id(a.text) for a in arts)


# --- folder scan ----------------------------------------------------------------------------


def test_iter_article_files(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    for rel in [
        "b.txt",
        "a.md",
        "sub/c.HTML",
        "sub/deep/d.jsonl",
        "e.pdf",
        ".hidden.txt",
        ".git/x.txt",
        "sub/.cache/y.txt",
        "notes.docx",
        "f.txt.bak",
    ]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("Text.", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("Geheim.", encoding="utf-8")
    os.symlink(outside, root / "escape.txt")
    os.symlink(root / "b.txt", root / "inside-link.txt")
    found = [p.relative_to(root).as_posix() for p in iter_article_files(root)]
    assert found == ["a.md", "b.txt", "e.pdf", "inside-link.txt", "sub/c.HTML", "sub/deep/d.jsonl"]
    assert all(p.is_relative_to(root) for p in iter_article_files(root))
    with pytest.raises(IngestError, match="does not exist"):
        iter_article_files(tmp_path / "nope")


def test_seed_folder_lists_both_seeds() -> None:
    assert [p.name for p in iter_article_files(SEEDS)] == [SEED_HANOI, SEED_ASIA]
