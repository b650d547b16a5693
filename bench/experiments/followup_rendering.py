"""English follow-ups with and without the model's German rendering (`rag.translation.render_question`): for each
English question of the stored sets that `rag.prepare` takes as a follow-up, whether the first two evidence sentences
hold every key fact, prepared without the rendering and with it (stop 46: of 16, rendering changed 3, 2 for the worse,
none for the better, so a follow-up is no longer rendered: `rag.chain.wants_translation`). Also counts how many
questions a chain of pronoun follow-ups prepares (`--chain`; stop 46: 64 before the earlier answers were kept per
snapshot, 7 after).

    .venv/bin/python bench/experiments/followup_rendering.py            # ~2 min, the embedded model
    .venv/bin/python bench/experiments/followup_rendering.py --chain [--root OTHER_CHECKOUT]   # no model

`--root`: prepare with another checkout's code (e.g. `git worktree add /tmp/base e73de8f`, stop 45's).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent.parent
_ROOT = Path(sys.argv[sys.argv.index("--root") + 1]).resolve() if "--root" in sys.argv[:-1] else HERE
sys.path[:0] = [str(_ROOT / "bench"), str(_ROOT)]  # that checkout's code and index helpers

from common import cached_index  # type: ignore[import-not-found]  # noqa: E402
from dev_answers import dev_articles  # type: ignore[import-not-found]  # noqa: E402

from rag import store  # noqa: E402
from rag.eval_run import QAItem, load_jsonl, load_squad  # noqa: E402
from rag.metrics import normalize_answer  # noqa: E402

DATA = HERE / "tests" / "data"
SETS = {"main": ["dev_qa", "probe_qa"], **{f"probe{n}": [f"probe{n}_qa"] for n in (2, 3, 4, 5, 6)}}
CHAIN = ["Wie viele Kisten mit sterblichen Überresten hat Vietnam an die USA zurückgegeben?",
         "Wer hat sie dort übergeben?", "Was sagte er dazu?", "Wer war mit ihm dort?", "Was hat er dort noch gesagt?",
         "Wann hat sie dort gesprochen?"]


def holds(text: str, it: QAItem) -> bool | None:
    said = f" {normalize_answer(text)} "
    return all(any(f" {normalize_answer(x)} " in said for x in g) for g in it.key_facts) if it.key_facts else None


def snapshot(section: str) -> store.Snapshot:
    more = [] if section == "main" else load_squad(DATA / f"xquad_de_{section}.json")[0]
    return store.open_index(cached_index("dev" if section == "main" else section, dev_articles() + more, "e5-small"))


def chain() -> None:
    import rag.prepare as preparing

    calls: list[str] = []
    real = preparing._prepare

    def counted(*a: Any, **kw: Any) -> Any:
        calls.append(a[1])
        return real(*a, **kw)

    preparing._prepare = counted  # type: ignore[assignment]
    preparing.prepare(snapshot("main"), "Wann hat er dort gesprochen?", [{"role": "user", "content": q} for q in CHAIN])
    print(f"a chain of {len(CHAIN)} earlier questions: {len(calls)} questions prepared")


def rendering() -> None:
    from rag.llms import get_llm
    from rag.prepare import prepare
    from rag.translation import render_question

    llm = get_llm("llama-cpp")
    assert llm is not None
    changed = worse = better = n = 0
    for section, files in SETS.items():
        snap = snapshot(section)
        for name in files:
            for it in load_jsonl(DATA / f"{name}.jsonl"):
                if it.language != "en" or not it.history:
                    continue
                history = [{"role": "user", "content": h} for h in it.history]
                plain = prepare(snap, it.question, history)
                if not (plain.q and plain.q.follow_up and plain.evidence):
                    continue
                said = render_question(it.question, llm)
                rendered = prepare(snap, it.question, history, translation=said) if said else plain
                a, b = (" ".join(ev.sentence.text for ev in x.evidence[:2]) for x in (plain, rendered))
                n += 1
                if a != b:
                    changed += 1
                    worse += bool(holds(a, it)) and not holds(b, it)
                    better += bool(holds(b, it)) and not holds(a, it)
                print(it.id, "same" if a == b else "DIFF", "plain:", holds(a, it), "| rendered:", holds(b, it),
                      "|", said)
    print(f"{n} English follow-ups: rendering changed {changed}, {worse} for the worse, {better} for the better")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chain", action="store_true", help="count the preparations of a chain of follow-ups")
    p.add_argument("--root", default=str(HERE), help="the checkout whose code prepares (read at import)")
    args = p.parse_args(argv)
    chain() if args.chain else rendering()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
