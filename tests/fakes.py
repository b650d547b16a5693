"""Shared test fakes that keep the property under test (see STYLE.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

Script = Sequence[str] | Callable[[list[BaseMessage]], str]


class Graded(str):
    """A scripted one-word reply that also says how likely each first word was, as a model's log-probabilities
    do: `Graded("yes", yes=0.6, no=0.4)`. A call that asks for `logprobs` gets them in OpenAI's shape; the
    text is the likeliest word."""

    probs: dict[str, float]

    def __new__(cls, text: str, **probs: float) -> Graded:
        self = super().__new__(cls, text)
        self.probs = probs
        return self

    def logprobs(self) -> dict[str, Any]:
        import math

        ranked = sorted(self.probs.items(), key=lambda x: -x[1])
        top = [{"token": w, "logprob": math.log(p)} for w, p in ranked if p > 0]
        return {"content": [{**top[0], "top_logprobs": top}]}


class RecordingChatModel(BaseChatModel):
    """A chat model that records the messages it gets and answers from a script.

    `responses` is a list (used in order; the last one repeats) or a callable of the messages.
    `.calls` holds every list of messages received; `.prompts` the same as plain text.
    Streaming yields the reply word by word (whitespace kept), so `"".join(chunks) == reply`.
    """

    responses: Any = ("Dazu steht in den Artikeln nichts.",)
    _calls: list[list[BaseMessage]] = PrivateAttr(default_factory=list)

    def __init__(self, responses: Script | None = None, **kwargs: Any) -> None:
        if responses is not None:
            kwargs["responses"] = responses if callable(responses) else tuple(responses)
        super().__init__(**kwargs)

    @property
    def _llm_type(self) -> str:
        return "recording-fake"

    @property
    def calls(self) -> list[list[BaseMessage]]:
        return self._calls

    @property
    def prompts(self) -> list[str]:
        return ["\n".join(f"{m.type}: {m.content}" for m in call) for call in self._calls]

    def _reply(self, messages: list[BaseMessage]) -> str:
        self._calls.append(list(messages))
        if callable(self.responses):
            reply = self.responses(list(messages))
            return reply if isinstance(reply, Graded) else str(reply)
        if not self.responses:
            return ""
        i = min(len(self._calls) - 1, len(self.responses) - 1)
        reply = self.responses[i]
        return reply if isinstance(reply, Graded) else str(reply)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self._reply(messages)
        meta = {"logprobs": text.logprobs()} if kwargs.get("logprobs") and isinstance(text, Graded) else {}
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=str(text), response_metadata=meta))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        text = self._reply(messages)
        for token in _tokens(text):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
            if run_manager:
                run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk


def _tokens(text: str) -> list[str]:
    """Split into word tokens that keep their leading whitespace."""
    import re

    return re.findall(r"\s*\S+|\s+$", text)
