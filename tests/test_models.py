from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from rag import models
from rag.errors import DependencyError, ModelError
from rag.models import MODELS, ModelSpec, ensure_model, model_available

PARTS = [b"GGUF-first-", b"second-", b"third"]


def _make_parts(root: Path, prefix: str, contents: list[bytes]) -> tuple[str, ...]:
    """Importable packages `<prefix>1..n`, each with get_part_path() -> its data file."""
    names = []
    for i, data in enumerate(contents, start=1):
        pkg = root / f"{prefix}{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(data)
        (pkg / "__init__.py").write_text(
            "import os\n"
            "def get_part_path():\n"
            f"    return os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'part{i:02d}.bin')\n"
        )
        names.append(f"{prefix}{i}")
    return tuple(names)


@pytest.fixture
def fake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelSpec:
    site = tmp_path / "site"
    prefix = f"fakepart_{tmp_path.name.replace('-', '_')}_"
    modules = _make_parts(site, prefix, PARTS)
    monkeypatch.syspath_prepend(str(site))
    whole = b"".join(PARTS)
    spec = ModelSpec("fake", "fake.gguf", modules, len(whole), hashlib.sha256(whole).hexdigest(), "pip install fake")
    monkeypatch.setitem(MODELS, "fake", spec)
    monkeypatch.setenv("RAG_MODEL_DIR", str(tmp_path / "cache"))
    return spec


def test_assembles_parts_in_order_into_model_dir(fake_model: ModelSpec, tmp_path: Path) -> None:
    path = ensure_model("fake", progress=False)
    assert path == tmp_path / "cache" / "fake.gguf"
    assert path.read_bytes() == b"GGUF-first-second-third"
    stamp = json.loads(path.with_name("fake.gguf.verified").read_text())
    assert stamp == {"size": 23, "mtime_ns": path.stat().st_mtime_ns, "sha256": fake_model.sha256}
    assert sorted(p.name for p in path.parent.iterdir()) == ["fake.gguf", "fake.gguf.verified"]


def test_progress_bar_only_when_asked(fake_model: ModelSpec, capsys: pytest.CaptureFixture[str]) -> None:
    ensure_model("fake", progress=True)
    assert "Assembling fake.gguf" in capsys.readouterr().err
    ensure_model("fake", progress=True)  # stamped: no bar, no hashing
    assert capsys.readouterr().err == ""


def test_wrong_hash_raises_and_leaves_no_file(
    fake_model: ModelSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(MODELS, "fake", ModelSpec(**{**fake_model.__dict__, "sha256": "0" * 64}))
    with pytest.raises(ModelError) as e:
        ensure_model("fake", progress=False)
    msg = str(e.value)
    assert "fake.gguf" in msg and "0" * 64 in msg and fake_model.sha256 in msg
    assert "--force-reinstall" in msg
    assert list((tmp_path / "cache").iterdir()) == []


def test_parts_of_wrong_total_size_are_refused_before_copying(
    fake_model: ModelSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(MODELS, "fake", ModelSpec(**{**fake_model.__dict__, "size": 24}))
    with pytest.raises(ModelError, match="add up to 23 bytes, expected 24"):
        ensure_model("fake", progress=False)
    assert not (tmp_path / "cache" / "fake.gguf").exists()


def test_stamp_skips_rehash_until_size_or_mtime_changes(fake_model: ModelSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    path = ensure_model("fake", progress=False)
    hashed: list[Path] = []
    real_hash = models._hash_file

    def counting_hash(p: Path, progress: bool, desc: str) -> str:
        hashed.append(p)
        return real_hash(p, progress, desc)

    monkeypatch.setattr(models, "_hash_file", counting_hash)
    assert ensure_model("fake", progress=False) == path
    assert hashed == []
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert ensure_model("fake", progress=False) == path
    assert hashed == [path]  # re-verified once, then stamped again
    assert ensure_model("fake", progress=False) == path
    assert hashed == [path]


def test_damaged_cached_file_is_rebuilt_from_parts(fake_model: ModelSpec) -> None:
    path = ensure_model("fake", progress=False)
    path.write_bytes(b"GGUF-first-second-thirX")  # same size, new mtime
    assert ensure_model("fake", progress=False).read_bytes() == b"GGUF-first-second-third"


def test_missing_part_packages_raise_dependency_error(fake_model: ModelSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = ModelSpec(**{**fake_model.__dict__, "modules": (*fake_model.modules, "no_such_part_pkg_9")})
    monkeypatch.setitem(MODELS, "fake", spec)
    assert not model_available("fake")
    with pytest.raises(DependencyError, match=r"1 of 4 part packages missing.*pip install fake"):
        ensure_model("fake", progress=False)


def test_real_model_missing_message_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_MODEL_DIR", str(tmp_path))
    spec = MODELS["qwen2.5-coder-1.5b"]
    monkeypatch.setitem(MODELS, "qwen2.5-coder-1.5b", ModelSpec(**{**spec.__dict__, "modules": ("no_such_pkg",)}))
    with pytest.raises(DependencyError, match=r"pip install 'quellenlage\[llm\]'"):
        ensure_model(progress=False)


def test_user_path_is_used_as_is(tmp_path: Path) -> None:
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"anything")
    assert ensure_model(str(gguf)) == gguf
    with pytest.raises(ModelError, match="does not exist.*qwen2.5-coder-1.5b"):
        ensure_model(str(tmp_path / "missing.gguf"))


def test_default_model_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RAG_MODEL_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert models.model_dir() == tmp_path / ".cache" / "quellenlage" / "models"


@pytest.mark.llm
def test_real_model_assembles_and_verifies() -> None:
    if not model_available():
        pytest.skip("model part packages not installed")
    path = ensure_model(progress=False)
    assert path.stat().st_size == 1_117_320_768
    with path.open("rb") as f:
        assert f.read(4) == b"GGUF"
