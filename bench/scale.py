"""Vector search at scale: FAISS exact (flat) vs HNSW and IVF on synthetic 384-d vectors.

    .venv/bin/python bench/scale.py [--sizes 1000,10000,100000,1000000] [--queries 200] [--budget-s 540]
    .venv/bin/python bench/scale.py --product [--sizes 200000,1000000] [--noise 0.04]

Vectors imitate normalised sentence embeddings: 2000 random cluster centres, each vector a centre
plus noise, L2-normalised (uniform random vectors would be the worst case for approximate search).
Queries come from the same distribution. One query at a time (the product's case), one thread, as
`rag.store` searches. Recall@10 is the share of the exact top 10 that the approximate index
returns. Memory stays under ~4 GB at 1M (1.5 GB of vectors, one index at a time); a stage whose
estimated build time would exceed the time budget is skipped and marked.

`--product` measures the product's own search instead (`rag.store.Snapshot.dense`, a snapshot built in
memory from the vectors): exact below `rag.store.ann.ANN_MIN_CHUNKS`, and past it the IVF the snapshot
trains in the background (`rag/store/ann.py`): the training time, then p50 / p95 and recall@10 against
the snapshot's exact search. `--noise` spreads the clusters (0.04: tight; larger: harder).
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from typing import Any

import numpy as np
from common import print_machine, table, write_result

DIM = 384
K = 10


def synthetic(n: int, centres: np.ndarray, rng: np.random.Generator, noise: float = 0.04) -> np.ndarray:
    """n unit vectors clustered around `centres`, built in blocks to keep memory flat."""
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        block = centres[rng.integers(0, len(centres), m)] + rng.standard_normal((m, DIM), dtype=np.float32) * noise
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + m] = block
    return out


def time_queries(index: Any, xq: np.ndarray) -> tuple[list[float], np.ndarray]:
    lat, ids = [], np.empty((len(xq), K), dtype=np.int64)
    for i in range(len(xq)):
        t0 = time.perf_counter()
        _, ids[i : i + 1] = index.search(xq[i : i + 1], K)
        lat.append((time.perf_counter() - t0) * 1000)
    return lat, ids


def recall(approx: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(e)) / K for a, e in zip(approx, exact, strict=True)]))


def rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def product(sizes: list[int], queries: int, noise: float, seed: int) -> int:
    """The product's dense search (exact, then through its IVF) on in-memory snapshots."""
    from rag.store import Snapshot, ann
    from rag.types import Chunk

    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((2000, DIM), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    xq = synthetic(queries, centres, rng, noise)
    rows: list[list[Any]] = []
    raw: dict[str, Any] = {}
    for n in sizes:
        xb = synthetic(n, centres, rng, noise)
        chunks = [Chunk(f"c{i}", f"a{i // 2}", i % 2, "", 0, 0, ()) for i in range(n)]
        manifest = {"embedder": "synthetic", "dim": DIM, "generation": "g000001-bench", "chain": ["g000001-bench"]}
        snap = Snapshot("/nonexistent", manifest, {}, {}, chunks, xb, np.zeros((0, DIM), np.float32),
                        np.zeros((0, 2), np.int32))
        exact_lat, exact_ids = [], []
        for q in xq:
            t0 = time.perf_counter()  # what Snapshot.dense does below the threshold
            scores = snap.chunk_vectors @ q
            top = np.argpartition(-scores, K - 1)[:K]
            exact_lat.append((time.perf_counter() - t0) * 1000)
            exact_ids.append({int(r) for r in top})
        t0 = time.perf_counter()
        snap.wait_ivf()  # the training past the threshold (and its recall check)
        train_s = time.perf_counter() - t0
        lat, rec = [], []
        for q, want in zip(xq, exact_ids, strict=True):
            t0 = time.perf_counter()
            got = snap.dense(q, K)
            lat.append((time.perf_counter() - t0) * 1000)
            rec.append(len({r for r, _ in got} & want) / K)
        ivf = snap.ivf(start=False)
        kind = (f"IVF {len(ivf.centroids)} lists, {ivf.nprobe} probed (check: {ivf.recall:.3f})" if ivf is not None
                else "exact (the IVF missed its recall check)" if n >= ann.ANN_MIN_CHUNKS else "exact")
        rows.append([f"{n:,}", kind, train_s if n >= ann.ANN_MIN_CHUNKS else None, float(np.percentile(lat, 50)),
                     float(np.percentile(lat, 95)), float(np.mean(rec)), float(np.percentile(exact_lat, 50)),
                     rss_gb()])
        raw[str(n)] = dict(zip(["vectors", "search", "train_s", "p50_ms", "p95_ms", "recall@10", "exact_p50_ms",
                                "rss_gb"], rows[-1], strict=True))
        print(rows[-1], file=sys.stderr)
        del snap, xb, chunks
        gc.collect()
    print(f"\n**The product's dense search** (`Snapshot.dense`; synthetic clustered {DIM}-d unit vectors, noise "
          f"{noise}; {queries} single queries; top {K})\n")
    print(table(["chunks", "search", "IVF training s (background)", "p50 ms", "p95 ms", f"recall@{K} vs exact",
                 "exact p50 ms", "peak RSS GB"], rows))
    print_machine()
    write_result(f"scale-product-{noise}", {"results": raw})
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1000,10000,100000,1000000")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--budget-s", type=float, default=540.0, help="stop building indexes after this")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--product", action="store_true", help="measure rag.store.Snapshot.dense (exact, then its IVF)")
    p.add_argument("--noise", type=float, default=0.04)
    args = p.parse_args(argv)
    if args.product:
        return product([int(s) for s in args.sizes.split(",")], args.queries, args.noise, args.seed)

    import faiss

    faiss.omp_set_num_threads(1)
    started = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    centres = rng.standard_normal((2000, DIM), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    xq = synthetic(args.queries, centres, rng)
    rows: list[list[Any]] = []
    raw: dict[str, Any] = {}
    build_rate: dict[str, float] = {}  # seconds per vector at the last size, to estimate the next
    for n in (int(s) for s in args.sizes.split(",")):
        xb = synthetic(n, centres, rng)
        nlist = int(2 * np.sqrt(n))
        kinds: dict[str, Any] = {
            "flat (exact)": lambda: faiss.IndexFlatIP(DIM),
            "HNSW M=32 ef=128": lambda: _hnsw(faiss),
            f"IVF nlist={nlist} nprobe=32": lambda nlist=nlist: _ivf(faiss, nlist),
        }
        exact = None
        for name, make in kinds.items():
            kind = name.split()[0]
            left = args.budget_s - (time.perf_counter() - started)
            estimate = build_rate.get(kind, 0.0) * n * 1.3
            if estimate > left:
                rows.append([f"{n:,}", name, None, None, None, None, None, f"skipped: build ~{estimate:.0f} s > "
                             f"{left:.0f} s left"])
                continue
            t0 = time.perf_counter()
            index = make()
            if kind == "IVF":
                faiss.omp_set_num_threads(2)
                index.train(xb[rng.choice(n, min(n, 40 * nlist), replace=False)])
            if kind == "HNSW":
                faiss.omp_set_num_threads(2)
            index.add(xb)
            faiss.omp_set_num_threads(1)
            build_s = time.perf_counter() - t0
            build_rate[kind] = build_s / n
            lat, ids = time_queries(index, xq)
            if exact is None:
                exact = ids
            r = recall(ids, exact)
            rows.append([f"{n:,}", name, build_s, float(np.percentile(lat, 50)), float(np.percentile(lat, 95)), r,
                         rss_gb(), ""])
            raw[f"{n} {name}"] = {"build_s": build_s, "p50_ms": rows[-1][3], "p95_ms": rows[-1][4], "recall@10": r}
            print(f"{n:>8} {name:28} build {build_s:6.1f} s  p50 {rows[-1][3]:.3f} ms  recall {r:.3f}",
                  file=sys.stderr)
            del index
            gc.collect()
        del xb
        gc.collect()

    print(f"\n**Vector search at scale** (synthetic clustered {DIM}-d unit vectors, {args.queries} single queries, "
          f"1 search thread, top {K}; builds use 2 threads)\n")
    print(table(["vectors", "index", "build s", "p50 ms", "p95 ms", f"recall@{K} vs exact", "peak RSS GB", "note"],
                rows))
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    print_machine()
    write_result("scale", {"args": vars(args), "results": raw})
    return 0


def _hnsw(faiss: Any) -> Any:
    index = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 40
    index.hnsw.efSearch = 128
    return index


def _ivf(faiss: Any, nlist: int) -> Any:
    quantizer = faiss.IndexFlatIP(DIM)
    index = faiss.IndexIVFFlat(quantizer, DIM, nlist, faiss.METRIC_INNER_PRODUCT)  # keeps a reference
    index.nprobe = 32
    return index


if __name__ == "__main__":
    sys.exit(main())
