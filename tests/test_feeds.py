"""Feeds: RSS and Atom from a local HTTP server on 127.0.0.1 into the articles folder and the index.

The server's routes change between pulls (items added, edited, dropped), and it counts every request,
so "nothing fetched twice" is asserted on what it served, not on what the code says it did."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rag import api, feeds, store
from rag.cli import main
from rag.errors import FeedError


class Site:
    """Routes path -> (status, content type, body, extra headers, delay in s); counts requests."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes, dict[str, str], float]] = {}
        self.hits: Counter[str] = Counter()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def put(self, path: str, body: str | bytes, kind: str = "text/html; charset=utf-8", status: int = 200,
            headers: dict[str, str] | None = None, delay: float = 0.0) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = (status, kind, data, headers or {}, delay)
        return self.base + path

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                site.hits[self.path] += 1
                status, kind, body, headers, delay = site.routes.get(
                    self.path, (404, "text/plain", b"not found", {}, 0.0))
                etag = headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", kind)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if delay:
                    time.sleep(delay)
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    yield s
    s.server.shutdown()


def page(title: str, body: str, date: str = "2025-11-03") -> str:
    return (f"<html><head><title>{title}</title><meta property='article:published_time' content='{date}'>"
            f"</head><body><nav>Startseite · Politik · Wirtschaft</nav><article><h1>{title}</h1>"
            f"<p>{body}</p></article><footer>Impressum · Datenschutz</footer></body></html>")


def rss(items: list[tuple[str, str, str, str]], title: str = "Testnachrichten") -> str:
    """items: (guid, title, link, pubDate)."""
    body = "".join(f"<item><guid>{g}</guid><title>{t}</title><link>{link}</link><pubDate>{d}</pubDate>"
                   f"<description>Kurz: {t}</description></item>" for g, t, link, d in items)
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{title}</title>"
            f"<link>http://example.org/</link>{body}</channel></rss>")


BRIDGE = ("Die neue Brücke über den Lech in Landsberg ist 412 Meter lang und wurde am Montag von der "
          "Bürgermeisterin eröffnet. Der Bau dauerte drei Jahre und kostete 38 Millionen Euro. ") * 2
MARKET = ("Der Wochenmarkt in Kempten zieht im Dezember auf den Rathausplatz um, weil die Markthalle saniert "
          "wird. Die Stadt rechnet mit 60 Ständen an jedem Samstag. ") * 2
FERRY = ("Die Fähre zwischen Lindau und Bregenz fährt ab Januar im Halbstundentakt. Die Reederei setzt dafür "
         "ein zweites Schiff mit Elektroantrieb ein, das 300 Fahrgäste fasst. ") * 2
PUB = "Mon, 03 Nov 2025 08:00:00 GMT"


def _index_texts(index: Path) -> str:
    snap = store.open_index(index)
    return " ".join(a.text for a in snap.articles.values())


