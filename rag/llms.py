"""LLM backends by name, as LangChain chat models.

extractive                      -> None (the chain answers with the evidence sentences)
llama-cpp[:<path.gguf|model>]   -> LlamaCppChat, the embedded model (loaded on first call)
openai:<base_url>[#<model>]     -> OpenAICompatChat, any OpenAI-compatible server
auto                            -> llama-cpp when installed, else extractive (with a notice)
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from .config import env_threads
from .errors import ConfigError, DependencyError, LLMError, ModelError
from .llm_messages import stops as _stops
from .llm_messages import to_dicts as _to_dicts
from .llm_messages import usage as _usage
from .llm_server import OpenAICompatChat
from .models import DEFAULT_MODEL, ensure_model, model_available

log = logging.getLogger(__name__)

VALID_FORMS = "extractive, auto, llama-cpp, llama-cpp:<path/to/model.gguf>, openai:<base_url>[#<model>]"
_INSTALL_HINT = (
    "Install it with `pip install 'quellenlage[llm]'` (add CMAKE_ARGS=\"-DGGML_NATIVE=OFF\" when the "
    "build must run on other CPUs), or use --llm extractive."
)

_LOAD_LOCK = threading.Lock()  # guards _LOADED and _BASE
_RUN_LOCK = threading.Lock()  # one generation at a time: concurrent callers queue here
_LOADED: dict[tuple[str, str], Any] = {}  # (model path, context) -> llama_cpp.Llama
_BASE: dict[str, Any] = {}  # model path -> the Llama that owns the loaded weights


def get_llm(name: str, timeout_s: float = 60.0) -> BaseChatModel | None:
    """The chat model for a backend name (see module doc); None means extractive answers."""
    name = name.strip()
    if name == "extractive":
        return None
    if name == "auto":
        if importlib.util.find_spec("llama_cpp") is not None and model_available(DEFAULT_MODEL):
            return LlamaCppChat(model=DEFAULT_MODEL, timeout_s=timeout_s)
        log.warning(
            "No embedded language model installed; answers are the cited sentences themselves (extractive). "
            "For written answers: pip install 'quellenlage[llm]'."
        )
        return None
    if name == "llama-cpp" or name.startswith("llama-cpp:"):
        model = name.partition(":")[2] or DEFAULT_MODEL
        if importlib.util.find_spec("llama_cpp") is None:
            raise DependencyError(f"The llama-cpp backend needs the package llama-cpp-python. {_INSTALL_HINT}")
        if model == DEFAULT_MODEL and not model_available(model):
            raise DependencyError(f"The embedded model {model} is not installed. {_INSTALL_HINT}")
        return LlamaCppChat(model=model, timeout_s=timeout_s)
    if name.startswith("openai:"):
        url, _, model = name[len("openai:") :].partition("#")
        url = url.rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ConfigError(
                f"LLM {name!r}: the server address must start with http:// or https://, "
                "e.g. openai:http://127.0.0.1:8080/v1"
            )
        return OpenAICompatChat(base_url=url, model=model or None, timeout_s=timeout_s)
    raise ConfigError(f"Unknown LLM {name!r}. Valid forms: {VALID_FORMS}.")


def for_role(llm: BaseChatModel, role: str) -> BaseChatModel:
    """The model to use for one kind of prompt: the embedded model gets its own llama.cpp context per
    role (see `LlamaCppChat.context`); a server model is used as it is (the server caches prompts)."""
    if isinstance(llm, LlamaCppChat) and llm.context != role:
        return llm.model_copy(update={"context": role})
    return llm


def _close_all() -> None:
    """Free the models before the interpreter tears down llama_cpp (else its __del__ fails noisily):
    the extra contexts first, then the Llama objects that own the weights."""
    bases = {id(b) for b in _BASE.values()}
    for key in [k for k, v in _LOADED.items() if id(v) not in bases]:
        with contextlib.suppress(Exception):
            _LOADED.pop(key).close()
    _LOADED.clear()
    while _BASE:
        _, llama = _BASE.popitem()
        with contextlib.suppress(Exception):
            llama.close()


def _another_context(base: Any) -> Any:
    """A Llama that shares `base`'s loaded weights and has its own context (KV cache, batch, state).

    llama-cpp-python's Llama owns one model and one context; a second Llama of the same file would
    load (and on CPU repack) the weights a second time, ~0.7 GB for the 1.5B model. This copy keeps
    every attribute of `base` but the per-context ones, which are built anew as `Llama.__init__`
    builds them; it holds `base` so that the weights outlive it, and its close() frees only its own
    context."""
    import ctypes

    import numpy as np
    from llama_cpp import _internals as internals

    other = object.__new__(type(base))  # not copy.copy: Llama.__setstate__ loads the model again
    other.__dict__.update(base.__dict__)
    other._stack = contextlib.ExitStack()
    other._base = base
    other._ctx = other._stack.enter_context(contextlib.closing(
        internals.LlamaContext(model=base._model, params=base.context_params, verbose=base.verbose)))
    other._batch = other._stack.enter_context(contextlib.closing(
        internals.LlamaBatch(n_tokens=base.n_batch, embd=0, n_seq_max=base.context_params.n_ctx,
                             verbose=base.verbose)))
    other._candidates = internals.LlamaTokenDataArray(n_vocab=base._n_vocab)
    other.n_tokens = 0
    other._requires_eval = True
    other.input_ids = np.ndarray(base.input_ids.shape, dtype=np.intc)
    other.scores = np.ndarray(base.scores.shape, dtype=np.single)
    other._mirostat_mu = ctypes.c_float(2.0 * 5.0)
    other._sampler = None
    other.cache = None
    return other


def _top_logprobs(llama: Any, scores: Any, n: int) -> list[dict[str, Any]]:
    """The `n` likeliest next tokens with their log-probabilities, likeliest first (OpenAI's
    `top_logprobs` entries), from one step's logits."""
    import numpy as np

    logits = np.asarray(scores, dtype=np.float64)
    top = np.argpartition(-logits, n)[:n] if n < logits.size else np.arange(logits.size)
    top = top[np.argsort(-logits[top])]
    peak = logits.max()
    norm = peak + np.log(np.exp(logits - peak).sum())
    return [{"token": llama.detokenize([int(i)]).decode("utf-8", errors="replace"), "logprob": float(logits[i] - norm)}
            for i in top]


