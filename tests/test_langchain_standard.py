"""LangChain's published conformance suites (`langchain-tests`) against our LangChain classes.

- `HybridRetriever`: the retriever integration suite on a seed index (hashing embedder).
- `LangChainEmbeddings`: the embeddings unit suite and the integration suite with e5-small.
- `LlamaCppChat`: the chat-model unit suite; the integration suite with the real embedded model
  (marked `llm`).
- `OpenAICompatChat`: the unit suite; the integration suite against a real llama.cpp server on
  127.0.0.1 serving the embedded model (marked `server`, `llm`).

Skipped standard tests name a feature the product does not claim: tool calling, structured output,
JSON mode, image/audio/PDF inputs, and recorded-HTTP timing (VCR cassettes).
"""

from __future__ import annotations

import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

lt_unit = pytest.importorskip("langchain_tests.unit_tests", reason="needs langchain-tests (dev extra)")
lt_int = pytest.importorskip("langchain_tests.integration_tests")

from rag.embedders import LangChainEmbeddings, get_embedder  # noqa: E402
from rag.llms import LlamaCppChat, OpenAICompatChat  # noqa: E402
from rag.models import DEFAULT_MODEL  # noqa: E402
from rag.retrieve import HybridRetriever  # noqa: E402
from tests.conftest import SEEDS, llama_cpp_server  # noqa: E402

#: Short generations keep the chat suites at a few seconds a test on 2 cores.
MAX_TOKENS = 24


def _real_llama_or_skip() -> str:
    pytest.importorskip("llama_cpp")
    from rag.models import ensure_model, model_available

    if not model_available():
        pytest.skip("the embedded model's part packages are not installed")
    return str(ensure_model(progress=False))


# --- retriever ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from rag import api

    base = tmp_path_factory.mktemp("std")
    shutil.copytree(SEEDS, base / "articles")
    for f in (base / "articles").iterdir():
        f.chmod(f.stat().st_mode | stat.S_IWUSR)
    api.build_index(base / "articles", base / "index", embedder="hashing")
    return base / "index"


