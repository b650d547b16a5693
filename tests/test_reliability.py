"""Reliability: crashes mid-update, concurrent writers and readers, full disks, damaged files, models
with the wrong checksum, LLM servers that are down or slow, and the CLI without an index.

The crash and concurrency tests are short versions of `bench/crash.py` and `bench/concurrency.py`
(they import those scripts, so the benchmark and the test check the same thing).
"""

from __future__ import annotations

import errno
import hashlib
import http.server
import importlib.util
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from rag import api, cli, indexing, models, store
from rag.errors import IndexCorruptError, IndexWriteError, ModelError
from rag.ingest import load_file
from rag.models import MODELS, ModelSpec, ensure_model

ROOT = Path(__file__).resolve().parent.parent
KISTEN_DE = "Wie viele Kisten mit sterblichen Überresten hat Vietnam zurückgegeben?"
RAG = Path(sys.executable).parent / "rag"


def _bench(name: str) -> ModuleType:
    """Import bench/<name>.py (bench/ is scripts, not a package)."""
    if str(ROOT / "bench") not in sys.path:
        sys.path.insert(0, str(ROOT / "bench"))
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _ids(index: Path) -> set[str]:
    return set(store.open_index(index).articles)


def _no_debris(index: Path) -> bool:
    return not list((index / store.GENERATIONS).glob("*.tmp")) and not (index / "manifest.json.tmp").exists()


# ------------------------------------------------------------------ crash (SIGKILL, crash points)


@pytest.fixture(scope="module")
def crash_setup(tmp_path_factory: pytest.TempPathFactory) -> object:
    crash = _bench("crash")
    return crash.prepare(tmp_path_factory.mktemp("crash"), n=40, batch=4, seed=3, calibrate=2)


def test_sigkill_during_update_leaves_old_or_new_index(crash_setup: object, tmp_path: Path) -> None:
    """10 runs of bench/crash.py: 5 kills anywhere in [0, T], 5 after the imports (where it writes)."""
    crash = _bench("crash")
    rng = random.Random(11)
    s = crash_setup
    delays = [rng.uniform(0, s.t_total) for _ in range(5)] + [rng.uniform(s.t_scan, s.t_total) for _ in range(5)]
    results = [crash.one_run(s, tmp_path / "run", d) for d in delays]
    summary = crash.summary(results)
    assert summary["mixed"] == 0, [r.detail for r in results]
    assert summary["failed to open"] == 0, [r.detail for r in results]
    assert summary["lost articles"] == 0
    assert summary["opened old"] + summary["opened new"] == 10
    assert summary["recovered by next update"] == 10, [r.detail for r in results]


# A child process runs the update and dies (os._exit, like SIGKILL: no cleanup, no finally) at one
# step of the commit. Steps before the manifest swap must leave the old index, steps after it the new.
_CRASH_CHILD = r"""
import os, sys
from pathlib import Path
from rag import indexing
from rag.store import writing

point = sys.argv[3]
real_rename, real_replace = os.rename, os.replace
real_write_npy, real_write_json = writing._write_npy, writing._write_json

def die():
    os._exit(137)

if point == "generation-half-written":
    writing._write_npy = lambda *a, **k: (real_write_npy(*a, **k), die())
elif point == "generation-written-not-renamed":
    def wj(path, obj):
        real_write_json(path, obj)
        if path.name == "files.json":
            die()
    writing._write_json = wj
elif point == "generation-renamed":
    os.rename = lambda a, b: (real_rename(a, b), die())
elif point == "manifest-tmp-written":
    def rp(a, b):
        if Path(b).name == "manifest.json":
            die()
        real_replace(a, b)
    os.replace = rp
elif point == "manifest-swapped":
    def rp(a, b):
        real_replace(a, b)
        if Path(b).name == "manifest.json":
            die()
    os.replace = rp
elif point == "while-pruning":  # half-way through deleting the oldest generation
    def rmtree(path, **kw):
        next(p for p in Path(path).iterdir() if p.is_file()).unlink()
        die()
    writing.shutil.rmtree = rmtree
indexing.sync(Path(sys.argv[1]), Path(sys.argv[2]))
print("finished without reaching the crash point")
"""


