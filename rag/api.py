"""The public Python API: `from rag import ask`.

Everything is lazy: the first call opens the index and loads models; later calls reuse them and
pick up generations committed by other processes.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from . import indexing, store
from .chain import AnswerFlow, History
from .config import Settings, load_settings
from .errors import NoIndexError, RagError
from .retrieve import SNAPSHOTS, RetrievalConfig, retrieve
from .types import Answer, Hit, StreamEvent, UpdateReport

log = logging.getLogger(__name__)

_LLMS: dict[tuple[str, float], Any] = {}
_LLM_LOCK = threading.Lock()


def _settings(index_dir: Path | str | None = None, articles_dir: Path | str | None = None,
              embedder: str | None = None, llm: str | None = None) -> Settings:
    s = load_settings()
    return s.with_(
        index_dir=Path(index_dir) if index_dir else None,
        articles_dir=Path(articles_dir) if articles_dir else None,
        embedder=embedder,
        llm=llm,
    )


def _llm(name: str, timeout_s: float) -> tuple[Any, str]:
    """The chat model for a backend name (cached), and the name to report."""
    from .llms import get_llm

    with _LLM_LOCK:
        key = (name, timeout_s)
        if key not in _LLMS:
            _LLMS[key] = get_llm(name, timeout_s=timeout_s)
        model = _LLMS[key]
    if model is None:
        return None, "extractive"
    return model, "llama-cpp" if name == "auto" else name


def open_snapshot(index_dir: Path | str | None = None) -> store.Snapshot:
    s = _settings(index_dir)
    return SNAPSHOTS.get(s.index_dir)


def search(question: str, k: int = 5, index_dir: Path | str | None = None, mode: str = "hybrid") -> list[Hit]:
    """Top-k chunks for a question (hybrid dense + BM25 by default)."""
    snap = open_snapshot(index_dir)
    return retrieve(snap, question, k, RetrievalConfig(mode=mode))


def ask_stream(
    question: str,
    history: History = (),
    *,
    llm: str | None = None,
    index_dir: Path | str | None = None,
    k: int = 5,
) -> Iterator[StreamEvent]:
    """Yields the evidence answer at once, then generated tokens, then the checked final Answer."""
    s = _settings(index_dir, llm=llm)
    if not question or not question.strip():
        raise RagError("The question is empty. Type a question about the articles.")
    if len(question) > 2000:
        raise RagError("The question is longer than 2000 characters. Ask it in fewer words.")
    snap = SNAPSHOTS.get(s.index_dir)
    model, name = _llm(s.llm, s.llm_timeout_s)
    yield from AnswerFlow(snap, model, name, k).stream({"question": question, "history": history})


def ask(
    question: str,
    history: History = (),
    *,
    llm: str | None = None,
    index_dir: Path | str | None = None,
    k: int = 5,
) -> Answer:
    """Answer a question from the indexed articles, with checked citations (or an abstention)."""
    final: Answer | None = None
    for event in ask_stream(question, history, llm=llm, index_dir=index_dir, k=k):
        if event.kind == "final":
            final = event.answer
    assert final is not None
    return final


def build_index(articles_dir: Path | str | None = None, index_dir: Path | str | None = None,
                embedder: str | None = None, progress: indexing.Progress | None = None) -> UpdateReport:
    """Build the index from scratch from the articles folder."""
    s = _settings(index_dir, articles_dir, embedder)
    # None keeps the embedder of the index being rebuilt (or the default for a new one)
    name = embedder or os.environ.get("RAG_EMBEDDER") or None
    report = indexing.sync(s.articles_dir, s.index_dir, name, rebuild=True, progress=progress or indexing._noop)
    SNAPSHOTS.clear()
    return report


def update_index(articles_dir: Path | str | None = None, index_dir: Path | str | None = None,
                 embedder: str | None = None, progress: indexing.Progress | None = None) -> UpdateReport:
    """Sync the index with the folder: embed new/changed articles, drop deleted ones."""
    s = _settings(index_dir, articles_dir, embedder)
    # an embedder asked for (--embedder or RAG_EMBEDDER) must be the index's: a mismatch is an error,
    # not silently ignored; none asked for keeps the index's
    embedder = embedder or os.environ.get("RAG_EMBEDDER") or None
    if embedder is None and store.read_manifest(s.index_dir) is None:
        embedder = s.embedder
    return indexing.sync(s.articles_dir, s.index_dir, embedder, progress=progress or indexing._noop)


def add_files(paths: Iterable[Path | str], names: Iterable[str] | None = None,
              articles_dir: Path | str | None = None, index_dir: Path | str | None = None,
              progress: indexing.Progress | None = None) -> UpdateReport:
    """Copy files into the articles folder (safe names) and update the index."""
    s = _settings(index_dir, articles_dir)
    copied, skipped = indexing.copy_into(s.articles_dir, [Path(p) for p in paths], names)
    report = update_index(s.articles_dir, s.index_dir, progress=progress)
    if skipped:
        from dataclasses import replace

        report = replace(report, skipped=tuple(skipped) + report.skipped)
    return report


def index_status(index_dir: Path | str | None = None, checksums: bool = False) -> dict[str, Any]:
    """Counts and settings of the index, after opening it: a deleted, truncated or damaged generation
    raises IndexCorruptError (with the fix) rather than reporting the manifest's counts. `checksums`
    verifies every file's sha256 whatever the index's size (`rag index check`). NoIndexError when there
    is none."""
    s = _settings(index_dir)
    manifest = store.read_manifest(s.index_dir)
    if manifest is None:
        raise NoIndexError(f"No index in {s.index_dir} — run `rag index build`.")
    snap = store.check_index(s.index_dir) if checksums else SNAPSHOTS.get(s.index_dir)
    manifest = snap.manifest
    counts = manifest.get("counts", {})
    return {
        "index_dir": str(s.index_dir),
        "articles": counts.get("articles", 0),
        "chunks": counts.get("chunks", 0),
        "sentences": counts.get("sentences", 0),
        "embedder": manifest.get("embedder"),
        "dim": manifest.get("dim"),
        "updated": manifest.get("updated"),
        "generation": manifest.get("generation"),
        "llm": s.llm,
    }
