"""Incremental indexing: a large index, then one more article — only the new article is embedded.

    .venv/bin/python bench/incremental.py [--n 1000] [--embedder hashing] [--seed 0]

Builds an index of N synthetic German articles (sentences of the XQuAD dev paragraphs, shuffled and
regrouped: 6-14 sentences in 2-4 paragraphs each), then measures: an update with nothing changed,
adding one article in-process (`rag.api.add_files`), and `rag index add FILE` in a new process
(interpreter start and imports included), and one more in process with the index open (as a
running page has it: the commit builds on the open snapshot). The default embedder is `hashing` so that the base
index takes seconds, not hours (e5-small embeds ~5 passages/s on 2 cores; a 1000-article base is
~30k chunks and sentences); the add then shows the cost of everything but the model. With
`--embedder e5-small --n 100`, the add also shows the model's share.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, XQUAD_DE, load_squad, print_machine, table, write_result


def synthetic_articles(n: int, seed: int = 0) -> list[str]:
    """n distinct German-ish articles made of shuffled XQuAD sentences."""
    articles, _ = load_squad(XQUAD_DE)
    sentences = [s.strip() for _, text in articles for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) > 30]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        picked = rng.sample(sentences, rng.randint(6, 14))
        cuts = sorted(rng.sample(range(1, len(picked)), rng.randint(1, 3)))
        paras = [" ".join(picked[a:b]) for a, b in zip([0, *cuts], [*cuts, len(picked)], strict=True)]
        out.append(f"Meldung {i + 1}\n\n" + "\n\n".join(paras) + "\n")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--embedder", default="hashing")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    from rag import api

    texts = synthetic_articles(args.n + 3, args.seed)
    rows = []
    with tempfile.TemporaryDirectory(prefix="rag-bench-incr-") as tmp:
        base = Path(tmp)
        arts, index, extra = base / "articles", base / "index", base / "incoming"
        arts.mkdir()
        extra.mkdir()
        for i, text in enumerate(texts[: args.n]):
            (arts / f"{i:05d}.txt").write_text(text, encoding="utf-8")
        for j, text in enumerate(texts[args.n :]):
            (extra / f"neu-{j}.txt").write_text(text, encoding="utf-8")

        t0 = time.perf_counter()
        report = api.build_index(arts, index, embedder=args.embedder)
        build_s = time.perf_counter() - t0
        status = api.index_status(index)
        rows.append([f"build {args.n} articles", build_s, report.chunks_embedded, report.added])
        print(f"built: {status['articles']} articles, {status['chunks']} chunks, {status['sentences']} sentences "
              f"in {build_s:.1f} s", file=sys.stderr)

        t0 = time.perf_counter()
        report = api.update_index(arts, index)
        rows.append(["update, nothing changed", time.perf_counter() - t0, report.chunks_embedded, report.added])

        t0 = time.perf_counter()
        report = api.add_files([extra / "neu-0.txt"], articles_dir=arts, index_dir=index)
        rows.append(["add 1 article (in process)", time.perf_counter() - t0, report.chunks_embedded, report.added])

        t0 = time.perf_counter()
        api.search("Wann wurde die Universität gegründet?", k=5, index_dir=index)
        rows.append(["first search after the add (opens the new generation)", time.perf_counter() - t0, 0, 0])

        # a running page or API: the index is open (a question was answered) when the article arrives
        t0 = time.perf_counter()
        report = api.add_files([extra / "neu-2.txt"], articles_dir=arts, index_dir=index)
        rows.append(["add 1 article, index open (a running page)", time.perf_counter() - t0,
                     report.chunks_embedded, report.added])
        t0 = time.perf_counter()
        api.search("Wann wurde die Universität gegründet?", k=5, index_dir=index)
        rows.append(["first search after that add", time.perf_counter() - t0, 0, 0])

        cmd = [sys.executable, "-m", "rag.cli", "index", "add", str(extra / "neu-1.txt"), "--articles", str(arts),
               "--index", str(index), "--json"]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        cli_s = time.perf_counter() - t0
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        cli = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(["`rag index add FILE` (new process)", cli_s, cli["chunks_embedded"], cli["added"]])
        final = api.index_status(index)

    print(f"\n**Incremental indexing** ({args.n} synthetic articles, {status['chunks']} chunks, "
          f"{status['sentences']} sentences; embedder {args.embedder}; after both adds: {final['articles']} "
          f"articles, {final['chunks']} chunks)\n")
    print(table(["step", "wall s", "chunks embedded", "articles added"], rows))
    print_machine()
    write_result("incremental", {"args": vars(args), "rows": rows, "index": status})
    return 0


if __name__ == "__main__":
    sys.exit(main())
