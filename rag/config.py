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

    def with_(self, **changes: object) -> Settings:
        clean = {k: v for k, v in changes.items() if v is not None}
        return replace(self, **clean)  # type: ignore[arg-type]


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number. Set it to seconds, e.g. {name}=60.") from None


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number, e.g. {name}={default}.") from None


def load_settings() -> Settings:
    """Read RAG_* environment variables; defaults fit a fresh clone."""
    env = os.environ
    return Settings(
        index_dir=Path(env.get("RAG_INDEX_DIR") or PROJECT_ROOT / "index"),
        articles_dir=Path(env.get("RAG_ARTICLES_DIR") or PROJECT_ROOT / "seeds"),
        embedder=env.get("RAG_EMBEDDER") or DEFAULT_EMBEDDER,
        llm=env.get("RAG_LLM") or DEFAULT_LLM,
        llm_timeout_s=_float("RAG_LLM_TIMEOUT", 60.0),
        host=env.get("RAG_HOST") or "127.0.0.1",
        port=_int("RAG_PORT", 7860),
        auth=env.get("RAG_AUTH") or None,
        api_key=env.get("RAG_API_KEY") or None,
        log_questions=(env.get("RAG_LOG_QUESTIONS", "").lower() in ("1", "true", "yes")),
    )