@pytest.mark.parametrize(
    ("point", "expect"),
    [
        ("generation-half-written", "old"),
        ("generation-written-not-renamed", "old"),
        ("generation-renamed", "old"),
        ("manifest-tmp-written", "old"),
        ("manifest-swapped", "new"),
        ("while-pruning", "new"),
    ],
)
def test_crash_at_each_commit_step(crash_setup: object, tmp_path: Path, point: str, expect: str) -> None:
    crash = _bench("crash")
    s = crash_setup
    index = tmp_path / "index"
    shutil.copytree(s.template, index)
    if point == "while-pruning":  # a second generation of the old state, so the update prunes one
        snap = store.open_index(index)
        with store.writer_lock(index):
            store.commit(index, embedder=snap.embedder, dim=snap.dim, chunking=snap.manifest["chunking"],
                         articles=snap.articles, files=snap.files, chunks=snap.chunks,
                         chunk_vectors=snap.chunk_vectors, sentence_vectors=snap.sentence_vectors,
                         sentence_rows=snap.sentence_rows)
        assert len(list((index / store.GENERATIONS).iterdir())) == 2
    proc = subprocess.run([sys.executable, "-c", _CRASH_CHILD, str(s.articles), str(index), point],
                          env=crash._env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 137, proc.stdout + proc.stderr  # the crash point was reached
    got = crash.state_of(index)
    assert got == (s.old if expect == "old" else s.new)
    indexing.sync(s.articles, index, lock_timeout=5)  # the dead writer's lock does not block
    assert crash.state_of(index) == s.new
    assert _no_debris(index)


# ------------------------------------------------------------------ concurrency


@pytest.mark.server
def test_parallel_writers_and_readers_lose_nothing(tmp_path: Path) -> None:
    """Two `rag index add` processes + two API add_files threads + three reader threads + the chat page
    (a `rag serve` process taking uploads and questions) at once."""
    conc = _bench("concurrency")
    r = conc.run_round(tmp_path, n_base=30, files=3, threads=2, readers=3, seed=5, page=True)
    assert r.writer_errors == []
    assert r.reader_errors == []
    assert r.process_rcs == [0, 0]
    assert r.added == 15 and r.lost == 0 and r.extra == 0
    assert r.page_queries > 0  # the page answered while the index changed
    assert r.reader_queries > 0
    assert r.generations_seen >= 2  # the readers really ran while the index changed


def test_concurrent_uploads_with_the_same_name_keep_both(hashing_index: Path, seeds_copy: Path,
                                                        tmp_path: Path) -> None:
    rng = random.Random(2)
    crash = _bench("crash")
    sources = []
    for k in range(4):
        p = tmp_path / f"src{k}" / "upload.txt"
        p.parent.mkdir()
        p.write_text(crash.article_text(900 + k, rng), encoding="utf-8")
        sources.append(p)
    expected = {a.id for p in sources for a in load_file(p)}
    errors: list[str] = []
    barrier = threading.Barrier(len(sources))

    def upload(p: Path) -> None:
        barrier.wait()
        try:
            api.add_files([p], names=["upload.txt"], articles_dir=seeds_copy, index_dir=hashing_index)
        except Exception as e:  # noqa: BLE001
            errors.append(f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=upload, args=(p,)) for p in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    api.update_index(seeds_copy, hashing_index)
    assert errors == []
    assert expected <= _ids(hashing_index)
    assert len(list(seeds_copy.glob("upload*.txt"))) == 4
    assert not list(seeds_copy.glob(".*.part"))  # no temp file left behind


# ------------------------------------------------------------------ disk full


def _new_article(folder: Path, name: str = "neu.txt") -> Path:
    p = folder / name
    p.write_text(
        "Hamburg baut einen neuen Hafen\n\nDer Senat von Hamburg hat am Montag 120 Millionen Euro für den Ausbau "
        "des Hafens bewilligt. Die Arbeiten sollen im Frühjahr 2027 beginnen. Kritiker fürchten steigende Kosten.\n",
        encoding="utf-8",
    )
    return p


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs (root only); skipped where mounting is not permitted."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if not shutil.which("mount"):
        pytest.skip("no `mount` command: cannot make a size-limited folder (ENOSPC is covered by a monkeypatch test)")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here ({proc.stderr.strip() or proc.returncode}); "
                    "ENOSPC is covered by the monkeypatch test")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.mark.parametrize("slack_kib", [4, 16, 28, 40])
def test_disk_full_during_update_keeps_the_old_index(small_fs: Path, slack_kib: int) -> None:
    """The disk fills at different files of the new generation (slack = free space left; the generation
    of one added article takes ~50 KiB in 4 KiB blocks)."""
    articles, index = small_fs / "articles", small_fs / "index"
    shutil.copytree(ROOT / "seeds", articles)
    for p in articles.iterdir():
        p.chmod(0o644)
    api.build_index(articles, index, embedder="hashing")
    before = store.open_index(index)
    new = _new_article(articles)
    free = shutil.disk_usage(small_fs).free
    (small_fs / "filler").write_bytes(b"\0" * (free - slack_kib * 1024))
    with pytest.raises(IndexWriteError) as e:
        api.update_index(articles, index)
    msg = str(e.value)
    # numpy reports ENOSPC as "20480 requested and 5088 written" (no errno), faiss and json as ENOSPC
    assert msg.startswith(f"Could not write the index in {index}")
    assert "Disk full?" in msg and "the index is unchanged" in msg
    after = store.open_index(index)
    assert set(after.articles) == set(before.articles) and len(after.chunks) == len(before.chunks)
    assert after.generation == before.generation
    assert _no_debris(index)
    (small_fs / "filler").unlink()
    api.update_index(articles, index)
    assert {a.id for a in load_file(new)} <= _ids(index)


