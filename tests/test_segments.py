"""Commits that write what changed: a chain of generations, postings summed at query time, compaction,
readers that read only the new generations, and version-1 indexes."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag import indexing, store
from rag.embedders import get_embedder
from rag.lang import chunk_tokens, stem_tokens
from rag.store import SnapshotCache

TOWNS = ["Bremen", "Kiel", "Rostock", "Lübeck", "Emden", "Husum", "Wismar", "Stade", "Leer", "Aurich"]
THINGS = ["Hafen", "Rathaus", "Brücke", "Schule", "Bahnhof", "Museum", "Deich", "Markt"]


def _article(i: int) -> str:
    town, thing = TOWNS[i % len(TOWNS)], THINGS[(i // len(TOWNS)) % len(THINGS)]
    return (f"Meldung {i}: {thing} in {town}\n\nDer Rat von {town} beschloss am Montag, das {thing} für "
            f"{i * 7 + 3} Millionen Euro zu erneuern. Die Arbeiten beginnen im Frühjahr {2020 + i % 7}.\n\n"
            f"Kritiker in {town} nennen den Plan Nummer {i} zu teuer. Der Bürgermeister verteidigte ihn.\n")


def _folder(path: Path, n: int, start: int = 0) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        (path / f"a{i:05d}.txt").write_text(_article(i), encoding="utf-8")
    return path


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _gen_dir(index: Path) -> Path:
    return index / store.GENERATIONS / store.read_manifest(index)["generation"]  # type: ignore[index]


def _add_one(arts: Path, index: Path, i: int) -> int:
    (arts / f"new{i}.txt").write_text(_article(i), encoding="utf-8")
    rep = indexing.sync(arts, index, "hashing")
    assert rep.added == 1
    return _bytes(_gen_dir(index))


def test_a_commit_writes_an_amount_proportional_to_the_change(tmp_path: Path) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    indexing.sync(_folder(small / "a", 20), small / "ix", "hashing")
    indexing.sync(_folder(large / "a", 400), large / "ix", "hashing")
    full_small, full_large = _bytes(_gen_dir(small / "ix")), _bytes(_gen_dir(large / "ix"))
    assert full_large > 10 * full_small  # a build writes everything
    add_small, add_large = _add_one(small / "a", small / "ix", 5000), _add_one(large / "a", large / "ix", 5000)
    # the same article into 20 or into 400: the same generation, give or take the bytes of the ids
    assert abs(add_large - add_small) <= 0.05 * add_small
    assert add_large < full_large / 100
    manifest = store.read_manifest(large / "ix")
    assert manifest is not None and manifest["chain"][-1] == manifest["generation"] and len(manifest["chain"]) == 2
    assert (large / "ix" / "manifest.json").stat().st_size < 8000
    new = _gen_dir(large / "ix")
    assert len(json.loads((new / "articles.json").read_text())) == 1
    assert len(json.loads((new / "files.json").read_text())) == 1
    # removing an article writes its id, nothing else of the index
    (large / "a" / "a00007.txt").unlink()
    assert indexing.sync(large / "a", large / "ix", "hashing").removed == 1
    gone = _gen_dir(large / "ix")
    removed = json.loads((gone / "removed.json").read_text())
    assert len(removed["articles"]) == 1 and removed["files"] == ["a00007.txt"] and not removed["full"]
    assert (gone / "chunks.jsonl").read_text() == "" and _bytes(gone) < 4000
    snap = store.open_index(large / "ix")
    assert len(snap.articles) == 400 and removed["articles"][0] not in snap.articles
    assert all(c.article_id != removed["articles"][0] for c in snap.chunks)
    assert "Plan Nummer 7 " not in " ".join(snap.chunks[r].text for r, _ in snap.bm25("Plan Nummer 7", 5, "de"))


def _bm25s_scores(snap: store.Snapshot, query: str) -> np.ndarray:
    import bm25s

    ref = bm25s.BM25(**store.BM25_PARAMS)
    ref.index([list(chunk_tokens(c.text, c.language)) for c in snap.chunks], show_progress=False)
    tokens = [t for t in dict.fromkeys(stem_tokens(query, "de")) if t in ref.vocab_dict]
    return np.asarray(ref.get_scores(tokens), dtype=np.float32)


def _changed_folder(tmp_path: Path) -> tuple[Path, Path]:
    """An index whose chain saw adds, an edit, a rename and removals, one commit each."""
    arts, index = _folder(tmp_path / "a", 30), tmp_path / "ix"
    indexing.sync(arts, index, "hashing")
    _folder(arts, 5, start=100)
    indexing.sync(arts, index, "hashing")
    (arts / "a00003.txt").write_text(_article(3) + "\nNachtrag: Der Rat vertagte sich.\n", encoding="utf-8")
    indexing.sync(arts, index, "hashing")
    (arts / "a00004.txt").rename(arts / "umbenannt.txt")
    indexing.sync(arts, index, "hashing")
    for name in ("a00010.txt", "a00102.txt"):
        (arts / name).unlink()
    indexing.sync(arts, index, "hashing")
    return arts, index


QUERIES = ["Rathaus Kiel erneuern", "Kritiker Bremen teuer", "Nachtrag Rat vertagte", "Deich Millionen Euro 2023"]


def test_postings_over_a_chain_score_as_one_bm25_index_of_the_live_chunks(tmp_path: Path) -> None:
    _, index = _changed_folder(tmp_path)
    snap = store.open_index(index)
    assert len(snap.chain) == 5
    for query in QUERIES:
        want = _bm25s_scores(snap, query)
        got = np.zeros(len(snap.chunks), np.float32)
        for row, score in snap.bm25(query, len(snap.chunks), "de"):
            got[row] = score
        assert np.allclose(got, want, rtol=1e-4, atol=1e-5), query
        assert want.max() > 0


def _view(snap: store.Snapshot, emb: Any) -> dict[str, Any]:
    """What retrieval sees, by chunk id (row numbers may differ between a chain and its compaction)."""
    out: dict[str, Any] = {"articles": snap.articles, "files": snap.files,
                           "chunks": {c.id: c for c in snap.chunks}}
    n = len(snap.chunks)
    for q in QUERIES:  # every score, by chunk: ties keep row order, and rows differ from a rebuild's
        out[f"bm25 {q}"] = {snap.chunks[r].id: round(s, 4) for r, s in snap.bm25(q, n, "de")}
        out[f"dense {q}"] = {snap.chunks[r].id: round(s, 4) for r, s in snap.dense(emb.embed_query(q), n)}
    for c in snap.chunks[:5]:
        rows = snap.sentence_vector_rows_of_chunk(snap.rows_of_article(c.article_id)[c.position])
        out[f"sentences {c.id}"] = snap.sentence_vectors[rows].round(5).tolist()
    return out


def test_a_chain_its_compaction_and_a_rebuild_are_the_same_index(tmp_path: Path) -> None:
    arts, index = _changed_folder(tmp_path)
    emb = get_embedder("hashing")
    chained = _view(store.open_index(index), emb)
    compacted = store.compact(index)
    assert compacted.chain == [compacted.generation] and store.read_manifest(index)["chain"] == compacted.chain  # type: ignore[index]
    assert _view(compacted, emb) == chained
    assert _view(store.open_index(index), emb) == chained
    rebuilt = tmp_path / "rebuilt"
    indexing.sync(arts, rebuilt, "hashing", rebuild=True)
    fresh = _view(store.open_index(rebuilt), emb)
    assert fresh["chunks"] == chained["chunks"]
    # the same records, but for the story an article joined: the first article of a story is the one
    # that arrived first, and a rebuild reads the folder in path order (`rag.stories`)
    assert {k: replace(a, story="") for k, a in fresh["articles"].items()} == {
        k: replace(a, story="") for k, a in chained["articles"].items()}
    assert {k: v for k, v in fresh.items() if k.startswith(("bm25", "dense"))} == {
        k: v for k, v in chained.items() if k.startswith(("bm25", "dense"))}
    # the previous chain stays for its readers until the next commit, which prunes it
    assert len(list((index / store.GENERATIONS).iterdir())) == 1 + 5
    _add_one(arts, index, 900)
    assert sorted(p.name for p in (index / store.GENERATIONS).iterdir()) == store.read_manifest(index)["chain"]  # type: ignore[index]


def test_the_chain_compacts_itself_when_it_grows_long(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.store import writing

    monkeypatch.setattr(writing, "MAX_CHAIN", 3)
    arts, index = _folder(tmp_path / "a", 5), tmp_path / "ix"
    indexing.sync(arts, index, "hashing")
    lengths = [len(store.read_manifest(index)["chain"])]  # type: ignore[index]
    for i in range(4):
        _add_one(arts, index, 200 + i)
        lengths.append(len(store.read_manifest(index)["chain"]))  # type: ignore[index]
    assert lengths == [1, 2, 3, 1, 2]
    snap = store.open_index(index)
    assert len(snap.articles) == 9 and len({c.article_id for c in snap.chunks}) == 9


def test_an_open_index_reads_only_the_generations_committed_since(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    arts, index = _folder(tmp_path / "a", 12), tmp_path / "ix"
    indexing.sync(arts, index, "hashing")
    cache = SnapshotCache()
    first = cache.get(index)
    loaded: list[str] = []
    real = store.reading.load_generation

    def counting(gen_dir: Path, gen: str, manifest: dict[str, Any], checksums: bool = False) -> Any:
        loaded.append(gen)
        return real(gen_dir, gen, manifest, checksums)

    monkeypatch.setattr(store.reading, "load_generation", counting)
    _add_one(arts, index, 300)  # another process's commits, as far as the cache knows
    _add_one(arts, index, 301)
    loaded.clear()
    snap = cache.get(index)
    assert loaded == snap.chain[1:] and len(loaded) == 2
    assert cache.get(index) is snap and len(loaded) == 2
    assert len(snap.articles) == len(first.articles) + 2
    [(row, _)] = snap.bm25("Meldung 301", 1, "de")
    assert "Meldung 301" in snap.chunks[row].text


def test_an_in_process_update_builds_on_the_open_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.engine import Engine

    arts, index = _folder(tmp_path / "a", 12), tmp_path / "ix"
    eng = Engine()
    eng.build_index(arts, index, embedder="hashing")
    before = eng.snapshot(index)
    monkeypatch.setattr(store.reading, "load_generation", lambda *a, **k: pytest.fail("read from disk"))
    (arts / "neu.txt").write_text(_article(400), encoding="utf-8")
    assert eng.update_index(arts, index).added == 1
    after = eng.snapshot(index)  # the commit's own snapshot: nothing read back
    assert after.chain == [*before.chain, after.generation] and len(after.articles) == 13
    assert [h.chunk.article_id for h in eng.search("Meldung 400", 1, index)] == [
        next(a for a, art in after.articles.items() if art.path == "neu.txt")]


def test_a_version_1_index_opens_and_its_next_commit_compacts_it(tmp_path: Path) -> None:
    arts, index = _folder(tmp_path / "a", 8), tmp_path / "ix"
    indexing.sync(arts, index, "hashing")
    want = store.open_index(index)
    gen = _gen_dir(index)
    shutil.rmtree(gen / "lexicon")  # what version 1 wrote: one generation, no postings, no removed.json
    (gen / "removed.json").unlink()
    m = json.loads((index / "manifest.json").read_text())
    prefix = f"{gen.name}/"
    m = {**{k: v for k, v in m.items() if k != "chain"}, "format_version": 1,
         "file_sizes": {k[len(prefix):]: v for k, v in m["file_sizes"].items() if "lexicon/" not in k
                        and "removed.json" not in k},
         "file_sha256": {k[len(prefix):]: v for k, v in m["file_sha256"].items() if "lexicon/" not in k
                         and "removed.json" not in k}}
    (index / "manifest.json").write_text(json.dumps(m))
    old = store.open_index(index)
    assert old.articles == want.articles and old.chunks == want.chunks
    assert old.bm25("Rathaus Kiel", 3, "de") == want.bm25("Rathaus Kiel", 3, "de")
    _add_one(arts, index, 500)
    m2 = store.read_manifest(index)
    assert m2 is not None and m2["format_version"] == store.FORMAT_VERSION and len(m2["chain"]) == 1
    assert len(store.open_index(index).articles) == 9


def test_word_weights_come_from_the_postings_of_the_live_chunks(tmp_path: Path) -> None:
    """The evidence step's idf per (word, language) equals counting the live chunks' words directly,
    without tokenizing the index for each new snapshot."""
    import math
    from collections import Counter

    from rag.evidence import _idf

    _, index = _changed_folder(tmp_path)
    snap = store.open_index(index)
    df: Counter[tuple[str, str]] = Counter()
    for c in snap.chunks:
        for tok in set(chunk_tokens(c.text, c.language)):
            df[(tok, c.language)] += 1
    idf = _idf(snap)
    for (tok, lang), count in list(df.items())[:200]:
        assert idf.get((tok, lang), -1.0) == pytest.approx(math.log(1 + len(snap.chunks) / count))  # type: ignore[arg-type]
    assert idf.get(("nirgendwo", "de"), 1.0) == 1.0 and idf.get((next(iter(df))[0], "en"), 1.0) == 1.0


def test_adding_files_reads_those_files_not_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.engine import Engine

    arts, index = _folder(tmp_path / "a", 30), tmp_path / "ix"
    eng = Engine()
    eng.build_index(arts, index, embedder="hashing")
    (arts / "a00002.txt").write_text(_article(2) + "\nNachtrag.\n", encoding="utf-8")  # changed, not added
    incoming = tmp_path / "neu.txt"
    incoming.write_text(_article(700), encoding="utf-8")
    monkeypatch.setattr(indexing, "article_files", lambda *a, **k: pytest.fail("the folder was scanned"))
    rep = eng.add_files([incoming], articles_dir=arts, index_dir=index)
    assert (rep.added, rep.updated, rep.removed) == (1, 0, 0)
    assert len(eng.snapshot(index).articles) == 31
    monkeypatch.undo()
    rep = eng.update_index(arts, index)  # the folder's own change is the next update's
    assert (rep.added, rep.updated, rep.removed) == (0, 1, 0)
    # a file that duplicates an indexed article is reported, not indexed twice
    (tmp_path / "copy.txt").write_text(_article(5), encoding="utf-8")
    rep = eng.add_files([tmp_path / "copy.txt"], articles_dir=arts, index_dir=index)
    assert rep.added == 0 and any("duplicate of a00005.txt" in s.reason for s in rep.skipped)


def _tables(snap: store.Snapshot) -> dict[str, Any]:
    return {"rows": {a: snap.rows_of_article(a) for a in snap.articles},
            "sentences": [snap.sentence_vector_rows_of_chunk(r) for r in range(len(snap.chunks))],
            "chunks": [c.id for c in snap.chunks], "vectors": snap.chunk_vectors.tolist(),
            "sentence_vectors": snap.sentence_vectors.tolist(), "sentence_rows": snap.sentence_rows.tolist()}


def test_snapshots_extended_in_place_equal_the_index_read_from_disk(tmp_path: Path) -> None:
    """A running page's snapshot grows by appending into buffers shared with its predecessor; it must
    be the very index a new process reads, and the predecessor must not see the new rows."""
    from rag.engine import Engine

    arts, index = _folder(tmp_path / "a", 10), tmp_path / "ix"
    eng = Engine()
    eng.build_index(arts, index, embedder="hashing")
    emb = get_embedder("hashing")
    first = eng.snapshot(index)
    before = _tables(first)
    for i in range(3):
        (arts / f"n{i}.txt").write_text(_article(600 + i), encoding="utf-8")
        eng.update_index(arts, index)
    grown = eng.snapshot(index)
    assert grown._sbuf.data is first._sbuf.data or len(first._sbuf.data) < len(grown.sentence_vectors)
    fresh = store.open_index(index)
    assert _tables(grown) == _tables(fresh) and _view(grown, emb) == _view(fresh, emb)
    assert _tables(first) == before  # the old snapshot sees its own rows only
    # a second successor of the same old snapshot copies instead of writing over the first's rows
    last = grown.chain[-1]
    part = store.reading.load_generation(index / store.GENERATIONS / last, last, grown.manifest)
    other = store.Snapshot.assemble(index, grown.manifest, first, [part])
    assert len(other.chunks) == len(first.chunks) + len(part.chunks)
    assert _tables(first) == before and _tables(grown) == _tables(fresh)


def test_large_snapshots_search_through_an_ivf_that_commits_extend(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ANN_MIN_CHUNKS (lowered here) dense search goes through the IVF, trained once in the background;
    a commit's snapshot assigns only its new rows to the same centroids; removed rows leave it."""
    from rag.store import ann

    monkeypatch.setattr(ann, "ANN_MIN_CHUNKS", 100)
    monkeypatch.setattr(ann, "NPROBE", 2)
    monkeypatch.setattr(ann, "MIN_RECALL", 0.5)  # 150 chunks in 16 lists: the check is tested on its own below
    trained: list[int] = []
    real_train = ann.Ivf.train.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(ann.Ivf, "train", classmethod(lambda cls, v: trained.append(len(v)) or real_train(cls, v)))
    arts, index = _folder(tmp_path / "articles", 150), tmp_path / "index"
    indexing.sync(arts, index, "hashing")
    snap = store.open_index(index)
    emb = get_embedder("hashing")
    queries = [np.asarray(emb.embed_query(f"{thing} in {town}"), np.float32) for town in TOWNS for thing in THINGS[:3]]
    exact = [snap.dense(q, 10) for q in queries]  # exact while the IVF trains
    ivf = snap.wait_ivf(timeout=60)
    assert ivf is not None and trained == [len(snap.chunks)] and len(ivf.lists) == len(snap.chunks)
    scanned: list[int] = []
    real_search = ann.Ivf.search

    def spy(self: ann.Ivf, vectors: np.ndarray, q: np.ndarray, k: int, nprobe: int | None = None) -> Any:
        scanned.append(int(np.isin(self.lists, np.argsort(-(self.centroids @ q))[:nprobe or self.nprobe]).sum()))
        return real_search(self, vectors, q, k, nprobe)

    monkeypatch.setattr(ann.Ivf, "search", spy)
    approx = [snap.dense(q, 10) for q in queries]
    assert len(scanned) == len(queries) and max(scanned) < len(snap.chunks)  # the lists, not every row
    recall = np.mean([len({r for r, _ in a} & {r for r, _ in e}) / len(e) for a, e in zip(approx, exact, strict=True)])
    assert recall >= 0.8
    # a commit: the successor assigns its new rows to the trained centroids, without training again
    _folder(arts, 3, start=150)
    cache = SnapshotCache()
    cache.put(snap)
    indexing.sync(arts, index, reuse=snap, on_commit=cache.put)
    grown = cache.peek(index)
    assert grown is not None and len(grown.chunks) > len(snap.chunks)
    assert grown.ivf() is not None and grown.ivf().centroids is ivf.centroids  # type: ignore[union-attr]
    assert len(grown.ivf().lists) == len(grown.chunks) and trained == [len(snap.chunks)]  # type: ignore[union-attr]
    new_rows = [r for r, c in enumerate(grown.chunks) if c.article_id not in snap.articles]
    lists = grown.ivf().lists  # type: ignore[union-attr]
    assert (lists[new_rows] == ann.assign(ivf.centroids, grown.chunk_vectors[new_rows])).all()
    # a removal: the rows that went leave the lists
    (arts / "a00000.txt").unlink()
    indexing.sync(arts, index, reuse=grown, on_commit=cache.put)
    shrunk = cache.peek(index)
    assert shrunk is not None and len(shrunk.ivf().lists) == len(shrunk.chunks) == len(grown.chunks) - len(  # type: ignore[union-attr]
        grown.rows_of_article(next(a for a in grown.articles if grown.articles[a].path == "a00000.txt")))
    assert trained == [len(snap.chunks)]


