"""All HTML the chat page shows is built here, and every piece of outside text is escaped first.

Article text, titles, URLs, file names, quotes, questions and answers come from files anyone can
upload, so none of it may reach the page as markup: each is passed through `html.escape` before it
is joined with the few tags written in this module. Links get an `href` only for http(s) URLs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from rag.forms import CITATION, citation_numbers
from rag.types import Answer, Citation, UpdateReport

GENERIC_ERROR = "Something went wrong; see the server log."

_CITE = CITATION  # the same citation forms the checks accept: [1], [1, 2], [1-3], [1 und 2]


def esc(text: object) -> str:
    """Text -> HTML text (quotes escaped too, so the result is safe inside attributes)."""
    return html.escape("" if text is None else str(text), quote=True)


def safe_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) URL without whitespace or control characters, else None."""
    if not url:
        return None
    u = url.strip()
    if not u or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in u):
        return None
    try:
        parts = urlsplit(u)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return u


def _paragraphs(escaped: str) -> str:
    return escaped.replace("\r\n", "\n").replace("\n", "<br>")


def link_citations(text: str, known: Iterable[int] | None = None) -> str:
    """Escape `text` and turn `[n]` / `[n, m]` markers into links to `#src-n` (only known numbers if given)."""
    allowed = set(known) if known is not None else None
    out: list[str] = []
    pos = 0
    for m in _CITE.finditer(text):
        out.append(esc(text[pos : m.start()]))
        parts: list[str] = []
        for n in citation_numbers(m.group(1)):
            if allowed is None or n in allowed:
                parts.append(f'<a class="cite" href="#src-{n}">{n}</a>')
            else:
                parts.append(esc(str(n)))
        out.append("[" + ", ".join(parts) + "]")
        pos = m.end()
    out.append(esc(text[pos:]))
    return _paragraphs("".join(out))


def render_question(question: str) -> str:
    return f'<div class="q">{_paragraphs(esc(question))}</div>'


def render_pending() -> str:
    return '<div class="a pending">…</div>'


def render_generating(text: str, known: Iterable[int] | None = None, evidence: Answer | None = None) -> str:
    """Tokens as they arrive (not yet checked), above the evidence answer they will join."""
    below = f'<div class="evidence">{link_citations(evidence.answer, known)}</div>' if evidence else ""
    return f'<div class="a generating">{link_citations(text, known)}<span class="cursor">▍</span>{below}</div>'


def render_answer(answer: Answer) -> str:
    """The final answer: abstentions plainly, unverified answers with their reason in small print."""
    if answer.abstained:
        note = f'<div class="note">{esc(answer.reason)}</div>' if answer.reason else ""
        return f'<div class="a abstained">{_paragraphs(esc(answer.answer))}{note}</div>'
    known = [c.n for c in answer.citations]
    head, sep, rest = answer.answer.partition("\n\n")
    if answer.short and sep:  # the short answer first and prominent, then the quotes it rests on
        body = f'<div class="short">{link_citations(head, known)}</div>{link_citations(rest, known)}'
    else:
        body = link_citations(answer.answer, known)
    note = ""
    if not answer.verified:
        reason = answer.reason or "the answer could not be checked against the sources"
        note = f'<div class="note unverified">unverified: {esc(reason)}</div>'
    return f'<div class="a">{body}{note}</div>'


def render_error(message: str) -> str:
    return f'<div class="a error">{_paragraphs(esc(message))}</div>'


def _quote_span(passage: str, quote: str) -> tuple[int, int] | None:
    """Where the quote sits in the passage (exact, else with any run of whitespace matching)."""
    q = quote.strip()
    if not q:
        return None
    i = passage.find(q)
    if i >= 0:
        return i, i + len(q)
    words = q.split()
    m = re.search(r"\s+".join(re.escape(w) for w in words), passage)
    return (m.start(), m.end()) if m else None


def highlight(passage: str, quote: str) -> str:
    """The passage, escaped, with the quoted sentence inside <mark>; the quote alone when it is not found."""
    span = _quote_span(passage, quote) if passage else None
    if span is None:
        return f"<mark>{esc(quote.strip())}</mark>"
    a, b = span
    return _paragraphs(f"{esc(passage[:a])}<mark>{esc(passage[a:b])}</mark>{esc(passage[b:])}")


def _link(title: str, url: str | None) -> str:
    """An article's title, linked to its page when it has a safe link (new tab, no referrer)."""
    safe = safe_url(url)
    text = esc(title or "(untitled)")
    if safe:
        return f'<a href="{esc(safe)}" target="_blank" rel="noopener noreferrer">{text}</a>'
    return f'<span class="title">{text}</span>'