def test_three_pulls_add_edit_and_drop_items_lose_nothing_and_fetch_nothing_twice(
        site: Site, seeds_copy: Path, hashing_index: Path) -> None:
    bridge = site.put("/brueke.html", page("Neue Lechbrücke", BRIDGE))
    market = site.put("/markt.html", page("Markt zieht um", MARKET))
    url = site.put("/rss.xml", rss([("a", "Neue Lechbrücke", bridge, PUB), ("b", "Markt zieht um", market, PUB)]),
                   "application/rss+xml")

    feed, report, update = api.add_feed(url, seeds_copy, hashing_index)
    assert feed["title"] == "Testnachrichten"
    assert (report.items_new, report.items_updated, report.items_failed) == (2, 0, ())
    assert update.added == 2
    texts = _index_texts(hashing_index)
    assert "412 Meter lang" in texts and "60 Ständen" in texts
    assert "Impressum" not in texts  # the page's main text, not its navigation
    hit = api.search("Wie lang ist die Brücke über den Lech?", k=1, index_dir=hashing_index)[0]
    assert hit.url == bridge and hit.date == "2025-11-03" and hit.title == "Neue Lechbrücke"

    # pull 2: the bridge item is edited (new title, new text), the market item drops out, a ferry item arrives
    site.put("/brueke.html", page("Lechbrücke teurer", BRIDGE.replace("38 Millionen", "41 Millionen")))
    ferry = site.put("/faehre.html", page("Fähre im Halbstundentakt", FERRY))
    site.put("/rss.xml", rss([("a", "Lechbrücke teurer", bridge, PUB), ("c", "Fähre im Halbstundentakt", ferry, PUB)]),
             "application/rss+xml")
    report, update = api.pull_feeds(seeds_copy, hashing_index)
    assert (report.items_new, report.items_updated, report.items_unchanged) == (1, 1, 0)
    assert (update.added, update.updated, update.removed) == (1, 1, 0)
    texts = _index_texts(hashing_index)
    assert "41 Millionen" in texts and "38 Millionen" not in texts  # the edit replaced the old text
    assert "60 Ständen" in texts  # the item that left the feed keeps its article
    assert "300 Fahrgäste" in texts

    # pull 3: nothing changed (the feed answers with the same items): no page is fetched again
    before = dict(site.hits)
    generation = store.read_manifest(hashing_index)["generation"]
    report, update = api.pull_feeds(seeds_copy, hashing_index)
    assert (report.items_new, report.items_updated, report.items_unchanged) == (0, 0, 2)
    assert site.hits["/rss.xml"] == before["/rss.xml"] + 1
    pages_before = {p: n for p, n in before.items() if p != "/rss.xml"}
    assert {p: n for p, n in site.hits.items() if p != "/rss.xml"} == pages_before
    assert store.read_manifest(hashing_index)["generation"] == generation  # the index was not touched
    assert site.hits["/brueke.html"] == 2 and site.hits["/markt.html"] == 1 and site.hits["/faehre.html"] == 1


def test_an_unchanged_feed_with_an_etag_costs_one_conditional_request(site: Site, tmp_path: Path) -> None:
    art = site.put("/a.html", page("Lechbrücke", BRIDGE))
    url = site.put("/atom.xml", (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>Atom-Test</title>"
        f"<entry><id>urn:x:1</id><title>Lechbrücke</title><link href='{art}'/><updated>2025-11-03T08:00:00Z</updated>"
        "</entry></feed>"), "application/atom+xml", headers={"ETag": '"v1"'})
    feeds.add_feed(tmp_path, url)
    first = feeds.pull(tmp_path)
    assert first.items_new == 1 and first.paths
    record = json.loads((tmp_path / first.paths[0]).read_text(encoding="utf-8"))
    assert record["url"] == art and record["title"] == "Lechbrücke" and "412 Meter" in record["text"]
    second = feeds.pull(tmp_path)
    assert (second.items_new, second.items_unchanged, second.paths) == (0, 0, ())  # 304: the items were not read
    assert site.hits["/atom.xml"] == 3 and site.hits["/a.html"] == 1  # add, pull, conditional pull