def test_the_ivf_check_probes_more_lists_or_keeps_exact_search() -> None:
    """Clustered vectors pass the recall check with few lists probed; vectors without clusters (uniform on
    the sphere) cannot reach it below a quarter of the lists: no IVF, exact search."""
    from rag.store import ann

    rng = np.random.default_rng(3)
    centres = rng.standard_normal((200, 64)).astype(np.float32)
    clustered = centres[rng.integers(0, 200, 20_000)] + rng.standard_normal((20_000, 64)).astype(np.float32) * 0.05
    clustered /= np.linalg.norm(clustered, axis=1, keepdims=True)
    ivf = ann.Ivf.train(clustered).checked(clustered)
    assert ivf is not None and ivf.recall is not None and ivf.recall >= ann.MIN_RECALL
    assert ivf.nprobe < len(ivf.centroids) / 4
    uniform = rng.standard_normal((20_000, 64)).astype(np.float32)
    uniform /= np.linalg.norm(uniform, axis=1, keepdims=True)
    assert ann.Ivf.train(uniform).checked(uniform) is None


def test_the_ivf_has_more_lists_than_the_data_has_clusters() -> None:
    """2,000 loose clusters in 100,000 vectors: with sqrt(n) = 316 lists a cluster without its own centroid
    scatters over many lists and the check falls back to exact search; with 4 sqrt(n) lists the IVF passes
    its check scanning under a tenth of the rows, and finds the exact top 10 of new questions."""
    from rag.store import ann

    rng = np.random.default_rng(5)
    centres = rng.standard_normal((2000, 384)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)

    def draw(m: int) -> np.ndarray:
        x = centres[rng.integers(0, 2000, m)] + rng.standard_normal((m, 384)).astype(np.float32) * 0.07
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    data, questions = draw(100_000), draw(50)
    ivf = ann.Ivf.train(data).checked(data)
    assert ivf is not None and len(ivf.centroids) > 1000
    assert ivf.nprobe / len(ivf.centroids) < 0.1
    recall = np.mean([len({r for r, _ in ivf.search(data, q, 10)} & set(np.argsort(-(data @ q))[:10].tolist())) / 10
                      for q in questions])
    assert recall >= ann.MIN_RECALL
