"""How fast this machine runs the default generator and reads memory: llama.cpp prompt and generation
tokens per second (compare `../shared/MODELS.md`: 1.5B prompt ~58 tok/s, generation ~17–21 on 2
cores) and numpy's memory read rate. Run it before comparing answer latencies across days: the
model's calls are bound by memory bandwidth, which differs between hosts of the same VM type.

    .venv/bin/python bench/llm_speed.py       # ~1 min
"""

from __future__ import annotations

import time

from common import print_machine, table

PROMPT = "Fasse den folgenden Text in einem Satz zusammen. " + "Die Stadt Nordheim baut eine neue Brücke. " * 25


def main() -> int:
    import numpy as np
    from llama_cpp import Llama

    from rag.config import env_threads
    from rag.models import DEFAULT_MODEL, ensure_model

    llama = Llama(model_path=str(ensure_model(DEFAULT_MODEL)), n_ctx=2048, n_threads=env_threads(), verbose=False)
    t0 = time.perf_counter()
    first = llama.create_completion(PROMPT, max_tokens=1, temperature=0.0)
    prompt_s = time.perf_counter() - t0
    prompt_tokens = int(first["usage"]["prompt_tokens"])
    t0 = time.perf_counter()  # the same prompt again: cached, so the time is the generation's
    more = llama.create_completion(PROMPT + " Zähle danach von 1 bis 100:", max_tokens=64, temperature=0.0)
    gen_s = time.perf_counter() - t0
    generated = int(more["usage"]["completion_tokens"])

    block = np.ones(256 * 2**20 // 4, dtype=np.float32)  # 256 MiB, far beyond the caches
    t0 = time.perf_counter()
    for _ in range(8):
        block.sum()
    read_gbs = 8 * block.nbytes / (time.perf_counter() - t0) / 1e9
    print(table(["measure", "value"], [
        ["llama.cpp prompt tokens/s (uncached prompt)", round(prompt_tokens / prompt_s, 1)],
        ["llama.cpp generated tokens/s", round(generated / gen_s, 1)],
        ["generated tokens", generated],
        ["numpy memory read GB/s", round(read_gbs, 1)],
    ]))
    print_machine()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