@pytest.mark.parametrize("problem", ["down", "not a feed", "huge", "slow", "http error"])
def test_a_bad_feed_is_reported_and_leaves_the_index_as_it_was(
        problem: str, site: Site, seeds_copy: Path, hashing_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    art = site.put("/a.html", page("Lechbrücke", BRIDGE))
    url = site.put("/rss.xml", rss([("a", "Lechbrücke", art, PUB)]), "application/rss+xml")
    api.add_feed(url, seeds_copy, hashing_index)
    manifest = store.read_manifest(hashing_index)
    files = sorted(p.relative_to(seeds_copy) for p in seeds_copy.rglob("*") if p.is_file())
    expected = {"down": "Could not reach", "not a feed": "is not an RSS or Atom feed", "huge": "over the limit",
                "slow": "did not answer within", "http error": "answered HTTP 500"}[problem]
    if problem == "down":
        site.server.shutdown()
        site.server.server_close()
    elif problem == "not a feed":
        site.put("/rss.xml", "<html><body><p>Unsere Startseite</p></body></html>")
    elif problem == "huge":
        monkeypatch.setattr(feeds, "MAX_FEED_BYTES", 1000)
        site.put("/rss.xml", rss([(str(i), f"Meldung {i}", art, PUB) for i in range(40)]), "application/rss+xml")
    elif problem == "slow":
        monkeypatch.setattr(feeds, "TIMEOUT_S", 0.3)
        site.put("/rss.xml", rss([("b", "Neu", art, PUB)]), "application/rss+xml", delay=1.5)
    else:
        site.put("/rss.xml", "kaputt", "text/plain", status=500)

    report, update = api.pull_feeds(seeds_copy, hashing_index)
    assert len(report.items_failed) == 1 and report.items_failed[0].url == url
    assert expected in report.items_failed[0].reason
    assert (report.items_new, update.added, update.updated, update.removed) == (0, 0, 0, 0)
    assert store.read_manifest(hashing_index)["generation"] == manifest["generation"]
    assert sorted(p.relative_to(seeds_copy) for p in seeds_copy.rglob("*") if p.is_file()) == files
    listed = api.list_feeds(seeds_copy)
    assert listed[0]["items"] == 1 and expected in listed[0]["last_error"]  # the feed stays, with the reason


def test_items_whose_page_fails_use_the_feeds_text_or_are_retried(site: Site, tmp_path: Path) -> None:
    long_summary = f"<p>{FERRY}</p><script>alert('x')</script>"
    url = site.put("/rss.xml", (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>T</title>"
        f"<item><guid>1</guid><title>Fähre</title><link>{site.base}/gone.html</link><pubDate>{PUB}</pubDate>"
        f"<description><![CDATA[{long_summary}]]></description></item>"
        f"<item><guid>2</guid><title>Kurz</title><link>{site.base}/also-gone.html</link><pubDate>{PUB}</pubDate>"
        "<description>Nur ein Satz.</description></item>"
        f"<item><guid>3</guid><title>Datei</title><link>file:///etc/passwd</link><pubDate>{PUB}</pubDate>"
        "<description>x</description></item>"
        "</channel></rss>"), "application/rss+xml")
    feeds.add_feed(tmp_path, url)
    report = feeds.pull(tmp_path)
    assert report.items_new == 1
    record = json.loads((tmp_path / report.paths[0]).read_text(encoding="utf-8"))
    assert "300 Fahrgäste" in record["text"] and "alert" not in record["text"] and record["date"] == "2025-11-03"
    failed = {f.url: f.reason for f in report.items_failed}
    assert "answered HTTP 404" in failed[f"{site.base}/also-gone.html"]
    assert "not an http(s) address" in next(r for u, r in failed.items() if u.startswith("file:"))
    # the failed item is tried again at the next pull, and arrives once its page is up, even where the
    # feed itself says it has not changed (its ETag is not kept while an item failed)
    site.routes["/rss.xml"] = (*site.routes["/rss.xml"][:3], {"ETag": '"same"'}, 0.0)
    assert feeds.pull(tmp_path).items_new == 0
    site.put("/also-gone.html", page("Kurz", MARKET))
    again = feeds.pull(tmp_path)
    assert again.items_new == 1 and again.items_unchanged == 1 and site.hits["/gone.html"] == 1


def test_redirects_are_followed_only_to_http(site: Site, tmp_path: Path) -> None:
    site.put("/moved.xml", "", status=301, headers={"Location": "ftp://127.0.0.1/rss.xml"})
    with pytest.raises(FeedError, match="redirects to ftp://127.0.0.1/rss.xml, which is not an http\\(s\\) address"):
        feeds.add_feed(tmp_path, site.base + "/moved.xml")
    site.put("/local.xml", "", status=302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(FeedError, match="not allowed"):
        feeds.add_feed(tmp_path, site.base + "/local.xml")
    real = site.put("/rss.xml", rss([]), "application/rss+xml")
    site.put("/old.xml", "", status=301, headers={"Location": real})
    assert feeds.add_feed(tmp_path, site.base + "/old.xml")["title"] == "Testnachrichten"


def test_add_refuses_what_is_not_a_feed_and_keeps_the_registry(site: Site, tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="not an http\\(s\\) address"):
        feeds.add_feed(tmp_path, "ftp://example.org/rss")
    with pytest.raises(FeedError, match="is not an RSS or Atom feed"):
        feeds.add_feed(tmp_path, site.put("/start.html", "<html><body>Willkommen</body></html>"))
    assert feeds.list_feeds(tmp_path) == []
    url = site.put("/rss.xml", rss([]), "application/rss+xml")
    feeds.add_feed(tmp_path, url)
    feeds.add_feed(tmp_path, url)  # twice: still one feed
    assert [f["url"] for f in feeds.list_feeds(tmp_path)] == [url]
    (tmp_path / feeds.REGISTRY).write_text("{kaputt", encoding="utf-8")
    with pytest.raises(FeedError, match="cannot be read"):
        feeds.list_feeds(tmp_path)


def test_feeds_cli_contract(site: Site, seeds_copy: Path, hashing_index: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    art = site.put("/a.html", page("Lechbrücke", BRIDGE))
    url = site.put("/rss.xml", rss([("a", "Lechbrücke", art, PUB)]), "application/rss+xml")
    common = ["--articles", str(seeds_copy), "--index", str(hashing_index)]
    assert main(["feeds", "add", url, *common, "--json"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["feed"] == {"url": url, "title": "Testnachrichten"}
    assert (added["feeds"], added["items_new"], added["items_updated"], added["items_failed"]) == (1, 1, 0, [])
    assert added["index"]["added"] == 1
    assert main(["feeds", "list", "--articles", str(seeds_copy), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["items"] == 1
    site.put("/rss.xml", "kaputt", "text/plain", status=503)
    assert main(["feeds", "pull", *common]) == 1  # a failure is listed and sets the exit status
    out = capsys.readouterr().out
    assert "1 failed" in out and "answered HTTP 503" in out
    assert main(["feeds", "add", *common]) == 2
    assert "Name the feed" in capsys.readouterr().err


def test_watch_pulls_the_feeds_on_a_schedule(site: Site, seeds_copy: Path, hashing_index: Path) -> None:
    from rag.watch import watch

    url = site.put("/rss.xml", rss([]), "application/rss+xml")
    feeds.add_feed(seeds_copy, url)
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(seeds_copy, hashing_index, "hashing"),
                              kwargs={"debounce_s": 0.2, "stop_after_s": 30, "stop": stop, "feeds_every_s": 0.3},
                              daemon=True)
    thread.start()
    art = site.put("/a.html", page("Lechbrücke", BRIDGE))
    site.put("/rss.xml", rss([("a", "Lechbrücke", art, PUB)]), "application/rss+xml")  # a new item appears
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "412 Meter" not in _index_texts(hashing_index):
        time.sleep(0.2)
    stop.set()
    thread.join(timeout=10)
    assert "412 Meter" in _index_texts(hashing_index) and site.hits["/a.html"] == 1


def test_feeds_every_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.config import env_feeds_every
    from rag.errors import ConfigError

    assert env_feeds_every() == 30
    monkeypatch.setenv("RAG_FEEDS_EVERY", "0")
    assert env_feeds_every() == 0
    monkeypatch.setenv("RAG_FEEDS_EVERY", "often")
    with pytest.raises(ConfigError, match="RAG_FEEDS_EVERY"):
        env_feeds_every()


def test_a_pull_without_feeds_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    assert feeds.pull(folder) == feeds.PullReport()
    assert list(folder.iterdir()) == []  # no registry, no lock file: `rag serve` on the seeds leaves them as they are


def test_the_page_adds_a_feed(site: Site, seeds_copy: Path, hashing_index: Path) -> None:
    from rag.config import Settings
    from rag.engine import Engine
    from ui import app

    eng = Engine(Settings(index_dir=hashing_index, articles_dir=seeds_copy, embedder="hashing", llm="extractive"))
    shelf = app._library(eng)
    art = site.put("/a.html", page("Lechbrücke", BRIDGE))
    url = site.put("/rss.xml", rss([("a", "Lechbrücke", art, PUB)]), "application/rss+xml")
    message, library, _, status, box = shelf.add_feed(url, "")
    assert "Testnachrichten: 1 new, 0 updated, 0 failed; added 1 to the index" in message and box == ""
    assert "Lechbrücke" in library and "Testnachrichten" in library and "<th>Articles</th><td>3</td>" in status
    message, _, _, _, box = shelf.add_feed(site.base + "/nothing.xml", "")
    assert "answered HTTP 404" in message and box == site.base + "/nothing.xml"  # kept to correct it
