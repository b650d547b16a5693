"""Quellenlage as an OpenAI-compatible model, so that chat clients people already use (Open WebUI,
LibreChat, any `openai` SDK script) can ask it: `GET /v1/models`, `POST /v1/chat/completions`
(streaming SSE and not), served by `rag serve` on the same app as the chat page.

The reply text is the answer as the page shows it, with `[n]` citations. The sources come in an extra
field: `choices[0].message.citations` (non-streaming) and `citations` of the last stream chunk, each
`{"n", "title", "url", "quote", "date", "date_source", "tells_of", "also_reported_by"}` (the story's other
articles, `{"title", "url", "date"}`); `quellenlage` beside them holds `short`, `kind`,
`verified`, `abstained`, `reason` and `checks` (the model's P(yes) in each check that ran). The
conversation is the request's messages: the last one is the question (role `user`), the earlier user
and assistant turns are its history; system messages are ignored
(the product's rules are not negotiable by a prompt). A request may restrict the articles used with
`"quellenlage": {"since": "YYYY-MM-DD", "until": "YYYY-MM-DD", "source": "outlet.example"}` beside the
messages (`extra_body` in the `openai` client); a bad value is a 400 that says what to write.

Auth: with `RAG_API_KEY` (`--api-key`) set, a request needs `Authorization: Bearer <key>`; with
`RAG_AUTH=user:password` set, `Bearer user:password` or HTTP Basic with the same pair also works.
Neither set: open, as the page is (the server binds to 127.0.0.1 unless told otherwise).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from .config import Settings
from .engine import Engine
from .errors import NoIndexError, RagError
from .filters import make_filters
from .types import Answer

log = logging.getLogger(__name__)

MODEL_ID = "quellenlage"
#: Characters of the answer per stream chunk.
CHUNK_CHARS = 24
MAX_MESSAGES = 200


class RequestError(Exception):
    """A request the API cannot serve: (HTTP status, OpenAI error type, code, message)."""

    def __init__(self, status: int, message: str, code: str = "invalid_request", kind: str = "invalid_request_error"):
        super().__init__(message)
        self.status, self.message, self.code, self.kind = status, message, code, kind


def error_response(e: RequestError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if e.status == 401 else None
    body = {"error": {"message": e.message, "type": e.kind, "code": e.code, "param": None}}
    return JSONResponse(body, status_code=e.status, headers=headers)


def authorized(header: str | None, settings: Settings) -> bool:
    """Whether an Authorization header passes (always, when neither a key nor a login is set)."""
    key = settings.api_key or ""
    login = settings.auth or ""
    if not key and not login:
        return True
    scheme, _, value = (header or "").partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return any(s and hmac.compare_digest(value.encode(), s.encode()) for s in (key, login))
    if scheme.lower() == "basic" and login:
        try:
            pair = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(pair.encode(), login.encode())
    return False


def _text(content: Any) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    if content is None:
        return ""
    raise RequestError(400, "A message's content must be a string or a list of content parts.")


def conversation(body: Any) -> tuple[str, list[dict[str, str]]]:
    """(question, history) from a chat completions request body; RequestError when malformed."""
    if not isinstance(body, dict):
        raise RequestError(400, "The request body must be a JSON object with a 'messages' list.")
    model = body.get("model")
    if model not in (None, "", MODEL_ID):
        raise RequestError(404, f"The model {model!r} does not exist here; use {MODEL_ID!r} (GET /v1/models).",
                           "model_not_found")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestError(400, "'messages' must be a non-empty list of {role, content} objects.")
    if len(messages) > MAX_MESSAGES:
        raise RequestError(400, f"At most {MAX_MESSAGES} messages; start a new conversation.")
    turns: list[dict[str, str]] = []
    for m in messages:
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise RequestError(400, "Each message must be an object with a 'role' and a 'content'.")
        if m["role"] in ("user", "assistant"):
            turns.append({"role": m["role"], "content": _text(m.get("content"))})
    if not turns or turns[-1]["role"] != "user" or not turns[-1]["content"].strip():
        raise RequestError(400, "The last message must be the question, with role 'user' and some text.")
    return turns[-1]["content"], turns[:-1]


FILTER_KEYS = ("since", "until", "source")


def request_filters(body: dict[str, Any]) -> dict[str, str | None]:
    """The articles a request restricts its answer to: `"quellenlage": {"since": "YYYY-MM-DD", "until": …,
    "source": "outlet.example"}` beside the messages (the `openai` client's `extra_body`); RequestError for
    a malformed object or value, with what to write."""
    raw = body.get("quellenlage")
    if raw is None:
        return {}
    if not isinstance(raw, dict) or set(raw) - set(FILTER_KEYS):
        raise RequestError(400, "'quellenlage' must be an object with any of 'since', 'until' (YYYY-MM-DD) and "
                           "'source' (an outlet's domain).")
    filters = {k: raw.get(k) for k in FILTER_KEYS if raw.get(k) not in (None, "")}
    if not all(isinstance(v, str) for v in filters.values()):
        raise RequestError(400, "The filters 'since', 'until' and 'source' must be strings.")
    try:
        make_filters(**filters)  # a bad date or domain is the request's error, before any answer
    except RagError as e:
        raise RequestError(400, str(e), "invalid_filter") from e
    return filters


def citations(answer: Answer) -> list[dict[str, Any]]:
    return [{"n": c.n, "title": c.title, "url": c.url, "quote": c.quote, "date": c.date, "date_source": c.date_source,
             "tells_of": c.tells_of,
             "also_reported_by": [{"title": o.title, "url": o.url, "date": o.date} for o in c.also_reported_by]}
            for c in answer.citations]


def details(answer: Answer) -> dict[str, Any]:
    return {"short": answer.short, "short_source": answer.short_source, "kind": answer.kind,
            "verified": answer.verified, "abstained": answer.abstained, "reason": answer.reason,
            "checks": dict(answer.checks)}


def completion(answer: Answer, cid: str, created: int) -> dict[str, Any]:
    message = {"role": "assistant", "content": answer.answer, "citations": citations(answer),
               "quellenlage": details(answer)}
    return {"id": cid, "object": "chat.completion", "created": created, "model": MODEL_ID,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}]}


def _chunk(cid: str, created: int, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
    data = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra}
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def stream_events(question: str, history: list[dict[str, str]], engine: Engine, cid: str,
                  created: int, filters: dict[str, str | None] | None = None) -> Iterator[str]:
    """The SSE lines of a streamed answer: the role, the answer text in pieces, then a last chunk with
    the citations, then [DONE]. The pieces join to exactly the non-streaming answer's content."""
    yield _chunk(cid, created, {"role": "assistant", "content": ""})
    try:
        final: Answer | None = None
        f = filters or {}
        for event in engine.ask_stream(question, history, since=f.get("since"), until=f.get("until"),
                                       source=f.get("source")):
            if event.kind == "final":
                final = event.answer
        assert final is not None
    except RagError as e:
        yield f"data: {json.dumps({'error': {'message': str(e), 'type': 'server_error', 'code': 'rag_error'}})}\n\n"
        yield "data: [DONE]\n\n"
        return
    text = final.answer
    for i in range(0, len(text), CHUNK_CHARS):
        yield _chunk(cid, created, {"content": text[i : i + CHUNK_CHARS]})
    yield _chunk(cid, created, {}, "stop", citations=citations(final), quellenlage=details(final))
    yield "data: [DONE]\n\n"


def router(engine: Engine) -> APIRouter:
    """The /v1 routes over `engine` (its index, language model, and its settings' auth)."""
    settings = engine.settings
    r = APIRouter(prefix="/v1")

    def check(request: Request) -> None:
        if not authorized(request.headers.get("authorization"), settings):
            raise RequestError(401, "Missing or wrong API key: send 'Authorization: Bearer <RAG_API_KEY>' (or the "
                               "page's user:password as the key).", "invalid_api_key")

    @r.get("/models")
    def models(request: Request) -> JSONResponse:
        try:
            check(request)
        except RequestError as e:
            return error_response(e)
        return JSONResponse({"object": "list", "data": [
            {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "quellenlage"}]})

    @r.post("/chat/completions")
    async def chat_completions(request: Request) -> Any:
        try:
            check(request)
            try:
                body = await request.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise RequestError(400, "The request body is not valid JSON.") from None
            question, history = conversation(body)
            filters = request_filters(body)
        except RequestError as e:
            return error_response(e)
        cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if settings.log_questions:
            log.info("question (API): %s", question)
        if body.get("stream"):
            return StreamingResponse(stream_events(question, history, engine, cid, created, filters),
                                     media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
        try:
            answer = await run_in_threadpool(lambda: engine.ask(
                question, history, since=filters.get("since"), until=filters.get("until"),
                source=filters.get("source")))
        except NoIndexError as e:
            return error_response(RequestError(503, str(e), "no_index", "server_error"))
        except RagError as e:
            return error_response(RequestError(400, str(e), "rag_error"))
        return JSONResponse(completion(answer, cid, created))

    return r
