"""Prepare-only evidence of every question of the stored sets, from this checkout's code or another's: what a change
to question analysis or evidence choice moves, before any model is asked (stop 46: the sentence after about the
person, the set names without the dictionary's common nouns, the next sentence of any close one for a figure).

    .venv/bin/python bench/experiments/prepare_diff.py OUT.json [--root OTHER_CHECKOUT] [--skip probe8]  # ~2 min
    .venv/bin/python bench/experiments/prepare_diff.py --compare BEFORE.json AFTER.json

Each question (the development set, probe, probe2–probe12; with its conversation) gets its abstention reason, its kind
and the first 60 characters of up to five evidence sentences; `--compare` prints the questions whose evidence changed.
The indexes are `bench/dev_answers.py`'s cached ones (built on first use).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent.parent
#: A probe section's articles not from XQuAD (all German XQuAD dev articles were used by probe2–probe8)
ARTICLES = {name: f"{name}_articles.json" for name in ("probe9", "probe10", "probe11", "probe12")}
SETS = {"main": ["dev_qa", "probe_qa"], **{f"probe{n}": [f"probe{n}_qa"] for n in (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)}}


def evidence(root: Path, skip: tuple[str, ...] = ()) -> dict[str, list[str | None]]:
    sys.path[:0] = [str(root / "bench"), str(root)]  # that checkout's code and index helpers
    from common import cached_index  # type: ignore[import-not-found]
    from dev_answers import dev_articles  # type: ignore[import-not-found]

    from rag import store
    from rag.eval_run import load_jsonl, load_squad
    from rag.prepare import prepare

    data = HERE / "tests" / "data"
    out: dict[str, list[str | None]] = {}
    for section, files in SETS.items():
        if section in skip:
            continue
        more = [] if section == "main" else load_squad(data / ARTICLES.get(section, f"xquad_de_{section}.json"))[0]
        snap = store.open_index(cached_index("dev" if section == "main" else section, dev_articles() + more,
                                             "e5-small"))
        for name in files:
            for it in load_jsonl(data / f"{name}.jsonl"):
                p = prepare(snap, it.question, [{"role": "user", "content": h} for h in it.history])
                out[it.id] = [p.abstain_reason[:40], p.q.kind if p.q else None,
                              *(ev.sentence.text[:60] for ev in p.evidence[:5])]
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("paths", nargs="+", help="OUT.json, or BEFORE.json AFTER.json with --compare")
    p.add_argument("--root", default=str(HERE), help="the checkout whose code prepares (default: this one)")
    p.add_argument("--compare", action="store_true")
    p.add_argument("--skip", nargs="*", default=[], choices=list(SETS),
                   help="sections left out (a held-out set kept unread)")
    args = p.parse_args(argv)
    if args.compare:
        before, after = (json.loads(Path(x).read_text(encoding="utf-8")) for x in args.paths[:2])
        changed = [k for k in before if before[k] != after.get(k)]
        for k in changed:
            print(f"{k}\n   - {before[k]}\n   + {after.get(k)}")
        print(f"changed {len(changed)} of {len(before)}")
        return 0
    found = evidence(Path(args.root).resolve(), tuple(args.skip))
    Path(args.paths[0]).write_text(json.dumps(found, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"{len(found)} questions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
