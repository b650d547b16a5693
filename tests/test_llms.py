from __future__ import annotations

import json
import logging
import socket
import sys
import threading
import time
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from rag import llms
from rag.errors import ConfigError, DependencyError, LLMError
from rag.llms import LlamaCppChat, OpenAICompatChat, get_llm
from rag.prompts import shares
from tests.conftest import llama_cpp_server
from tests.fakes import RecordingChatModel

MESSAGES = [SystemMessage("Antworte kurz."), HumanMessage("Wie viele Kisten?"), AIMessage("994"), HumanMessage("Und?")]
SENTENCE = "Vietnam returned 994 boxes of documents to the United States in March."


# --- the recording fake -------------------------------------------------------------------------


def test_recording_fake_records_messages_and_follows_the_script() -> None:
    fake = RecordingChatModel(["erste Antwort [1]", "zweite"])
    assert fake.invoke(MESSAGES[:2]).content == "erste Antwort [1]"
    assert fake.invoke("noch eine").content == "zweite"
    assert fake.invoke("und noch eine").content == "zweite"  # the last reply repeats
    assert [len(c) for c in fake.calls] == [2, 1, 1]
    assert fake.calls[0][1].content == "Wie viele Kisten?"
    assert fake.prompts[1] == "human: noch eine"


def test_recording_fake_streams_token_by_token_and_takes_a_callable() -> None:
    fake = RecordingChatModel(lambda msgs: f"Sie sagten: {msgs[-1].content}")
    chunks = [c.content for c in fake.stream("Wie viele Kisten?") if c.content]
    assert chunks == ["Sie", " sagten:", " Wie", " viele", " Kisten?"]
    assert len(fake.calls) == 1


# --- get_llm ------------------------------------------------------------------------------------


def test_extractive_is_none_and_unknown_names_list_valid_forms() -> None:
    assert get_llm("extractive") is None
    with pytest.raises(ConfigError, match=r"Unknown LLM 'gpt'.*llama-cpp:<path/to/model.gguf>.*openai:<base_url>"):
        get_llm("gpt")
    with pytest.raises(ConfigError, match="must start with http"):
        get_llm("openai:localhost:8080")


def test_openai_name_is_parsed_into_url_and_model() -> None:
    llm = get_llm("openai:http://127.0.0.1:9/v1/#qwen", timeout_s=5)
    assert isinstance(llm, OpenAICompatChat)
    assert (llm.base_url, llm.model, llm.timeout_s) == ("http://127.0.0.1:9/v1", "qwen", 5)
    plain = get_llm("openai:http://127.0.0.1:9/v1")
    assert isinstance(plain, OpenAICompatChat) and plain.model is None


def _hide_llama_cpp(monkeypatch: pytest.MonkeyPatch) -> None:
    real = llms.importlib.util.find_spec
    monkeypatch.setattr(llms.importlib.util, "find_spec", lambda n, *a: None if n == "llama_cpp" else real(n, *a))


