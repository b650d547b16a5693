"""RSS and Atom feeds into the articles folder (`rag feeds add | list | pull`).

A feed is registered in the articles folder's hidden `.feeds.json` (never read as an article). A pull
fetches each feed (conditional GET: an unchanged feed costs one request), parses it with feedparser
(from the fetched bytes; feedparser itself fetches nothing), and for each item it has not seen in this
version fetches the item's page and extracts its main text (trafilatura, as for uploaded pages); an
item without a readable page keeps the feed's own text when that is long enough. Each item becomes
one JSON Lines file, `feeds/<feed>/<item>.jsonl` ({"title", "url", "date", "text"}), written
atomically; the index is then updated for exactly those files (`Engine.update_index(only=…)`).

Nothing is lost: an item that drops out of the feed keeps its article; an item whose page cannot be
fetched is reported and tried again at the next pull; a feed that is down, slow, huge or not a feed
is reported and changes nothing. Only http and https are fetched, redirects included.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import FeedError, IngestError, RagError
from .ingest import _decode, clean_text
from .loaders import read_html
from .types import content_id

log = logging.getLogger(__name__)

REGISTRY = ".feeds.json"  # hidden: the articles scan skips it
LOCK = ".feeds.lock"
LOCK_WAIT_S = 60.0
ITEMS_DIR = "feeds"
MAX_FEED_BYTES = 10 * 2**20
MAX_PAGE_BYTES = 5 * 2**20
TIMEOUT_S = 20.0  # per request, for the whole body (a server that trickles bytes is cut off too)
MAX_ITEMS = 200  # items read per feed and pull (a feed lists its newest first)
MIN_FEED_TEXT = 200  # characters of the feed's own text that stand in for a page that cannot be read
USER_AGENT = "Quellenlage feeds (+https://github.com/quellenlage)"
_PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


@dataclass(frozen=True)
class ItemFailure:
    url: str
    reason: str


@dataclass(frozen=True)
class PullReport:
    """What `rag feeds pull` did (`--json`); `paths` are the item files written, relative to the
    articles folder, which the index update then reads."""

    feeds: int = 0
    items_new: int = 0
    items_updated: int = 0
    items_unchanged: int = 0
    items_failed: tuple[ItemFailure, ...] = ()
    paths: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"feeds": self.feeds, "items_new": self.items_new, "items_updated": self.items_updated,
                "items_unchanged": self.items_unchanged,
                "items_failed": [{"url": f.url, "reason": f.reason} for f in self.items_failed]}


@dataclass(frozen=True)
class Fetched:
    body: bytes
    headers: Message
    url: str
    not_modified: bool = False


@dataclass
class _Tally:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[ItemFailure] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


# --- fetching -----------------------------------------------------------------------------------

class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise FeedError(f"{req.full_url} redirects to {newurl}, which is not an http(s) address; not followed.")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def check_url(url: str) -> str:
    """The url, stripped, if it is an http(s) address with a host; else FeedError with the fix."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedError(f"{url!r} is not an http(s) address. Give the feed's full address, e.g. "
                        "https://example.org/rss.xml.")
    return url


def fetch(url: str, limit: int, headers: dict[str, str] | None = None, timeout: float | None = None) -> Fetched:
    """GET `url` with a size limit and a deadline for the whole body. FeedError says what went wrong:
    unreachable, an HTTP error, too slow, too big."""
    timeout = TIMEOUT_S if timeout is None else timeout
    check_url(url)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as resp:
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise FeedError(f"{url} is {int(declared) / 2**20:.1f} MB, over the limit of {limit // 2**20} MB; "
                                "not read.")
            chunks: list[bytes] = []
            total = 0
            while chunk := resp.read(64 * 1024):
                total += len(chunk)
                if total > limit:
                    raise FeedError(f"{url} is over the limit of {limit // 2**20} MB; not read.")
                if time.monotonic() > deadline:
                    raise FeedError(f"{url} took longer than {timeout:.0f} s to send; not read. Try again later.")
                chunks.append(chunk)
            return Fetched(b"".join(chunks), resp.headers, resp.geturl())
    except urllib.error.HTTPError as e:
        if e.code == 304:
            return Fetched(b"", e.headers, url, not_modified=True)
        raise FeedError(f"{url} answered HTTP {e.code} ({e.reason}). Check the address or try again later.") from e
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, TimeoutError):
            raise FeedError(f"{url} did not answer within {timeout:.0f} s. Try again later.") from e
        raise FeedError(f"Could not reach {url} ({reason}). Check the address and the connection.") from e
    except TimeoutError as e:
        raise FeedError(f"{url} did not answer within {timeout:.0f} s. Try again later.") from e
    except (OSError, ValueError) as e:  # connection reset, a malformed response
        raise FeedError(f"Could not read {url} ({e}). Try again later.") from e


# --- the registry -------------------------------------------------------------------------------

def _registry_path(articles_dir: Path) -> Path:
    return Path(articles_dir) / REGISTRY


