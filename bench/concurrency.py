"""Concurrent writers and readers on one index: no article lost, no reader sees an exception.

    .venv/bin/python bench/concurrency.py [--articles 200] [--files 10] [--threads 2] [--readers 3] [--rounds 3]
                                          [--page] [--procs 2] [--store folder|pg]

Base: N synthetic articles indexed with the `hashing` embedder. Then, all at the same time:
- `--procs` (2) `rag index add FILE…` processes, each adding its own `--files` new files;
- `--threads` threads calling `rag.api.add_files` (one new file per call, `--files` calls each);
- `--readers` threads calling `rag.api.search` and `rag.api.ask(llm="extractive")` in a loop until
  every writer is done;
- with `--page`, the chat page too: a `rag serve` process on the same folder and index, one client
  uploading `--files` new files through the page's `/add_files` endpoint (one per call) and one
  asking through `/ask` in a loop (gradio_client on 127.0.0.1).
Checked: every added article is in the final index (lost = 0), the index holds exactly base + added
articles, no reader or writer raised, both processes exited 0, and the readers saw the index change
(more than one generation). Repeated `--rounds` times; prints one table row per round. With
`--store pg` the index is a PostgreSQL database on a local server (`bench/pg_local.py`), every writer
and reader (and the page) using it by its URL.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from crash import _env, article_text, make_corpus, rag_command  # noqa: E402

from rag import api, store  # noqa: E402
from rag.ingest import load_file  # noqa: E402

QUESTIONS = [
    "Wie viele Millionen Euro hat der Rat von Berlin bewilligt?",
    "Wann sollen die Arbeiten in Hamburg beginnen?",
    "Was kritisierte die Opposition in Wien?",
]


@dataclass
class Round:
    added: int = 0
    lost: int = 0
    extra: int = 0  # articles in the index that should not be there
    reader_queries: int = 0
    reader_errors: list[str] = field(default_factory=list)
    writer_errors: list[str] = field(default_factory=list)
    process_rcs: list[int] = field(default_factory=list)
    generations_seen: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    page_queries: int = 0
    wall_s: float = 0.0


def _write_sources(src: Path, tag: str, count: int, first_id: int, rng: random.Random) -> list[Path]:
    folder = src / tag
    folder.mkdir(parents=True)
    paths = []
    for i in range(count):
        p = folder / f"{tag}{i:03d}.txt"
        p.write_text(article_text(first_id + i, rng), encoding="utf-8")
        paths.append(p)
    return paths


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _where(index: Path | str) -> list[str]:
    return ["--store", index] if isinstance(index, str) else ["--index", str(index)]


def start_page(articles: Path, index: Path | str) -> tuple[subprocess.Popen[bytes], str]:
    """`rag serve` on the same folder and index (extractive answers); returns it and its URL once it answers."""
    import urllib.request

    port = _free_port()
    where = {"RAG_STORE": index} if isinstance(index, str) else {"RAG_INDEX_DIR": str(index)}
    env = {**_env(), "RAG_ARTICLES_DIR": str(articles), **where, "RAG_LLM": "extractive",
           "RAG_PORT": str(port)}
    proc = subprocess.Popen([*rag_command(), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"rag serve exited {proc.returncode}: {proc.stderr.read().decode()[-500:]}")  # type: ignore[union-attr]
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return proc, url
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("rag serve did not answer within 120 s") from None
            time.sleep(0.5)


def run_round(work: Path, n_base: int, files: int, threads: int, readers: int, seed: int,
              page: bool = False, procs: int = 2, store_url: str | None = None) -> Round:
    """One round; `store_url`: the index in that database (else a folder in `work`)."""
    articles, src = work / "articles", work / "src"
    index: Path | str = store_url or work / "index"
    make_corpus(articles, n_base, seed)
    api.build_index(articles, index, embedder="hashing")
    base = set(store.open_index(index).articles)
    rng = random.Random(seed + 7)
    proc_files = [_write_sources(src, f"p{k}_", files, 10_000 * (k + 1), rng) for k in range(procs)]
    thread_files = [_write_sources(src, f"t{k}_", files, 50_000 + 1000 * k, rng) for k in range(threads)]
    page_files = _write_sources(src, "w_", files, 90_000, rng) if page else []
    expected: set[str] = set()
    for group in (*proc_files, *thread_files, page_files):
        for p in group:
            expected |= {a.id for a in load_file(p)}
    r = Round(added=len(expected))
    stop = threading.Event()
    gens: set[str] = set()
    lock = threading.Lock()

    def reader(k: int) -> None:
        i = k
        while not stop.is_set():
            q = QUESTIONS[i % len(QUESTIONS)]
            i += 1
            t0 = time.perf_counter()
            try:
                api.search(q, index_dir=index)
                ans = api.ask(q, llm="extractive", index_dir=index)
                gen = api.open_snapshot(index).generation
            except Exception as e:  # noqa: BLE001 - any exception is a finding
                with lock:
                    r.reader_errors.append(f"{type(e).__name__}: {e}")
                continue
            with lock:
                r.latencies_ms.append((time.perf_counter() - t0) * 1000)
                r.reader_queries += 1
                gens.add(gen)
            assert ans.question == q

    def writer(paths: list[Path]) -> None:
        for p in paths:
            try:
                api.add_files([p], articles_dir=articles, index_dir=index)
            except Exception as e:  # noqa: BLE001
                with lock:
                    r.writer_errors.append(f"{type(e).__name__}: {e}")

    def page_uploader(url: str, paths: list[Path]) -> None:
        from gradio_client import Client, handle_file

        client = Client(url, verbose=False)
        for p in paths:
            try:
                report = str(client.predict([handle_file(str(p))], api_name="/add_files")[0])
                if 'class="report error"' in report or "added " not in report:
                    raise RuntimeError(f"upload failed: {report[:200]}")
            except Exception as e:  # noqa: BLE001
                with lock:
                    r.writer_errors.append(f"page upload {p.name}: {type(e).__name__}: {e}")

    def page_reader(url: str) -> None:
        from gradio_client import Client

        client = Client(url, verbose=False)
        i = 0
        while not stop.is_set():
            q = QUESTIONS[i % len(QUESTIONS)]
            i += 1
            try:
                out = client.predict(q, api_name="/ask")
                text = str(out[0][-1]["content"]) if out and out[0] else ""
                if 'class="a error"' in text or not text:
                    raise RuntimeError(f"error answer: {text[:200]}")
            except Exception as e:  # noqa: BLE001
                with lock:
                    r.reader_errors.append(f"page ask: {type(e).__name__}: {e}")
                continue
            with lock:
                r.page_queries += 1

    server = None
    page_threads: list[threading.Thread] = []
    if page:
        server, url = start_page(articles, index)
        page_threads = [threading.Thread(target=page_reader, args=(url,))]
    t0 = time.perf_counter()
    for t in page_threads:
        t.start()
    uploader = threading.Thread(target=page_uploader, args=(url, page_files)) if page else None
    if uploader:
        uploader.start()
    rthreads = [threading.Thread(target=reader, args=(k,)) for k in range(readers)]
    for t in rthreads:
        t.start()
    started = [
        subprocess.Popen([*rag_command(), "index", "add", *map(str, paths), "--articles", str(articles),
                          *_where(index), "--json"], env=_env(),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for paths in proc_files
    ]
    wthreads = [threading.Thread(target=writer, args=(paths,)) for paths in thread_files]
    for t in wthreads:
        t.start()
    for t in wthreads:
        t.join()
    if uploader:
        uploader.join()
    for p in started:
        _, err = p.communicate(timeout=300)
        r.process_rcs.append(p.returncode)
        if p.returncode != 0:
            r.writer_errors.append(f"rag index add exited {p.returncode}: {err.decode(errors='replace')[-500:]}")
    r.wall_s = time.perf_counter() - t0
    time.sleep(0.3)  # let the readers see the last commit
    stop.set()
    for t in (*rthreads, *page_threads):
        t.join()
    if server is not None:
        server.terminate()
        server.wait(timeout=30)
    final = set(store.open_index(index).articles)
    r.lost = len(expected - final)
    r.extra = len(final - expected - base)
    r.generations_seen = len(gens)
    return r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--files", type=int, default=10, help="files per writer")
    ap.add_argument("--threads", type=int, default=2, help="API writer threads")
    ap.add_argument("--readers", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--page", action="store_true", help="also upload and ask through a running chat page")
    ap.add_argument("--procs", type=int, default=2, help="`rag index add` writer processes")
    ap.add_argument("--store", choices=["folder", "pg"], default="folder",
                    help="pg: the index in PostgreSQL on a local server (bench/pg_local.py)")
    args = ap.parse_args()
    from common import print_machine, table

    rows = []
    bad = 0
    for k in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="rag-conc-") as tmp:
            url = None
            if args.store == "pg":
                import pg_local

                url = pg_local.new_database()
            r = run_round(Path(tmp), args.articles, args.files, args.threads, args.readers, args.seed + k, args.page,
                          args.procs, url)
        lat = sorted(r.latencies_ms) or [0.0]
        rows.append([k + 1, r.added, r.lost, r.extra, len(r.writer_errors), r.reader_queries, r.page_queries,
                     len(r.reader_errors),
                     r.generations_seen, statistics.median(lat), lat[int(0.95 * (len(lat) - 1))], r.wall_s])
        for e in (r.writer_errors + r.reader_errors)[:5]:
            print(f"  round {k + 1}: {e}")
        bad += r.lost + r.extra + len(r.writer_errors) + len(r.reader_errors)
    page = (f" + the chat page: {args.files} uploads through `/add_files` and a client asking through `/ask`"
            if args.page else "")
    print(f"store: {'PostgreSQL 16 + pgvector (local server)' if args.store == 'pg' else 'index folder'}")
    print(f"base {args.articles} articles; writers: {args.procs} `rag index add` processes × {args.files} files + "
          f"{args.threads} API threads × {args.files} `add_files` calls; {args.readers} reader threads "
          f"(search + ask, extractive){page}\n")
    print(table(["round", "articles added", "lost", "extra", "writer errors", "API reader queries",
                 "page questions", "reader errors",
                 "generations seen", "reader p50 ms", "reader p95 ms", "writers wall s"], rows))
    print_machine()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
