"""The chat page: `build_app(settings)`; `ui.server` serves it (`rag serve`) with the API under /v1.

Calls only `rag.api`. Every string that reaches the page goes through `ui.render` (escaped there).
Only `RagError` messages are shown to the user; anything else is logged with its traceback and
the page says "Something went wrong; see the server log". Questions are not logged unless
`RAG_LOG_QUESTIONS=1`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from rag.config import ALLOWED_SUFFIXES, MAX_FILE_BYTES, Settings, load_settings
from rag.engine import Engine
from rag.errors import RagError
from rag.types import UpdateReport

from . import render

#: Questions handled at once. A question waiting for the language model holds only a thread, and
#: its evidence answer (~15 ms of CPU) is shown before it waits: with a low limit, users queued
#: behind the model would not even see the quote.
CHAT_CONCURRENCY = 32

log = logging.getLogger(__name__)

EXAMPLES = [
    "Wie viele Kisten mit sterblichen Überresten hat Vietnam zurückgegeben?",
    "When will Hegseth and Ahn Gyu-back hold the Security Consultative Meeting?",
    "Welche Länder besucht Hegseth auf seiner Asienreise?",
]

CSS = """
#answer-chat .q, #answer-chat .a { white-space: normal; line-height: 1.5; }
#answer-chat .a .note { font-size: 0.8em; opacity: 0.65; margin-top: 0.4em; }
#answer-chat .a .short { font-weight: 600; font-size: 1.05em; margin-bottom: 0.35em; }
#answer-chat .a .evidence { margin-top: 0.35em; opacity: 0.8; }
#answer-chat .a.error { color: #b42318; }
#answer-chat .a.abstained { font-style: italic; }
#answer-chat a.cite { text-decoration: none; font-weight: 600; }
#sources .source { margin: 0 0 0.9em 0; padding: 0.5em 0.7em; border-left: 3px solid #d0d5dd; }
#sources .source:target { border-left-color: #f79009; background: rgba(247, 144, 9, 0.08); }
#sources .src-head { font-weight: 600; margin-bottom: 0.3em; }
#sources .date { font-weight: 400; opacity: 0.7; margin-left: 0.4em; font-size: 0.9em; }
#sources blockquote.passage { margin: 0; font-size: 0.92em; line-height: 1.45; }
#sources mark { background: #fef0c7; color: inherit; padding: 0 1px; }
#upload-report .error { color: #b42318; }
#index-status table.status th { text-align: left; padding-right: 1em; font-weight: 600; }
"""

Messages = list[dict[str, str]]
ChatOut = tuple[Messages, Messages, Messages, Any, Any]


def status_html(eng: Engine) -> str:
    try:
        status = dict(eng.index_status())
    except RagError as e:
        return render.render_message_box(str(e))
    except Exception:
        log.exception("reading the index status failed")
        return render.render_message_box(render.GENERIC_ERROR)
    status["llm"] = eng.settings.llm
    return render.render_status(status)


def _chat(eng: Engine) -> Callable[..., Iterator[ChatOut]]:
    settings = eng.settings

    def chat(message: str, display: Messages, history: Messages, since: str = "", until: str = "",
             source: str = "") -> Iterator[ChatOut]:
        question = (message or "").strip()
        if not question:
            yield display, display, history, gr.skip(), ""
            return
        if settings.log_questions:
            log.info("question: %s", question)
        shown = [
            *display,
            {"role": "user", "content": render.render_question(question)},
            {"role": "assistant", "content": render.render_pending()},
        ]
        yield list(shown), list(shown), history, gr.skip(), ""
        t0 = time.perf_counter()
        tokens: list[str] = []
        known: list[int] | None = None
        evidence = None
        try:
            for event in eng.ask_stream(question, list(history), since=(since or "").strip() or None,
                                        until=(until or "").strip() or None, source=(source or "").strip() or None):
                if event.kind == "evidence" and event.answer is not None:
                    known = [c.n for c in event.answer.citations]
                    evidence = event.answer
                    shown[-1] = {"role": "assistant", "content": render.render_answer(event.answer)}
                    yield list(shown), list(shown), history, render.render_sources(event.answer.citations), ""
                elif event.kind == "token":
                    tokens.append(event.text)
                    reading = render.render_generating("".join(tokens), known, evidence)
                    shown[-1] = {"role": "assistant", "content": reading}
                    yield list(shown), list(shown), history, gr.skip(), ""
                elif event.kind == "final" and event.answer is not None:
                    final = event.answer
                    shown[-1] = {"role": "assistant", "content": render.render_answer(final)}
                    history = [
                        *history,
                        {"role": "user", "content": question},
                        {"role": "assistant", "content": final.answer},
                    ]
                    log.info(
                        "answered in %.0f ms (abstained=%s, verified=%s)",
                        (time.perf_counter() - t0) * 1000,
                        final.abstained,
                        final.verified,
                    )
                    yield list(shown), list(shown), history, render.render_sources(final.citations), ""
        except RagError as e:
            gr.Warning(str(e))
            shown[-1] = {"role": "assistant", "content": render.render_error(str(e))}
            yield list(shown), list(shown), history, gr.skip(), ""
        except Exception:
            log.exception("answering a question failed")
            shown[-1] = {"role": "assistant", "content": render.render_error(render.GENERIC_ERROR)}
            yield list(shown), list(shown), history, gr.skip(), ""

    return chat


def check_uploads(paths: list[str]) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Split uploaded temp files into accepted (paths, original names) and rejected (name, reason)."""
    ok_paths: list[str] = []
    ok_names: list[str] = []
    rejected: list[tuple[str, str]] = []
    for p in paths:
        path = Path(p)
        name = path.name
        if path.suffix.lower() not in ALLOWED_SUFFIXES:
            rejected.append((name, f"type not allowed; use one of {', '.join(ALLOWED_SUFFIXES)}"))
        elif path.stat().st_size > MAX_FILE_BYTES:
            rejected.append((name, f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"))
        else:
            ok_paths.append(str(path))
            ok_names.append(name)
    return ok_paths, ok_names, rejected


def _upload(eng: Engine) -> Callable[..., tuple[str, str, None]]:
    def upload(files: list[str] | str | None, progress: gr.Progress = gr.Progress()) -> tuple[str, str, None]:  # noqa: B008
        if not files:
            return render.render_message_box("Choose one or more files first.", "info"), status_html(eng), None
        paths = [files] if isinstance(files, str) else list(files)
        try:
            ok_paths, ok_names, rejected = check_uploads(paths)
            if ok_paths:
                report = eng.add_files(
                    ok_paths,
                    names=ok_names,
                    progress=lambda stage, done, total: progress((done, max(total, 1)), desc=stage),
                )
            else:
                report = UpdateReport()
            log.info(
                "upload: added %d, updated %d, skipped %d",
                report.added,
                report.updated,
                len(report.skipped) + len(rejected),
            )
            html = render.render_report(report, rejected)
        except RagError as e:
            gr.Warning(str(e))
            html = render.render_message_box(str(e))
        except Exception:
            log.exception("adding uploaded files failed")
            html = render.render_message_box(render.GENERIC_ERROR)
        return html, status_html(eng), None

    return upload


class _library:  # noqa: N801 - a namespace of the library's two handlers
    """The article library's handlers: show (filtered) and delete (with the confirmation ticked)."""

    def __init__(self, eng: Engine) -> None:
        self.eng = eng

    def show(self, text: str = "") -> tuple[str, Any]:
        try:
            rows = self.eng.list_articles()
            feeds = self.eng.list_feeds()
        except RagError as e:
            return render.render_message_box(str(e)), gr.update(choices=[], value=None)
        choices = [(f"{r['title'] or '(untitled)'} — {r['date'] or 'undated'} — {r['path']}", r["id"])
                   for r in render.library_matches(rows, text)[: render.LIBRARY_ROWS]]
        return render.render_library(rows, feeds, text or ""), gr.update(choices=choices, value=None)

    def add_feed(self, url: str, text: str) -> tuple[str, str, Any, str, str]:
        """Register the feed, pull it and index its items (`Engine.add_feed`); the report or the reason."""
        if not (url or "").strip():
            message, keep = render.render_message_box("Type the feed's address first.", "info"), ""
        else:
            try:
                feed, report, update = self.eng.add_feed(url.strip())
                failed = "".join(f"; failed {f.url}: {f.reason}" for f in report.items_failed)
                message = render.render_message_box(
                    f"{feed['title'] or feed['url']}: {report.items_new} new, {report.items_updated} updated, "
                    f"{len(report.items_failed)} failed; added {update.added} to the index{failed}",
                    "error" if report.items_failed else "info")
                keep = ""
            except RagError as e:
                message, keep = render.render_message_box(str(e)), url
        library, choices = self.show(text)
        return message, library, choices, status_html(self.eng), keep

    def delete(self, article_id: str | None, sure: bool, text: str) -> tuple[str, str, Any, str, bool]:
        if not article_id:
            message = render.render_message_box("Choose the article to delete first.", "info")
        elif not sure:
            message = render.render_message_box("Tick “Yes, delete it …” to confirm; nothing was deleted.", "info")
        else:
            try:
                self.eng.delete_article(article_id)
                message = render.render_message_box("Deleted from the index; its file is in the articles folder's "
                                                    ".deleted/ folder.", "info")
            except RagError as e:
                message = render.render_message_box(str(e))
        library, choices = self.show(text)
        return message, library, choices, status_html(self.eng), False


def _clear() -> tuple[Messages, Messages, Messages, str, str]:
    return [], [], [], render.render_sources(()), ""


def build_app(settings: Settings | None = None, engine: Engine | None = None) -> gr.Blocks:
    """The page: chat + sources on the left/right, upload and index status below. It answers through
    `engine` (default: one built from `settings`, else from the environment); `launch` serves the
    OpenAI-compatible API through the same engine."""
    eng = engine or Engine(settings or load_settings())
    settings = eng.settings
    with gr.Blocks(title="Quellenlage", analytics_enabled=False) as app:
        gr.HTML(
            "<h2>Quellenlage</h2><p>Answers from the indexed news articles, with their sources.</p>", js_on_load=None
        )
        display = gr.State([])
        history = gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Chat",
                    elem_id="answer-chat",
                    height=520,
                    render_markdown=False,
                    sanitize_html=True,
                    latex_delimiters=[],
                    allow_tags=False,
                    buttons=[],
                    feedback_options=None,
                )
                question = gr.Textbox(
                    label="Question",
                    placeholder="Ask about the articles …",
                    lines=1,
                    max_lines=4,
                    elem_id="question",
                    submit_btn=False,
                )
                with gr.Row():
                    ask_btn = gr.Button("Ask", variant="primary", elem_id="ask")
                    clear_btn = gr.Button("Clear conversation", elem_id="clear")
                with gr.Accordion("Only some articles", open=False, elem_id="filters"):
                    with gr.Row():
                        # value "": optional in the page's API too (`client.predict(question, api_name="/ask")`)
                        since = gr.Textbox("", label="Published since (YYYY-MM-DD)", elem_id="since", max_lines=1)
                        until = gr.Textbox("", label="Published until (YYYY-MM-DD)", elem_id="until", max_lines=1)
                        source = gr.Textbox("", label="Outlet (domain, e.g. baotintuc.vn)", elem_id="source",
                                            max_lines=1)
                gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[question], label="Example questions")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(render.render_sources(()), elem_id="sources", js_on_load=None)
        with gr.Row():
            with gr.Column(scale=3):
                files = gr.File(
                    label=f"Add articles ({', '.join(ALLOWED_SUFFIXES)}; up to "
                    f"{MAX_FILE_BYTES // (1024 * 1024)} MB each)",
                    file_count="multiple",
                    file_types=list(ALLOWED_SUFFIXES),
                    type="filepath",
                    elem_id="upload",
                )
                add_btn = gr.Button("Add to index", elem_id="add")
                report = gr.HTML("", elem_id="upload-report", js_on_load=None)
            with gr.Column(scale=2):
                gr.Markdown("### Index")
                status = gr.HTML("", elem_id="index-status", js_on_load=None)

        with gr.Accordion("Articles in the index", open=False, elem_id="library-box"):
            library_filter = gr.Textbox(label="Filter by title, outlet, date or file", elem_id="library-filter")
            library = gr.HTML("", elem_id="library", js_on_load=None)
            with gr.Row():
                doomed = gr.Dropdown(label="Article to delete", choices=[], elem_id="delete-choice")
                sure = gr.Checkbox(label="Yes, delete it from the index and from the articles folder",
                                   elem_id="delete-sure")
                delete_btn = gr.Button("Delete article", variant="stop", elem_id="delete")
            deleted = gr.HTML("", elem_id="delete-report", js_on_load=None)
            with gr.Row():
                feed_url = gr.Textbox("", label="Add a feed (RSS or Atom address)", elem_id="feed-url", max_lines=1,
                                      placeholder="https://example.org/rss.xml")
                feed_btn = gr.Button("Add feed", elem_id="add-feed")

        chat = _chat(eng)
        outputs = [chatbot, display, history, sources, question]
        ins = [question, display, history, since, until, source]
        gr.on(
            [question.submit, ask_btn.click],
            chat,
            ins,
            outputs,
            api_name="ask",
            concurrency_limit=CHAT_CONCURRENCY,
            show_progress="hidden",
        )
        clear_btn.click(_clear, None, outputs, api_visibility="private", queue=False)
        chatbot.clear(_clear, None, outputs, api_visibility="private", queue=False)  # the chatbot's own trash icon
        shelf = _library(eng)
        add_btn.click(_upload(eng), [files], [report, status, files], api_name="add_files", concurrency_limit=1).then(
            shelf.show, [library_filter], [library, doomed], api_visibility="private")
        app.load(lambda: status_html(eng), None, [status], api_visibility="private")
        app.load(shelf.show, [library_filter], [library, doomed], api_visibility="private")
        library_filter.input(shelf.show, [library_filter], [library, doomed], api_visibility="private", queue=False)
        feed_btn.click(shelf.add_feed, [feed_url, library_filter], [deleted, library, doomed, status, feed_url],
                       api_visibility="private", concurrency_limit=1)
        delete_btn.click(shelf.delete, [doomed, sure, library_filter], [deleted, library, doomed, status, sure],
                         api_visibility="private", concurrency_limit=1)
    app.rag_engine = eng  # type: ignore[attr-defined]
    return app