def load_registry(articles_dir: Path) -> dict[str, Any]:
    """The feeds registered for the folder ({"feeds": [...]}); empty when none."""
    path = _registry_path(articles_dir)
    if not path.exists():
        return {"version": 1, "feeds": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FeedError(f"{path} cannot be read ({e}). Restore it from a backup, or delete it and add the "
                        "feeds again (their articles stay).") from e
    if not isinstance(data, dict) or not isinstance(data.get("feeds"), list):
        raise FeedError(f"{path} is not a feeds list. Delete it and add the feeds again (their articles stay).")
    return data


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def save_registry(articles_dir: Path, data: dict[str, Any]) -> None:
    _write_atomic(_registry_path(articles_dir), json.dumps(data, ensure_ascii=False, indent=1))


def add_feed(articles_dir: Path, url: str, fetcher: Callable[..., Fetched] = fetch) -> dict[str, Any]:
    """Register a feed after fetching it once (a page that is not RSS or Atom is refused with the reason).
    Adding a registered feed again changes nothing. Returns the feed's entry."""
    url = check_url(url)
    articles_dir = Path(articles_dir)
    with _locked(articles_dir):
        data = load_registry(articles_dir)
        for feed in data["feeds"]:
            if feed["url"] == url:
                return dict(feed)
        parsed = _parse(fetcher(url, MAX_FEED_BYTES).body, url)
        feed = {"url": url, "title": _plain(str(parsed.feed.get("title") or "")), "key": _feed_key(url),
                "added": _now(), "last_pull": None, "last_error": None, "etag": None, "modified": None, "items": {}}
        data["feeds"].append(feed)
        save_registry(articles_dir, data)
    return dict(feed)


def list_feeds(articles_dir: Path) -> list[dict[str, Any]]:
    """The registered feeds: url, title, added, last pull, last error and the number of items kept."""
    return [{"url": f["url"], "title": f.get("title") or "", "added": f.get("added"),
             "last_pull": f.get("last_pull"), "last_error": f.get("last_error"), "items": len(f.get("items") or {})}
            for f in load_registry(articles_dir)["feeds"]]


# --- pulling ------------------------------------------------------------------------------------

def pull(articles_dir: Path, fetcher: Callable[..., Fetched] = fetch, only: str | None = None) -> PullReport:
    """Fetch every registered feed (or the one at `only`) and write its new and edited items into the
    articles folder. The registry is saved after each feed, so an interrupted pull keeps what it wrote;
    one pull at a time per folder (a second waits, then says so)."""
    articles_dir = Path(articles_dir)
    if not _registry_path(articles_dir).exists():  # no feed added: nothing to do, nothing written
        return PullReport()
    with _locked(articles_dir):
        data = load_registry(articles_dir)
        tally = _Tally()
        feeds = [f for f in data["feeds"] if only is None or f["url"] == only]
        for feed in feeds:
            _pull_feed(feed, articles_dir, fetcher, tally)
            save_registry(articles_dir, data)
    return PullReport(len(feeds), tally.new, tally.updated, tally.unchanged, tuple(tally.failed), tuple(tally.paths))


def pull_every(interval_s: float, pull_once: Callable[[], object], stop: threading.Event) -> threading.Thread | None:
    """Call `pull_once` now and then every `interval_s` seconds in a daemon thread until `stop` is set
    (`rag serve`, `rag index watch`); a failed pull is logged and the next one comes on time. None when
    `interval_s` is 0 (off)."""
    if interval_s <= 0:
        return None

    def loop() -> None:
        while not stop.is_set():
            try:
                pull_once()
            except RagError as e:
                log.warning("Pulling the feeds failed: %s", e)
            stop.wait(interval_s)

    thread = threading.Thread(target=loop, name="feeds", daemon=True)
    thread.start()
    return thread


@contextmanager
def _locked(articles_dir: Path) -> Iterator[None]:
    from filelock import FileLock, Timeout

    articles_dir.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(articles_dir / LOCK), timeout=LOCK_WAIT_S):
            yield
    except Timeout as e:
        raise FeedError(f"Another pull of the feeds of {articles_dir} is running; try again when it is done.") from e


