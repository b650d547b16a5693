"""Embedding throughput: chunks/s and sentences/s for e5-small, all-MiniLM-L6-v2 and the hashing fake.

    .venv/bin/python bench/throughput.py [--chunks 48] [--sentences 200] [--embedders e5-small,...]

Texts are real chunks (and their sentences) of the XQuAD dev German articles, cut by
`rag.chunking.chunk_article`, embedded through `rag.embedders` (the batches the indexer uses), after
one warm-up call that loads the model. The FLOP-limit column follows MODELS.md: a BERT-style
encoder costs ~2 x (4 d² + 2 d·ff) FLOP per token and layer plus 4 n² d for attention; peak is
cores x clock x 32 FLOP/cycle (two 256-bit FMA pipes, fp32), so ceiling = peak / FLOP per chunk.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from common import XQUAD_DE, load_squad, print_machine, table, write_result

MINILM = "sentence-transformers:all-MiniLM-L6-v2"
#: layers, hidden size, feed-forward size, tokens per window
ARCH = {"e5-small": (12, 384, 1536, 512), MINILM: (6, 384, 1536, 256)}
FLOP_PER_CYCLE = 32


def clock_ghz() -> float:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("cpu MHz"):
                return float(line.split(":")[1]) / 1000
    except OSError:
        pass
    return 2.5


def encoder_flops(tokens: int, layers: int, d: int, ff: int, window: int) -> float:
    """FLOP of one forward pass over `tokens` tokens, cut into windows of at most `window`."""
    total = 0.0
    while tokens > 0:
        n = min(tokens, window)
        total += layers * (2 * n * (4 * d * d + 2 * d * ff) + 4 * n * n * d)
        tokens -= n
    return total


def token_counts(name: str, embedder: Any, texts: list[str]) -> list[int] | None:
    if name == "e5-small":
        model = embedder._load()
        return [int(model.token_count(t)) for t in texts]
    if name == MINILM:
        model = embedder._load()
        return [min(len(model.tokenizer(t)["input_ids"]), ARCH[MINILM][3]) for t in texts]
    return None


def rate(embedder: Any, texts: list[str]) -> float:
    t0 = time.perf_counter()
    for i in range(0, len(texts), 32):
        embedder.embed_documents(texts[i : i + 32])
    return len(texts) / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chunks", type=int, default=48)
    p.add_argument("--sentences", type=int, default=200)
    p.add_argument("--embedders", default=f"e5-small,{MINILM},hashing")
    args = p.parse_args(argv)

    from rag.chunking import chunk_article
    from rag.embedders import get_embedder
    from rag.types import Article, content_id

    articles, _ = load_squad(XQUAD_DE)
    chunks = [c for title, text in articles
              for c in chunk_article(Article(content_id(text), title, text, None, None, title, "de"))]
    chunk_texts = [c.text for c in chunks[: args.chunks]]
    sent_texts = [s.text for c in chunks for s in c.sentences][: args.sentences]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    peak = cores * clock_ghz() * 1e9 * FLOP_PER_CYCLE
    rows, raw = [], {}
    for name in args.embedders.split(","):
        emb = get_embedder(name)
        print(f"{name}…", file=sys.stderr)
        emb.embed_documents(chunk_texts[:2])  # load the model
        c_rate = rate(emb, chunk_texts)
        s_rate = rate(emb, sent_texts)
        tokens = token_counts(name, emb, chunk_texts)
        ceiling = None
        mean_tokens = None
        if tokens and name in ARCH:
            mean_tokens = sum(tokens) / len(tokens)
            flop = sum(encoder_flops(t, *ARCH[name]) for t in tokens) / len(tokens)
            ceiling = peak / flop
        rows.append([name, c_rate, s_rate, mean_tokens, ceiling, c_rate / ceiling if ceiling else None])
        raw[name] = {"chunks_per_s": c_rate, "sentences_per_s": s_rate, "mean_tokens": mean_tokens,
                     "ceiling_chunks_per_s": ceiling}
    mean_chars = sum(map(len, chunk_texts)) / len(chunk_texts)
    print(f"\n**Embedding throughput** ({len(chunk_texts)} XQuAD chunks of {mean_chars:.0f} characters on average; "
          f"{len(sent_texts)} sentences; peak {peak / 1e9:.0f} GFLOP/s = {cores} cores x {clock_ghz():.2f} GHz x "
          f"{FLOP_PER_CYCLE} FLOP/cycle)\n")
    print(table(["embedder", "chunks/s", "sentences/s", "tokens per chunk", "FLOP-limit chunks/s",
                 "share of limit"], rows))
    print("\nMiniLM truncates at 256 tokens (it sees only the start of a long chunk); e5 windows the whole chunk.")
    print_machine()
    write_result("throughput", {"args": vars(args), "embedders": raw})
    return 0


if __name__ == "__main__":
    sys.exit(main())
