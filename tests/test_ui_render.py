"""ui.render: everything from articles and users is escaped; only http(s) links; quotes highlighted."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from rag.types import Answer, Citation, SkippedFile, UpdateReport
from ui import render

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'


class _Tags(HTMLParser):
    """Collects (tag, attrs) for every start tag, to check which elements the HTML really has."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    p = _Tags()
    p.feed(html)
    return p.tags


def tag_names(html: str) -> set[str]:
    return {t for t, _ in tags(html)}


def cite(n: int = 1, **kw: object) -> Citation:
    base: dict[str, object] = {
        "n": n,
        "article_id": "a1",
        "title": "Titel",
        "url": "https://example.org/a",
        "quote": "Vietnam gab 994 Kisten zurück.",
        "date": "2025-11-02",
        "passage": "Vorher. Vietnam gab 994 Kisten zurück. Nachher.",
    }
    base.update(kw)
    return Citation(**base)  # type: ignore[arg-type]


def answer(text: str, cites: tuple[Citation, ...] = (), **kw: object) -> Answer:
    base: dict[str, object] = {"abstained": False, "verified": True, "language": "de"}
    base.update(kw)
    return Answer(text, cites, **base)  # type: ignore[arg-type]


def test_script_and_img_in_answer_are_text_not_tags() -> None:
    html = render.render_answer(answer(f"Antwort {SCRIPT} {IMG} [1]", (cite(),)))
    assert "script" not in tag_names(html) and "img" not in tag_names(html)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;" in html


def test_question_and_error_are_escaped() -> None:
    assert render.render_question(SCRIPT) == '<div class="q">&lt;script&gt;window.__pwned=1&lt;/script&gt;</div>'
    assert "img" not in tag_names(render.render_error(IMG))


def test_sources_escape_title_quote_and_passage() -> None:
    c = cite(
        title=f'Böse "Titel" {IMG}',
        quote=f"Satz mit {SCRIPT} & <b>fett</b>.",
        passage=f"Davor {IMG}. Satz mit {SCRIPT} & <b>fett</b>. Danach.",
    )
    html = render.render_sources([c])
    assert tag_names(html) <= {"div", "span", "a", "blockquote", "mark"}
    assert "Böse &quot;Titel&quot; &lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;" in html
    assert "<mark>Satz mit &lt;script&gt;window.__pwned=1&lt;/script&gt; &amp; &lt;b&gt;fett&lt;/b&gt;.</mark>" in html


def test_quotes_in_url_cannot_break_out_of_href() -> None:
    c = cite(url='https://example.org/a"onmouseover="alert(1)')
    link = [a for t, a in tags(render.render_sources([c])) if t == "a"]
    assert link == [
        {
            "href": 'https://example.org/a"onmouseover="alert(1)',
            "target": "_blank",
            "rel": "noopener noreferrer",
        }
    ]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "/relative/path",
        "https://",
        "",
        None,
    ],
)
def test_only_http_urls_are_linked(url: str | None) -> None:
    html = render.render_sources([cite(url=url)])
    assert "href" not in html
    assert "a" not in tag_names(html)
    assert '<span class="title">Titel</span>' in html


def test_http_and_https_links_open_safely() -> None:
    for url in ("http://example.org/x?a=1&b=2", "HTTPS://example.org/"):
        html = render.render_sources([cite(url=url)])
        (link,) = [a for t, a in tags(html) if t == "a"]
        assert link["href"] == url
        assert link["rel"] == "noopener noreferrer" and link["target"] == "_blank"
    assert 'href="http://example.org/x?a=1&amp;b=2"' in render.render_sources(
        [cite(url="http://example.org/x?a=1&b=2")]
    )


def test_quote_is_marked_inside_its_passage_with_special_chars() -> None:
    passage = 'Erst "A" & <B>.\nDann: Preis < 5 € & "Zitat" [1] (sic)?\nZuletzt.'
    quote = 'Dann: Preis < 5 € & "Zitat" [1] (sic)?'
    html = render.highlight(passage, quote)
    assert html == (
        "Erst &quot;A&quot; &amp; &lt;B&gt;.<br>"
        "<mark>Dann: Preis &lt; 5 € &amp; &quot;Zitat&quot; [1] (sic)?</mark><br>Zuletzt."
    )


def test_quote_found_across_different_whitespace() -> None:
    passage = "Eins. Zwei  Wörter\nhier. Drei."
    assert render.highlight(passage, "Zwei Wörter hier.") == "Eins. <mark>Zwei  Wörter<br>hier.</mark> Drei."