def _pull_feed(feed: dict[str, Any], articles_dir: Path, fetcher: Callable[..., Fetched], tally: _Tally) -> None:
    url = feed["url"]
    conditional = {k: v for k, v in (("If-None-Match", feed.get("etag")), ("If-Modified-Since", feed.get("modified")))
                   if v}
    feed["last_pull"] = _now()
    try:
        got = fetcher(url, MAX_FEED_BYTES, conditional)
        if got.not_modified:
            feed["last_error"] = None
            return
        parsed = _parse(got.body, url)
    except FeedError as e:
        feed["last_error"] = str(e)
        tally.failed.append(ItemFailure(url, str(e)))
        log.warning("%s", e)
        return
    items: dict[str, Any] = feed.setdefault("items", {})
    failed_before = len(tally.failed)
    for entry in parsed.entries[:MAX_ITEMS]:
        key = _item_key(entry)
        version = _item_version(entry)
        known = items.get(key)
        if known and known.get("version") == version:
            tally.unchanged += 1
            continue
        link = str(entry.get("link") or "")
        try:
            record = _item_record(entry, link, fetcher)
        except FeedError as e:
            tally.failed.append(ItemFailure(link or url, str(e)))
            continue
        rel = known["path"] if known else f"{ITEMS_DIR}/{feed['key']}/{key}.jsonl"
        line = json.dumps(record, ensure_ascii=False) + "\n"
        target = articles_dir / rel
        if not target.exists() or target.read_text(encoding="utf-8", errors="replace") != line:
            _write_atomic(target, line)
            tally.paths.append(rel)
        if known:
            tally.updated += 1
        else:
            tally.new += 1
        items[key] = {"version": version, "path": rel, "link": link}
    retry = len(tally.failed) > failed_before  # a failed item is tried again: the next pull reads the whole feed
    feed["etag"] = None if retry else got.headers.get("ETag")
    feed["modified"] = None if retry else got.headers.get("Last-Modified")
    feed["last_error"] = None
    if parsed.feed.get("title"):
        feed["title"] = _plain(str(parsed.feed.get("title")))


def _parse(body: bytes, url: str) -> Any:
    import feedparser

    parsed = feedparser.parse(body)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        detail = f" ({problem})" if problem else ""
        raise FeedError(f"{url} is not an RSS or Atom feed{detail}. Check the address: it must be the feed "
                        "itself (often …/rss, …/feed or …/atom.xml), not the site's page.")
    return parsed


def _item_record(entry: Any, link: str, fetcher: Callable[..., Fetched]) -> dict[str, str]:
    """{"title", "url", "date", "text"} of a feed item: the page's main text; the feed's own text where
    the page cannot be read and the feed's text is long enough."""
    feed_text = _feed_text(entry)
    text, page_date, problem = "", None, ""
    if link:
        try:
            check_url(link)
            got = fetcher(link, MAX_PAGE_BYTES)
            kind = (got.headers.get_content_type() or "").lower()
            if kind not in _PAGE_TYPES:
                raise FeedError(f"{link} is {kind}, not a web page; not read.")
            page = _decode_page(got)
            extracted = read_html(page) if kind != "text/plain" else None
            text = extracted.text if extracted else page
            page_date = extracted.date if extracted else None
        except FeedError as e:
            problem = str(e)
    if len(clean_text(text).text) < MIN_FEED_TEXT and len(clean_text(feed_text).text) >= MIN_FEED_TEXT:
        text = feed_text
    if not clean_text(text).text:
        raise FeedError(problem or f"The item {link or entry.get('title', '')!r} has no page and no text in the feed; "
                        "nothing to index.")
    safe = link if urlsplit(link).scheme in ("http", "https") else ""
    return {"title": _plain(str(entry.get("title") or "")), "url": safe, "date": page_date or _entry_date(entry) or "",
            "text": text}


def _decode_page(got: Fetched) -> str:
    charset = got.headers.get_content_charset()
    if charset:
        try:
            return got.body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return _decode(got.body, got.url)
    except IngestError as e:  # binary
        raise FeedError(f"{got.url} is not readable text ({e}).") from e


def _feed_text(entry: Any) -> str:
    contents = entry.get("content") or []
    html = max((str(c.get("value") or "") for c in contents), key=len, default="") or str(entry.get("summary") or "")
    return _plain(html) if html else ""


def _plain(html: str) -> str:
    """The text of an HTML fragment (a feed's summary, a title with entities)."""
    if "<" not in html and "&" not in html:
        return html.strip()
    from .loaders import _html_fallback

    return _html_fallback(f"<html><body><p>{html}</p></body></html>").text.strip()


def _entry_date(entry: Any) -> str | None:
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        stamp = entry.get(name)
        if stamp:
            return time.strftime("%Y-%m-%d", stamp)
    return None


def _item_key(entry: Any) -> str:
    ident = str(entry.get("id") or entry.get("link") or entry.get("title") or "")
    return content_id(ident or json.dumps(entry, sort_keys=True, default=str), length=16)


def _item_version(entry: Any) -> str:
    """Changes when the feed shows the item edited: its title, link, dates or text."""
    with warnings.catch_warnings():  # feedparser warns when "updated" falls back to "published"
        warnings.simplefilter("ignore", DeprecationWarning)
        parts: Iterable[str] = [str(entry.get(k) or "") for k in ("title", "link", "updated", "published", "summary")]
    contents = "".join(str(c.get("value") or "") for c in entry.get("content") or [])
    return content_id(*parts, contents, length=16)


_SLUG = re.compile(r"[^a-z0-9]+")


def _feed_key(url: str) -> str:
    """A folder name for the feed's items: its host, then a hash of the whole address."""
    host = _SLUG.sub("-", (urlsplit(url).hostname or "feed").lower()).strip("-")[:40] or "feed"
    return f"{host}-{content_id(url, length=8)}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
