"""Shared helpers for the benchmarks: the machine, markdown tables, XQuAD data, cached indexes.

Cached indexes live in bench/out/cache/ (git-ignored), keyed by the articles, the embedder and
the chunking parameters, so a second run of a benchmark skips the embedding.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `python bench/x.py` from a fresh clone finds `rag`

SHARED = ROOT.parent / "shared"
BENCH_DATA = Path(os.environ.get("RAG_BENCH_DATA", SHARED / "bench"))
XQUAD_DE = BENCH_DATA / "xquad.de.dev.json"
XQUAD_EN_Q = BENCH_DATA / "xquad.en-questions.de-articles.dev.json"
SEED_QA = ROOT / "tests" / "data" / "seed_qa.jsonl"
OUT = ROOT / "bench" / "out"
CACHE = OUT / "cache"


def machine() -> dict[str, str]:
    """Platform, CPU model, cores (usable/total), RAM and the load when the benchmark started."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        ram = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cores": f"{usable} usable of {os.cpu_count()}",
        "ram": ram,
        "load (1/5/15 min)": load,
    }


def print_machine() -> None:
    print("\n**Machine**\n")
    print(table(["", ""], [[k, v] for k, v in machine().items()]))


def auc(scores: list[float], labels: list[bool]) -> float:
    """The probability that a random right one (label True: a sentence, an answer) scores above a random wrong one
    (ties count half); nan without both."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return float("nan")
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def fmt(v: Any) -> str:
        if v is None:
            return "–"
        if isinstance(v, float):
            return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def load_squad(path: Path = XQUAD_DE) -> tuple[list[tuple[str, str]], list[Any]]:
    from rag.eval_run import load_squad as _load

    return _load(path)


def squad_titles(path: Path = XQUAD_DE) -> list[list[str]]:
    """Question ids per article, in file order (to split questions by article)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [[str(qa["id"]) for p in art["paragraphs"] for qa in p["qas"]] for art in data["data"]]


def _key(articles: Sequence[tuple[str, str]], embedder: str) -> str:
    from rag.chunking import CHUNKING
    from rag.indexing import CHUNK_VECTORS

    h = hashlib.sha256(json.dumps([list(a) for a in articles], ensure_ascii=False).encode())
    h.update(embedder.encode())
    h.update(json.dumps(CHUNKING, sort_keys=True).encode())
    h.update(CHUNK_VECTORS.encode())
    return h.hexdigest()[:16]


def cached_index(name: str, articles: Sequence[tuple[str, str]], embedder: str, fresh: bool = False) -> Path:
    """An index of these (title, text) articles; built once, then reused from bench/out/cache/."""
    from rag import api
    from rag.eval_run import write_articles

    folder = CACHE / f"{name}-{embedder.replace(':', '_').replace('/', '_')[:40]}-{_key(articles, embedder)}"
    index_dir = folder / "index"
    if fresh and folder.exists():
        shutil.rmtree(folder)
    if (index_dir / "manifest.json").exists():
        return index_dir
    if folder.exists():
        shutil.rmtree(folder)
    write_articles(articles, folder / "articles")
    t0 = time.perf_counter()
    print(f"building index {name} ({len(articles)} articles, {embedder})…", file=sys.stderr, flush=True)
    report = api.build_index(folder / "articles", index_dir, embedder=embedder)
    print(f"  {report.chunks_embedded} chunks in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return index_dir


DATED = ROOT / "tests" / "data" / "dated"


def copy_dated(dest: Path) -> dict[str, Any]:
    """The dated fixture's articles copied to `dest`, each undated file saved on its gold day (its file
    time is its date); returns the gold file."""
    gold = json.loads((DATED / "gold.json").read_text(encoding="utf-8"))
    shutil.copytree(DATED / "articles", dest, dirs_exist_ok=True)
    for g in gold["articles"]:
        if g["date_source"] == "file-time":
            noon = time.mktime(time.strptime(g["date"] + " 12", "%Y-%m-%d %H"))
            os.utime(dest / g["path"], (noon, noon))
    return dict(gold)


def dated_index(embedder: str) -> tuple[Path, str]:
    """The index of the dated fixture (tests/data/dated/articles, its undated files saved on their gold day)
    and the day its relative questions are asked on (gold.json's "today"); built once per content."""
    from rag import api

    gold = json.loads((DATED / "gold.json").read_text(encoding="utf-8"))
    files = sorted(p for p in (DATED / "articles").rglob("*") if p.is_file())
    h = hashlib.sha256(embedder.encode())
    code = ("ingest.py", "loaders.py", "dates.py", "chunking.py", "indexing.py")  # what reads and embeds them
    for p in [*(ROOT / "rag" / f for f in code), *files]:
        h.update(p.name.encode() + b"\0" + p.read_bytes())  # the articles and the code
    folder = CACHE / f"dated-{embedder.replace(':', '_').replace('/', '_')[:40]}-{h.hexdigest()[:16]}"
    index_dir = folder / "index"
    if not (index_dir / "manifest.json").exists():
        if folder.exists():
            shutil.rmtree(folder)
        copy_dated(folder / "articles")
        print(f"building index dated ({len(files)} files, {embedder})…", file=sys.stderr, flush=True)
        api.build_index(folder / "articles", index_dir, embedder=embedder)
    return index_dir, str(gold["today"])


def write_result(name: str, data: dict[str, Any]) -> Path:
    """Keep the raw numbers in bench/out/<name>.json beside the printed table."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    data = {"machine": machine(), "when": time.strftime("%Y-%m-%d %H:%M:%S"), **data}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def remove_answers(text: str, golds: Sequence[str]) -> tuple[str, int]:
    """The text without the sentences that hold one of the golds (paragraphs kept); and how many went."""
    from rag.chunking import split_sentences

    folded = [g.casefold() for g in golds if g.strip()]
    out, removed = [], 0
    for para in text.split("\n\n"):
        kept = []
        for s in split_sentences(para, "de"):
            if any(g in s.text.casefold() for g in folded):
                removed += 1
            else:
                kept.append(s.text)
        if kept:
            out.append(" ".join(kept))
    return "\n\n".join(out), removed


def answers_removed(limit: int, embedder: str) -> tuple[Path, int]:
    """An index of the 24 XQuAD dev articles without the sentences that answer the first `limit`
    questions of each: on-topic questions the articles no longer answer. (index dir, sentences removed)"""
    articles, items = load_squad(XQUAD_DE)
    golds = {it.id: list(it.answers) for it in items}
    edited, n_removed = [], 0
    for (title, text), ids in zip(articles, squad_titles(XQUAD_DE), strict=True):
        new_text, n = remove_answers(text, [g for qid in ids[:limit] for g in golds[qid]])
        edited.append((title, new_text))
        n_removed += n
    return cached_index(f"xquad-dev-de-answers-removed-{limit}", edited, embedder), n_removed
