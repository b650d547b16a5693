"""The CLI contract: JSON shapes scripts rely on, exit codes, messages that name the fix."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from rag import store
from rag.cli import main

KISTEN = "Wie viele Kisten mit sterblichen Überresten hat Vietnam zurückgegeben?"


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> object:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_index_build_update_status_json(seeds_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = str(tmp_path / "index")
    common = ["--articles", str(seeds_copy), "--index", index, "--json"]
    built = _json(capsys, ["index", "build", *common, "--embedder", "hashing"])
    assert built["added"] == 2 and built["chunks_embedded"] > 0
    (seeds_copy / "003_0b9d6cc08c71d728.txt").unlink()
    upd = _json(capsys, ["index", "update", *common])
    assert set(upd) == {"added", "updated", "removed", "unchanged", "skipped", "chunks_embedded", "near_duplicates"}
    assert (upd["removed"], upd["unchanged"], upd["chunks_embedded"]) == (1, 1, 0)
    status = _json(capsys, ["index", "status", "--index", index, "--json"])
    assert status["articles"] == 1 and status["embedder"] == "hashing" and status["dim"] == 256
    assert status["chunks"] == len(store.open_index(Path(index)).chunks)
    assert status["generations"] == 2  # the build, and the update that removed an article
    compacted = _json(capsys, ["index", "compact", "--index", index, "--json"])
    assert compacted["generations"] == 1 and compacted["articles"] == 1 and compacted["chunks"] == status["chunks"]
    assert store.read_manifest(Path(index))["chain"] == [compacted["generation"]]  # type: ignore[index]


def test_search_json_contract(hashing_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _json(capsys, ["search", KISTEN, "-k", "3", "--index", str(hashing_index), "--json"])
    assert len(rows) == 3 and [r["rank"] for r in rows] == [1, 2, 3]
    assert set(rows[0]) == {"rank", "score", "article_id", "title", "url", "date", "date_source", "chunk_id",
                            "sentence", "text"}
    assert "994" in rows[0]["text"] and rows[0]["score"] >= rows[1]["score"] >= rows[2]["score"]
    # the sentence that matched is one of the chunk's, the one that answers: a search shows it, not the chunk's start
    assert "994" in rows[0]["sentence"] and rows[0]["sentence"] in rows[0]["text"]
    assert all(r["sentence"] in r["text"] for r in rows)
    main(["search", KISTEN, "-k", "1", "--index", str(hashing_index)])
    shown = capsys.readouterr().out
    assert rows[0]["sentence"] in shown and rows[0]["text"] not in shown


def test_ask_json_contract(hashing_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, ["ask", KISTEN, "--llm", "extractive", "--index", str(hashing_index), "--json"])
    assert {"answer", "short", "kind", "citations", "abstained", "verified", "language", "timings"} <= set(out)
    assert set(out["timings"]) == {"retrieve_ms", "first_token_ms", "total_ms"}
    assert out["language"] == "de" and "994" in out["answer"]
    assert set(out["citations"][0]) == {"n", "article_id", "title", "url", "quote", "date", "date_source",
                                        "tells_of", "also_reported_by"}
    assert all(bool(c["date"]) == bool(c["date_source"]) for c in out["citations"])
    assert out["short"] == "994 Kisten" and out["kind"] == "factoid"


def test_no_index_says_how_to_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", KISTEN, "--index", str(tmp_path / "none"), "--llm", "extractive"]) == 2
    assert "rag index build" in capsys.readouterr().err


def test_add_files_and_unknown_llm(hashing_index: Path, seeds_copy: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "neu.md"
    f.write_text("# Feldkirch\n\nDie Brücke in Feldkirch ist 300 Meter lang.\n", encoding="utf-8")
    bad = tmp_path / "prog.exe"
    bad.write_bytes(b"MZ")
    rep = _json(capsys, ["index", "add", str(f), str(bad), "--articles", str(seeds_copy),
                         "--index", str(hashing_index), "--json"])
    assert rep["added"] == 1 and rep["skipped"][0]["path"] == "prog.exe"
    assert main(["ask", "Wie lang ist die Brücke?", "--llm", "gpt-9", "--index", str(hashing_index)]) == 2
    err = capsys.readouterr().err
    assert "--llm 'gpt-9' is not a valid value" in err and "openai:<http(s) base url>" in err


def test_watch_picks_up_new_files(hashing_index: Path, seeds_copy: Path) -> None:
    from rag.watch import watch

    reports = []
    stop = threading.Event()
    t = threading.Thread(
        target=watch, args=(seeds_copy, hashing_index, "hashing"),
        kwargs={"on_report": reports.append, "debounce_s": 0.2, "stop_after_s": 20, "stop": stop}, daemon=True,
    )
    t.start()
    deadline = time.monotonic() + 10
    while not reports and time.monotonic() < deadline:
        time.sleep(0.05)
    (seeds_copy / "neu.txt").write_text("Die Brücke in Feldkirch ist 300 Meter lang.", encoding="utf-8")
    while time.monotonic() < deadline and not any(r.added for r in reports):
        time.sleep(0.1)
    stop.set()
    t.join(timeout=5)
    assert not t.is_alive()
    assert any(r.added == 1 for r in reports)
    assert any("300 Meter" in c.text for c in store.open_index(hashing_index).chunks)


def test_an_index_location_that_is_a_file_is_a_clear_error(seeds_copy: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "index"
    target.write_text("not a folder", encoding="utf-8")
    assert main(["index", "build", "--articles", str(seeds_copy), "--index", str(target), "--embedder",
                 "hashing"]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and "Traceback" not in err
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_an_index_folder_that_cannot_be_created_is_a_clear_error(seeds_copy: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    # sysfs refuses new folders even to root, as a read-only disk would
    assert main(["index", "build", "--articles", str(seeds_copy), "--index", "/sys/quellenlage-index",
                 "--embedder", "hashing"]) == 2
    err = capsys.readouterr().err
    assert "Cannot create the index folder /sys/quellenlage-index" in err and "--index" in err


def test_a_read_only_index_folder_is_a_clear_error(hashing_index: Path, seeds_copy: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The lock file cannot be written (a read-only folder; simulated: the tests run as root)."""
    import filelock

    def refuse(self: object, *a: object, **k: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(filelock.FileLock, "acquire", refuse)
    before = store.read_manifest(hashing_index)
    assert main(["index", "update", "--articles", str(seeds_copy), "--index", str(hashing_index)]) == 2
    err = capsys.readouterr().err
    assert "Cannot write to the index folder" in err and "Permission denied" in err
    assert store.read_manifest(hashing_index) == before


def test_status_of_a_deleted_or_damaged_generation_says_so(hashing_index: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """It used to print the manifest's full counts for an index whose files were gone."""
    assert main(["index", "check", "--index", str(hashing_index), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["articles"] == 2
    gen = hashing_index / "generations" / str(store.read_manifest(hashing_index)["generation"])  # type: ignore[index]
    (gen / "sentences.npy").write_bytes((gen / "sentences.npy").read_bytes()[:64])
    assert main(["index", "status", "--index", str(hashing_index)]) == 2
    err = capsys.readouterr().err
    assert "sentences.npy" in err and "rag index build" in err
    import shutil

    shutil.rmtree(gen)
    assert main(["index", "check", "--index", str(hashing_index)]) == 2
    assert "generation folder missing" in capsys.readouterr().err


def test_rag_embedder_that_differs_from_the_index_is_an_error_not_ignored(
        hashing_index: Path, seeds_copy: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`--embedder e5-small` gave the mismatch message; RAG_EMBEDDER=e5-small was silently ignored."""
    monkeypatch.setenv("RAG_EMBEDDER", "e5-small")
    assert main(["index", "update", "--articles", str(seeds_copy), "--index", str(hashing_index)]) == 2
    err = capsys.readouterr().err
    assert "'hashing'" in err and "'e5-small'" in err
    monkeypatch.setenv("RAG_EMBEDDER", "hashing")
    assert main(["index", "update", "--articles", str(seeds_copy), "--index", str(hashing_index)]) == 0
