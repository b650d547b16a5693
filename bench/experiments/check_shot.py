"""The checker's fourth fictional example (an announcement's date is not the event's) measured on its
own: short answers on the first 120 German XQuAD dev questions with the checker's first three examples
only (compare `bench/sentence_choice.py --llms llama-cpp --limit 120`, which uses all four).

    .venv/bin/python bench/experiments/check_shot.py [--limit 120]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import cached_index  # noqa: E402
from sentence_choice import FILES  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=120)
    args = p.parse_args(argv)
    import rag.prompts as prompts
    from rag.eval_run import evaluate, load_squad

    prompts.CHECK_SHOTS[:] = prompts.CHECK_SHOTS[:3]
    articles, items = load_squad(FILES["de"])
    res = evaluate(items[: args.limit], cached_index("xquad-dev", articles, "e5-small"), llm="llama-cpp",
                   progress=False)
    m = res["metrics"]
    print(f"without the fourth check example, German, first {args.limit}: short answer F1 "
          f"{m['short_answer_f1']:.3f}, EM {m['short_answer_em']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
