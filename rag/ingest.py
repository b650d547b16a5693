"""Files -> cleaned `Article`s: find article files, decode, clean, and fill in title, url and date.

Format readers live in `rag.loaders`; every problem a user can fix raises `IngestError` naming the
file and the next step.
"""

from __future__ import annotations

import codecs
import datetime as dt
import logging
import os
import re
import unicodedata
from pathlib import Path
from typing import NamedTuple

from . import config
from .chunking import split_sentences
from .config import ALLOWED_SUFFIXES
from .dates import date_from_lead, date_from_text, date_from_url, parse_published
from .errors import IngestError
from .lang import detect_language
from .loaders import Extracted, PdfProblem, read_html, read_jsonl, read_markdown, read_pdf
from .types import Article, Language, content_id

log = logging.getLogger(__name__)

__all__ = ["ALLOWED_SUFFIXES", "CleanText", "clean_text", "iter_article_files", "load_file"]

TITLE_CHARS = 100


class CleanText(NamedTuple):
    """Cleaned article text and the source url found in it (a `Quelle: …` line), if any."""

    text: str
    url: str | None


def iter_article_files(folder: Path, unsupported: list[Path] | None = None,
                       refused: list[tuple[Path, str]] | None = None) -> list[Path]:
    """Article files under `folder` (see `article_files`)."""
    return [Path(path) for _, path in article_files(folder, unsupported, refused)]


def article_files(folder: Path, unsupported: list[Path] | None = None,
                  refused: list[tuple[Path, str]] | None = None) -> list[tuple[str, str]]:
    """Article files under `folder`, sorted: allowed suffixes only, no hidden files or folders, no
    symlinks that lead outside `folder`. Paths keep `folder` as their prefix. Visible files of other
    types are appended to `unsupported`, and links not followed to `refused` with the reason, when
    given (so they are reported, not silently ignored). Each as (path relative to `folder`, "sub/a.txt";
    path as a string with `folder` as prefix): no Path object per file, which costs more than the stat."""
    folder = Path(folder)
    if not folder.is_dir():
        raise IngestError(f"Articles folder {folder} does not exist. Create it or set RAG_ARTICLES_DIR.")
    real_root = folder.resolve()
    found: list[tuple[str, str]] = []

    def walk(directory: str, rel: str) -> None:  # scandir: the entry types come without a stat per file
        with os.scandir(directory) as entries:
            items = sorted(entries, key=lambda e: e.name)
        for entry in items:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                walk(entry.path, f"{rel}{entry.name}/")
                continue
            if os.path.splitext(entry.name)[1].lower() not in ALLOWED_SUFFIXES:
                if unsupported is not None and entry.is_file():
                    unsupported.append(Path(entry.path))
                continue
            if entry.is_symlink() and not Path(entry.path).resolve().is_relative_to(real_root):
                log.warning("Skipping %s: it is a link to a file outside %s", entry.path, folder)
                if refused is not None:
                    refused.append((Path(entry.path), "a link to a file outside the articles folder; not followed "
                                                      "(copy the file in instead)"))
                continue
            if entry.is_file():
                found.append((f"{rel}{entry.name}", entry.path))

    walk(str(folder), "")
    return sorted(found)


# --- cleaning -------------------------------------------------------------------------------

_SOURCE_LINE = re.compile(
    r"^[ \t]*(?:quelle|quellen|source|sources)[ \t]*:[ \t]*<?(https?://[^\s<>]+?)>?[ \t]*$", re.I | re.M
)
_BOILERPLATE = re.compile(
    r"^(?:(?:kommentare?|comments?)(?:\s*\(\d+\))?|\d+\s+(?:kommentare?|comments?)"
    r"|teilen|share|artikel teilen|jetzt teilen|share this article|mehr zum thema|zum thema"
    r"|lesen sie auch|auch interessant|weitere artikel|related|related articles|read more|weiterlesen"
    r"|drucken|print|nach oben|zurück|anzeige|werbung|newsletter|(?:tags?|schlagwörter|themen)(?::.*)?"
    # a trailing pointer to other articles, a copyright line: "Lesen Sie auch: <title>", "© 2025 dpa"
    r"|(?:lesen sie auch|mehr zum thema|auch interessant|weiterlesen|read more|related articles?|see also)\s*:.+"
    r"|(?:©|\(c\)|copyright\b).{0,120})"
    r"\s*:?$",
    re.I,
)
_KEEP_CONTROLS = {"\n", "\t"}


