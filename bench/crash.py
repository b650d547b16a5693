"""Crash safety: SIGKILL `rag index update` at a random moment; the index must be the old or the new one.

    .venv/bin/python bench/crash.py --runs 100 [--articles 200] [--batch 10] [--window full|work] [--seed 1]
                                    [--store folder|pg]

Setup (once): N synthetic articles in a tmp folder, indexed with the `hashing` embedder (the old
state); then a batch is applied to the folder (`--batch` files added, as many changed, as many
removed) and the update is run to completion once on a copy, which gives the new state. Both
states are recorded as (set of article ids, number of chunks, number of sentences).

Each run copies the old index, starts `rag index update` on it in a new process and kills it with
SIGKILL after a delay drawn uniformly from [0, T] (`--window full`, T = the median duration of a
complete update, interpreter start included) or from [T_scan, T] (`--window work`: only the part
after the imports, where the writing happens). Then it opens the index with `rag.store.open_index`
and compares it with both states: "mixed" is anything else; "lost" counts articles that are in both
states but missing from what opened. Finally it runs the update again in this process with a 10 s
lock timeout (a stale lock of the killed process would raise IndexLockedError) and checks that the
result is exactly the new state and that no `*.tmp` debris is left.

With `--store pg` the index is a PostgreSQL database on a local server (`bench/pg_local.py`): the old
index is a template database that each run copies (`CREATE DATABASE … TEMPLATE`), the update runs as
`rag index update --store URL`, and a killed writer's advisory lock must go with its session.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `rag` from a fresh clone

from rag import indexing, store  # noqa: E402
from rag.errors import RagError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

_PLACES = ["Hanoi", "Berlin", "Seoul", "Wien", "Bern", "Hamburg", "Köln", "Leipzig", "Genf", "Graz"]
_TOPICS = ["Haushalt", "Verkehr", "Schulen", "Energie", "Wohnungsbau", "Gesundheit", "Hafen", "Forschung"]
_SENTENCES = [
    "Der Rat von {p} hat am Dienstag {n} Millionen Euro für {t} bewilligt.",
    "Nach Angaben der Verwaltung sollen die Arbeiten im Jahr {y} beginnen.",
    "Die Opposition kritisierte, dass {t} in {p} seit Jahren vernachlässigt werde.",
    "Insgesamt {n} Fachleute haben an dem Gutachten zu {t} mitgewirkt.",
    "Ein Sprecher sagte, man rechne mit Kosten von rund {n} Millionen Euro.",
    "Bürgerinnen und Bürger können bis zum {d}. März Einwände erheben.",
    "Die Landesregierung will das Vorhaben in {p} mit weiteren Mitteln unterstützen.",
    "Bereits {y} war ein ähnlicher Plan an fehlenden Geldern gescheitert.",
    "Die Gewerkschaft begrüßte die Entscheidung über {t} ausdrücklich.",
    "In {p} leben nach der letzten Zählung etwa {n}000 Menschen.",
]


@dataclass(frozen=True)
class State:
    ids: frozenset[str]
    chunks: int
    sentences: int


def article_text(i: int, rng: random.Random, version: int = 0) -> str:
    """A distinct German-ish news article (ids are content hashes, so each must differ)."""
    place, topic = _PLACES[i % len(_PLACES)], _TOPICS[i % len(_TOPICS)]
    head = f"Meldung {i} aus {place}: {topic} (Fassung {version})"
    paras = []
    for _ in range(rng.randint(2, 4)):
        sents = [
            s.format(p=place, t=topic, n=rng.randint(2, 900), y=rng.randint(1990, 2030), d=rng.randint(1, 28))
            for s in rng.sample(_SENTENCES, rng.randint(3, 6))
        ]
        paras.append(" ".join(sents))
    return head + "\n\n" + "\n\n".join(paras) + f"\n\nKennung {i}-{version}-{rng.getrandbits(32):08x}.\n"


def make_corpus(folder: Path, n: int, seed: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for i in range(n):
        (folder / f"a{i:04d}.txt").write_text(article_text(i, rng), encoding="utf-8")


def apply_batch(folder: Path, n: int, batch: int, seed: int) -> dict[str, int]:
    """Add `batch` new files, rewrite `batch` files, delete `batch` files (disjoint)."""
    rng = random.Random(seed + 1)
    existing = sorted(folder.glob("a*.txt"))
    picked = rng.sample(existing, 2 * batch)
    changed, removed = picked[:batch], picked[batch:]
    for p in changed:
        i = int(p.stem[1:])
        p.write_text(article_text(i, rng, version=1), encoding="utf-8")
    for p in removed:
        p.unlink()
    for j in range(batch):
        i = n + j
        (folder / f"a{i:04d}.txt").write_text(article_text(i, rng), encoding="utf-8")
    return {"added": batch, "changed": batch, "removed": batch}


def copy_index(src: Path | str, dst: Path) -> Path | str:
    """A copy of the index `src` at `dst` (a folder), or as a database named after `dst` (a database)."""
    if isinstance(src, str):
        import pg_local

        return pg_local.new_database(name=f"crash_{dst.name}", template=src)
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    return dst


def state_of(index_dir: Path | str) -> State:
    snap = store.open_index(index_dir)
    return State(frozenset(snap.articles), len(snap.chunks), len(snap.sentence_rows))


def rag_command() -> list[str]:
    """The installed `rag` script next to this interpreter, else `python -m rag.cli`."""
    script = Path(sys.executable).parent / "rag"
    return [str(script)] if script.exists() else [sys.executable, "-m", "rag.cli"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env["HF_HUB_OFFLINE"] = "1"
    env["PYTHONPATH"] = str(ROOT)
    return env


def update_cmd(articles: Path, index: Path | str) -> list[str]:
    where = ["--store", index] if isinstance(index, str) else ["--index", str(index)]
    return [*rag_command(), "index", "update", "--articles", str(articles), *where]


@dataclass
class Setup:
    articles: Path
    template: Path | str  # the old index, copied for every run (a folder or a database's URL)
    old: State
    new: State
    t_total: float  # median seconds of a complete `rag index update` (process start to exit)
    t_scan: float  # median seconds until it starts scanning the folder (imports done)


def prepare(work: Path, n: int, batch: int, seed: int, calibrate: int = 3, pg: bool = False) -> Setup:
    articles = work / "articles"
    template: Path | str = work / "template"
    if pg:
        import pg_local

        template = pg_local.new_database(name="crash_template")
    make_corpus(articles, n, seed)
    indexing.sync(articles, template, "hashing", rebuild=True)
    old = state_of(template)
    apply_batch(articles, n, batch, seed)
    expect = copy_index(template, work / "expect")
    indexing.sync(articles, expect)
    new = state_of(expect)
    if old == new or not (old.ids & new.ids):
        raise SystemExit("the batch must change the index and keep some articles")
    totals, scans = [], []
    for _ in range(calibrate):
        target = copy_index(template, work / "calib")
        total, scan = _timed_update(articles, target)
        if state_of(target) != new:
            raise SystemExit("a complete update did not give the expected new state")
        totals.append(total)
        scans.append(scan)
    return Setup(articles, template, old, new, statistics.median(totals), statistics.median(scans))


def _timed_update(articles: Path, index: Path) -> tuple[float, float]:
    """Run one complete update; (seconds to exit, seconds until the 'scanning' progress appeared)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(update_cmd(articles, index), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=_env())
    seen: list[float] = []

    def watch() -> None:
        assert proc.stderr is not None
        buf = b""
        while block := proc.stderr.read1(4096):  # type: ignore[attr-defined]
            buf = (buf + block)[-4096:]
            if not seen and b"scanning" in buf:
                seen.append(time.perf_counter() - t0)

    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    rc = proc.wait(timeout=300)
    total = time.perf_counter() - t0
    reader.join(timeout=5)
    if rc != 0:
        raise SystemExit(f"`rag index update` failed with exit code {rc}")
    return total, (seen[0] if seen else 0.0)


