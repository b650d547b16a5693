"""Settings, read from the environment only when asked (never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import ConfigError

#: The repository (or installed package) root: `seeds/` and `index/` live here by default.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_EMBEDDER = "e5-small"
DEFAULT_LLM = "auto"  # llama-cpp when installed, else extractive (with a notice)

#: Upload and ingestion limits.
MAX_FILE_BYTES = 20 * 1024 * 1024
ALLOWED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".jsonl")


@dataclass(frozen=True)
class Settings:
    """Every setting, read once from the environment by `load_settings()` (validated there)."""

    index_dir: Path
    articles_dir: Path
    embedder: str
    llm: str
    llm_timeout_s: float = 60.0
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = None  # "user:password"
    api_key: str | None = None  # bearer key of the OpenAI-compatible API (RAG_API_KEY)
    log_questions: bool = False
    threads: int = 2  # CPU threads of the models (RAG_THREADS)
    #: whether RAG_EMBEDDER was set: then it must match an existing index's embedder
    embedder_set: bool = False
    #: where the index lives: "local" (the folder `index_dir`) or a postgresql:// URL (RAG_STORE, --store)
    store: str = "local"

    def with_(self, **changes: object) -> Settings:
        clean = {k: v for k, v in changes.items() if v is not None}
        return replace(self, **clean)  # type: ignore[arg-type]


#: The variables `load_settings` reads, with their valid values (the error messages quote these).
VARIABLES: dict[str, str] = {
    "RAG_INDEX_DIR": "a folder (default: index/)",
    "RAG_STORE": "local (default: the index folder) or a PostgreSQL URL postgresql://user:password@host:port/database "
                 "(needs the `pg` extra)",
    "RAG_ARTICLES_DIR": "a folder (default: seeds/)",
    "RAG_EMBEDDER": "e5-small, hashing, sentence-transformers:<local folder> or sentence-transformers:all-MiniLM-L6-v2",
    "RAG_LLM": "auto, extractive, llama-cpp, llama-cpp:<path/to/model.gguf> or openai:<http(s) base url>[#<model>]",
    "RAG_LLM_TIMEOUT": "seconds, a number above 0 (default 60)",
    "RAG_HOST": "an address to bind to, e.g. 127.0.0.1 (default) or 0.0.0.0",
    "RAG_PORT": "a port number from 1 to 65535 (default 7860)",
    "RAG_AUTH": "user:password, both parts non-empty",
    "RAG_API_KEY": "any non-empty key",
    "RAG_LOG_QUESTIONS": "1, true, yes, on or 0, false, no, off",
    "RAG_THREADS": "a whole number from 1 to 256 (default 2)",
    "RAG_RENDER_QUESTIONS": "1, true, yes, on (default) or 0, false, no, off",
    "RAG_FEEDS_EVERY": "minutes between feed pulls while `rag serve` or `rag index watch` runs, 0 to 10080 "
                       "(0: off; default 30)",
}


_OPTIONS = {"--llm": "RAG_LLM", "--embedder": "RAG_EMBEDDER", "--store": "RAG_STORE"}


def _bad(name: str, raw: str) -> ConfigError:
    valid = VARIABLES[_OPTIONS.get(name, name)]
    shown = f"{name} {raw!r}" if name.startswith("--") else f"{name}={raw!r}"
    return ConfigError(f"{shown} is not a valid value. Valid: {valid}.")


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise _bad(name, raw) from None
    if not value > 0 or value == float("inf"):
        raise _bad(name, raw)
    return value


def _int(name: str, default: int, lo: int, hi: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _bad(name, raw) from None
    if not lo <= value <= hi:
        raise _bad(name, raw)
    return value


def _bool(name: str, default: bool = False) -> bool:
    raw = (os.environ.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise _bad(name, raw)


def check_embedder(name: str, variable: str = "RAG_EMBEDDER") -> str:
    if name in ("e5-small", "hashing") or (name.startswith("sentence-transformers:") and len(name) > 22):
        return name
    raise _bad(variable, name)


def check_llm(name: str, variable: str = "RAG_LLM") -> str:
    ok = name in ("auto", "extractive", "llama-cpp") or (name.startswith("llama-cpp:") and len(name) > 10) or (
        name.startswith(("openai:http://", "openai:https://")) and len(name.split("//", 1)[1]) > 0)
    if not ok:
        raise _bad(variable, name)
    return name


def check_store(raw: str, variable: str = "RAG_STORE") -> str:
    """RAG_STORE / --store: `local` or a postgresql:// (postgres://) URL."""
    value = raw.strip()
    if value.lower() == "local":
        return "local"
    if not value.startswith(("postgresql://", "postgres://")):
        raise _bad(variable, raw)
    return value


def check_auth(raw: str | None, variable: str = "RAG_AUTH") -> str | None:
    if not raw:
        return None
    user, sep, password = raw.partition(":")
    if not sep or not user or not password:
        raise ConfigError(f"{variable} / --auth must look like user:password (both parts non-empty).")
    return raw


def env_threads() -> int:
    """RAG_THREADS, validated: the CPU threads the embedder and the language model use."""
    return _int("RAG_THREADS", 2, 1, 256)


def env_feeds_every() -> int:
    """RAG_FEEDS_EVERY, validated: minutes between pulls of the feeds while `rag serve` or `rag index watch`
    runs (0: only `rag feeds pull`; default 30)."""
    return _int("RAG_FEEDS_EVERY", 30, 0, 7 * 24 * 60)


def env_render_questions() -> bool:
    """RAG_RENDER_QUESTIONS, validated: whether the model renders an English question on German articles in
    German to choose the sentences (one short call more; default on)."""
    return _bool("RAG_RENDER_QUESTIONS", default=True)


def load_settings() -> Settings:
    """Read and validate the RAG_* environment variables once; defaults fit a fresh clone. A bad value
    is a ConfigError that names the variable and its valid values."""
    env = os.environ
    host = env.get("RAG_HOST") or "127.0.0.1"
    if not host.strip() or any(c.isspace() for c in host):
        raise _bad("RAG_HOST", host)
    return Settings(
        index_dir=Path(env.get("RAG_INDEX_DIR") or PROJECT_ROOT / "index"),
        articles_dir=Path(env.get("RAG_ARTICLES_DIR") or PROJECT_ROOT / "seeds"),
        embedder=check_embedder(env.get("RAG_EMBEDDER") or DEFAULT_EMBEDDER),
        llm=check_llm(env.get("RAG_LLM") or DEFAULT_LLM),
        llm_timeout_s=_float("RAG_LLM_TIMEOUT", 60.0),
        host=host,
        port=_int("RAG_PORT", 7860, 1, 65535),
        auth=check_auth(env.get("RAG_AUTH") or None),
        api_key=env.get("RAG_API_KEY") or None,
        log_questions=_bool("RAG_LOG_QUESTIONS"),
        threads=env_threads(),
        embedder_set=bool(env.get("RAG_EMBEDDER")),
        store=check_store(env.get("RAG_STORE") or "local"),
    )