def clean_text(raw: str) -> CleanText:
    """Normalise newlines, unicode (NFC) and spacing; take out the `Quelle: URL` line and trailing
    boilerplate (`Kommentar (0)`, `Teilen`, …); collapse blank-line runs."""
    text = raw.replace("\r\n", "\n").translate({0x0D: "\n", 0x0B: "\n", 0x0C: "\n", 0x2028: "\n", 0x2029: "\n"})
    text = unicodedata.normalize("NFC", text)
    text = "".join(
        (" " if unicodedata.category(ch) == "Zs" else ch)
        for ch in text
        if ch in _KEEP_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cs")  # Cs: lone surrogates
        if ch not in "\ufeff\u200b\u00ad"
    )
    text = re.sub(r" {2,}", " ", text)
    text = re.sub(r"(?<=\S) +([,;])(?=\s|$)", r"\1", text)
    text = re.sub(r"(?<=\w) +([.!?:])(?=\s|$)", r"\1", text)
    url = None
    match = _SOURCE_LINE.search(text)
    if match:
        url = match.group(1)
        text = _SOURCE_LINE.sub("", text)
    lines = [line.strip(" \t") for line in text.split("\n")]
    while lines and (not lines[-1] or _BOILERPLATE.match(lines[-1])):
        lines.pop()
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return CleanText(text.strip(), url)


# --- titles, urls --------------------------------------------------------------------

def _safe_url(url: str | None) -> str | None:
    """Only http(s) links survive: a `javascript:` url must never reach a rendered page."""
    url = (url or "").strip()
    return url if re.fullmatch(r"https?://[^\s\"'<>]+", url, re.I) else None


def shorten(text: str, limit: int = TITLE_CHARS) -> str:
    """`text` cut to `limit` characters at a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    if cut < limit // 2:
        cut = limit - 1
    return text[:cut].rstrip(" ,;:–-") + "…"


def derive_title(text: str, language: Language) -> str:
    """A short leading line that reads like a headline, else the first sentence, shortened."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not lines:
        return ""
    first = lines[0]
    if len(lines) > 1 and len(first) <= 150 and len(first.split()) >= 2 and first[-1] not in ".,;:!?":
        return shorten(first)
    sentences = split_sentences(first, language)
    title = shorten(sentences[0].text if sentences else first)
    return title[:-1] if title.endswith(".") and not title.endswith("..") else title


# --- loading --------------------------------------------------------------------------------

_BINARY_HINT = "Save it as a text, markdown, HTML, PDF or JSONL file, or remove it from the folder."


