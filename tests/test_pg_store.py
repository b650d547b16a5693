"""The PostgreSQL + pgvector store against a real local server (PostgreSQL 16, pgvector 0.6; `pg_url`):
the same index and answers as the folder, commits of the change only, readers that catch up from their
generation, failed commits that change nothing, the writer lock, HNSW search, the CLI and migration."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag import api, cli, indexing, store
from rag.config import load_settings
from rag.engine import Engine
from rag.errors import ConfigError, IndexMismatchError, IndexWriteError, NoIndexError, RagError
from rag.store import pg

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent
NEW_ARTICLE = ("Neue Brücke in Marstedt\n\nDie Stadt Marstedt baut eine neue Brücke über die Lenne. Sie soll "
               "12 Millionen Euro kosten und im Jahr 2027 fertig sein. Der Rat stimmte am Montag zu.\n")


def _view(snap: store.Snapshot) -> dict[str, Any]:
    """What a reader sees, independent of row order: chunks with their vectors and sentence vectors."""
    out: dict[str, Any] = {"articles": sorted(snap.articles), "files": sorted(snap.files)}
    for row, c in enumerate(snap.chunks):
        sents = [snap.sentence_vectors[i] for i in snap.sentence_vector_rows_of_chunk(row)]
        out[c.id] = (c, snap.chunk_vectors[row].round(5).tobytes(), [s.round(5).tobytes() for s in sents])
    return out


def _engine(url: str) -> Engine:
    return Engine(load_settings().with_(store=url))


def test_the_database_holds_what_the_folder_holds_and_answers_alike(seeds_copy: Path, tmp_path: Path,
                                                                    pg_url: str) -> None:
    folder = tmp_path / "index"
    api.build_index(seeds_copy, folder, embedder="hashing")
    report = api.build_index(seeds_copy, pg_url, embedder="hashing")
    assert report.added == 2 and report.chunks_embedded > 10
    local, remote = store.open_index(folder), store.open_index(pg_url)
    assert isinstance(remote, pg.PgSnapshot)
    assert _view(remote) == _view(local)
    for q in ("Wie viele Kisten hat Vietnam zurückgegeben?", "Hegseth Hawaii Indo-Pacific Command"):
        for mode in ("dense", "bm25", "hybrid"):
            want = [(h.chunk.id, round(h.score, 5)) for h in api.search(q, k=5, index_dir=folder, mode=mode)]
            assert [(h.chunk.id, round(h.score, 5)) for h in api.search(q, k=5, index_dir=pg_url, mode=mode)] == want
        answers = [api.ask(q, llm="extractive", index_dir=where).to_json() for where in (pg_url, folder)]
        for a in answers:
            a.pop("timings")
        assert answers[0] == answers[1] and answers[0]["citations"]
    from rag import HybridRetriever

    docs = HybridRetriever(index_dir=pg_url, k=2).invoke("Kisten Vietnam")
    assert [d.metadata["chunk_id"] for d in docs] == [
        d.metadata["chunk_id"] for d in HybridRetriever(index_dir=folder, k=2).invoke("Kisten Vietnam")]
    status = api.index_status(pg_url)
    assert (status["articles"], status["chunks"], status["sentences"]) == (2, len(local.chunks),
                                                                            len(local.sentence_rows))


def test_a_reader_catches_up_reading_only_the_newer_rows(seeds_copy: Path, pg_url: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    writer, reader = _engine(pg_url), _engine(pg_url)
    writer.build_index(seeds_copy, embedder="hashing")
    before = reader.snapshot()
    read: list[tuple[int, int]] = []
    real = pg._part_since

    def spy(conn: Any, url: str, since: int, name: str, dim: int) -> Any:
        part = real(conn, url, since, name, dim)
        read.append((since, len(part.chunks)))
        return part

    monkeypatch.setattr(pg, "_part_since", spy)
    (seeds_copy / "bruecke.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    report = writer.update_index(seeds_copy)
    assert report.added == 1
    after = reader.snapshot()
    assert read == [(pg._generation_number(before.generation), report.chunks_embedded)]  # the new rows only
    assert len(after.articles) == 3 and len(after.chunks) == len(before.chunks) + report.chunks_embedded
    assert reader.search("Brücke über die Lenne", k=1)[0].title == "Neue Brücke in Marstedt"
    (seeds_copy / "bruecke.txt").unlink()
    assert writer.update_index(seeds_copy).removed == 1
    gone = reader.snapshot()
    assert sorted(gone.articles) == sorted(before.articles)
    assert _view(gone) == _view(before)
    monkeypatch.setattr(pg, "_part_since", real)
    assert _view(store.open_index(pg_url)) == _view(gone)  # catching up = reading it whole


def test_a_commit_writes_rows_of_the_change_only(seeds_copy: Path, pg_url: str) -> None:
    api.build_index(seeds_copy, pg_url, embedder="hashing")
    first = store.read_manifest(pg_url)
    assert first is not None
    (seeds_copy / "bruecke.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    report = api.update_index(seeds_copy, pg_url)
    gen = pg._generation_number(str(store.read_manifest(pg_url)["generation"]))  # type: ignore[index]
    with pg.connect(pg_url) as conn:
        per_gen = dict(conn.execute("SELECT gen, count(*) FROM ql_chunks GROUP BY gen").fetchall())
        articles = dict(conn.execute("SELECT gen, count(*) FROM ql_articles GROUP BY gen").fetchall())
        files = dict(conn.execute("SELECT gen, count(*) FROM ql_files GROUP BY gen").fetchall())
    assert gen == pg._generation_number(str(first["generation"])) + 1
    assert per_gen[gen] == report.chunks_embedded and sum(per_gen.values()) == first["counts"]["chunks"] + per_gen[gen]
    assert articles[gen] == 1 and files[gen] == 1  # the seeds' rows were not written again


def test_a_failed_commit_changes_nothing(seeds_copy: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    api.build_index(seeds_copy, pg_url, embedder="hashing")
    before = _view(store.open_index(pg_url))
    manifest = store.read_manifest(pg_url)
    (seeds_copy / "bruecke.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    next(seeds_copy.glob("000_*.txt")).unlink()  # a removal in the same commit
    real = pg._copy_chunks

    def fail_halfway(conn: Any, *args: Any) -> None:
        real(conn, *args)  # the rows are written, then the server goes away
        conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    monkeypatch.setattr(pg, "_copy_chunks", fail_halfway)
    with pytest.raises(IndexWriteError, match="index is unchanged"):
        api.update_index(seeds_copy, pg_url)
    assert store.read_manifest(pg_url) == manifest
    assert _view(store.open_index(pg_url)) == before
    monkeypatch.setattr(pg, "_copy_chunks", real)
    assert api.update_index(seeds_copy, pg_url).added == 1  # the next update applies it whole


def test_a_commit_on_a_stale_snapshot_is_refused(seeds_copy: Path, pg_url: str) -> None:
    api.build_index(seeds_copy, pg_url, embedder="hashing")
    old = store.open_index(pg_url)
    (seeds_copy / "bruecke.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    api.update_index(seeds_copy, pg_url)
    empty = np.zeros((0, old.dim), np.float32)
    with pytest.raises(ValueError, match="not the current index"):
        store.commit(pg_url, embedder=old.embedder, dim=old.dim, chunking={}, articles=old.articles,
                     files=old.files, chunks=[], chunk_vectors=empty, sentence_vectors=empty,
                     sentence_rows=np.zeros((0, 2), np.int32), base=old)
    assert len(store.open_index(pg_url).articles) == 3


def test_the_writer_lock_is_one_at_a_time_and_dies_with_its_session(pg_url: str) -> None:
    code = ("import sys, time; from rag.store import pg\n"
            "with pg.writer_lock(sys.argv[1]):\n    print('held', flush=True); time.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, pg_url], stdout=subprocess.PIPE, cwd=ROOT)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        with pytest.raises(RagError, match="Another process has been updating"):
            with store.writer_lock(pg_url, timeout=0.5):
                pass
    finally:
        holder.kill()  # SIGKILL: the server ends its session and the lock with it
        holder.wait()
    with store.writer_lock(pg_url, timeout=10):
        pass


def test_dense_search_through_hnsw_finds_the_exact_top_hits(seeds_copy: Path, pg_url: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    api.build_index(seeds_copy, pg_url, embedder="hashing")
    snap = store.open_index(pg_url)
    assert isinstance(snap, pg.PgSnapshot)
    from rag.embedders import get_embedder

    emb = get_embedder("hashing")
    for q in ("Kisten mit Überresten", "Hegseth trifft auf Hawaii", "Vietnam Kriegsminister Besuch"):
        qv = np.asarray(emb.embed_query(q), np.float32)
        exact = snap.dense(qv, 5)
        monkeypatch.setattr(pg, "ANN_MIN_CHUNKS", 0)
        ann = snap.dense(qv, 5)
        monkeypatch.setattr(pg, "ANN_MIN_CHUNKS", 10**9)
        assert {r for r, _ in ann} == {r for r, _ in exact}  # (equal scores may come in either order)
        assert [s for _, s in ann] == pytest.approx([s for _, s in exact], abs=1e-5)
    with pg.connect(pg_url) as conn:
        plan = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT id FROM ql_chunks ORDER BY embedding <#> %s LIMIT 5", (qv,)).fetchall())
    assert "ql_chunks_hnsw" in plan or "Seq Scan" in plan  # the index exists (tiny tables may scan)
    with pg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'ql_chunks_hnsw'").fetchone()[0] == 1


def test_messages_name_the_fix(seeds_copy: Path, pg_url: str) -> None:
    with pytest.raises(NoIndexError, match="rag index build --store"):
        api.search("Kisten", index_dir=pg_url)
    api.build_index(seeds_copy, pg_url, embedder="hashing")
    with pytest.raises(IndexMismatchError, match="hashing"):
        store.open_index(pg_url, embedder="e5-small")
    with pytest.raises(IndexWriteError, match="Cannot reach the PostgreSQL index .*Start the server"):
        api.search("Kisten", index_dir="postgresql://quellenlage:secret@127.0.0.1:1/none")
    assert pg.shown("postgresql://quellenlage:secret@db.example:5432/news") == \
        "postgresql://quellenlage:***@db.example:5432/news"
    with pytest.raises(ConfigError, match="RAG_STORE"):
        from rag.config import check_store

        check_store("mysql://x")


def test_hostile_files_are_refused_and_nothing_is_lost(seeds_copy: Path, pg_url: str) -> None:
    (seeds_copy / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 200)
    (seeds_copy / "empty.txt").write_bytes(b"")
    (seeds_copy / "script.html").write_text("<html><head><title>Rat tagt</title><script>alert('x')</script></head>"
                                           "<body><p>Der Rat der Stadt Marstedt tagt am Montag über die neue "
                                           "Brücke und ihre Kosten von zwölf Millionen Euro.</p></body></html>",
                                           encoding="utf-8")
    (seeds_copy / "'; DROP TABLE ql_chunks; --.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    (seeds_copy / "nul.jsonl").write_text(json.dumps({"title": "Null", "text": "Ein Text mit \u0000 darin über den "
                                                      "Hafen von Marstedt, der erweitert wird."}) + "\n",
                                          encoding="utf-8")
    report = api.build_index(seeds_copy, pg_url, embedder="hashing")
    skipped = {s.path for s in report.skipped}
    assert {"binary.txt", "empty.txt"} <= skipped
    snap = store.open_index(pg_url)
    assert "'; DROP TABLE ql_chunks; --.txt" in snap.files and len(snap.articles) == report.added
    assert all("alert" not in c.text for c in snap.chunks)
    assert store.check_index(pg_url).generation == snap.generation


def test_cli_store_option_migrate_and_contradictions(seeds_copy: Path, hashing_index: Path, pg_url: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["index", "migrate", "--to", pg_url, "--index", str(hashing_index), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["articles"] == 2 and status["chunks"] == len(store.open_index(hashing_index).chunks)
    assert _view(store.open_index(pg_url)) == _view(store.open_index(hashing_index))
    assert cli.main(["search", "Kisten Vietnam", "--store", pg_url, "--json", "-k", "3"]) == 0
    from_db = json.loads(capsys.readouterr().out)
    assert cli.main(["search", "Kisten Vietnam", "--index", str(hashing_index), "--json", "-k", "3"]) == 0
    assert from_db == json.loads(capsys.readouterr().out)
    assert cli.main(["index", "migrate", "--to", pg_url, "--index", str(hashing_index)]) == 2
    assert "holds an index already" in capsys.readouterr().err
    assert cli.main(["ask", "Kisten?", "--store", pg_url, "--index", str(hashing_index)]) == 2
    assert "not both" in capsys.readouterr().err
    (seeds_copy / "bruecke.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    assert cli.main(["index", "update", "--store", pg_url, "--articles", str(seeds_copy), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 1
    assert cli.main(["index", "check", "--store", pg_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["articles"] == 3
    back = hashing_index.parent / "back"
    assert cli.main(["index", "migrate", "--store", pg_url, "--to", str(back), "--json"]) == 0
    capsys.readouterr()
    assert len(store.open_index(back).articles) == 3 and store.check_index(back)


def test_an_update_builds_on_a_database_another_process_changed(seeds_copy: Path, pg_url: str) -> None:
    """Two engines (two machines) writing in turn: each update starts from the database, not its cache."""
    a, b = _engine(pg_url), _engine(pg_url)
    a.build_index(seeds_copy, embedder="hashing")
    a.snapshot()
    other = seeds_copy.parent / "other"
    shutil.copytree(seeds_copy, other)
    (other / "bruecke.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    assert b.update_index(other).added == 1
    (seeds_copy / "hafen.txt").write_text(NEW_ARTICLE.replace("Brücke über die Lenne", "Kaimauer am Hafen"),
                                          encoding="utf-8")
    report = a.update_index(seeds_copy)
    # a's folder lacks bruecke.txt: its update is the folder's truth (the article goes), and nothing is half-applied
    assert report.added == 1 and report.removed == 1
    assert len(a.snapshot().articles) == 3 and len(b.snapshot().articles) == 3
    assert _view(a.snapshot()) == _view(b.snapshot()) == _view(store.open_index(pg_url))
    assert indexing.sync(seeds_copy, pg_url).chunks_embedded == 0


def _bench(name: str) -> Any:
    """bench/<name>.py (bench/ is scripts, not a package; the test and the benchmark check the same thing)."""
    import importlib

    if str(ROOT / "bench") not in sys.path:
        sys.path.insert(0, str(ROOT / "bench"))
    return importlib.import_module(name)


def test_killed_updates_leave_the_old_or_the_new_index(tmp_path: Path) -> None:
    """6 runs of `bench/crash.py --store pg` (the benchmark runs 30+): SIGKILL while `rag index update
    --store URL` works; the database holds the old or the new state, and the next update is not blocked."""
    import random

    crash = _bench("crash")
    s = crash.prepare(tmp_path / "crash", n=30, batch=3, seed=4, calibrate=2, pg=True)
    assert isinstance(s.template, str)
    rng = random.Random(5)
    results = [crash.one_run(s, tmp_path / "run", rng.uniform(s.t_scan, s.t_total)) for _ in range(6)]
    summary = crash.summary(results)
    assert summary["mixed"] == 0 and summary["failed to open"] == 0, [r.detail for r in results]
    assert summary["lost articles"] == 0
    assert summary["recovered by next update"] == 6, [r.detail for r in results]


def test_four_writer_processes_and_readers_lose_nothing(tmp_path: Path, pg_url: str) -> None:
    conc = _bench("concurrency")
    r = conc.run_round(tmp_path, n_base=20, files=2, threads=1, readers=2, seed=6, procs=4, store_url=pg_url)
    assert r.writer_errors == [] and r.reader_errors == []
    assert r.process_rcs == [0, 0, 0, 0]
    assert r.added == 10 and r.lost == 0 and r.extra == 0
    assert r.reader_queries > 0 and r.generations_seen >= 2
