"""Incremental sync: only new or changed articles are embedded; bad files are reported, not lost."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag import api, indexing, store, uploads
from rag.embedders import get_embedder
from rag.errors import IndexMismatchError
from rag.lang import chunk_tokens
from rag.uploads import copy_into, safe_filename

NEW_ARTICLE = (
    "Die Stadtbibliothek von Feldkirch erhielt am 3. Mai eine Spende von 4711 Büchern. "
    "Die Bibliothekarin Jana Ostrowski bedankte sich bei den Spendern.\n\nQuelle: https://example.org/buecher\n"
)


class CountingEmbedder:
    """Wraps the hashing embedder and counts every text it embeds."""

    def __init__(self) -> None:
        self.inner = get_embedder("hashing")
        self.name = "hashing"
        self.dim = self.inner.dim
        self.texts: list[str] = []

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> CountingEmbedder:
    emb = CountingEmbedder()
    monkeypatch.setattr(indexing, "get_embedder", lambda name: emb)
    return emb


def test_build_then_unchanged_update_embeds_nothing(
    seeds_copy: Path, tmp_path: Path, counting: CountingEmbedder
) -> None:
    index = tmp_path / "index"
    first = indexing.sync(seeds_copy, index, "hashing")
    assert (first.added, first.updated, first.removed, first.unchanged) == (2, 0, 0, 0)
    assert first.chunks_embedded == len(store.open_index(index).chunks) > 0
    gen = store.read_manifest(index)["generation"]
    counting.texts.clear()
    again = indexing.sync(seeds_copy, index, "hashing")
    assert (again.added, again.updated, again.removed, again.unchanged, again.chunks_embedded) == (0, 0, 0, 2, 0)
    assert counting.texts == []
    assert store.read_manifest(index)["generation"] == gen  # nothing rewritten


def test_add_change_delete_rename(seeds_copy: Path, tmp_path: Path, counting: CountingEmbedder) -> None:
    index = tmp_path / "index"
    indexing.sync(seeds_copy, index, "hashing")
    before = store.open_index(index)

    (seeds_copy / "neu.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    counting.texts.clear()
    rep = indexing.sync(seeds_copy, index, "hashing")
    snap = store.open_index(index)
    new_chunks = [c for c in snap.chunks if c.article_id not in before.articles]
    assert (rep.added, rep.unchanged, rep.chunks_embedded) == (1, 2, len(new_chunks))
    # Only the new article's chunks and sentences were embedded.
    assert set(counting.texts) <= {c.text for c in new_chunks} | {s.text for c in new_chunks for s in c.sentences}
    # Old vectors are carried over unchanged.
    old_row = 0
    new_row = [c.id for c in snap.chunks].index(before.chunks[old_row].id)
    assert np.allclose(snap.chunk_vectors[new_row], before.chunk_vectors[old_row])

    target = seeds_copy / "neu.txt"
    target.write_text(NEW_ARTICLE.replace("4711", "4712"), encoding="utf-8")
    rep = indexing.sync(seeds_copy, index, "hashing")
    assert (rep.added, rep.updated, rep.removed) == (0, 1, 0)
    texts = " ".join(c.text for c in store.open_index(index).chunks)
    assert "4712" in texts and "4711" not in texts

    target.rename(seeds_copy / "umbenannt.txt")
    counting.texts.clear()
    rep = indexing.sync(seeds_copy, index, "hashing")
    assert rep.chunks_embedded == 0 and counting.texts == [] and rep.removed == 0
    assert "umbenannt.txt" in store.open_index(index).files

    (seeds_copy / "umbenannt.txt").unlink()
    rep = indexing.sync(seeds_copy, index, "hashing")
    assert rep.removed == 1
    snap = store.open_index(index)
    assert len(snap.articles) == 2 and "4712" not in " ".join(c.text for c in snap.chunks)


def test_duplicates_and_bad_files_are_reported(seeds_copy: Path, tmp_path: Path, counting: CountingEmbedder) -> None:
    shutil.copy(seeds_copy / "003_0b9d6cc08c71d728.txt", seeds_copy / "kopie.txt")
    (seeds_copy / "leer.txt").write_text("   \n", encoding="utf-8")
    (seeds_copy / "binär.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 100)
    rep = indexing.sync(seeds_copy, tmp_path / "index", "hashing")
    reasons = {s.path: s.reason for s in rep.skipped}
    assert rep.added == 2
    dup = [p for p, r in reasons.items() if "duplicate" in r]
    assert len(dup) == 1 and dup[0] in {"kopie.txt", "003_0b9d6cc08c71d728.txt"}
    assert "empty" in reasons["leer.txt"].lower()
    assert "binary" in reasons["binär.txt"].lower()


def test_other_embedder_fails_with_the_fix(hashing_index: Path, seeds_copy: Path) -> None:
    with pytest.raises(IndexMismatchError) as err:
        indexing.sync(seeds_copy, hashing_index, "e5-small")
    assert "rag index build --embedder e5-small" in str(err.value)


def test_one_article_into_a_thousand_embeds_only_it(tmp_path: Path, counting: CountingEmbedder,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.store import format as store_format

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(1000):
        (folder / f"a{i:04d}.txt").write_text(f"Meldung {i}: Der Rat der Gemeinde {i} tagte am Montag.", "utf-8")
    first = indexing.sync(folder, tmp_path / "index", "hashing")
    assert first.added == 1000
    counting.texts.clear()
    tokenized: list[str] = []
    monkeypatch.setattr(store_format, "chunk_tokens",
                        lambda text, language: (tokenized.append(text), chunk_tokens(text, language))[1])
    (folder / "neu.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    rep = indexing.sync(folder, tmp_path / "index", "hashing")
    assert (rep.added, rep.unchanged) == (1, 1000)
    snap = store.open_index(tmp_path / "index")
    new = [c for c in snap.chunks if "4711" in c.text]
    assert rep.chunks_embedded == len(new) == 1
    assert counting.texts == [s.text for s in new[0].sentences]  # its sentences, once; the chunk needs no pass
    # the commit tokenizes only the new chunk for its postings, not the thousand before it
    assert tokenized == [new[0].text]


def test_each_sentence_is_read_once_and_a_chunk_vector_is_the_mean_of_its_sentences(
        tmp_path: Path, counting: CountingEmbedder) -> None:
    folder = tmp_path / "arts"
    folder.mkdir()
    text = " ".join(f"Im Jahr {1900 + i} eröffnete die Gemeinde Nummer {i} eine neue Schule am Marktplatz."
                    for i in range(40))
    (folder / "lang.txt").write_text("Schulen\n\n" + text, encoding="utf-8")
    indexing.sync(folder, tmp_path / "index", "hashing")
    snap = store.open_index(tmp_path / "index")
    assert len(snap.chunks) >= 3  # neighbouring chunks share sentences
    shared = [s.text for c in snap.chunks for s in c.sentences]
    assert len(shared) > len(set(shared))
    assert sorted(counting.texts) == sorted(set(shared))  # every distinct sentence read once, no chunk text
    inner = get_embedder("hashing")
    for row, chunk in enumerate(snap.chunks):
        vecs = inner.embed_documents([s.text for s in chunk.sentences])
        mean = (vecs * np.array([len(s.text) for s in chunk.sentences], np.float32)[:, None]).sum(0)
        assert np.allclose(snap.chunk_vectors[row], mean / np.linalg.norm(mean), atol=1e-5)
        for vrow, sent in zip(snap.sentence_vector_rows_of_chunk(row), chunk.sentences, strict=True):
            assert np.allclose(snap.sentence_vectors[vrow], inner.embed_documents([sent.text])[0], atol=1e-6)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\win.ini.TXT", "win.ini.txt"),
        (".bashrc.md", "bashrc.md"),
        ("a<script>b.html", "a_script_b.html"),
        ("/abs/path/x.pdf", "x.pdf"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_copy_into_never_leaves_the_folder_nor_overwrites(tmp_path: Path) -> None:
    src = tmp_path / "src.txt"
    src.write_text(NEW_ARTICLE, encoding="utf-8")
    other = tmp_path / "other.txt"
    other.write_text("Etwas ganz anderes steht hier.", encoding="utf-8")
    folder = tmp_path / "articles"
    copied, skipped = copy_into(folder, [src, other, src], ["../../evil.txt", "../../evil.txt", "x.exe"])
    assert [p.name for p in copied] == ["evil.txt", "evil-1.txt"]
    assert all(p.parent == folder for p in copied)
    assert (folder / "evil.txt").read_text("utf-8") == NEW_ARTICLE
    assert skipped and "not supported" in skipped[0].reason
    assert not (tmp_path.parent / "evil.txt").exists()


def test_files_the_index_would_skip_are_not_copied_in(hashing_index: Path, seeds_copy: Path, tmp_path: Path) -> None:
    """An empty or binary upload is reported once and never lands in the articles folder (it used to stay
    there, be re-reported at every update, and the page user could not remove it)."""
    empty, binary = tmp_path / "leer.txt", tmp_path / "bild.md"
    empty.write_bytes(b"")
    binary.write_bytes(bytes(range(256)) * 8)
    before = sorted(p.name for p in seeds_copy.iterdir())
    rep = api.add_files([empty, binary], articles_dir=seeds_copy, index_dir=hashing_index)
    assert rep.added == 0 and sorted(s.path for s in rep.skipped) == ["bild.md", "leer.txt"]
    assert all(s.reason and ".part-" not in s.reason for s in rep.skipped)
    assert "leer.txt is empty" in next(s.reason for s in rep.skipped if s.path == "leer.txt")
    assert sorted(p.name for p in seeds_copy.iterdir()) == before  # nothing left behind, not even a temp file
    assert api.update_index(seeds_copy, hashing_index).skipped == ()


def test_the_report_lists_bad_jsonl_lines_and_links_not_followed(seeds_copy: Path, tmp_path: Path) -> None:
    """Both used to appear only in the log."""
    import json

    lines = [json.dumps({"title": "Brücke", "text": "Nordheim eröffnete am Montag die neue Brücke über die Lenne."}),
             "{ kaputt", json.dumps({"title": "Leer", "text": ""})]
    (seeds_copy / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    outside = tmp_path / "geheim.txt"
    outside.write_text("Geheimer Text, der nicht ins Archiv gehört.", encoding="utf-8")
    os.symlink(outside, seeds_copy / "link.txt")
    rep = indexing.sync(seeds_copy, tmp_path / "index", "hashing")
    reasons = {s.path: s.reason for s in rep.skipped}
    assert rep.added == 3  # the seeds and the good line
    assert "2 bad line(s) left out" in reasons["feed.jsonl"] and "line 2" in reasons["feed.jsonl"]
    assert "outside the articles folder" in reasons["link.txt"]


def test_api_add_files_then_search(hashing_index: Path, seeds_copy: Path, tmp_path: Path) -> None:
    f = tmp_path / "upload.txt"
    f.write_text(NEW_ARTICLE, encoding="utf-8")
    rep = api.add_files([f], names=["Bücher.txt"], articles_dir=seeds_copy, index_dir=hashing_index)
    assert rep.added == 1
    hits = api.search("Wie viele Bücher erhielt die Stadtbibliothek?", k=1, index_dir=hashing_index)
    assert "4711" in hits[0].chunk.text
    assert api.index_status(hashing_index)["articles"] == 3


def test_files_modified_in_place_keep_mtime_check_honest(seeds_copy: Path, tmp_path: Path) -> None:
    """Same size and mtime but different bytes is not detectable by stat; a new mtime is."""
    index = tmp_path / "index"
    indexing.sync(seeds_copy, index, "hashing")
    f = seeds_copy / "003_0b9d6cc08c71d728.txt"
    text = f.read_text("utf-8").replace("4. November", "5. November")
    st = f.stat()
    f.write_text(text, "utf-8")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    rep = indexing.sync(seeds_copy, index, "hashing")
    assert rep.updated == 1


def test_a_same_size_edit_with_the_old_mtime_put_back_is_found(seeds_copy: Path, tmp_path: Path) -> None:
    """The old text used to keep being quoted: size and mtime alone cannot see this edit; ctime can."""
    index = tmp_path / "index"
    indexing.sync(seeds_copy, index, "hashing")
    f = seeds_copy / "003_0b9d6cc08c71d728.txt"
    st = f.stat()
    f.write_text(f.read_text("utf-8").replace("4. November", "5. November"), "utf-8")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (f.stat().st_size, f.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    rep = indexing.sync(seeds_copy, index, "hashing")
    assert rep.updated == 1
    snap = store.open_index(index)
    assert any("5. November" in a.text for a in snap.articles.values())
    touched = indexing.sync(seeds_copy, index, "hashing")
    assert (touched.updated, touched.chunks_embedded) == (0, 0)
    os.utime(f)  # a touch: rehashed, the same bytes, nothing embedded again
    assert indexing.sync(seeds_copy, index, "hashing").chunks_embedded == 0


def test_cli_build_indexes_good_files_and_reports_each_bad_one(seeds_copy: Path, tmp_path: Path) -> None:
    """A real `rag index build` over a folder with an empty, a binary, a Latin-1, a 50 MB and an
    unknown-extension file: the good ones (seeds + Latin-1) are indexed, each bad one has a reason."""
    import json
    import subprocess
    import sys

    (seeds_copy / "leer.txt").write_bytes(b"")
    (seeds_copy / "bild.txt").write_bytes(bytes(range(256)) * 64)
    latin = "Die Bäckerei in Fürth verkaufte am Montag 321 Brötchen für 45 Cent. Das Geschäft läuft gut.\n"
    (seeds_copy / "latin1.txt").write_bytes(latin.encode("latin-1"))
    with open(seeds_copy / "riesig.txt", "wb") as f:
        f.write(b"Ein Satz ueber nichts. " * (50 * 1024 * 1024 // 23 + 1))  # just over 50 MB
    (seeds_copy / "notizen.docx").write_bytes(b"PK\x03\x04 not an article")
    rag = Path(sys.executable).parent / "rag"
    proc = subprocess.run(
        [str(rag), "index", "build", "--articles", str(seeds_copy), "--index", str(tmp_path / "index"),
         "--embedder", "hashing", "--json"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    reasons = {s["path"]: s["reason"] for s in report["skipped"]}
    assert report["added"] == 3
    assert set(reasons) == {"leer.txt", "bild.txt", "riesig.txt", "notizen.docx"}
    assert "empty" in reasons["leer.txt"].lower() and "binary" in reasons["bild.txt"].lower()
    assert "limit" in reasons["riesig.txt"]
    assert ".docx not supported" in reasons["notizen.docx"]
    snap = store.open_index(tmp_path / "index")
    (fuerth,) = [a for a in snap.articles.values() if a.path == "latin1.txt"]
    assert "Bäckerei in Fürth" in fuerth.text and "321 Brötchen" in fuerth.text
    assert (seeds_copy / "riesig.txt").stat().st_size > 50 * 1024 * 1024  # nothing deleted
    hits = api.search("Brötchen Bäckerei Fürth", k=1, index_dir=tmp_path / "index")
    assert hits[0].article_id == fuerth.id


def test_copy_without_hard_links_is_exclusive_and_leaves_no_half_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    def no_links(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(uploads.os, "link", no_links)
    folder = tmp_path / "articles"
    a, b = tmp_path / "a" / "x.txt", tmp_path / "b" / "x.txt"
    for p, text in ((a, "Erster Artikel über Hamburg."), (b, "Zweiter Artikel über Bremen.")):
        p.parent.mkdir()
        p.write_text(text, encoding="utf-8")
    copied, skipped = copy_into(folder, [a, b, a])
    assert [p.name for p in copied] == ["x.txt", "x-1.txt", "x.txt"] and skipped == []
    assert (folder / "x-1.txt").read_text(encoding="utf-8") == "Zweiter Artikel über Bremen."

    def full_disk(src: object, dst: object, *args: object) -> None:
        dst.write(b"halb")  # type: ignore[attr-defined]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(uploads.shutil, "copyfileobj", full_disk)
    c = tmp_path / "c" / "y.txt"
    c.parent.mkdir()
    c.write_text("Dritter Artikel.", encoding="utf-8")
    copied, skipped = copy_into(folder, [c])
    assert copied == [] and "No space left" in skipped[0].reason
    assert sorted(p.name for p in folder.iterdir()) == ["x-1.txt", "x.txt"]  # no half file, no temp file


def test_a_chunk_without_sentences_is_embedded_whole_and_shared_sentences_once() -> None:
    from rag.types import Chunk, Sentence

    counting = CountingEmbedder()
    a, b = Sentence("Der Rat tagte am Montag.", 0, 24), Sentence("Er beschloss den Haushalt.", 25, 51)
    chunks = [Chunk("c1", "x", 0, "Der Rat tagte am Montag. Er beschloss den Haushalt.", 0, 51, (a, b)),
              Chunk("c2", "x", 1, "Er beschloss den Haushalt.", 25, 51, (b,)),
              Chunk("c3", "y", 0, "Haushaltstabelle des Rates", 0, 26, ())]
    cv, sv, rows = indexing._embed_chunks(counting, chunks, lambda *_: None)
    assert sorted(counting.texts) == sorted([a.text, b.text, "Haushaltstabelle des Rates"])
    assert rows.tolist() == [[0, 0], [0, 1], [1, 0]] and sv.shape == (3, counting.dim)
    assert np.allclose(sv[1], sv[2])  # the shared sentence: one vector, in both chunks
    assert np.allclose(cv[1], sv[2], atol=1e-6)  # one sentence: the chunk is it
    assert np.allclose(cv[2], counting.inner.embed_documents(["Haushaltstabelle des Rates"])[0], atol=1e-6)
    assert np.allclose(np.linalg.norm(cv, axis=1), 1.0, atol=1e-5)
