"""One engine from one validated Settings: every bad variable is a ConfigError that names it and its valid
values; the engine owns the open index and the models; `rag.api` is a thin layer; tests reset one object."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import api
from rag.config import VARIABLES, load_settings
from rag.engine import Engine
from rag.errors import ConfigError
from rag.prompts import (
    ALIGN_SYSTEM,
    CHECK_SYSTEM,
    GLOSS_SYSTEM,
    JUDGE_SYSTEM,
    READER_SYSTEM,
    READER_SYSTEM_EN,
    TRANSLATE_SYSTEM,
    YESNO_SYSTEM,
)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("RAG_EMBEDDER", "e6-large"),
        ("RAG_EMBEDDER", "sentence-transformers:"),
        ("RAG_LLM", "gpt-9"),
        ("RAG_LLM", "openai:ftp://host/v1"),
        ("RAG_LLM_TIMEOUT", "soon"),
        ("RAG_LLM_TIMEOUT", "-1"),
        ("RAG_PORT", "70000"),
        ("RAG_PORT", "http"),
        ("RAG_THREADS", "0"),
        ("RAG_THREADS", "two"),
        ("RAG_AUTH", "nocolon"),
        ("RAG_LOG_QUESTIONS", "maybe"),
        ("RAG_HOST", "local host"),
    ],
)
def test_every_bad_value_names_the_variable_and_the_valid_values(monkeypatch: pytest.MonkeyPatch, variable: str,
                                                                 value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as e:
        load_settings()
    assert variable in str(e.value)
    if variable != "RAG_AUTH":
        assert VARIABLES[variable] in str(e.value)


def test_good_values_are_read_once_into_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in {"RAG_INDEX_DIR": str(tmp_path / "i"), "RAG_EMBEDDER": "hashing", "RAG_LLM": "extractive",
                        "RAG_LLM_TIMEOUT": "7.5", "RAG_PORT": "8080", "RAG_THREADS": "3", "RAG_AUTH": "a:b",
                        "RAG_API_KEY": "k", "RAG_LOG_QUESTIONS": "yes"}.items():
        monkeypatch.setenv(name, value)
    s = load_settings()
    assert (s.index_dir, s.embedder, s.llm, s.llm_timeout_s, s.port, s.threads, s.auth, s.api_key) == (
        tmp_path / "i", "hashing", "extractive", 7.5, 8080, 3, "a:b", "k")
    assert s.log_questions and s.embedder_set
    eng = Engine()
    monkeypatch.setenv("RAG_LLM", "gpt-9")  # read once: a later change does not reach this engine
    assert eng.settings.llm == "extractive" and eng.llm() == (None, "extractive")


def test_the_engine_owns_the_open_index_and_reset_drops_it(hashing_index: Path) -> None:
    eng = Engine(load_settings().with_(index_dir=hashing_index, llm="extractive"))
    snap = eng.snapshot()
    assert eng.snapshot() is snap  # opened once
    assert "994" in eng.ask("Wie viele Kisten hat Vietnam zurückgegeben?").answer
    eng.reset()
    assert eng.snapshot() is not snap


def test_api_is_the_default_engine(hashing_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_INDEX_DIR", str(hashing_index))
    api.reset()
    first = api.engine()
    assert api.engine() is first and first.settings.index_dir == hashing_index
    assert api.index_status()["articles"] == 2 and api.open_snapshot() is first.snapshot()
    api.reset()
    assert api.engine() is not first


def test_warm_up_opens_the_index_and_loads_the_model(hashing_index: Path) -> None:
    from tests.fakes import RecordingChatModel

    loaded: list[bool] = []

    class Loading(RecordingChatModel):
        def load(self) -> None:
            loaded.append(True)

    eng = Engine(load_settings().with_(index_dir=hashing_index, llm="extractive"))
    model = Loading(lambda m: "")
    eng._llms[("extractive", eng.settings.llm_timeout_s)] = model
    eng.warm_up()
    assert loaded == [True] and eng.snapshots.get(hashing_index) is eng.snapshot()
    # every prompt the answer flow uses is evaluated once, so that its fixed prefix is cached before a question
    systems = [str(call[0].content) for call in model.calls]
    assert systems == [JUDGE_SYSTEM, CHECK_SYSTEM, YESNO_SYSTEM, READER_SYSTEM, READER_SYSTEM_EN, ALIGN_SYSTEM,
                       GLOSS_SYSTEM, TRANSLATE_SYSTEM]
    assert all("Nordwerk" in str(call[-1].content) for call in model.calls)  # a fictional question, not an article's


def test_warm_up_leaves_a_model_server_alone(hashing_index: Path) -> None:
    from tests.fakes import RecordingChatModel

    eng = Engine(load_settings().with_(index_dir=hashing_index, llm="extractive"))
    model = RecordingChatModel(lambda m: "")  # no load(): a server's model, which caches its prompts itself
    eng._llms[("extractive", eng.settings.llm_timeout_s)] = model
    eng.warm_up()
    assert model.calls == []