@dataclass
class RunResult:
    delay: float
    exited_before_kill: bool
    outcome: str  # "old" | "new" | "mixed" | "failed"
    lost: int
    debris: bool  # *.tmp left behind by the killed writer (cleaned by the next commit)
    recovered: bool
    detail: str = ""


def one_run(setup: Setup, run_dir: Path, delay: float) -> RunResult:
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    index = copy_index(setup.template, run_dir / "index")
    proc = subprocess.Popen(update_cmd(setup.articles, index), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=_env())
    time.sleep(delay)
    exited = proc.poll() is not None
    if not exited:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    gens = index / store.GENERATIONS if isinstance(index, Path) else None  # a database leaves no files

    def has_debris() -> bool:
        return gens is not None and isinstance(index, Path) and (
            any(gens.glob("*.tmp")) or (index / f"{store.MANIFEST}.tmp").exists())

    debris = has_debris()
    detail = ""
    try:
        got = state_of(index)
    except RagError as e:
        outcome, lost, detail = "failed", 0, f"{type(e).__name__}: {e}"
    else:
        outcome = "old" if got == setup.old else "new" if got == setup.new else "mixed"
        lost = len((setup.old.ids & setup.new.ids) - got.ids)
        if outcome == "mixed":
            detail = f"{len(got.ids)} articles, {got.chunks} chunks"
    try:
        indexing.sync(setup.articles, index, lock_timeout=10)
        recovered = state_of(index) == setup.new and not has_debris()
    except RagError as e:
        recovered, detail = False, detail + f" recovery: {type(e).__name__}: {e}"
    return RunResult(delay, exited, outcome, lost, debris, recovered, detail)