def test_auto_falls_back_to_extractive_with_a_notice(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _hide_llama_cpp(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="rag.llms"):
        assert get_llm("auto") is None
    assert "pip install 'quellenlage[llm]'" in caplog.text


def test_auto_picks_llama_cpp_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(llms.importlib.util, "find_spec", lambda n, *a: object())
    llm = get_llm("auto", timeout_s=7)
    assert isinstance(llm, LlamaCppChat) and llm.model == "qwen2.5-coder-1.5b" and llm.timeout_s == 7


def test_llama_cpp_without_the_package_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide_llama_cpp(monkeypatch)
    with pytest.raises(DependencyError, match=r"pip install 'quellenlage\[llm\]'.*GGML_NATIVE=OFF"):
        get_llm("llama-cpp")


# --- llama-cpp backend with a fake llama_cpp module ---------------------------------------------


class FakeLlama:
    instances: list[FakeLlama] = []

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.requests: list[dict[str, Any]] = []
        self.active = 0
        self.max_active = 0
        FakeLlama.instances.append(self)

    #: a toy vocabulary and the logits the fake "computes" before each token it emits
    VOCAB = ("yes", "no", "994", " [1]", "Yes")
    LOGITS = (2.0, 1.0, 0.5, -1.0, 1.0)

    def detokenize(self, ids: list[int]) -> bytes:
        return "".join(self.VOCAB[i] for i in ids).encode()

    def create_chat_completion(self, messages: list[dict[str, str]], stream: bool = False, **kw: Any) -> Any:
        self.requests.append({"messages": messages, "stream": stream, **kw})
        for _ in range(2):  # two generated tokens: the processors see the logits before each
            for process in kw.get("logits_processor") or []:
                process([], np.array(self.LOGITS, dtype=np.float32))
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        time.sleep(0.05)
        self.active -= 1
        if stream:
            return iter(
                [{"choices": [{"delta": {"role": "assistant"}}]}]
                + [{"choices": [{"delta": {"content": t}}]} for t in ("99", "4", " [1]")]
            )
        return {
            "choices": [{"message": {"content": "994 [1]"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 3},
        }


@pytest.fixture
def fake_llama(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    FakeLlama.instances = []
    monkeypatch.setitem(sys.modules, "llama_cpp", types.SimpleNamespace(Llama=FakeLlama, LogitsProcessorList=list))
    monkeypatch.setattr(llms, "_LOADED", {})
    monkeypatch.setenv("RAG_THREADS", "3")
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    return gguf


def test_llama_cpp_loads_lazily_once_per_path_with_pinned_settings(fake_llama: Path) -> None:
    a = LlamaCppChat(model=str(fake_llama))
    b = LlamaCppChat(model=str(fake_llama))
    assert FakeLlama.instances == []  # constructing loads nothing
    assert a.invoke(MESSAGES).content == "994 [1]"
    assert b.invoke(MESSAGES).content == "994 [1]"
    assert len(FakeLlama.instances) == 1
    llama = FakeLlama.instances[0]
    assert llama.kwargs == {"model_path": str(fake_llama), "n_ctx": 2048, "n_threads": 3, "verbose": False}
    req = llama.requests[0]
    assert [m["role"] for m in req["messages"]] == ["system", "user", "assistant", "user"]
    assert (req["temperature"], req["max_tokens"], req["stop"]) == (0.0, 256, None)


def test_llama_cpp_streams_tokens(fake_llama: Path) -> None:
    llm = LlamaCppChat(model=str(fake_llama))
    assert [c.content for c in llm.stream("Wie viele?") if c.content] == ["99", "4", " [1]"]
    assert FakeLlama.instances[0].requests[0]["stream"] is True


def test_llama_cpp_reports_each_tokens_top_logprobs_when_asked(fake_llama: Path) -> None:
    """OpenAI's shape, so that `shares` reads both backends alike: P(yes) among yes/no counts "Yes" too."""
    llm = LlamaCppChat(model=str(fake_llama))
    assert "logprobs" not in llm.invoke(MESSAGES).response_metadata  # only when asked: it costs a copy per token
    reply = llm.invoke(MESSAGES, max_tokens=2, logprobs=True, top_logprobs=3)
    content = reply.response_metadata["logprobs"]["content"]
    assert len(content) == 2
    top = content[0]["top_logprobs"]
    assert [t["token"] for t in top] == ["yes", "no", "Yes"] or [t["token"] for t in top] == ["yes", "Yes", "no"]
    z = np.log(np.exp(np.array(FakeLlama.LOGITS)).sum())
    assert top[0]["logprob"] == pytest.approx(2.0 - z, abs=1e-5) and content[0]["token"] == "yes"
    assert sum(np.exp(t["logprob"]) for t in top) < 1.0  # normalised over the whole vocabulary, not the top 3
    graded = shares(reply)
    assert graded is not None
    e = np.exp(np.array([2.0, 1.0, 1.0]))
    assert graded["yes"] == pytest.approx((e[0] + e[2]) / e.sum(), abs=1e-5)


def test_concurrent_callers_queue_on_one_lock(fake_llama: Path) -> None:
    llm = LlamaCppChat(model=str(fake_llama))
    threads = [threading.Thread(target=llm.invoke, args=("frage",)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(FakeLlama.instances[0].requests) == 4
    assert FakeLlama.instances[0].max_active == 1


def test_busy_model_times_out_with_llm_error(fake_llama: Path) -> None:
    llm = LlamaCppChat(model=str(fake_llama), timeout_s=0.1)
    with llms._RUN_LOCK, pytest.raises(LLMError, match="busy"):
        llm.invoke("frage")


# --- OpenAI-compatible backend against a local fake server --------------------------------------


class FakeOpenAI(BaseHTTPRequestHandler):
    requests: list[dict[str, Any]] = []
    delay = 0.0
    status = 200
    refuse_logprobs = False

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except BrokenPipeError:  # the client gave up (timeout test)
            pass

    def do_GET(self) -> None:
        FakeOpenAI.requests.append({"path": self.path, "auth": self.headers.get("Authorization")})
        data = {"object": "list", "data": [{"id": "fake-qwen", "object": "model", "created": 0, "owned_by": "t"}]}
        self._send(200, json.dumps(data).encode())

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeOpenAI.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        status = FakeOpenAI.status
        time.sleep(FakeOpenAI.delay)
        if status != 200:
            self._send(status, b'{"error": {"message": "kaputt"}}')
            return
        base = {"id": "c1", "created": 0, "model": body["model"]}
        if body.get("logprobs") and FakeOpenAI.refuse_logprobs:  # as llama-cpp-python's server without logits_all
            self._send(500, b'{"error": {"message": "logprobs is not supported"}}')
            return
        if not body.get("stream"):
            choice: dict[str, Any] = {
                "index": 0,
                "message": {"role": "assistant", "content": "994 Kisten [1]."},
                "finish_reason": "stop",
            }
            if body.get("logprobs"):
                top = [{"token": "yes", "logprob": -0.2, "bytes": None},
                       {"token": " No", "logprob": -1.9, "bytes": None},
                       {"token": "994", "logprob": -3.0, "bytes": None}][: body.get("top_logprobs", 0)]
                choice["logprobs"] = {"content": [{**top[0], "top_logprobs": top}]}
            self._send(200, json.dumps({**base, "object": "chat.completion", "choices": [choice]}).encode())
            return
        events = [
            {
                **base,
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {"content": t}, "finish_reason": None}],
            }
            for t in ("994", " Kisten", " [1].")
        ]
        payload = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
        self._send(200, payload.encode(), "text/event-stream")


@pytest.fixture
def server() -> Iterator[str]:
    FakeOpenAI.requests, FakeOpenAI.delay, FakeOpenAI.status, FakeOpenAI.refuse_logprobs = [], 0.0, 200, False
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_openai_asks_models_once_and_sends_messages(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_OPENAI_API_KEY", "geheim")
    llm = get_llm(f"openai:{server}")
    assert llm is not None
    assert llm.invoke(MESSAGES).content == "994 Kisten [1]."
    assert llm.invoke("noch mal").content == "994 Kisten [1]."
    paths = [r["path"] for r in FakeOpenAI.requests]
    assert paths == ["/v1/models", "/v1/chat/completions", "/v1/chat/completions"]
    chat = FakeOpenAI.requests[1]
    assert chat["model"] == "fake-qwen" and chat["temperature"] == 0 and chat["auth"] == "Bearer geheim"
    assert [m["role"] for m in chat["messages"]] == ["system", "user", "assistant", "user"]


def test_openai_asks_logprobs_only_when_told_and_shares_reads_them(server: str) -> None:
    llm = get_llm(f"openai:{server}#m")
    assert llm is not None
    assert "logprobs" not in llm.invoke("frage").response_metadata
    reply = llm.invoke("frage", max_tokens=1, logprobs=True, top_logprobs=3)
    assert "logprobs" not in FakeOpenAI.requests[0]
    assert (FakeOpenAI.requests[1]["logprobs"], FakeOpenAI.requests[1]["top_logprobs"]) == (True, 3)
    graded = shares(reply)
    assert graded is not None
    assert graded["yes"] == pytest.approx(np.exp(-0.2) / (np.exp(-0.2) + np.exp(-1.9)))  # " No" counts as no


def test_a_server_that_refuses_logprobs_is_asked_without_them_from_then_on(server: str) -> None:
    FakeOpenAI.refuse_logprobs = True
    llm = get_llm(f"openai:{server}#m")
    assert llm is not None
    for _ in range(2):
        reply = llm.invoke("frage", max_tokens=1, logprobs=True)
        assert reply.content == "994 Kisten [1]." and shares(reply) is None  # the checks read the word then
    assert ["logprobs" in r for r in FakeOpenAI.requests] == [True, False, False]


def test_openai_explicit_model_and_streaming(server: str) -> None:
    llm = get_llm(f"openai:{server}#my-model")
    assert llm is not None
    assert [c.content for c in llm.stream("Wie viele?") if c.content] == ["994", " Kisten", " [1]."]
    assert [(r["path"], r["model"], r["stream"]) for r in FakeOpenAI.requests] == [
        ("/v1/chat/completions", "my-model", True)
    ]
    assert FakeOpenAI.requests[0]["auth"] == "Bearer none"


def test_refused_connection_is_llm_error_naming_url_and_fix() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    llm = get_llm(f"openai:http://127.0.0.1:{port}/v1#m", timeout_s=5)
    assert llm is not None
    with pytest.raises(LLMError) as e:
        llm.invoke("hallo")
    msg = str(e.value)
    assert f"http://127.0.0.1:{port}/v1" in msg and f"curl http://127.0.0.1:{port}/v1/models" in msg
    assert "--llm extractive" in msg


def test_timeout_is_llm_error(server: str) -> None:
    FakeOpenAI.delay = 1.5
    llm = get_llm(f"openai:{server}#m", timeout_s=0.3)
    assert llm is not None
    t0 = time.perf_counter()
    with pytest.raises(LLMError, match=r"did not answer within 0.3 s"):
        llm.invoke("hallo")
    assert time.perf_counter() - t0 < 1.4  # no retries


def test_http_error_is_llm_error(server: str) -> None:
    FakeOpenAI.status = 500
    llm = get_llm(f"openai:{server}#m")
    assert llm is not None
    with pytest.raises(LLMError, match="answered HTTP 500"):
        llm.invoke("hallo")
    with pytest.raises(LLMError, match="answered HTTP 500"):
        list(llm.stream("hallo"))


# --- real models (marked) -----------------------------------------------------------------------


def _real_llama_or_skip() -> None:
    pytest.importorskip("llama_cpp")
    from rag.models import model_available

    if not model_available():
        pytest.skip("model part packages not installed")


QUESTION = [
    SystemMessage("Answer in one short sentence."),
    HumanMessage(f"{SENTENCE}\nHow many boxes did Vietnam return?"),
]


@pytest.mark.llm
def test_embedded_model_answers_from_the_sentence() -> None:
    _real_llama_or_skip()
    llm = get_llm("llama-cpp")
    assert llm is not None
    reply = str(llm.invoke(QUESTION).content)
    assert "994" in reply
    streamed = "".join(str(c.content) for c in llm.stream(QUESTION))
    assert streamed == reply  # temperature 0: the same answer either way


@pytest.mark.server
def test_llama_cpp_server_through_openai_backend(tmp_path: Path) -> None:
    _real_llama_or_skip()
    pytest.importorskip("sse_starlette")
    from rag.models import ensure_model

    model = str(ensure_model(progress=False))
    with llama_cpp_server(model, tmp_path / "server.log") as url:
        llm = get_llm(f"openai:{url}", timeout_s=120)
        assert isinstance(llm, OpenAICompatChat)
        assert "994" in str(llm.invoke(QUESTION).content)
        assert llm.model_id() == model  # the first model the server lists: its file
        assert "994" in "".join(str(c.content) for c in llm.stream(QUESTION))
        # the graded checks' request: the server's log-probabilities in the shape the embedded model gives
        graded = llm.invoke(QUESTION, max_tokens=1, logprobs=True, top_logprobs=5)
        first = graded.response_metadata["logprobs"]["content"][0]
        assert len(first["top_logprobs"]) == 5 and first["token"] == str(graded.content)
        assert first["top_logprobs"][0]["logprob"] >= first["top_logprobs"][-1]["logprob"]


def test_each_role_gets_its_own_context_of_the_same_file(fake_llama: Path) -> None:
    from rag.llms import for_role

    answer = LlamaCppChat(model=str(fake_llama))
    judge = for_role(answer, "judge")
    assert isinstance(judge, LlamaCppChat) and judge.context == "judge" and answer.context == "answer"
    assert for_role(judge, "judge") is judge
    answer.invoke(MESSAGES)
    judge.invoke(MESSAGES)
    for_role(answer, "judge").invoke(MESSAGES)
    assert [i.kwargs["model_path"] for i in FakeLlama.instances] == [str(fake_llama)] * 2  # one per role
    assert [len(i.requests) for i in FakeLlama.instances] == [1, 2]
    server = get_llm("openai:http://127.0.0.1:9/v1")
    assert for_role(server, "judge") is server  # a server model is used as it is


def test_llama_cpp_fills_the_standard_fields_and_honours_stop_and_model(fake_llama: Path) -> None:
    chat = LlamaCppChat(model=str(fake_llama), stop=["\n\n"])
    out = chat.invoke("Wie viele?")
    assert out.usage_metadata == {"input_tokens": 12, "output_tokens": 3, "total_tokens": 15}
    assert out.response_metadata["model_name"] == str(fake_llama)
    assert FakeLlama.instances[-1].requests[-1]["stop"] == ["\n\n"]
    chat.invoke("Wie viele?", stop=["END"])
    assert FakeLlama.instances[-1].requests[-1]["stop"] == ["END"]
    chunks = list(chat.stream("Wie viele?"))
    assert "".join(str(c.content) for c in chunks) == "994 [1]"
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
    assert full.usage_metadata is not None and full.usage_metadata["output_tokens"] == 3
    assert full.response_metadata["model_name"] == str(fake_llama)
    other = fake_llama.with_name("other.gguf")
    other.write_bytes(b"GGUF")
    assert chat.invoke("Wie viele?", model=str(other)).response_metadata["model_name"] == str(other)
    assert FakeLlama.instances[-1].kwargs["model_path"] == str(other)


def test_the_german_and_the_english_reader_keep_their_own_contexts(fake_llama: Path) -> None:
    """Their fixed prefixes (system text, examples) differ: in one context, a German question after an
    English one would evaluate the whole prefix again."""
    from rag.question import analyse
    from rag.reading import Reading, read

    llm = LlamaCppChat(model=str(fake_llama))
    sentence = "Vietnam hat 994 Kisten zurückgegeben."
    for question, lang in [("Wie viele Kisten?", "de"), ("How many boxes?", "en"), ("Wie viele Kisten noch?", "de")]:
        out = list(read(question, analyse(question), sentence, "", lang, "de", llm))  # type: ignore[arg-type]
        assert isinstance(out[-1], Reading)
    from rag.prompts import READER_SYSTEM, READER_SYSTEM_EN

    systems = [[r["messages"][0]["content"] for r in i.requests] for i in FakeLlama.instances]
    systems = [x for x in systems if x[0] in (READER_SYSTEM, READER_SYSTEM_EN)]  # not the check's context
    assert len(systems) == 2 and len(systems[0]) == 2 and len(systems[1]) == 1
    assert len(set(systems[0])) == 1 and systems[0][0] != systems[1][0]  # each context sees one prefix
