"""Shared fixtures: no network but loopback, no stray settings, small indexes built with fakes."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"

_real_connect = socket.socket.connect


def pytest_configure(config: pytest.Config) -> None:
    """The standard suites' timing test runs once, not as a benchmark (speed is measured in bench/)."""
    if config.pluginmanager.hasplugin("benchmark"):
        config.option.benchmark_disable = True


def _guarded_connect(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else None
    if isinstance(host, str):
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            ip = None
        if host != "localhost" and (ip is None or not ip.is_loopback):
            raise OSError(f"network blocked in tests: {address!r}")
    return _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    for var in ("RAG_INDEX_DIR", "RAG_ARTICLES_DIR", "RAG_EMBEDDER", "RAG_LLM", "RAG_AUTH", "RAG_API_KEY", "RAG_HOST",
                "RAG_PORT", "RAG_TODAY", "RAG_STORE"):
        monkeypatch.delenv(var, raising=False)
    # the same rankings whether or not this machine has Ding's dictionary; tests of it name it (test_glossary.py)
    monkeypatch.setenv("RAG_GLOSSARY", str(ROOT / "tests" / "data" / "no-dictionary"))


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    yield
    from rag import api

    api.reset()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """An empty database on the session's local PostgreSQL 16 + pgvector server (`bench/pg_local.py`: the
    `pgserver` wheel of the `pg` extra, a Unix socket, no TCP); dropped afterwards."""
    sys.path.insert(0, str(ROOT / "bench"))
    import pg_local

    url = pg_local.new_database()
    yield url
    from rag.store import pg

    pg.close_search_connections()
    pg_local.drop_database(url)


@pytest.fixture
def use_glossary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """Makes a dictionary text in Ding's format the glossary (with a cache of its own); gives its path."""
    def use(text: str) -> Path:
        path = tmp_path / "de-en"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("RAG_GLOSSARY", str(path))
        monkeypatch.setenv("RAG_CACHE_DIR", str(tmp_path / "cache"))
        return path
    return use


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A writable copy of the seed articles."""
    import shutil

    dest = tmp_path / "articles"
    shutil.copytree(SEEDS, dest)
    return dest


@pytest.fixture
def hashing_index(tmp_path: Path, seeds_copy: Path) -> Path:
    """The seeds indexed with the deterministic word-hashing embedder (fast, no model)."""
    from rag import api

    index = tmp_path / "index"
    api.build_index(seeds_copy, index, embedder="hashing")
    return index


@pytest.fixture(scope="session")
def e5_seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds indexed with the real e5-small model (built once per test session)."""
    import shutil

    from rag import api

    base = tmp_path_factory.mktemp("e5")
    shutil.copytree(SEEDS, base / "articles")
    api.build_index(base / "articles", base / "index", embedder="e5-small")
    return base / "index"


DATED = Path(__file__).parent / "data" / "dated"


def copy_dated(dest: Path) -> list[dict[str, str]]:
    """The dated fixture's articles copied to `dest`, each undated file saved on its gold day (its file
    time is its date, as for a file saved that day); returns the gold rows."""
    import datetime as dt
    import json
    import os
    import shutil

    gold = json.loads((DATED / "gold.json").read_text(encoding="utf-8"))["articles"]
    shutil.copytree(DATED / "articles", dest)
    for g in gold:
        if g["date_source"] == "file-time":
            noon = dt.datetime.fromisoformat(g["date"] + "T12:00:00").timestamp()
            os.utime(dest / g["path"], (noon, noon))
    return list(gold)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def llama_cpp_server(model: str, log_path: Path, *extra: str) -> Iterator[str]:
    """llama-cpp-python's own OpenAI-compatible server on 127.0.0.1 serving `model`; yields its /v1 URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1", "--port", str(port),
           "--n_ctx", "2048", "--n_threads", "2", *extra]
    with log_path.open("wb") as log:  # a pipe would fill up with llama.cpp's load log and block it
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"server exited with {proc.returncode}: {log_path.read_text()[-2000:]}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "llama_cpp.server did not start within 120 s"
                    time.sleep(0.5)
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
