"""Keep the index in step with a folder as files appear, change or vanish (watchdog)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from .indexing import sync
from .types import UpdateReport


def watch(
    articles_dir: Path,
    index_dir: Path | str,
    embedder: str | None = None,
    *,
    on_report: Callable[[UpdateReport], None] = lambda r: None,
    debounce_s: float = 1.0,
    stop_after_s: float | None = None,
    stop: threading.Event | None = None,
    feeds_every_s: float = 0.0,
) -> None:
    """Update the index whenever files in `articles_dir` appear, change or vanish (watchdog); with
    `feeds_every_s`, the folder's feeds are pulled that often (their new items are files like any other).

    Runs until `stop` is set or `stop_after_s` passed (forever when neither is given).
    """
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    from .feeds import pull, pull_every

    changed = threading.Event()

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            path = str(getattr(event, "dest_path", "") or event.src_path)
            if Path(path).name.startswith("."):
                return
            changed.set()

    observer = Observer()
    observer.schedule(Handler(), str(articles_dir), recursive=True)
    observer.start()
    started = time.monotonic()
    pulling = threading.Event()
    try:
        pull_every(feeds_every_s, lambda: pull(articles_dir), pulling)
        on_report(sync(articles_dir, index_dir, embedder))
        while (stop_after_s is None or time.monotonic() - started < stop_after_s) and not (stop and stop.is_set()):
            if changed.wait(timeout=0.2):
                time.sleep(debounce_s)  # let a burst of writes settle
                changed.clear()
                on_report(sync(articles_dir, index_dir, embedder))
    finally:
        pulling.set()
        observer.stop()
        observer.join(timeout=5)
