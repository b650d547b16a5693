"""The index folder and PostgreSQL + pgvector side by side: build, add one article, search.

    .venv/bin/python bench/stores.py [--n 5000] [--embedder hashing] [--questions 100] [--seed 0]

N synthetic German articles (`bench/incremental.py`'s: XQuAD sentences shuffled and regrouped, ~2 chunks
each) are indexed into a folder and into a fresh database on a local PostgreSQL 16 + pgvector 0.6
server (`bench/pg_local.py`, a Unix socket), in one run. Then for each store: one article added in
process with the index open (as a running page has it) and without, `rag index add FILE` in a new
process, a reader in another engine catching up after that add, and hybrid search (`rag.api.search`,
k = 5) over `--questions` XQuAD questions, p50 / p95. For the database also dense search through its
HNSW index (pgvector, `ef_search` 100) against exact search: p50 / p95 and recall@10 (the share of the
exact top 10 that HNSW returns). The `hashing` embedder keeps builds short; it shows everything but
the model's time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import ROOT, XQUAD_DE, load_squad, print_machine, table, write_result
from incremental import synthetic_articles


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * (len(xs) - 1) + 0.5))]


def measure(where: Path | str, arts: Path, extra: Path, questions: list[str], embedder: str) -> dict[str, Any]:
    from rag import api
    from rag.config import load_settings
    from rag.engine import Engine

    out: dict[str, Any] = {}
    api.reset()
    t0 = time.perf_counter()
    report = api.build_index(arts, where, embedder=embedder)
    out["build_s"] = time.perf_counter() - t0
    out["chunks"] = api.index_status(where)["chunks"]
    out["chunks_built"] = report.chunks_embedded
    api.reset()
    t0 = time.perf_counter()
    api.add_files([extra / "neu-0.txt"], articles_dir=arts, index_dir=where)
    out["add_cold_s"] = time.perf_counter() - t0
    reader = Engine(load_settings())
    reader.snapshot(where)
    api.search(questions[0], k=5, index_dir=where)  # the index open, as on a running page
    t0 = time.perf_counter()
    api.add_files([extra / "neu-1.txt"], articles_dir=arts, index_dir=where)
    out["add_open_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    reader.snapshot(where)
    out["reader_catch_up_s"] = time.perf_counter() - t0
    flag = ["--store", where] if isinstance(where, str) else ["--index", str(where)]
    cmd = [sys.executable, "-m", "rag.cli", "index", "add", str(extra / "neu-2.txt"), "--articles", str(arts),
           *flag, "--json"]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    out["cli_add_s"] = time.perf_counter() - t0
    if done.returncode != 0 or json.loads(done.stdout)["added"] != 1:
        raise SystemExit(f"`rag index add` failed: {done.stderr[-400:]}")
    api.search(questions[0], k=5, index_dir=where)
    lat = []
    for q in questions:
        t0 = time.perf_counter()
        api.search(q, k=5, index_dir=where)
        lat.append((time.perf_counter() - t0) * 1000)
    out["search_p50_ms"], out["search_p95_ms"] = statistics.median(lat), _pct(lat, 0.95)
    return out


def hnsw(url: str, questions: list[str], embedder: str) -> dict[str, Any]:
    """Dense search through the database's HNSW index against exact search in memory."""
    import numpy as np

    from rag import store
    from rag.embedders import get_embedder
    from rag.store import pg

    snap = store.open_index(url)
    assert isinstance(snap, pg.PgSnapshot)
    emb = get_embedder(embedder)
    vecs = [np.asarray(emb.embed_query(q), np.float32) for q in questions]
    snap.dense_ann(vecs[0], 10)
    lat, exact_lat, recall = [], [], []
    for v in vecs:
        t0 = time.perf_counter()
        got = snap.dense_ann(v, 10)
        lat.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        want = super(pg.PgSnapshot, snap).dense(v, 10)
        exact_lat.append((time.perf_counter() - t0) * 1000)
        recall.append(len({r for r, _ in got} & {r for r, _ in want}) / len(want))
    return {"ann_p50_ms": statistics.median(lat), "ann_p95_ms": _pct(lat, 0.95),
            "exact_p50_ms": statistics.median(exact_lat), "recall@10": sum(recall) / len(recall)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=5000)
    p.add_argument("--embedder", default="hashing")
    p.add_argument("--questions", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    import pg_local

    _, items = load_squad(XQUAD_DE)
    questions = [it.question for it in items[: args.questions]]
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="rag-stores-") as tmp:
        base = Path(tmp)
        texts = synthetic_articles(args.n + 3, args.seed)
        for name in ("folder", "pg"):
            arts, extra = base / name / "articles", base / name / "incoming"
            arts.mkdir(parents=True)
            extra.mkdir()
            for i, text in enumerate(texts[: args.n]):
                (arts / f"a{i:06d}.txt").write_text(text, encoding="utf-8")
            for j, text in enumerate(texts[args.n:]):
                (extra / f"neu-{j}.txt").write_text(text, encoding="utf-8")
            where: Path | str = base / name / "index" if name == "folder" else pg_local.new_database()
            print(f"{name}: building {args.n} articles…", file=sys.stderr, flush=True)
            results[name] = measure(where, arts, extra, questions, args.embedder)
            if name == "pg":
                results[name].update(hnsw(str(where), questions, args.embedder))
    cols = ["store", "chunks", "build s", "add 1, cold s", "add 1, index open s", "reader catches up s",
            "`rag index add` s", "hybrid search p50 ms", "p95 ms"]
    rows = [[name, r["chunks"], r["build_s"], r["add_cold_s"], r["add_open_s"], r["reader_catch_up_s"],
             r["cli_add_s"], r["search_p50_ms"], r["search_p95_ms"]] for name, r in results.items()]
    print(f"\n**Stores side by side** ({args.n} synthetic articles, embedder {args.embedder}, "
          f"{len(questions)} XQuAD questions)\n")
    print(table(cols, rows))
    r = results["pg"]
    print(f"\nPostgreSQL HNSW dense search (k = 10): p50 {r['ann_p50_ms']:.1f} ms, p95 {r['ann_p95_ms']:.1f} ms, "
          f"recall@10 {r['recall@10']:.3f} against exact search in memory (p50 {r['exact_p50_ms']:.1f} ms)")
    print_machine()
    write_result(f"stores-{args.n}", {"args": vars(args), "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
