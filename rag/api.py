"""The public Python API: `from rag import ask`.

Thin functions over one default `Engine` (`rag.engine`), built from the environment (validated:
`rag.config.load_settings`) on first use: the first call opens the index and loads models, later
calls reuse them and pick up generations committed by other processes. `reset()` forgets the default
engine (the next call reads the environment again); `engine()` is it, e.g. for `engine().warm_up()`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from . import indexing, store
from .engine import Engine
from .feeds import PullReport
from .types import Answer, History, Hit, StreamEvent, UpdateReport

_DEFAULT: list[Engine] = []
_LOCK = threading.Lock()


def engine() -> Engine:
    """The default engine (built from the environment on first use)."""
    with _LOCK:
        if not _DEFAULT:
            _DEFAULT.append(Engine())
        return _DEFAULT[0]


def reset() -> None:
    """Drop the default engine and what it loaded; the next call reads the environment again."""
    with _LOCK:
        if _DEFAULT:
            _DEFAULT.pop().reset()


def open_snapshot(index_dir: Path | str | None = None) -> store.Snapshot:
    return engine().snapshot(index_dir)


def search(question: str, k: int = 5, index_dir: Path | str | None = None, mode: str = "hybrid", *,
           since: str | None = None, until: str | None = None, source: str | None = None) -> list[Hit]:
    """Top-k chunks for a question (hybrid dense + BM25 by default); `since`/`until` (YYYY-MM-DD,
    inclusive) and `source` (an outlet's domain) restrict the articles searched."""
    return engine().search(question, k, index_dir, mode, since=since, until=until, source=source)


def ask_stream(question: str, history: History = (), *, llm: str | None = None,
               index_dir: Path | str | None = None, k: int = 5, since: str | None = None,
               until: str | None = None, source: str | None = None) -> Iterator[StreamEvent]:
    """Yields the evidence answer at once, then generated tokens, then the checked final Answer."""
    yield from engine().ask_stream(question, history, llm=llm, index_dir=index_dir, k=k, since=since, until=until,
                                   source=source)


def ask(question: str, history: History = (), *, llm: str | None = None, index_dir: Path | str | None = None,
        k: int = 5, since: str | None = None, until: str | None = None, source: str | None = None) -> Answer:
    """Answer a question from the indexed articles, with checked citations (or an abstention); the
    filters as for `search`."""
    return engine().ask(question, history, llm=llm, index_dir=index_dir, k=k, since=since, until=until,
                        source=source)


def build_index(articles_dir: Path | str | None = None, index_dir: Path | str | None = None,
                embedder: str | None = None, progress: indexing.Progress | None = None) -> UpdateReport:
    """Build the index from scratch from the articles folder."""
    return engine().build_index(articles_dir, index_dir, embedder, progress)


def update_index(articles_dir: Path | str | None = None, index_dir: Path | str | None = None,
                 embedder: str | None = None, progress: indexing.Progress | None = None) -> UpdateReport:
    """Sync the index with the folder: embed new/changed articles, drop deleted ones."""
    return engine().update_index(articles_dir, index_dir, embedder, progress)


def add_files(paths: Iterable[Path | str], names: Iterable[str] | None = None,
              articles_dir: Path | str | None = None, index_dir: Path | str | None = None,
              progress: indexing.Progress | None = None) -> UpdateReport:
    """Copy files into the articles folder (safe names) and update the index."""
    return engine().add_files(paths, names, articles_dir, index_dir, progress)


def add_feed(url: str, articles_dir: Path | str | None = None, index_dir: Path | str | None = None,
             progress: indexing.Progress | None = None) -> tuple[dict[str, Any], PullReport, UpdateReport]:
    """Register an RSS or Atom feed for the articles folder, pull it and index its items."""
    return engine().add_feed(url, articles_dir, index_dir, progress)


def pull_feeds(articles_dir: Path | str | None = None, index_dir: Path | str | None = None,
               progress: indexing.Progress | None = None) -> tuple[PullReport, UpdateReport]:
    """Fetch the folder's feeds, write new and edited items as articles and index them."""
    return engine().pull_feeds(articles_dir, index_dir, progress)


def list_feeds(articles_dir: Path | str | None = None) -> list[dict[str, Any]]:
    """The feeds registered for the articles folder, with their last pull and last error."""
    return engine().list_feeds(articles_dir)


def list_articles(index_dir: Path | str | None = None) -> list[dict[str, Any]]:
    """The indexed articles (title, outlet, date, chunks, …), newest first."""
    return engine().list_articles(index_dir)


def delete_article(article_id: str, articles_dir: Path | str | None = None,
                   index_dir: Path | str | None = None) -> UpdateReport:
    """Delete an article from the index and its file from the articles folder (moved to `.deleted/`)."""
    return engine().delete_article(article_id, articles_dir, index_dir)


def index_status(index_dir: Path | str | None = None, checksums: bool = False) -> dict[str, Any]:
    """Counts and settings of the index (raises NoIndexError when there is none)."""
    return engine().index_status(index_dir, checksums)


def compact_index(index_dir: Path | str | None = None) -> dict[str, Any]:
    """Merge the index's generations into one (`rag index compact`); the status after it."""
    return engine().compact_index(index_dir)