def run_many(setup: Setup, work: Path, runs: int, window: str, seed: int) -> list[RunResult]:
    rng = random.Random(seed)
    lo = setup.t_scan if window == "work" else 0.0
    return [one_run(setup, work / "run", rng.uniform(lo, setup.t_total)) for _ in range(runs)]


def summary(results: list[RunResult]) -> dict[str, int]:
    c = Counter(r.outcome for r in results)
    return {
        "runs": len(results),
        "opened old": c["old"],
        "opened new": c["new"],
        "mixed": c["mixed"],
        "failed to open": c["failed"],
        "lost articles": sum(r.lost for r in results),
        "finished before kill": sum(r.exited_before_kill for r in results),
        "debris left (*.tmp)": sum(r.debris for r in results),
        "recovered by next update": sum(r.recovered for r in results),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--batch", type=int, default=10)
    ap.add_argument("--window", choices=["full", "work"], default="full")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--store", choices=["folder", "pg"], default="folder",
                    help="pg: the index in PostgreSQL on a local server (bench/pg_local.py)")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import print_machine, table

    with tempfile.TemporaryDirectory(prefix="rag-crash-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        setup = prepare(work, args.articles, args.batch, args.seed, pg=args.store == "pg")
        print(f"store: {'PostgreSQL 16 + pgvector (local server)' if args.store == 'pg' else 'index folder'}")
        print(f"old state: {len(setup.old.ids)} articles, {setup.old.chunks} chunks; new state: "
              f"{len(setup.new.ids)} articles, {setup.new.chunks} chunks "
              f"(+{args.batch} added, {args.batch} changed, -{args.batch} removed)")
        print(f"complete `rag index update`: {setup.t_total:.2f} s (median of 3), imports done after "
              f"{setup.t_scan:.2f} s; kill window: {args.window} "
              f"[{setup.t_scan if args.window == 'work' else 0:.2f}, {setup.t_total:.2f}] s")
        results = run_many(setup, work, args.runs, args.window, args.seed)
        s = summary(results)
        print()
        print(table(list(s), [list(s.values())]))
        for r in results:
            if r.outcome in ("mixed", "failed") or r.lost or not r.recovered:
                print(f"  delay {r.delay:.3f} s: {r.outcome}, lost {r.lost}, recovered {r.recovered}: {r.detail}")
        print(f"\n{time.perf_counter() - t0:.0f} s in all")
        print_machine()
    bad = s["mixed"] + s["failed to open"] + s["lost articles"] + (s["runs"] - s["recovered by next update"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
