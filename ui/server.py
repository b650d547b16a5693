"""`rag serve`: build the index on first start, then serve the chat page (`ui.app.build_app`) and the
OpenAI-compatible API under /v1 (`rag.openai_api`) on one server, localhost unless told otherwise.
Tests call `launch(build_app(settings), settings, block=False)`."""

from __future__ import annotations

import ipaddress
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import gradio as gr

from rag import store
from rag.config import MAX_FILE_BYTES, Settings, check_auth, env_feeds_every, load_settings
from rag.engine import Engine
from rag.errors import NoIndexError, RagError
from rag.feeds import pull_every
from rag.openai_api import router as openai_router

from .app import CSS, build_app


def parse_auth(raw: str | None) -> tuple[str, str] | None:
    """ "user:password" -> (user, password); None or "" -> no login."""
    if not check_auth(raw):
        return None
    user, _, password = str(raw).partition(":")
    return user, password


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def terminal_progress(out: Any = None) -> Callable[[str, int, int], None]:
    """A progress callback for `build_index` that prints a line per stage (and every ~2 s)."""
    stream = out or sys.stderr
    state: dict[str, Any] = {"stage": None, "t": 0.0}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage != state["stage"] or done >= total or now - state["t"] > 2.0:
            print(f"  {stage}: {done}/{total}", file=stream, flush=True)
            state["stage"], state["t"] = stage, now

    return progress


def ensure_index(eng: Engine) -> None:
    """Build the index from the articles folder on first start (when there is none yet)."""
    settings = eng.settings
    try:
        eng.index_status()
        return
    except NoIndexError:
        pass
    print(f"No index in {store.shown(eng.index_dir())}; building it from {settings.articles_dir} …", file=sys.stderr)
    report = eng.build_index(embedder=settings.embedder, progress=terminal_progress())
    print(f"Index built: {report.added} articles, {report.chunks_embedded} chunks.", file=sys.stderr)
    for s in report.skipped:
        print(f"  skipped {s.path}: {s.reason}", file=sys.stderr)


def warm_up(eng: Engine) -> None:
    """Load the models and evaluate the prompts' fixed prefixes while the page starts (`Engine.warm_up`), so
    the first questions are as fast as the later ones; a failure here only tells (the first question
    reports it again, with its next step)."""
    t0 = time.perf_counter()
    try:
        eng.warm_up()
    except RagError as e:
        print(f"Warm-up skipped: {e}", file=sys.stderr)
        return
    print(f"Models ready ({time.perf_counter() - t0:.0f} s).", file=sys.stderr)


def launch(app: gr.Blocks, settings: Settings, *, block: bool = True, quiet: bool = False) -> Any:
    """Start the server on settings.host:settings.port: the page (login when settings.auth is set) and the
    OpenAI-compatible API under /v1 (`rag.openai_api`; bearer key settings.api_key, or the login)."""
    auth = parse_auth(settings.auth)
    if not _is_loopback(settings.host) and auth is None:
        print(f"Warning: serving on {settings.host} without a login; set RAG_AUTH=user:password.", file=sys.stderr)
    if not _is_loopback(settings.host) and not (settings.api_key or auth):
        print(f"Warning: the API /v1 on {settings.host} takes any request; set RAG_API_KEY.", file=sys.stderr)
    app.queue(default_concurrency_limit=8)
    return app.launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=auth,
        share=False,
        show_error=False,
        prevent_thread_lock=not block,
        quiet=quiet,
        max_file_size=MAX_FILE_BYTES,
        ssr_mode=False,
        css=CSS,
        footer_links=["api", "settings"],
        run_history=False,
        # /v1: the OpenAI-compatible API on the same server, through the page's engine
        app_kwargs={"routes": openai_router(getattr(app, "rag_engine", None) or Engine(settings)).routes},
    )


def serve(host: str | None = None, port: int | None = None, auth: str | None = None,
          api_key: str | None = None, store_url: str | None = None) -> None:
    """`rag serve`: build the index on first start, then serve the chat page and the OpenAI-compatible
    API (localhost by default); `store_url`: the index's store (`--store`, else RAG_STORE)."""
    settings = load_settings().with_(host=host, port=port, auth=auth, api_key=api_key, store=store_url)
    parse_auth(settings.auth)  # fail early on a malformed value
    eng = Engine(settings)
    ensure_index(eng)
    threading.Thread(target=warm_up, args=(eng,), name="warm-up", daemon=True).start()
    pull_every(env_feeds_every() * 60, eng.pull_feeds, threading.Event())  # the feeds added, if any
    launch(build_app(engine=eng), settings, block=True)
