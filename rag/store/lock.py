"""The index folder and its writer lock (`index/.lock`, an flock the kernel releases when a writer dies)."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from ..errors import IndexLockedError, IndexWriteError


def ensure_index_folder(index_dir: Path) -> None:
    """Create the index folder (and its parents), or say clearly why it cannot be."""
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexWriteError(
            f"The index location {index_dir} is a file, not a folder. Point RAG_INDEX_DIR / --index at a "
            "folder (it is created when missing)."
        )
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise IndexWriteError(
            f"Cannot create the index folder {index_dir} ({e.strerror or e}). Point RAG_INDEX_DIR / --index at "
            "a folder you can write to."
        ) from None


@contextlib.contextmanager
def writer_lock(index_dir: Path | str, timeout: float = 600) -> Iterator[None]:
    """Hold `index_dir/.lock` while updating the index; waits up to `timeout` seconds for another writer."""
    from filelock import FileLock, Timeout

    index_dir = Path(index_dir)
    ensure_index_folder(index_dir)
    lock = FileLock(str(index_dir / ".lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:  # (a subclass of OSError: caught first)
        print(f"Another process is updating {index_dir}; waiting…", file=sys.stderr, flush=True)
        start = time.monotonic()
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise IndexLockedError(
                f"Another process has been updating {index_dir} for over {time.monotonic() - start:.0f} s. "
                "Wait for it (e.g. a running `rag index update` or the UI's folder watcher) and try again."
            ) from None
    except OSError as e:  # a read-only folder or disk
        raise IndexWriteError(
            f"Cannot write to the index folder {index_dir} ({e.strerror or e}). Make it writable, or point "
            "RAG_INDEX_DIR / --index at a folder you can write to; the index there is unchanged."
        ) from None
    try:
        yield
    finally:
        lock.release()
