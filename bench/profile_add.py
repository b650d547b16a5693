"""Where the time of adding one article goes, on an index of N synthetic articles (cProfile).

    .venv/bin/python bench/profile_add.py [--n 3000] [--top 25]

Builds the base index with the `hashing` embedder (the cost of everything but the model), opens it
once (as a running page would have), then profiles `rag.api.add_files` of one new article and
prints the functions with the most cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from incremental import synthetic_articles  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    from rag import api

    with tempfile.TemporaryDirectory(prefix="rag-prof-") as tmp:
        base = Path(tmp)
        articles = base / "articles"
        articles.mkdir()
        texts = synthetic_articles(args.n + 1)
        for i, text in enumerate(texts[:-1]):
            (articles / f"{i:05d}.txt").write_text(text, encoding="utf-8")
        api.build_index(articles, base / "index", embedder="hashing")
        (base / "neu.txt").write_text(texts[-1], encoding="utf-8")
        api.open_snapshot(base / "index")
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.runcall(api.add_files, [base / "neu.txt"], articles_dir=articles, index_dir=base / "index")
        print(f"add 1 article to {args.n}: {time.perf_counter() - t0:.2f} s (under cProfile)\n")
        pstats.Stats(prof, stream=sys.stdout).sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