def render_sources(citations: Iterable[Citation]) -> str:
    """The sources panel: one block per citation with an anchor `src-n`."""
    items: list[str] = []
    for c in citations:
        head = _link(c.title, c.url)
        date = (f' <span class="date" title="date from: {esc(c.date_source or "unknown")}">{esc(c.date)}</span>'
                if c.date else "")
        also = "".join(f"<li>{_link(o.title, o.url)}{f' <span class=date>{esc(o.date)}</span>' if o.date else ''}</li>"
                       for o in c.also_reported_by)
        told = f'<div class="told">tells of {esc(c.tells_of)}</div>' if c.tells_of else ""
        items.append(
            f'<div class="source" id="src-{int(c.n)}">'
            f'<div class="src-head"><span class="src-n">[{int(c.n)}]</span> {head}{date}</div>{told}'
            f'<blockquote class="passage">{highlight(c.passage, c.quote)}</blockquote>'
            + (f'<div class="also">also reported by:<ul>{also}</ul></div>' if also else "") + "</div>"
        )
    if not items:
        return '<div class="sources empty">Sources of the answer appear here.</div>'
    return '<div class="sources">' + "".join(items) + "</div>"


def render_report(report: UpdateReport, rejected: Iterable[tuple[str, str]] = ()) -> str:
    """What an upload did: counts, then each skipped file with its reason."""
    skipped = [(s.path, s.reason) for s in report.skipped] + list(rejected)
    head = (
        f"added {int(report.added)}, updated {int(report.updated)}, unchanged {int(report.unchanged)}, "
        f"skipped {len(skipped)}"
    )
    rows = "".join(f"<li><code>{esc(name)}</code>: {esc(reason)}</li>" for name, reason in skipped)
    rows += "".join(f"<li><code>{esc(d.path)}</code>: the same story as <code>{esc(d.of)}</code> (kept, "
                    f"grouped with it)</li>" for d in report.near_duplicates)
    return f'<div class="report"><div>{head}</div>' + (f"<ul>{rows}</ul>" if rows else "") + "</div>"


def render_message_box(message: str, kind: str = "error") -> str:
    cls = "error" if kind == "error" else "info"
    return f'<div class="report {cls}">{esc(message)}</div>'


def render_status(status: Mapping[str, Any]) -> str:
    """The index status box: articles, chunks, embedder, LLM."""
    rows = [
        ("Articles", status.get("articles")),
        ("Chunks", status.get("chunks")),
        ("Embedder", status.get("embedder")),
        ("LLM", status.get("llm")),
        ("Updated", status.get("updated")),
    ]
    cells = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v if v is not None else '–')}</td></tr>" for k, v in rows)
    return f'<table class="status">{cells}</table>'


#: Rows the library shows at once (a filter narrows the rest down): a page with 100,000 rows would not load.
LIBRARY_ROWS = 200


def library_matches(rows: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """The library's rows whose title, outlet, date or file contains `text` (any case)."""
    wanted = (text or "").strip().lower()
    return [r for r in rows if not wanted or any(wanted in str(r[k]).lower() for k in ("title", "outlet", "date",
                                                                                         "path"))]


def render_library(rows: list[dict[str, Any]], feeds: Iterable[dict[str, Any]] = (), text: str = "") -> str:
    """The article library: the articles whose title, outlet, date or file contains `text` (any case),
    and the feeds with their last pull."""
    shown = library_matches(rows, text)
    body = "".join(
        f'<tr data-id="{esc(r["id"])}"><td>{esc(r["title"] or "(untitled)")}</td><td>{esc(r["outlet"] or "–")}</td>'
        f'<td title="date from: {esc(r["date_source"] or "unknown")}">{esc(r["date"] or "undated")}</td>'
        f'<td>{int(r["chunks"])}</td><td>{int(r["same_story"]) or ""}</td><td><code>{esc(r["path"])}</code></td></tr>'
        for r in shown[:LIBRARY_ROWS])
    head = ("<tr><th>title</th><th>outlet</th><th>published</th><th>chunks</th><th>same story</th>"
            "<th>file</th></tr>")
    more = (f" (the first {LIBRARY_ROWS} shown; filter to find the others)" if len(shown) > LIBRARY_ROWS else "")
    html = f'<div class="library"><div class="count">{len(shown)} of {len(rows)} articles{more}</div>' \
        f"<table>{head}{body}</table>"
    feed_rows = "".join(
        f"<li>{esc(f['title'] or f['url'])} — <code>{esc(f['url'])}</code>: {int(f['items'])} items, "
        + (f"last error: {esc(f['last_error'])}" if f.get("last_error")
           else f"last pull {esc(f['last_pull'] or 'never')}")
        + "</li>" for f in feeds)
    if feed_rows:
        html += f"<div class=feeds>Feeds<ul>{feed_rows}</ul></div>"
    return html + "</div>"
