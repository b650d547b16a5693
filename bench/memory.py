"""Memory of the embedded model: one llama.cpp context (answers) and two (answers + judge).

    .venv/bin/python bench/memory.py

RSS counts the memory-mapped model file once per mapping; PSS (proportional set size) counts a
shared page once, so PSS is what the process really costs. Read from /proc/self/smaps_rollup
after one short call in each context.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import print_machine, table  # noqa: E402

KEYS = ("Rss", "Pss", "Anonymous", "Shared_Clean")


def rollup() -> dict[str, int]:
    out: dict[str, int] = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        key, *rest = line.split()
        if key.rstrip(":") in KEYS:
            out[key.rstrip(":")] = int(rest[0]) // 1024
    return out


def main() -> int:
    from langchain_core.messages import HumanMessage

    from rag.llms import for_role, get_llm

    before = rollup()
    answer = get_llm("llama-cpp")
    answer.invoke([HumanMessage("Hallo")], max_tokens=2)
    one = rollup()
    for_role(answer, "judge").invoke([HumanMessage("Hallo")], max_tokens=2)
    two = rollup()
    rows = [[name, *(d[k] for k in KEYS)] for name, d in
            (("before loading", before), ("answer context", one), ("answer + judge contexts", two))]
    print("\n**Memory of the embedded model** (MiB, /proc/self/smaps_rollup)\n")
    print(table(["state", *KEYS], rows))
    print_machine()
    return 0


if __name__ == "__main__":
    sys.exit(main())