@pytest.mark.parametrize("victim", ["chunks.jsonl", "articles.json", "manifest.json.tmp"])
def test_enospc_monkeypatched_raises_index_write_error(
    hashing_index: Path, seeds_copy: Path, monkeypatch: pytest.MonkeyPatch, victim: str
) -> None:
    before = _ids(hashing_index)
    _new_article(seeds_copy)
    from rag.store import writing

    real = writing._write_bytes

    def full(path: Path, data: bytes) -> None:
        if path.name == victim:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, data)

    monkeypatch.setattr(writing, "_write_bytes", full)
    with pytest.raises(IndexWriteError, match="No space left on device.*Disk full"):
        api.update_index(seeds_copy, hashing_index)
    assert _ids(hashing_index) == before
    assert _no_debris(hashing_index)
    monkeypatch.setattr(writing, "_write_bytes", real)
    assert api.update_index(seeds_copy, hashing_index).added == 1
    assert len(_ids(hashing_index)) == len(before) + 1


# ------------------------------------------------------------------ damaged index files


def _gen(index: Path) -> Path:
    return index / store.GENERATIONS / store.read_manifest(index)["generation"]


def _garble_same_size(p: Path) -> None:
    data = bytearray(p.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 64] = b"\xff" * min(64, len(data) - mid)
    p.write_bytes(bytes(data))


