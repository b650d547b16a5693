"""Format readers: markdown, HTML, PDF and JSON Lines to raw fields. Cleaning happens in `ingest`.

Nothing here executes document content: HTML is parsed (trafilatura/lxml or the stdlib parser),
never rendered; script, style and similar elements are dropped with their content.
"""

from __future__ import annotations

import io
import json
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Extracted:
    """What a reader found; any field may be missing."""

    text: str
    title: str | None = None
    url: str | None = None
    date: str | None = None
    #: where `date` came from when the reader knows better than "metadata" (e.g. "url", "text")
    date_source: str | None = None


# --- markdown -------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_MD_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^```.*$|^~~~.*$", re.MULTILINE), ""),  # code fences (content kept)
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images -> alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links -> link text
    (re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE), r"\1"),  # headings
    (re.compile(r"^ {0,3}>[ \t]?", re.MULTILINE), ""),  # block quotes
    (re.compile(r"^ {0,3}(?:[-*_][ \t]*){3,}$", re.MULTILINE), ""),  # horizontal rules
    (re.compile(r"^([ \t]*)[-*+][ \t]+", re.MULTILINE), r"\1"),  # bullets
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),  # italics
    (re.compile(r"(?<!\w)_(?=\S)([^_\n]+?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"`([^`\n]+)`"), r"\1"),  # inline code
)


def read_markdown(text: str) -> Extracted:
    """Strip markdown syntax lightly; the first heading (level 1 preferred) is the title."""
    meta: dict[str, str] = {}
    fm = _FRONT_MATTER.match(text)
    if fm:
        for line in fm.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip().strip("\"'")
        text = text[fm.end() :]
    headings = [(len(m.group(1)), m.group(2).strip()) for m in _HEADING.finditer(text)]
    title = meta.get("title") or (min(headings, key=lambda h: h[0])[1] if headings else None)
    for pattern, repl in _MD_RULES:
        text = pattern.sub(repl, text)
    if title:
        title = _MD_RULES[2][0].sub(r"\1", title).replace("**", "").replace("`", "")
    return Extracted(text, title or None, meta.get("url") or meta.get("source"), meta.get("date"))


# --- HTML -----------------------------------------------------------------------------------

_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "svg", "object", "embed"})
_BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table section article header footer blockquote pre".split()
)


class _TextParser(HTMLParser):
    """Stdlib fallback: visible text, <title>/<h1>, canonical url and published date."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.in_title = False
        self.in_h1 = False
        self.title = ""
        self.h1 = ""
        self.url: str | None = None
        self.date: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "title":
            self.in_title = True
        elif tag == "meta":
            prop = (a.get("property") or a.get("name") or "").lower()
            if prop in ("og:url",) and not self.url:
                self.url = a.get("content") or None
            elif prop in ("article:published_time", "date", "pubdate", "dc.date") and not self.date:
                self.date = a.get("content") or None
        elif tag == "link" and a.get("rel", "").lower() == "canonical" and not self.url:
            self.url = a.get("href") or None
        elif tag in _SKIP_TAGS:
            self.skip += 1
        elif tag == "h1":
            self.in_h1 = True
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in _SKIP_TAGS and self.skip:
            self.skip -= 1
        elif tag == "h1":
            self.in_h1 = False
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        elif not self.skip:
            self.parts.append(data)
            if self.in_h1:
                self.h1 += data


def _html_fallback(html: str) -> Extracted:
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = re.sub(r"[ \t]*\n[ \t\n]*", "\n\n", "".join(parser.parts))
    title = parser.h1.strip() or parser.title.strip() or None
    return Extracted(text, title, parser.url, parser.date)


_TRAFILATURA: list[Any] = []


def _trafilatura() -> Any:
    """trafilatura, or None when it cannot be imported (e.g. lxml without `lxml_html_clean`): then
    every page is read with the built-in parser, and the log says how to fix the install once."""
    if not _TRAFILATURA:
        module: Any = None
        try:
            import trafilatura as module
        except Exception as e:  # ImportError, or lxml raising on import
            log.warning("HTML main-text extraction is off (%s); pages are read with the built-in parser. Fix: "
                        "pip install 'lxml_html_clean==0.4.6' 'trafilatura==2.3.1'", e)
        _TRAFILATURA.append(module)
    return _TRAFILATURA[0]


def read_html(html: str) -> Extracted:
    """Main text and metadata with trafilatura; the stdlib parser when trafilatura finds nothing or
    cannot be imported (logged once with the fix)."""
    trafilatura = _trafilatura()
    if trafilatura is None:
        return _html_fallback(html)
    try:
        raw = trafilatura.extract(
            html,
            output_format="json",
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
        )
    except Exception:  # lxml/trafilatura edge cases on broken markup
        log.debug("trafilatura failed; using the plain HTML parser", exc_info=True)
        raw = None
    fallback = _html_fallback(html)
    if not raw:
        return fallback
    data = json.loads(raw)
    text = str(data.get("text") or "")
    if not text.strip():
        return fallback
    url = data.get("source") or fallback.url
    date = data.get("date") or fallback.date
    return Extracted(text=text, title=data.get("title") or fallback.title, url=url, date=date,
                     date_source=html_date_source(html, date, url) if date else None)


_PAGE_LINKS = re.compile(r"<(?:link|meta)\b[^>]*(?:canonical|og:url)[^>]*>", re.IGNORECASE)


def html_date_source(html: str, date: str, url: str | None) -> str:
    """Where a page's date comes from: its date markup (meta tags, JSON-LD, `<time>`: "metadata"), its link
    ("url") or only its visible text (a byline "Veröffentlicht am …": "text"). trafilatura's date (htmldate's
    extensive search) does not say; htmldate's quick search on the markup alone does."""
    try:
        from htmldate import find_date

        # htmldate reads the canonical link and og:url too: without them, a date it finds is the markup's own
        own = _PAGE_LINKS.sub("", html)
        markup = find_date(own, extensive_search=False, original_date=True, url=None)
    except Exception:  # htmldate on broken markup: the date stays, its source is the page's
        log.debug("htmldate failed on a page", exc_info=True)
        return "metadata"
    if markup and markup[:10] == date[:10]:
        return "metadata"
    from .dates import date_from_url

    return "url" if date_from_url(url) == date[:10] else "text"