class TestHybridRetrieverStandard(lt_int.RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _index(self, seed_index: Path) -> None:
        self._dir = seed_index

    @property
    def retriever_constructor(self) -> type[HybridRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"index_dir": self._dir}

    @property
    def retriever_query_example(self) -> str:
        return "Wie viele Kisten mit sterblichen Überresten hat Vietnam zurückgegeben?"


# --- embeddings ---------------------------------------------------------------------------------

class TestEmbeddingsUnitStandard(lt_unit.EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[LangChainEmbeddings]:
        return LangChainEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"embedder": get_embedder("hashing")}


@pytest.mark.real_model
class TestEmbeddingsIntegrationStandard(lt_int.EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[LangChainEmbeddings]:
        return LangChainEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"embedder": get_embedder("e5-small")}


# --- chat models: unit ----------------------------------------------------------------------------

class _NoToolsChat:
    """What these chat models do not claim: tools, structured output, JSON mode, non-text inputs."""

    @property
    def has_tool_calling(self) -> bool:
        return False

    @property
    def has_structured_output(self) -> bool:
        return False

    @property
    def supports_json_mode(self) -> bool:
        return False

    @property
    def returns_usage_metadata(self) -> bool:
        return True


class TestLlamaCppChatUnitStandard(_NoToolsChat, lt_unit.ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[LlamaCppChat]:
        return LlamaCppChat

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": DEFAULT_MODEL}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return {"RAG_THREADS": "3"}, {"model": DEFAULT_MODEL}, {"n_threads": 3}


class TestOpenAICompatChatUnitStandard(_NoToolsChat, lt_unit.ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[OpenAICompatChat]:
        return OpenAICompatChat

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"base_url": "http://127.0.0.1:9/v1", "model": "local-model"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return ({"RAG_OPENAI_API_KEY": "sk-from-env"}, {"base_url": "http://127.0.0.1:9/v1"},
                {"api_key": "sk-from-env"})


# --- chat models: integration -----------------------------------------------------------------------

@pytest.mark.llm
@pytest.mark.real_model
class TestLlamaCppChatIntegrationStandard(_NoToolsChat, lt_int.ChatModelIntegrationTests):
    @pytest.fixture(autouse=True)
    def _model(self) -> None:
        self._path = _real_llama_or_skip()

    @property
    def chat_model_class(self) -> type[LlamaCppChat]:
        return LlamaCppChat

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": DEFAULT_MODEL, "max_tokens": MAX_TOKENS}

    @property
    def model_override_value(self) -> str | None:
        return self._path  # the same weights named by their file: another `model` value


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's own OpenAI-compatible server on 127.0.0.1, serving the embedded model."""
    pytest.importorskip("sse_starlette")
    model = _real_llama_or_skip()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with llama_cpp_server(model, log_path, "--model_alias", "quellenlage-test") as url:
        yield url


@pytest.mark.llm
@pytest.mark.server
@pytest.mark.real_model
class TestOpenAICompatChatIntegrationStandard(_NoToolsChat, lt_int.ChatModelIntegrationTests):
    @pytest.fixture(autouse=True)
    def _server(self, llama_server: str) -> None:
        self._url = llama_server

    @property
    def chat_model_class(self) -> type[OpenAICompatChat]:
        return OpenAICompatChat

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"base_url": self._url, "model": "quellenlage-test", "max_tokens": MAX_TOKENS}

    @property
    def model_override_value(self) -> str | None:
        return "quellenlage-other"


# --- what the standard suites do not cover --------------------------------------------------------

def test_retriever_documents_are_plain_json_and_small(seed_index: Path) -> None:
    """In the plain LCEL pattern `{"context": retriever, …} | prompt | llm` the documents' text form is
    what the prompt gets: it must be the chunk and small metadata, not a whole Hit."""
    import json

    from rag import HybridRetriever as Exported

    assert Exported is HybridRetriever
    docs = HybridRetriever(index_dir=seed_index, k=5).invoke("Welche Länder besucht Hegseth?", k=2)
    assert len(docs) == 2
    for d in docs:
        assert set(d.metadata) == {"title", "url", "date", "article_id", "chunk_id", "score", "rank", "sentence"}
        assert d.metadata["sentence"] and d.metadata["sentence"] in d.page_content
        json.dumps(d.metadata)
        assert len(str(d)) < len(d.page_content) + 600


@pytest.mark.parametrize("bad", [{"mode": "bogus"}, {"k": 0}])
def test_retriever_rejects_bad_settings(seed_index: Path, bad: dict[str, Any]) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="mode|k="):
        HybridRetriever(index_dir=seed_index, **bad)


def test_search_with_an_unknown_mode_is_an_error_not_nothing(seed_index: Path) -> None:
    from rag.engine import Engine
    from rag.errors import ConfigError

    eng = Engine()
    with pytest.raises(ConfigError, match="hybrid, dense, bm25"):
        eng.search("Kisten", 3, index_dir=seed_index, mode="bogus")
    assert all("Kisten" in h.chunk.text for h in eng.search("Kisten", 3, index_dir=seed_index, mode="bm25"))
    assert eng.search("Kisten", 3, index_dir=seed_index, mode="bm25")


def test_the_answer_flow_retrieves_through_the_exported_retriever(seed_index: Path, monkeypatch: Any) -> None:
    """The product's answers and the LangChain retriever are one search, not twins."""
    from rag import store
    from rag.chain import prepare

    calls: list[tuple[str, int]] = []
    real = HybridRetriever.hits

    def spy(self: HybridRetriever, query: str, k: int | None = None, **kw: Any) -> Any:
        calls.append((query, self.k if k is None else k))
        return real(self, query, k, **kw)

    monkeypatch.setattr(HybridRetriever, "hits", spy)
    p = prepare(store.open_index(seed_index), "Wie viele Kisten wurden übergeben?")
    assert calls and calls[0][0].startswith("Wie viele Kisten")
    assert p.evidence  # the flow used what the retriever found


def test_a_context_length_error_is_reported_as_such() -> None:
    import httpx
    import openai

    chat = OpenAICompatChat(base_url="http://127.0.0.1:9/v1", model="m")
    response = httpx.Response(400, request=httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions"))
    err = openai.BadRequestError("Requested tokens (2100) exceed context window of 2048", response=response,
                                 body=None)
    message = str(chat._llm_error(err))
    assert "context window" in message and "--n_ctx" in message and "Is the server running" not in message


def test_standard_parameters_reach_the_request() -> None:
    chat = OpenAICompatChat(base_url="http://127.0.0.1:9/v1", model="m", stop=["\n\n"], timeout=7, max_retries=3,
                            api_key="sk-1")
    request = chat._request([], None, {"model": "other"})
    assert request["model"] == "other" and request["stop"] == ["\n\n"]
    assert chat._request([], ["END"], {})["stop"] == ["END"]
    client = chat._get_client()
    assert client.timeout == 7 and client.max_retries == 3 and client.api_key == "sk-1"
    assert chat._get_ls_params(model="x")["ls_model_name"] == "x"
    assert OpenAICompatChat(base_url="http://127.0.0.1:9/v1")._get_ls_params()["ls_model_name"] == "default"