DAMAGE = {
    "faiss-garbage-same-size": lambda ix: (_gen(ix) / "chunks.faiss").write_bytes(
        bytes(range(256)) * ((_gen(ix) / "chunks.faiss").stat().st_size // 256)
        + b"\0" * ((_gen(ix) / "chunks.faiss").stat().st_size % 256)),
    "chunks.jsonl-truncated": lambda ix: (_gen(ix) / "chunks.jsonl").write_bytes(
        (_gen(ix) / "chunks.jsonl").read_bytes()[:500]),
    "chunks.jsonl-garbled-same-size": lambda ix: _garble_same_size(_gen(ix) / "chunks.jsonl"),
    "manifest-garbage": lambda ix: (ix / "manifest.json").write_bytes(b"\x00{not json"),
    "manifest-not-an-index": lambda ix: (ix / "manifest.json").write_text('{"hello": 1}'),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_index_names_the_fix_and_build_repairs_it(
    hashing_index: Path, seeds_copy: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _ids(hashing_index)
    DAMAGE[damage](hashing_index)
    api.reset()  # a new process: the one that built the index keeps serving its intact copy in memory
    calls = [lambda: api.search("Kisten", index_dir=hashing_index),
             lambda: api.ask(KISTEN_DE, llm="extractive", index_dir=hashing_index)]
    if "same-size" not in damage:  # an update reads the records and every file's size, not the vectors
        calls.append(lambda: api.update_index(seeds_copy, hashing_index))
    for call in calls:
        with pytest.raises(IndexCorruptError) as e:
            call()
        assert "rag index build" in str(e.value) and "damaged" in str(e.value)
        api.reset()
    assert cli.main(["ask", KISTEN_DE, "--llm", "extractive", "--index", str(hashing_index)]) == 2
    assert "rag index build" in capsys.readouterr().err
    rc = cli.main(["index", "build", "--articles", str(seeds_copy), "--index", str(hashing_index),
                   "--embedder", "hashing", "--json"])
    assert rc == 0
    assert _ids(hashing_index) == before
    assert "994" in api.ask(KISTEN_DE, llm="extractive", index_dir=hashing_index).answer


def test_build_without_embedder_repairs_a_damaged_index(hashing_index: Path, seeds_copy: Path) -> None:
    """`rag index build` exactly as the error message says (no --embedder), in a new process."""
    before = _ids(hashing_index)
    DAMAGE["faiss-garbage-same-size"](hashing_index)
    proc = subprocess.run([str(RAG), "index", "build", "--articles", str(seeds_copy), "--index", str(hashing_index),
                           "--json"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 0, proc.stderr
    assert _ids(hashing_index) == before
    assert api.search("Kisten sterbliche Überreste", index_dir=hashing_index)


def test_build_without_embedder_keeps_the_manifests_embedder(
    hashing_index: Path, seeds_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    real = indexing.get_embedder

    def spy(name: str) -> object:
        asked.append(name)
        return real("hashing")

    monkeypatch.setattr(indexing, "get_embedder", spy)
    DAMAGE["faiss-garbage-same-size"](hashing_index)
    api.build_index(seeds_copy, hashing_index)
    assert asked == ["hashing"]


# ------------------------------------------------------------------ models with the wrong checksum


@pytest.fixture
def fake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelSpec:
    site = tmp_path / "site"
    prefix = f"relpart_{tmp_path.name.replace('-', '_')}_"
    parts = [b"GGUF-one-", b"two"]
    modules = []
    for i, data in enumerate(parts, start=1):
        pkg = site / f"{prefix}{i}"
        pkg.mkdir(parents=True)
        (pkg / "part.bin").write_bytes(data)
        (pkg / "__init__.py").write_text(
            "import os\ndef get_part_path():\n    return os.path.join(os.path.dirname(__file__), 'part.bin')\n")
        modules.append(f"{prefix}{i}")
    monkeypatch.syspath_prepend(str(site))
    whole = b"".join(parts)
    spec = ModelSpec("relfake", "relfake.gguf", tuple(modules), len(whole), hashlib.sha256(whole).hexdigest(), "pip x")
    monkeypatch.setitem(MODELS, "relfake", spec)
    monkeypatch.setenv("RAG_MODEL_DIR", str(tmp_path / "cache"))
    return spec


def test_model_with_wrong_sha256_is_refused(fake_model: ModelSpec, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(MODELS, "relfake", ModelSpec(**{**fake_model.__dict__, "sha256": "ab" * 32}))
    with pytest.raises(ModelError, match="sha256"):
        ensure_model("relfake", progress=False)
    assert not (tmp_path / "cache" / "relfake.gguf").exists()


def test_tampered_cached_model_is_rebuilt_not_used(fake_model: ModelSpec, tmp_path: Path) -> None:
    path = ensure_model("relfake", progress=False)
    path.write_bytes(b"EVIL-one-two")  # same size, new mtime: the stamp no longer matches
    assert ensure_model("relfake", progress=False).read_bytes() == b"GGUF-one-two"


def test_ask_with_a_model_of_wrong_sha256_falls_back_to_the_evidence(
    fake_model: ModelSpec, hashing_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed")
    monkeypatch.setitem(MODELS, "relfake", ModelSpec(**{**fake_model.__dict__, "sha256": "cd" * 32}))
    monkeypatch.setattr(models, "model_available", lambda name="": True)
    ans = api.ask(KISTEN_DE, llm="llama-cpp:relfake", index_dir=hashing_index)
    assert "994" in ans.answer and ans.verified is False
    assert "language model failed" in ans.reason and "sha256" in ans.reason


# ------------------------------------------------------------------ LLM server down or slow


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_llm_server_down_gives_the_evidence_answer(hashing_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_LLM_TIMEOUT", "3")
    api.reset()
    port = _closed_port()
    ans = api.ask(KISTEN_DE, llm=f"openai:http://127.0.0.1:{port}/v1", index_dir=hashing_index)
    assert "994" in ans.answer and ans.citations and not ans.abstained
    assert ans.verified is False
    assert "language model failed" in ans.reason and "Cannot reach" in ans.reason


class _SlowHandler(http.server.BaseHTTPRequestHandler):
    delay = 3.0

    def _slow(self) -> None:
        time.sleep(self.delay)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"object": "list", "data": [{"id": "slow", "object": "model"}]}')
        except OSError:
            pass  # the client gave up, as it should

    do_GET = do_POST = _slow

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("model", ["", "#slow"])  # without a model name the client asks /models first
def test_slow_llm_server_times_out_to_the_evidence_answer(
    hashing_index: Path, slow_server: str, monkeypatch: pytest.MonkeyPatch, model: str
) -> None:
    monkeypatch.setenv("RAG_LLM_TIMEOUT", "0.5")
    api.reset()  # settings are read once per engine: the next call reads the new value
    t0 = time.perf_counter()
    ans = api.ask(KISTEN_DE, llm=f"openai:{slow_server}{model}", index_dir=hashing_index)
    elapsed = time.perf_counter() - t0
    assert elapsed < 2.5  # the 0.5 s timeout was honoured, not the server's 3 s
    assert "994" in ans.answer and ans.verified is False
    assert "did not answer within 0.5 s" in ans.reason and "RAG_LLM_TIMEOUT" in ans.reason


# ------------------------------------------------------------------ CLI without an index


def test_cli_ask_without_index_exits_2_and_says_how_to_build(tmp_path: Path) -> None:
    proc = subprocess.run([str(RAG), "ask", KISTEN_DE, "--llm", "extractive", "--index", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 2
    assert "No index in" in proc.stderr and "rag index build" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
