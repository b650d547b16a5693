"""Indexing the XQuAD dev articles: the chunk pass before against sentence means now, side by side in one run.

    .venv/bin/python bench/indexing_speed.py [--embedder e5-small] [--limit N]     # ~8 min on 2 cores

Builds the 24 German dev articles twice, into fresh folders, one after the other in this process:
- "chunk pass": the model reads every chunk and every sentence (each sentence as often as chunks hold it),
  the indexing before stop 31, kept here as `chunk_pass`;
- "sentence means": the product's indexing (`rag.indexing`): each distinct sentence once, a chunk's vector the
  length-weighted mean of its sentences'.
For each: build time, articles and chunks per minute, texts and characters the model read; then retrieval on
the German and English XQuAD dev questions (`rag.eval_run.evaluate`, k = 5, hybrid), with the chunks ordered by
their own vectors (the retrieval before stop 31) and by their closest sentence (the product's).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import XQUAD_DE, XQUAD_EN_Q, load_squad, print_machine, table, write_result


def chunk_pass(embedder: Any, chunks: list[Any], progress: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The indexing before stop 31: a model pass over each chunk, then over each of its sentences."""
    from rag.indexing import EMBED_BATCH

    texts = [c.text for c in chunks]
    sent_texts = [s.text for c in chunks for s in c.sentences]
    rows = [(i, j) for i, c in enumerate(chunks) for j in range(len(c.sentences))]

    def run(batch: list[str]) -> np.ndarray:
        out = [np.asarray(embedder.embed_documents(batch[b : b + EMBED_BATCH]), dtype=np.float32)
               for b in range(0, len(batch), EMBED_BATCH)]
        return np.vstack(out) if out else np.zeros((0, embedder.dim), dtype=np.float32)

    return run(texts), run(sent_texts), np.asarray(rows, dtype=np.int32).reshape(-1, 2)


class Counting:
    """Counts what the model reads."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.texts = 0
        self.chars = 0

    def embed_documents(self, texts: list[str]) -> Any:
        self.texts += len(texts)
        self.chars += sum(len(t) for t in texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> Any:
        return self.inner.embed_query(text)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--embedder", default="e5-small")
    p.add_argument("--limit", type=int, default=None, help="questions per language (default: all 612)")
    args = p.parse_args(argv)

    from rag import api, indexing, retrieve
    from rag.embedders import get_embedder
    from rag.eval_run import evaluate, write_articles

    articles, de_items = load_squad(XQUAD_DE)
    _, en_items = load_squad(XQUAD_EN_Q)
    sets = {"de": de_items[: args.limit], "en": en_items[: args.limit]}
    work = Path(tempfile.mkdtemp(prefix="indexing-speed-"))
    write_articles(articles, work / "articles")
    model = get_embedder(args.embedder)
    model.embed_documents(["Aufwärmen."])  # load the model before the clock starts
    product_embed, product_order = indexing._embed_chunks, retrieve.by_best_sentence
    rows: list[list[Any]] = []
    raw: dict[str, Any] = {}
    try:
        for name, embed in (("chunk pass", chunk_pass), ("sentence means", product_embed)):
            counting = Counting(model)
            indexing._embed_chunks = embed  # type: ignore[assignment]
            indexing.get_embedder = lambda _name, c=counting: c  # type: ignore[assignment,misc]
            api.reset()
            index_dir = work / name.replace(" ", "-")
            t0 = time.perf_counter()
            report = api.build_index(work / "articles", index_dir, embedder=args.embedder)
            build_s = time.perf_counter() - t0
            print(f"{name}: {report.chunks_embedded} chunks in {build_s:.1f} s", file=sys.stderr, flush=True)
            for order_name, order in (("chunk vector", lambda snap, q, dense: dense),
                                      ("closest sentence", product_order)):
                retrieve.by_best_sentence = order  # type: ignore[assignment]
                api.reset()
                m = {lang: evaluate(items, index_dir, k=5, mode="hybrid", retrieval_only=True)["metrics"]
                     for lang, items in sets.items()}
                rows.append([name, order_name, build_s, 60 * len(articles) / build_s,
                             60 * report.chunks_embedded / build_s, counting.texts, counting.chars,
                             m["de"]["recall@1"], m["de"]["recall@k"], m["en"]["recall@1"], m["en"]["recall@k"]])
                raw[f"{name} / {order_name}"] = {"build_s": build_s, "chunks": report.chunks_embedded,
                                                 "texts": counting.texts, "chars": counting.chars, "metrics": m}
    finally:
        indexing._embed_chunks, retrieve.by_best_sentence = product_embed, product_order  # type: ignore[assignment]
        indexing.get_embedder = get_embedder  # type: ignore[assignment]
    print(f"\n**Indexing the XQuAD dev articles** ({len(articles)} German articles, embedder {args.embedder}; "
          f"{len(sets['de'])} German and {len(sets['en'])} English questions, hybrid, k = 5)\n")
    print(table(["indexing", "chunks ordered by", "build s", "articles/min", "chunks/min", "texts read",
                 "characters read", "DE R@1", "DE R@5", "EN R@1", "EN R@5"], rows))
    print_machine()
    write_result("indexing_speed", {"args": vars(args), "runs": raw})
    return 0


if __name__ == "__main__":
    sys.exit(main())
