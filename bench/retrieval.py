"""Retrieval quality on XQuAD dev: German and English questions against the German articles.

    .venv/bin/python bench/retrieval.py [--embedder e5-small] [-k 5] [--limit N] [--stores folder,pg]

Indexes the 24 German dev articles (each title's paragraphs joined, as `rag eval` does; cached in
bench/out/cache/), then asks the German questions (xquad.de.dev.json) and the English ones
(xquad.en-questions.de-articles.dev.json) with `rag.eval_run.evaluate` in each retrieval mode.
A hit is a retrieved chunk holding the gold answer string. Chunks (up to ~1200 characters) are
larger than XQuAD paragraphs, so the numbers are not comparable one to one with MODELS.md.
`--stores folder,pg` measures the folder and a PostgreSQL database side by side: the database is built
from the same articles folder (embedded again, `rag index build --store URL`) on a local server
(`bench/pg_local.py`).
"""

from __future__ import annotations

import argparse
import sys

from common import XQUAD_DE, XQUAD_EN_Q, cached_index, load_squad, print_machine, table, write_result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--embedder", default="e5-small")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--limit", type=int, default=None, help="questions per language (default: all 612)")
    p.add_argument("--modes", default="dense,bm25,hybrid")
    p.add_argument("--stores", default="folder", help="folder, pg or folder,pg")
    args = p.parse_args(argv)

    from rag.eval_run import evaluate

    articles, de_items = load_squad(XQUAD_DE)
    _, en_items = load_squad(XQUAD_EN_Q)
    folder = cached_index("xquad-dev-de", articles, args.embedder)
    stores: dict[str, object] = {}
    for name in args.stores.split(","):
        if name == "pg":
            import time

            import pg_local

            from rag import api

            url = pg_local.new_database()
            t0 = time.perf_counter()
            api.build_index(folder.parent / "articles", url, embedder=args.embedder)
            print(f"built the PostgreSQL index in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            stores["pg"] = url
        else:
            stores["folder"] = folder
    sets = {"de": de_items[: args.limit], "en→de": en_items[: args.limit]}
    rows = []
    raw: dict[str, dict[str, object]] = {}
    for store_name, index_dir in stores.items():
        for mode in args.modes.split(","):
            row: list[object] = [mode if len(stores) == 1 else f"{mode} ({store_name})"]
            for name, items in sets.items():
                print(f"{mode}, {name} questions, {store_name}", file=sys.stderr)
                m = evaluate(items, index_dir, k=args.k, mode=mode, retrieval_only=True)["metrics"]  # type: ignore[arg-type]
                raw[f"{mode} {name} {store_name}"] = m
                row += [m["recall@1"], m["recall@k"], m["mrr"], m["p50_ms"]["retrieve_ms"]]
            rows.append(row)
    n_de, n_en = len(sets["de"]), len(sets["en→de"])
    print(f"\n**Retrieval on XQuAD dev** ({len(articles)} German articles; {n_de} German and {n_en} English "
          f"questions; embedder {args.embedder}; k = {args.k}; chunk hit = gold string in chunk)\n")
    k = args.k
    print(table(["mode", "DE R@1", f"DE R@{k}", "DE MRR", "DE p50 ms", "EN→DE R@1", f"EN→DE R@{k}", "EN→DE MRR",
                 "EN p50 ms"], rows))
    print_machine()
    write_result("retrieval", {"args": vars(args), "metrics": raw})
    return 0


if __name__ == "__main__":
    sys.exit(main())