# --- PDF ------------------------------------------------------------------------------------


#: a PDF line this long (share of the page's longest line) was wrapped by the layout, not ended by the writer
WRAPPED_SHARE = 0.75


#: lines that stand on their own even after a long line: a source, a date stamp, a link
_OWN_LINE = re.compile(r"(quelle|source|stand|erschienen|published|updated|foto|bild|photo)\s*:|https?://", re.I)


def reflow(page: str) -> str:
    """A PDF page's text with the layout's line wraps joined ("… Ab dem 1.\nApril kommen …" is one sentence):
    a line nearly as long as the page's longest continues on the next; short lines (headlines, a source line,
    a paragraph's last line) end where they end."""
    lines = page.split("\n")
    longest = max((len(line.strip()) for line in lines), default=0)
    if longest < 40:
        return page
    out: list[str] = []
    joined = False
    for line in lines:
        text = line.strip()
        if joined and out and text and not _OWN_LINE.match(text):
            hyphen = out[-1].endswith("-") and text[:1].islower()  # "Verkehrs-\nbetriebe"
            out[-1] = out[-1][:-1] + text if hyphen else f"{out[-1]} {text}"
        else:
            out.append(text)
        joined = len(text) >= WRAPPED_SHARE * longest
    return "\n".join(out)


class PdfProblem(Exception):
    """Raised with a reason for the user; `ingest` turns it into an IngestError."""


def read_pdf(data: bytes) -> Extracted:
    """Text of all pages with pypdf; the title from the document metadata when set."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if b"%PDF-" not in data[:1024]:
        raise PdfProblem("is not a PDF (no %PDF- header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfProblem("is password-protected")
        pages = [reflow(page.extract_text() or "") for page in reader.pages]
        meta = reader.metadata
        title = str(meta.title).strip() if meta and meta.title else None
        try:  # /CreationDate, e.g. D:20251107093000+01'00'
            created = meta.creation_date if meta else None
        except (ValueError, TypeError):
            created = None
    except PdfProblem:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError) as e:
        # PyPdfError covers PdfReadError, PdfStreamError and LimitReachedError (oversized xref tables)
        raise PdfProblem(f"is a damaged PDF ({e})") from e
    return Extracted("\n\n".join(pages), title or None, date=created.date().isoformat() if created else None)


# --- JSON Lines -----------------------------------------------------------------------------


def _valid_unicode(s: str) -> str:
    """Lone surrogates (from JSON escapes like \\ud800) become U+FFFD: UTF-8 cannot encode them."""
    return s.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def read_jsonl(text: str) -> tuple[list[tuple[int, Extracted]], list[str]]:
    """Records (line number, fields) and problems ("line 3: …") of a JSON Lines document."""
    good: list[tuple[int, Extracted]] = []
    bad: list[str] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            bad.append(f"line {n}: not valid JSON ({e.msg})")
            continue
        if not isinstance(obj, dict):
            bad.append(f"line {n}: expected an object with a 'text' key")
            continue
        body = obj.get("text")
        if not isinstance(body, str) or not body.strip():
            bad.append(f"line {n}: 'text' is missing or empty")
            continue
        fields = {k: obj.get(k) for k in ("title", "url", "date")}
        clean = {k: (_valid_unicode(v).strip() if isinstance(v, str) and v.strip() else None)
                 for k, v in fields.items()}
        good.append((n, Extracted(_valid_unicode(body), clean["title"], clean["url"], clean["date"])))
    return good, bad