def _decode(data: bytes, shown: str) -> str:
    """UTF-8 (BOM allowed), UTF-16/32 when a BOM says so, else Windows-1252; binary is refused."""
    boms = (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    )
    encodings = next(([enc] for bom, enc in boms if data.startswith(bom)), ["utf-8", "cp1252"])
    text = None
    if len(encodings) == 1 or b"\x00" not in data:
        for enc in encodings:
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    if text is not None:
        controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f\v")
        if controls <= max(2, len(text) // 100):
            return text
    raise IngestError(f"{shown} looks binary (not UTF-8, UTF-16 or Windows-1252 text). {_BINARY_HINT}")


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        for p, r in ((path, Path(root)), (path.resolve(), Path(root).resolve())):
            try:
                return p.relative_to(r).as_posix()
            except ValueError:
                continue
    return path.as_posix()


def _article(ex: Extracted, rel: str, file_day: str | None = None) -> Article | None:
    """The article of one record; its date from (in this order) the record's metadata, a date in its link,
    a dateline in its first lines, a "Stand: …"/"Erschienen am …" line, and last the file's time
    (`file_day`, marked "file-time")."""
    text, url_in_text = clean_text(ex.text)
    if not text:
        return None
    language = detect_language(text)
    url = _safe_url(ex.url) or _safe_url(url_in_text)
    meta_title = " ".join((ex.title or "").split())
    title = shorten(meta_title, 200) if meta_title else derive_title(text, language)
    date = parse_published(ex.date) if ex.date else None
    source = "jsonl" if rel.lower().endswith(".jsonl") else (ex.date_source or "metadata")
    if date is None:
        date, source = date_from_url(url), "url"
    for found, where in ((date_from_lead, "dateline"), (date_from_text, "text")):
        if date is None:
            date, source = found(text), where
    if date is None and file_day:
        date, source = file_day, "file-time"
    return Article(id=content_id(text), title=title, text=text, url=url, date=date, path=rel, language=language,
                   date_source=source if date else "")


def _mb(n: int) -> str:
    """A size in MB as the limits are set (MiB): 20971520 -> "20 MB", 52428800 -> "50 MB"."""
    mb = n / 2**20
    return f"{mb:.0f} MB" if mb >= 10 else f"{mb:.3g} MB"


def load_file(path: Path, root: Path | None = None, problems: list[str] | None = None) -> list[Article]:
    """Read one article file (.txt .md .html .htm .pdf: one article; .jsonl: one per line). What was
    left out of a file that is read anyway (bad JSONL lines) is appended to `problems` when given."""
    path = Path(path)
    shown = _display(path, root)
    suffix = path.suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise IngestError(f"{shown}: files of type '{suffix}' are not read. Use one of: {', '.join(ALLOWED_SUFFIXES)}.")
    limit = config.MAX_FILE_BYTES
    try:
        size = path.stat().st_size
        if size > limit:
            raise IngestError(
                f"{shown} is {_mb(size)}, over the limit of {_mb(limit)} (MAX_FILE_BYTES). "
                "Split it into smaller files."
            )
        data = path.read_bytes()
        file_day = dt.datetime.fromtimestamp(path.stat().st_mtime).date().isoformat()
    except OSError as e:
        raise IngestError(f"{shown} cannot be read ({e.strerror}). Check that it exists and is readable.") from e
    empty = IngestError(f"{shown} is empty. Put the article text in it or remove the file.")
    if not data.strip():
        raise empty
    if suffix == ".pdf":
        try:
            records = [(0, read_pdf(data))]
        except PdfProblem as e:
            raise IngestError(f"{shown} {e}. Export it again as a PDF with text, or save the text as .txt.") from e
    else:
        raw = _decode(data, shown)
        if not raw.strip():
            raise empty
        if suffix == ".jsonl":
            return _jsonl_articles(raw, shown, problems, file_day)
        reader = {".md": read_markdown, ".html": read_html, ".htm": read_html}.get(suffix, Extracted)
        records = [(0, reader(raw))]
    article = _article(records[0][1], shown, file_day)
    if article is None:
        raise IngestError(
            f"{shown} has no article text after cleaning (scanned PDF or only boilerplate?). "
            "Add the text or remove the file."
        )
    return [article]


def _jsonl_articles(raw: str, shown: str, problems: list[str] | None = None,
                    file_day: str | None = None) -> list[Article]:
    records, bad = read_jsonl(raw)
    articles: list[Article] = []
    for n, ex in records:
        art = _article(ex, shown, file_day)
        if art is None:
            bad.append(f"line {n}: 'text' is empty after cleaning")
        else:
            articles.append(art)
    if not articles:
        detail = "; ".join(bad[:5]) or "no lines"
        raise IngestError(
            f"{shown} has no usable article ({detail}). Each line must be a JSON object "
            'like {"title": …, "text": …, "url": …, "date": …}.'
        )
    if bad:
        log.warning("%s: skipped %d bad line(s): %s", shown, len(bad), "; ".join(bad[:10]))
        if problems is not None:
            more = f"; and {len(bad) - 10} more" if len(bad) > 10 else ""
            problems.append(f"{len(bad)} bad line(s) left out, the other {len(articles)} indexed: "
                            f"{'; '.join(bad[:10])}{more}")
    return articles
