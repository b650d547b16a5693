"""The probe questions answered by another checkout's code (the "before" of a change, e.g. a worktree of an
earlier commit), scored as `bench/dev_answers.py --section probe|probe-time|probe2|probe3` scores them.

    git worktree add /tmp/before <commit>
    .venv/bin/python bench/experiments/probe_other_code.py /tmp/before [--llm extractive|llama-cpp]
        [--sections probe,probe-time,probe2,probe3,probe4,probe5,probe6,probe7,probe8,probe9,probe10,probe11,probe12]
        [--out NAME]

Reads this checkout's probe files (tests/data/probe_qa.jsonl on the development set's articles,
tests/data/dated/probe_qa.jsonl on the dated fixture, on its day, tests/data/probe2_qa.jsonl and probe3_qa.jsonl on
the development set's articles and their three more each, tests/data/xquad_de_probe2.json, …_probe3.json) and asks
them through the other checkout's
`rag.ask` and index builders (its own `bench/out/cache`); prints per section the correct count, the unanswerable
ones abstained, and the ids of answers marked verified that are wrong; `--out NAME` writes each answer with its row
id and score to this checkout's bench/out/NAME.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent.parent
#: A probe section's articles not from XQuAD (all German XQuAD dev articles were used by probe2–probe8)
ARTICLES = {name: f"{name}_articles.json" for name in ("probe9", "probe10", "probe11", "probe12")}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("root", help="the other checkout")
    p.add_argument("--llm", default="llama-cpp")
    p.add_argument("--sections", default="probe,probe-time")
    p.add_argument("--out", default="", help="write the answers to bench/out/NAME.json")
    args = p.parse_args(argv)
    root = str(Path(args.root).resolve())
    sys.path[:0] = [f"{root}/bench", root]  # the other checkout's code and index helpers
    from common import cached_index, dated_index  # type: ignore[import-not-found]
    from dev_answers import dev_articles  # type: ignore[import-not-found]

    from rag import ask
    from rag.eval_run import load_jsonl, load_squad
    from rag.metrics import key_fact_score

    data = HERE / "tests" / "data"
    files = {"probe": data / "probe_qa.jsonl", "probe-time": data / "dated" / "probe_qa.jsonl",
             **{f"probe{n}": data / f"probe{n}_qa.jsonl" for n in range(2, 13)}}
    rows: list[dict[str, object]] = []
    for name in args.sections.split(","):
        path = files[name]
        if name == "probe-time":
            index_dir, today = dated_index("e5-small")
            os.environ["RAG_TODAY"] = today
        elif name == "probe":
            index_dir = cached_index("dev", dev_articles(), "e5-small")
        else:  # the development set's articles and the three more this section asks about
            more = load_squad(data / ARTICLES.get(name, f"xquad_de_{name}.json"))[0]
            index_dir = cached_index(name, dev_articles() + more, "e5-small")
        correct = abstained_right = unanswerable = 0
        wrong_verified = []
        for it in load_jsonl(path):
            a = ask(it.question, tuple(it.history), llm=args.llm, index_dir=index_dir)
            good = a.abstained if not it.answerable else (not a.abstained and key_fact_score(a.answer, it)[1])
            rows.append({"section": name, "id": it.id, "correct": bool(good), "verified": a.verified,
                         "abstained": a.abstained, "answer": a.answer, "reason": a.reason})
            correct += good
            unanswerable += not it.answerable
            abstained_right += not it.answerable and a.abstained
            if a.verified and not a.abstained and not good:
                wrong_verified.append(it.id)
        print(f"{name} {args.llm}: {correct} correct, unanswerable abstained {abstained_right}/{unanswerable}, "
              f"verified but wrong: {wrong_verified}")
    if args.out:
        out = HERE / "bench" / "out" / f"{args.out}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"root": root, "llm": args.llm, "rows": rows}, ensure_ascii=False, indent=1),
                       encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