class LlamaCppChat(BaseChatModel):
    """The embedded llama.cpp model. Cheap to construct; the GGUF file loads on the first call."""

    model: str = DEFAULT_MODEL  # a bundled model name or a path to a .gguf file
    n_ctx: int = 2048
    n_threads: int | None = Field(default_factory=env_threads)  # default: RAG_THREADS (validated) or 2
    max_tokens: int = 256
    temperature: float = 0.0
    timeout_s: float = 60.0  # how long a caller waits for its turn
    timeout: float | None = None  # the standard name of timeout_s; wins when set
    stop: list[str] | None = None  # stop sequences of every call (a call's own `stop` replaces them)
    max_retries: int = 0  # further waits for the busy model before a call gives up
    streaming: bool = False  # invoke() streams internally (callbacks get each token)
    #: One llama.cpp context per kind of prompt ("answer", "judge"): each keeps its own fixed prompt
    #: prefix (system text, examples) evaluated, which a single context would lose at every switch.
    #: The weights are loaded once per file and shared (`_another_context`); a context costs its KV
    #: cache.
    context: str = "answer"

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, "n_ctx": self.n_ctx, "max_tokens": self.max_tokens, "context": self.context}

    def load(self) -> Any:
        """Load (once per process, file and context) and return the llama_cpp.Llama object."""
        path = str(ensure_model(self.model))
        with _LOAD_LOCK:
            llama = _LOADED.get((path, self.context))
            if llama is not None:
                return llama
            try:
                from llama_cpp import Llama
            except ImportError as e:
                raise DependencyError(f"Cannot import llama_cpp ({e}). {_INSTALL_HINT}") from e
            base = _BASE.get(path)
            # a llama_cpp.Llama of the same size shares its weights (a stand-in without them is loaded anew)
            if base is not None and hasattr(base, "_model") and base.context_params.n_ctx == self.n_ctx:
                llama = _another_context(base)
                _LOADED[(path, self.context)] = llama
                return llama
            threads = self.n_threads or env_threads()
            t0 = time.perf_counter()
            try:
                llama = Llama(model_path=path, n_ctx=self.n_ctx, n_threads=threads, verbose=False)
            except (ValueError, RuntimeError) as e:
                raise ModelError(f"llama.cpp could not load {path}: {e}. Delete the file to rebuild it.") from e
            log.info("loaded %s in %.1f s (%d threads)", path, time.perf_counter() - t0, threads)
            if not _LOADED:
                atexit.register(_close_all)
            _BASE.setdefault(path, llama)
            _LOADED[(path, self.context)] = llama
            return llama

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        return LangSmithParams(ls_provider="llama-cpp", ls_model_name=kwargs.get("model") or self.model,
                               ls_model_type="chat", ls_temperature=kwargs.get("temperature", self.temperature),
                               ls_max_tokens=kwargs.get("max_tokens", self.max_tokens),
                               **({"ls_stop": s} if (s := _stops(self.stop, stop)) else {}))

    def _for_call(self, kwargs: dict[str, Any]) -> LlamaCppChat:
        """This model, or the one a call names (`invoke(..., model="other.gguf")`)."""
        other = kwargs.get("model")
        return self if not other or other == self.model else self.model_copy(update={"model": str(other)})

    def _acquire(self) -> None:
        wait = self.timeout if self.timeout is not None else self.timeout_s
        for _ in range(max(0, self.max_retries) + 1):
            if _RUN_LOCK.acquire(timeout=wait):
                return
        raise LLMError(
            f"The local model was busy for {wait * (max(0, self.max_retries) + 1):.0f} s with other questions. "
            "Try again, or raise RAG_LLM_TIMEOUT."
        )

    def _params(self, stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {
            "temperature": kwargs.get("temperature", self.temperature),
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "stop": _stops(self.stop, stop),
        }

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        target = self._for_call(kwargs)
        llama = target.load()
        steps: list[Any] = []  # each generated token's logits, when the call asks for logprobs
        extra: dict[str, Any] = {}
        if kwargs.get("logprobs"):
            from llama_cpp import LogitsProcessorList

            def keep(_ids: Any, scores: Any) -> Any:
                steps.append(_top_logprobs(llama, scores, int(kwargs.get("top_logprobs") or 5)))
                return scores

            extra["logits_processor"] = LogitsProcessorList([keep])
        self._acquire()
        try:
            out = llama.create_chat_completion(messages=_to_dicts(messages), **self._params(stop, kwargs), **extra)
        finally:
            _RUN_LOCK.release()
        choice = out["choices"][0]
        used = out.get("usage") or {}
        info: dict[str, Any] = {"finish_reason": choice.get("finish_reason"), "model_name": target.model,
                                "model_provider": "llama-cpp"}
        if kwargs.get("logprobs"):  # OpenAI's shape: one entry per generated token with its top alternatives
            # (the entry's own token is the likeliest one: the one generated at temperature 0)
            info["logprobs"] = {"content": [{**top[0], "top_logprobs": top} for top in steps if top]}
        message = AIMessage(content=choice["message"].get("content") or "", response_metadata=info,
                            usage_metadata=_usage(int(used.get("prompt_tokens") or 0),
                                                  int(used.get("completion_tokens") or 0)))
        return ChatResult(generations=[ChatGeneration(message=message, generation_info=info)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        target = self._for_call(kwargs)
        llama = target.load()
        self._acquire()
        produced, finish = 0, None
        try:
            stream = llama.create_chat_completion(
                messages=_to_dicts(messages), stream=True, **self._params(stop, kwargs)
            )
            for part in stream:
                finish = part["choices"][0].get("finish_reason") or finish
                text = part["choices"][0]["delta"].get("content") or ""
                if not text:
                    continue
                produced += 1  # llama.cpp streams one token a chunk
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk
            total = int(getattr(llama, "n_tokens", 0) or 0)  # the context now holds prompt + answer
        finally:
            _RUN_LOCK.release()
        yield ChatGenerationChunk(message=AIMessageChunk(
            content="", usage_metadata=_usage(max(0, total - produced), produced),
            response_metadata={"finish_reason": finish, "model_name": target.model, "model_provider": "llama-cpp"}))