def test_quote_missing_from_passage_is_shown_alone() -> None:
    assert render.highlight("Etwas anderes.", "Ein <i>Satz</i>.") == "<mark>Ein &lt;i&gt;Satz&lt;/i&gt;.</mark>"


def test_each_source_has_its_anchor_number_and_date() -> None:
    html = render.render_sources([cite(1), cite(2, date=None, title="Zwei")])
    ids = [a.get("id") for t, a in tags(html) if t == "div" and a.get("id")]
    assert ids == ["src-1", "src-2"]
    assert html.count('class="date"') == 1 and "2025-11-02" in html


def test_citation_markers_become_links_to_sources() -> None:
    html = render.render_answer(answer("A [1] und B [2, 3]. Kein [x] oder [9].", (cite(1), cite(2), cite(3))))
    hrefs = [a["href"] for t, a in tags(html) if t == "a"]
    assert hrefs == ["#src-1", "#src-2", "#src-3"]
    assert "[9]" in html and "[x]" in html  # unknown numbers stay plain text
    assert '[<a class="cite" href="#src-2">2</a>, <a class="cite" href="#src-3">3</a>]' in html


def test_generating_links_all_markers_when_numbers_unknown() -> None:
    html = render.render_generating("Teil [1] <b>x</b> [4]")
    assert [a["href"] for t, a in tags(html) if t == "a"] == ["#src-1", "#src-4"]
    assert "b" not in tag_names(html)


def test_short_answer_comes_first_and_prominent_then_the_quote() -> None:
    a = answer(f"994 Kisten {IMG} [1]\n\n„Zitat“ [1]", (cite(),), short=f"994 Kisten {IMG}")
    html = render.render_answer(a)
    assert html.startswith('<div class="a"><div class="short">994 Kisten &lt;img')
    assert '</div>„Zitat“ [<a class="cite" href="#src-1">1</a>]' in html and "<img" not in html
    plain = render.render_answer(answer("• „Eins“ [1]\n• „Zwei“ [1]", (cite(),)))
    assert 'class="short"' not in plain and plain.count("<br>") == 1


def test_unverified_answer_shows_reason_small_and_abstention_plainly() -> None:
    html = render.render_answer(answer("Zitat [1]", (cite(),), verified=False, reason="check <failed>"))
    assert '<div class="note unverified">unverified: check &lt;failed&gt;</div>' in html
    abst = render.render_answer(answer("Dazu steht nichts in den Artikeln.", (), abstained=True, reason="weak"))
    assert abst.startswith('<div class="a abstained">Dazu steht nichts in den Artikeln.')
    assert "a" not in tag_names(abst) and "unverified" not in abst
    ok = render.render_answer(answer("Zitat [1]", (cite(),)))
    assert "note" not in ok


def test_report_escapes_file_names_and_reasons() -> None:
    report = UpdateReport(added=1, updated=2, unchanged=3, skipped=(SkippedFile(f"{IMG}.pdf", "empty <text>"),))
    html = render.render_report(report, [(f"{SCRIPT}.exe", "type not allowed")])
    assert tag_names(html) <= {"div", "ul", "li", "code"}
    assert "added 1, updated 2, unchanged 3, skipped 2" in html
    assert "empty &lt;text&gt;" in html and "&lt;script&gt;" in html


def test_status_table_escapes_values() -> None:
    html = render.render_status({"articles": 2, "chunks": 17, "embedder": "<b>hashing</b>", "llm": "extractive"})
    assert re.search(r"<th>Articles</th><td>2</td>.*<th>Chunks</th><td>17</td>", html)
    assert "&lt;b&gt;hashing&lt;/b&gt;" in html and "<th>Updated</th><td>–</td>" in html


# --- the chat handler in ui.app puts only rendered (escaped) HTML on the page -------------------


def _settings(tmp_path: object) -> object:
    from pathlib import Path

    from rag.config import Settings

    base = Path(str(tmp_path))
    return Settings(index_dir=base / "index", articles_dir=base / "articles", embedder="hashing", llm="extractive")


