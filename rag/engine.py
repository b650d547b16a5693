"""One engine: the validated settings, read once, and everything loaded from them.

`Engine(settings)` owns the open index snapshots (reopened when another process commits), the
language models by backend name, and through the snapshots their derived indexes (the evidence
step's per-snapshot tables live on the snapshot and go with it). `rag.api` is a thin layer over a
default engine built from the environment on first use; the CLI, the page, the OpenAI-compatible API
and `rag eval` go through it. `reset()` drops everything, so tests reset one object.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from . import feeds, indexing, store, stories, uploads
from .config import Settings, check_embedder, check_llm, load_settings
from .errors import ConfigError, NoIndexError, RagError
from .filters import make_filters, outlet
from .types import Answer, History, Hit, StreamEvent, UpdateReport

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
DELETED = ".deleted"  # deleted articles' files, in the articles folder (hidden: never read as articles)


class Engine:
    """Quellenlage over one set of settings (see module doc)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()
        self.snapshots = store.SnapshotCache()
        self._llms: dict[tuple[str, float], Any] = {}
        self._lock = threading.Lock()

    # --- what is loaded ---------------------------------------------------------------------------

    def index_dir(self, index_dir: Path | str | None = None) -> store.Location:
        """Where the index is: the one asked for, else the settings' store (a PostgreSQL URL) or folder."""
        if index_dir:
            return store.location(index_dir)
        return self.settings.store if self.settings.store != "local" else self.settings.index_dir

    def snapshot(self, index_dir: Path | str | None = None) -> store.Snapshot:
        """The open index (the current generation; reopened after another process's commit)."""
        return self.snapshots.get(self.index_dir(index_dir))

    def llm(self, name: str | None = None) -> tuple[Any, str]:
        """The chat model of a backend name (default: the settings'), loaded once, and the name to report;
        (None, "extractive") without a model."""
        from .llms import get_llm

        name = check_llm(name, "--llm") if name else self.settings.llm
        with self._lock:
            key = (name, self.settings.llm_timeout_s)
            if key not in self._llms:
                self._llms[key] = get_llm(name, timeout_s=self.settings.llm_timeout_s)
            model = self._llms[key]
        if model is None:
            return None, "extractive"
        return model, "llama-cpp" if name == "auto" else name

    def warm_up(self, llm: bool = True, name: str | None = None, index_dir: Path | str | None = None) -> None:
        """Open the index, load the embedder and (with `llm`) the language model now, not on the first
        question; `name`: the model to load, `index_dir`: the index to open (default: the settings'). An
        embedded model also evaluates each prompt's fixed prefix in its context (`reading.warm_up`, ~30 s on 2
        cores), which the first questions of each kind would otherwise wait for."""
        from .embedders import get_embedder
        from .glossary import german_words
        from .reading import warm_up

        snap = self.snapshot(index_dir)
        get_embedder(snap.embedder).embed_query("warm-up")
        german_words("warm-up")  # the dictionary's lookup table, built once (~3 s) where it is not yet
        model, _ = self.llm(name) if llm else (None, "")
        load = getattr(model, "load", None)
        if model is not None and callable(load):  # the embedded model; a server keeps its own prompt cache
            load()
            warm_up(model)

    def reset(self) -> None:
        """Forget the open snapshots and the loaded language models."""
        self.snapshots.clear()
        with self._lock:
            self._llms.clear()

    # --- questions ----------------------------------------------------------------------------------

    def search(self, question: str, k: int = 5, index_dir: Path | str | None = None,
               mode: str = "hybrid", *, since: str | None = None, until: str | None = None,
               source: str | None = None) -> list[Hit]:
        from .retrieve import MODES, HybridRetriever

        if mode not in MODES:
            raise ConfigError(f"Unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}.")
        if k < 1:
            raise ConfigError(f"k={k}: ask for at least one passage.")
        f = make_filters(since, until, source)
        return HybridRetriever(snapshot=self.snapshot(index_dir), k=k, mode=mode, since=f.since, until=f.until,
                               source=f.source).hits(question)

    def ask_stream(self, question: str, history: History = (), *, llm: str | None = None,
                   index_dir: Path | str | None = None, k: int = 5, since: str | None = None,
                   until: str | None = None, source: str | None = None) -> Iterator[StreamEvent]:
        """The evidence answer, the model's tokens, the final answer; `since`/`until`/`source` restrict
        the articles used (`rag.filters`)."""
        filters = make_filters(since, until, source)
        if not question or not question.strip():
            raise RagError("The question is empty. Type a question about the articles.")
        if len(question) > MAX_QUESTION_CHARS:
            raise RagError(f"The question is longer than {MAX_QUESTION_CHARS} characters. Ask it in fewer words.")
        snap = self.snapshot(index_dir)
        model, name = self.llm(llm)
        from .chain import AnswerFlow

        yield from AnswerFlow(snap, model, name, k, filters).stream({"question": question, "history": history})

    def ask(self, question: str, history: History = (), *, llm: str | None = None,
            index_dir: Path | str | None = None, k: int = 5, since: str | None = None,
            until: str | None = None, source: str | None = None) -> Answer:
        final: Answer | None = None
        for event in self.ask_stream(question, history, llm=llm, index_dir=index_dir, k=k, since=since,
                                     until=until, source=source):
            if event.kind == "final":
                final = event.answer
        assert final is not None
        return final

    # --- the index ------------------------------------------------------------------------------------

    def _asked_embedder(self, embedder: str | None) -> str | None:
        """The embedder asked for: the argument, else RAG_EMBEDDER when it was set, else None (the index's)."""
        if embedder:
            return check_embedder(embedder, "--embedder")
        return self.settings.embedder if self.settings.embedder_set else None

    def _folders(self, articles_dir: Path | str | None,
                 index_dir: Path | str | None) -> tuple[Path, store.Location]:
        return Path(articles_dir) if articles_dir else self.settings.articles_dir, self.index_dir(index_dir)

    def build_index(self, articles_dir: Path | str | None = None, index_dir: Path | str | None = None,
                    embedder: str | None = None, progress: indexing.Progress | None = None) -> UpdateReport:
        """Build the index from scratch; without an embedder asked for (argument or RAG_EMBEDDER) the
        rebuilt index keeps its embedder (or gets the default)."""
        articles, index = self._folders(articles_dir, index_dir)
        name = self._asked_embedder(embedder)
        return indexing.sync(articles, index, name, rebuild=True, progress=progress or indexing._noop,
                             on_commit=self.snapshots.put)

    def compact_index(self, index_dir: Path | str | None = None) -> dict[str, Any]:
        """Merge the index's generations into one (`rag index compact`); returns the status after it."""
        index = self.index_dir(index_dir)
        self.snapshots.put(store.compact(index, reuse=self.snapshots.peek(index)))
        return self.index_status(index)

    def migrate_index(self, to: Path | str, index_dir: Path | str | None = None,
                      replace_existing: bool = False) -> dict[str, Any]:
        """Copy the index (`index_dir`, else the settings') to another store as it is: a folder into a
        PostgreSQL database or back (`rag index migrate --to URL`), vectors and all, nothing embedded again.
        A target that holds an index is refused unless `replace_existing`. Returns the target's status."""
        source, target = self.index_dir(index_dir), store.location(to)
        if store.shown(source) == store.shown(target):
            raise ConfigError(f"The index is at {store.shown(target)} already; name another store with --to.")
        snap = self.snapshot(source)
        with store.writer_lock(target):
            there = store.read_manifest(target)
            if there is not None and not replace_existing:
                n = there.get("counts", {}).get("articles", 0)
                raise RagError(f"{store.shown(target)} holds an index already ({n} articles). Migrate into an empty "
                               "database or folder, or pass --replace to overwrite it.")
            made = store.commit(target, embedder=snap.embedder, dim=snap.dim,
                                chunking=snap.manifest.get("chunking", {}),
                                articles=snap.articles, files=snap.files, chunks=snap.chunks,
                                chunk_vectors=snap.chunk_vectors, sentence_vectors=snap.sentence_vectors,
                                sentence_rows=snap.sentence_rows)
        if made is not None:
            self.snapshots.put(made)
        return self.index_status(target)

    def update_index(self, articles_dir: Path | str | None = None, index_dir: Path | str | None = None,
                     embedder: str | None = None, progress: indexing.Progress | None = None,
                     only: list[str] | None = None) -> UpdateReport:
        """Sync the index with the folder. An embedder asked for (argument or RAG_EMBEDDER) must be the
        index's: a mismatch is an error, not silently ignored; none asked for keeps the index's."""
        articles, index = self._folders(articles_dir, index_dir)
        name = self._asked_embedder(embedder)
        if name is None and store.read_manifest(index) is None:
            name = self.settings.embedder
        return indexing.sync(articles, index, name, progress=progress or indexing._noop,
                             reuse=self.snapshots.peek(index), on_commit=self.snapshots.put, only=only)

    def add_files(self, paths: Iterable[Path | str], names: Iterable[str] | None = None,
                  articles_dir: Path | str | None = None, index_dir: Path | str | None = None,
                  progress: indexing.Progress | None = None) -> UpdateReport:
        """Copy files into the articles folder (safe names, checked first) and update the index."""
        from dataclasses import replace

        articles, index = self._folders(articles_dir, index_dir)
        copied, skipped = uploads.copy_into(articles, [Path(p) for p in paths], names)
        report = self.update_index(articles, index, progress=progress,
                                   only=[p.relative_to(articles).as_posix() for p in copied])
        return replace(report, skipped=tuple(skipped) + report.skipped) if skipped else report

    def list_articles(self, index_dir: Path | str | None = None) -> list[dict[str, Any]]:
        """The indexed articles, newest publication date first (then those dated by their file's time): id,
        title, outlet (the link's host), date, date_source, path, chunks, and how many other articles tell the
        same story."""
        snap = self.snapshot(index_dir)
        groups = stories.groups_of(snap)
        rows = [{"id": a.id, "title": a.title, "outlet": outlet(a.url), "date": a.date or "",
                 "date_source": a.date_source, "path": a.path, "chunks": len(snap.rows_of_article(a.id)),
                 "same_story": len(groups.get(stories.story_of(a), [a.id])) - 1}
                for a in snap.articles.values()]
        # a file's time is no publication date: those articles come after the dated ones
        return sorted(rows, key=lambda r: (r["date_source"] != "file-time", r["date"], r["title"]), reverse=True)

    def delete_article(self, article_id: str, articles_dir: Path | str | None = None,
                       index_dir: Path | str | None = None) -> UpdateReport:
        """Delete an article from the index and its file from the articles folder, together: the file is
        moved aside (`.deleted/` in the folder) and the index updated for it; if the update fails, the
        file is put back. A file that holds other articles too (a JSON Lines file) is refused with the fix."""
        articles, index = self._folders(articles_dir, index_dir)
        snap = self.snapshot(index)
        article = snap.articles.get(article_id)
        if article is None:
            raise RagError(f"No article {article_id!r} in the index (deleted already?). Refresh the list.")
        others = [a for a in snap.articles.values() if a.path == article.path and a.id != article_id]
        if others:
            raise RagError(f"{article.path} holds {len(others)} other article(s) too; remove this one's line from "
                           "the file, then run `rag index update`.")
        source = articles / article.path
        if not source.resolve().is_relative_to(articles.resolve()):
            raise RagError(f"{article.path} is not inside the articles folder {articles}; not deleted.")
        aside = articles / DELETED / f"{time.strftime('%Y%m%d-%H%M%S')}-{article_id}-{source.name}"
        aside.parent.mkdir(parents=True, exist_ok=True)
        moved = source.exists()
        if moved:
            os.replace(source, aside)
        try:
            return self.update_index(articles, index, only=[article.path])
        except BaseException:
            if moved:
                os.replace(aside, source)  # the index did not change: neither does the folder
            raise

    def add_feed(self, url: str, articles_dir: Path | str | None = None, index_dir: Path | str | None = None,
                 progress: indexing.Progress | None = None) -> tuple[dict[str, Any], feeds.PullReport, UpdateReport]:
        """Register a feed for the articles folder (fetched once to check it is RSS or Atom), pull it and
        index its items: (the feed, what the pull did, the index update)."""
        articles, _ = self._folders(articles_dir, index_dir)
        feed = feeds.add_feed(articles, url)
        report, update = self.pull_feeds(articles, index_dir, progress, only=feed["url"])
        return feed, report, update

    def pull_feeds(self, articles_dir: Path | str | None = None, index_dir: Path | str | None = None,
                   progress: indexing.Progress | None = None,
                   only: str | None = None) -> tuple[feeds.PullReport, UpdateReport]:
        """Pull the folder's feeds and update the index for exactly the item files written (a pull that
        writes nothing leaves the index alone)."""
        articles, index = self._folders(articles_dir, index_dir)
        report = feeds.pull(articles, only=only)
        update = self.update_index(articles, index, progress=progress, only=list(report.paths)) \
            if report.paths else UpdateReport()
        return report, update

    def list_feeds(self, articles_dir: Path | str | None = None) -> list[dict[str, Any]]:
        return feeds.list_feeds(self._folders(articles_dir, None)[0])

    def index_status(self, index_dir: Path | str | None = None, checksums: bool = False) -> dict[str, Any]:
        """Counts and settings of the index, after opening it: a deleted, truncated or damaged generation
        raises IndexCorruptError (with the fix) rather than reporting the manifest's counts. `checksums`
        verifies every file's sha256 whatever the index's size (`rag index check`)."""
        index = self.index_dir(index_dir)
        if store.read_manifest(index) is None:
            raise NoIndexError(f"No index in {store.shown(index)} — run `rag index build`.")
        snap = store.check_index(index) if checksums else self.snapshot(index)
        manifest = snap.manifest
        counts = manifest.get("counts", {})
        return {
            "index_dir": store.shown(index),
            "articles": counts.get("articles", 0),
            "chunks": counts.get("chunks", 0),
            "sentences": counts.get("sentences", 0),
            "embedder": manifest.get("embedder"),
            "dim": manifest.get("dim"),
            "updated": manifest.get("updated"),
            "generation": manifest.get("generation"),
            "generations": len(snap.chain),
            "llm": self.settings.llm,
        }
