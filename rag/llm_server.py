"""A chat model behind any OpenAI-compatible HTTP API (llama.cpp's server, vLLM, Ollama, …):
`openai:<base_url>[#<model>]` as the LLM setting."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils import secret_from_env
from pydantic import Field, PrivateAttr, SecretStr

from .errors import LLMError
from .llm_messages import stops as _stops
from .llm_messages import to_dicts as _to_dicts
from .llm_messages import usage as _usage


class OpenAICompatChat(BaseChatModel):
    """A chat model behind an OpenAI-compatible HTTP API (llama.cpp server, vLLM, Ollama, ...)."""

    base_url: str
    model: str | None = None  # default: the first model the server lists, else "default"
    timeout_s: float = 60.0
    timeout: float | None = None  # the standard name of timeout_s; wins when set
    max_tokens: int = 256
    temperature: float = 0.0
    stop: list[str] | None = None  # stop sequences of every call (a call's own `stop` replaces them)
    max_retries: int = 0  # the openai client's retries of a failed request
    api_key: SecretStr | None = Field(default_factory=secret_from_env("RAG_OPENAI_API_KEY", default=None))
    streaming: bool = False  # invoke() streams internally (callbacks get each token)
    _client: Any = PrivateAttr(default=None)
    _model_id: str | None = PrivateAttr(default=None)
    _no_logprobs: bool = PrivateAttr(default=False)  # the server refused a request for log-probabilities

    @property
    def _llm_type(self) -> str:
        return "openai-compatible"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "model": self.model}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        name = kwargs.get("model") or self.model or self._model_id or "default"
        return LangSmithParams(ls_provider="openai-compatible", ls_model_name=str(name), ls_model_type="chat",
                               ls_temperature=kwargs.get("temperature", self.temperature),
                               ls_max_tokens=kwargs.get("max_tokens", self.max_tokens),
                               **({"ls_stop": s} if (s := _stops(self.stop, stop)) else {}))

    def _get_client(self) -> Any:
        if self._client is None:
            import openai

            key = self.api_key.get_secret_value() if self.api_key else "none"
            wait = self.timeout if self.timeout is not None else self.timeout_s
            self._client = openai.OpenAI(base_url=self.base_url, api_key=key, timeout=wait,
                                         max_retries=max(0, self.max_retries))
        return self._client

    def _llm_error(self, e: Exception) -> LLMError:
        import openai

        hint = f"Is the server running? Check `curl {self.base_url}/models`, or use --llm extractive."
        if isinstance(e, openai.APIStatusError) and e.status_code in (400, 413) and "context" in str(e).lower():
            return LLMError(
                f"The prompt does not fit the context window of the model at {self.base_url} ({str(e)[:200]}). "
                "Start the server with a larger context (llama.cpp: --n_ctx 4096; vLLM: --max-model-len 4096), "
                "or ask a shorter question."
            )
        if isinstance(e, openai.APITimeoutError):
            return LLMError(
                f"The LLM server at {self.base_url} did not answer within "
                f"{self.timeout if self.timeout is not None else self.timeout_s:g} s. "
                f"{hint} A slow server needs a higher RAG_LLM_TIMEOUT."
            )
        if isinstance(e, openai.APIConnectionError):
            return LLMError(f"Cannot reach the LLM server at {self.base_url} ({e}). {hint}")
        if isinstance(e, openai.APIStatusError):
            return LLMError(f"The LLM server at {self.base_url} answered HTTP {e.status_code}: {str(e)[:200]}. {hint}")
        return LLMError(f"The LLM server at {self.base_url} failed: {e}. {hint}")

    def model_id(self) -> str:
        """The model name sent with each request (asks the server once when none was given)."""
        if self.model:
            return self.model
        if self._model_id is None:
            import openai

            try:
                listed = [m.id for m in self._get_client().models.list()]
            except openai.APIStatusError:  # a server without /models still may chat
                listed = []
            except openai.OpenAIError as e:
                raise self._llm_error(e) from e
            self._model_id = listed[0] if listed else "default"
        return self._model_id

    def _request(self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]) -> Any:
        stops = _stops(self.stop, stop)
        return {
            "model": str(kwargs.get("model") or self.model_id()),
            "messages": _to_dicts(messages),
            "temperature": kwargs.get("temperature", self.temperature),
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            **({"stop": stops} if stops else {}),
            **({"logprobs": True, "top_logprobs": int(kwargs.get("top_logprobs") or 5)}
               if kwargs.get("logprobs") and not self._no_logprobs else {}),
        }

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        import openai

        request = self._request(messages, stop, kwargs)
        try:
            try:
                out = self._get_client().chat.completions.create(**request)
            except openai.APIStatusError as e:
                if "logprobs" not in request or e.status_code not in (400, 422, 500, 501):
                    raise
                # a server that refuses log-probabilities: ask without them, now and from now on; the
                # checks then read the reply's word
                self._no_logprobs = True
                request = {k: v for k, v in request.items() if k not in ("logprobs", "top_logprobs")}
                out = self._get_client().chat.completions.create(**request)
        except openai.OpenAIError as e:
            raise self._llm_error(e) from e
        if not out.choices:
            raise LLMError(f"The LLM server at {self.base_url} sent an answer without choices.")
        choice = out.choices[0]
        request_model = kwargs.get("model") or self.model_id()
        info: dict[str, Any] = {"finish_reason": choice.finish_reason, "model_name": out.model or request_model,
                                "model_provider": "openai-compatible"}
        if kwargs.get("logprobs") and getattr(choice, "logprobs", None) is not None:  # a server may ignore the ask
            info["logprobs"] = choice.logprobs.model_dump()
        used = out.usage
        usage = _usage(int(used.prompt_tokens or 0), int(used.completion_tokens or 0)) if used else None
        message = AIMessage(content=choice.message.content or "", response_metadata=info, usage_metadata=usage)
        return ChatResult(generations=[ChatGeneration(message=message, generation_info=info)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        import openai

        request = self._request(messages, stop, kwargs)
        produced, finish, model, usage = 0, None, request["model"], None
        try:
            stream = self._get_client().chat.completions.create(
                stream=True, stream_options={"include_usage": True}, **request)
            for part in stream:
                model = part.model or model
                if part.usage:  # servers that honour include_usage send it last, without choices
                    usage = _usage(int(part.usage.prompt_tokens or 0), int(part.usage.completion_tokens or 0))
                if not part.choices:
                    continue
                finish = part.choices[0].finish_reason or finish
                text = part.choices[0].delta.content or ""
                if not text:
                    continue
                produced += 1
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk
        except openai.OpenAIError as e:
            raise self._llm_error(e) from e
        info: dict[str, Any] = {"finish_reason": finish, "model_name": model, "model_provider": "openai-compatible"}
        if usage is None:  # the server sent no counts: the chunks, and no prompt count
            usage, info["usage_estimated"] = _usage(0, produced), True
        yield ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=usage, response_metadata=info))