def _run_chat(monkeypatch: pytest.MonkeyPatch, tmp_path: object, stream: object) -> list[tuple]:  # type: ignore[type-arg]
    from rag.engine import Engine
    from ui import app

    eng = Engine(_settings(tmp_path))  # type: ignore[arg-type]
    monkeypatch.setattr(eng, "ask_stream", stream)  # the page answers through its engine
    monkeypatch.setattr(app.gr, "Warning", lambda *a, **k: None)
    chat = app._chat(eng)
    return list(chat(f"Frage {SCRIPT}", [], []))


def test_chat_streams_evidence_then_final_and_keeps_plain_history(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object, caplog: pytest.LogCaptureFixture
) -> None:
    from rag.types import StreamEvent

    seen: dict[str, object] = {}
    ev = answer(f"Zitat {IMG} [1]", (cite(),))
    final = answer("Generiert [1]", (cite(),))

    def stream(question: str, history: object, **kw: object) -> object:
        seen.update(question=question, history=history, **kw)
        yield StreamEvent("evidence", ev.answer, ev)
        yield StreamEvent("token", "Gene")
        yield StreamEvent("final", final.answer, final)

    caplog.set_level("DEBUG")
    outs = _run_chat(monkeypatch, tmp_path, stream)
    assert seen["question"] == f"Frage {SCRIPT}" and seen["history"] == []
    assert [o[0][-1]["content"] for o in outs] == [
        render.render_pending(),
        render.render_answer(ev),
        render.render_generating("Gene", [1], ev),  # the quote stays in view while the model reads
        render.render_answer(final),
    ]
    assert "<img" not in outs[2][0][-1]["content"] and "&lt;img" in outs[2][0][-1]["content"]
    assert outs[0][0][0]["content"] == render.render_question(f"Frage {SCRIPT}")
    assert outs[-1][2] == [
        {"role": "user", "content": f"Frage {SCRIPT}"},
        {"role": "assistant", "content": "Generiert [1]"},
    ]
    assert outs[-1][3] == render.render_sources(final.citations)
    assert "Frage" not in caplog.text  # questions are not logged by default


def test_chat_shows_rag_error_message_escaped(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    from rag.errors import NoIndexError

    def stream(question: str, history: object, **kw: object) -> object:
        raise NoIndexError(f"No index in <dir> {SCRIPT}")
        yield  # pragma: no cover

    outs = _run_chat(monkeypatch, tmp_path, stream)
    assert outs[-1][0][-1]["content"] == render.render_error(f"No index in <dir> {SCRIPT}")
    assert "<script>" not in outs[-1][0][-1]["content"]


def test_chat_hides_bugs_behind_generic_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object, caplog: pytest.LogCaptureFixture
) -> None:
    def stream(question: str, history: object, **kw: object) -> object:
        raise KeyError("secret internals")
        yield  # pragma: no cover

    outs = _run_chat(monkeypatch, tmp_path, stream)
    shown = outs[-1][0][-1]["content"]
    assert shown == render.render_error(render.GENERIC_ERROR)
    assert "secret" not in shown and "Traceback" not in shown
    assert "secret internals" in caplog.text and "Traceback" in caplog.text  # the server log keeps it


def test_parse_auth() -> None:
    from rag.errors import ConfigError
    from ui.server import parse_auth

    assert parse_auth("user:pa:ss") == ("user", "pa:ss")
    assert parse_auth(None) is None and parse_auth("") is None
    for bad in ("user", ":pw", "user:"):
        with pytest.raises(ConfigError, match="user:password"):
            parse_auth(bad)


def test_check_uploads_rejects_wrong_types_and_big_files(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    from ui import app

    base = Path(str(tmp_path))
    ok, exe, big = base / "a.TXT", base / "b.exe", base / "c.md"
    ok.write_text("x")
    exe.write_text("x")
    big.write_text("x" * 11)
    monkeypatch.setattr(app, "MAX_FILE_BYTES", 10)
    paths, names, rejected = app.check_uploads([str(ok), str(exe), str(big)])
    assert paths == [str(ok)] and names == ["a.TXT"]
    assert [name for name, _ in rejected] == ["b.exe", "c.md"]
    assert "type not allowed" in rejected[0][1] and "larger than" in rejected[1][1]


def test_every_citation_form_the_checks_accept_is_linked() -> None:
    """The page used to link only [1] and [1, 2]; the checks also accept [1-3] and [1 und 2]."""
    html = render.link_citations("A [1-3]. B [1 und 2]. C [4].", known=[1, 2, 3])
    for n in (1, 2, 3):
        assert f'href="#src-{n}"' in html
    assert 'href="#src-4"' not in html and "[4]" in html
