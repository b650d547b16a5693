"""Answers by kind of question on the development set (tests/data/dev_qa.jsonl), per backend, with the
plain LangChain tutorial pipeline as a peer in the same run.

    .venv/bin/python bench/dev_answers.py [--llms extractive,llama-cpp] [--peer] [--every N] [--limit N]
        [--kinds yesno,why] [--unanswerable] [--out NAME] [--judge-min P] [--check-min P] [--verdict-min P]
        [--section main|time|probe|probe-time|probe2|probe3|probe4|probe5|probe6|probe7|probe8|probe9|probe10|probe11|
                   probe12]

The index holds the two seed articles and the three XQuAD articles of tests/data/xquad_de_3.json
(cached in bench/out/cache/). `--section time` asks the time-aware questions (tests/data/dated/time_qa.jsonl:
periods, the latest report, timelines) of the dated fixture (tests/data/dated/articles) instead, on the day
its gold file names (`RAG_TODAY`). `--section probe` and `--section probe-time` ask the probe questions
(tests/data/probe_qa.jsonl on the main section's articles, tests/data/dated/probe_qa.jsonl on the dated
fixture): questions of the same kinds written later, in other words, to find failures the development set's
own questions no longer show. `--section probe2` asks tests/data/probe2_qa.jsonl, written later still, mostly
about three articles no other question asks about (tests/data/xquad_de_probe2.json: the climate panel, the
Scottish Parliament, the Apollo programme), with those articles added to the index; `--section probe3`
tests/data/probe3_qa.jsonl, the same way on three more (tests/data/xquad_de_probe3.json: the Amazon rainforest,
the Black Death, Newcastle upon Tyne), written as a held-out check of stop 44's changes; `--section probe4` and
`--section probe5` two more sets of the same mix written at stop 45 (tests/data/xquad_de_probe4.json: Super Bowl 50,
the Huguenots, pharmacy; tests/data/xquad_de_probe5.json: Sky UK, the French and Indian War, oxygen), probe4 held
out and asked only at the stop's end; `--section probe6` one more written at stop 46, held out until its end
(tests/data/xquad_de_probe6.json: Doctor Who, the Yuan dynasty, civil disobedience); `--section probe7` one more
written at stop 47, held out until its end (tests/data/xquad_de_probe7.json: Fresno, the American Broadcasting Company,
imperialism); `--section probe8` one more written at stop 48, held out until its end (tests/data/xquad_de_probe8.json:
Private school, Jacksonville (Florida), prime numbers); `--section probe9` one more written at stop 49, held out until
its end, on three news articles written for it (tests/data/probe9_articles.json: a town's flood protection, a rail
strike, an early medieval burial ground; all German XQuAD dev articles were used by then); `--section probe10` one
more written at stop 50, held out until its end, on three more news articles written for it
(tests/data/probe10_articles.json: a hospital merger, a small satellite, a town's swimming pool); `--section probe11`
one more written at stop 51, held out until its end, on three more news articles written for it
(tests/data/probe11_articles.json: a city's tram line, a cheese dairy's takeover, a wolf debate); `--section probe12`
one more written at stop 52, held out until its end, on three more news articles written for it
(tests/data/probe12_articles.json: a regional airport's loss and subsidy, a museum theft, a brewery strike). Each
backend answers every question through `rag.eval_run.evaluate` (history included); the peer (`bench/peer.py`) answers
the same questions. A row is correct when an answerable question's answer holds every key fact and no forbidden
string, or an unanswerable one is abstained; "verified but wrong" counts answers marked verified that are not correct.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from common import ROOT, cached_index, dated_index, print_machine, table, write_result

DEV_QA = ROOT / "tests" / "data" / "dev_qa.jsonl"
TIME_QA = ROOT / "tests" / "data" / "dated" / "time_qa.jsonl"
PROBE_QA = ROOT / "tests" / "data" / "probe_qa.jsonl"
PROBE_TIME_QA = ROOT / "tests" / "data" / "dated" / "probe_qa.jsonl"
SECTIONS = {"main": DEV_QA, "time": TIME_QA, "probe": PROBE_QA, "probe-time": PROBE_TIME_QA,
            **{f"probe{n}": ROOT / "tests" / "data" / f"probe{n}_qa.jsonl" for n in range(2, 13)}}
DATED = ("time", "probe-time")  # the sections asked of the dated fixture
XQUAD_3 = ROOT / "tests" / "data" / "xquad_de_3.json"
#: Three more German XQuAD articles for each later probe section's questions (probe2: the climate panel, the Scottish
#: Parliament, Apollo; probe3: the Amazon rainforest, the Black Death, Newcastle upon Tyne; probe4: Super Bowl 50, the
#: Huguenots, pharmacy; probe5: Sky UK, the French and Indian War, oxygen; probe6: Doctor Who, the Yuan dynasty, civil
#: disobedience; probe7: Fresno, the American Broadcasting Company, imperialism; probe8: Private school, Jacksonville,
#: prime numbers); probe9: three news articles written for it (flood protection, a rail strike, a burial ground);
#: probe10: three more (a hospital merger, a small satellite, a swimming pool); probe11: three more (a tram line, a
#: cheese dairy's takeover, a wolf debate); probe12: three more (an airport's loss, a museum theft, a brewery strike)
MORE_ARTICLES = {**{name: ROOT / "tests" / "data" / f"xquad_de_{name}.json" for name in ("probe2", "probe3", "probe4",
                                                                                        "probe5", "probe6", "probe7",
                                                                                        "probe8")},
                 **{name: ROOT / "tests" / "data" / f"{name}_articles.json"
                    for name in ("probe9", "probe10", "probe11", "probe12")}}


def dev_articles() -> list[tuple[str, str]]:
    from rag.eval_run import load_squad

    seeds = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "seeds").glob("*.txt"))]
    return seeds + load_squad(XQUAD_3)[0]


def probe_articles(section: str) -> list[tuple[str, str]]:
    """The development set's articles and the three more a later probe section's questions ask about."""
    from rag.eval_run import load_squad

    return dev_articles() + load_squad(MORE_ARTICLES[section])[0]


def cell(scores: dict[str, object]) -> str:
    return f"{scores['correct']}/{scores['questions']}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--llms", default="extractive,llama-cpp")
    p.add_argument("--peer", action="store_true", help="also run the plain LangChain tutorial pipeline")
    p.add_argument("--embedder", default="e5-small")
    p.add_argument("--every", type=int, default=1, help="ask every n-th question only")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--kinds", default="", help="only these kinds, comma-separated (e.g. yesno,why)")
    p.add_argument("--unanswerable", action="store_true", help="only the unanswerable questions")
    p.add_argument("--langs", default="", help="only questions in these languages, comma-separated (de, en)")
    p.add_argument("--out", default="dev_answers", help="name of the raw result file in bench/out/")
    p.add_argument("--section", choices=tuple(SECTIONS), default="main",
                   help="main: the 190 questions on seeds and XQuAD; time: the time-aware questions; probe, "
                        "probe-time: the probe questions on the same articles; probe2 … probe12: 48 more each, mostly "
                        "on three more articles each (probe6: Doctor Who, the Yuan dynasty, civil disobedience; "
                        "probe7: Fresno, ABC, imperialism; probe8: Private school, Jacksonville, prime numbers; "
                        "probe9 … probe12: three news articles written for each)")
    p.add_argument("--judge-min", type=float, default=None, help="the judge's least P(yes) (rag.chain.JUDGE_MIN)")
    p.add_argument("--check-min", type=float, default=None, help="the check's least P(yes) (rag.reading.CHECK_MIN)")
    p.add_argument("--verdict-min", type=float, default=None,
                   help="a yes/no verdict's least share (rag.reading.VERDICT_MIN)")
    args = p.parse_args(argv)
    if args.peer and args.section != "main":
        p.error("--peer runs on the main section only")

    import rag.chain
    import rag.reading

    for value, module, name in ((args.judge_min, rag.chain, "JUDGE_MIN"), (args.check_min, rag.reading, "CHECK_MIN"),
                                (args.verdict_min, rag.reading, "VERDICT_MIN")):
        if value is not None:  # the answers' record says which settings they were made with
            setattr(module, name, value)

    from rag.eval_run import dev_scores, evaluate, load_jsonl

    items = load_jsonl(SECTIONS[args.section])
    if args.kinds:
        items = [it for it in items if it.kind in args.kinds.split(",")]
    if args.unanswerable:
        items = [it for it in items if not it.answerable]
    if args.langs:
        items = [it for it in items if it.language in args.langs.split(",")]
    items = items[:: args.every][: args.limit]
    if args.section in DATED:
        index_dir, today = dated_index(args.embedder)
        os.environ["RAG_TODAY"] = today  # "letzte Woche" as of the corpus's day
    elif args.section in MORE_ARTICLES:
        index_dir = cached_index(args.section, probe_articles(args.section), args.embedder)
    else:
        index_dir = cached_index("dev", dev_articles(), args.embedder)
    results: dict[str, dict[str, object]] = {}
    for llm in [x for x in args.llms.split(",") if x]:
        print(f"answering with {llm}…", file=sys.stderr)
        results[llm] = evaluate(items, index_dir, llm=llm)
    if args.peer:
        from peer import evaluate_peer

        print("answering with the LangChain tutorial pipeline…", file=sys.stderr)
        results["langchain tutorial"] = evaluate_peer(items, dev_articles())
    names = list(results)
    kinds = sorted({it.kind for it in items})
    rows = []
    for group, pick in [("all", lambda r: True)] + [(k, lambda r, k=k: r["kind"] == k) for k in kinds] + [
            (f"lang {lang}", lambda r, lang=lang: r["language"] == lang) for lang in ("de", "en")]:
        row: list[object] = [group]
        for name in names:
            scored = [r for r in results[name]["rows"] if pick(r)]  # type: ignore[index]
            row.append(cell(dev_scores(scored)) if scored else "–")
        rows.append(row)
    print(f"\n**Development set** ({len(items)} questions, {sum(not it.answerable for it in items)} unanswerable; "
          f"correct / questions)\n")
    print(table(["kind", *names], rows))
    summary = []
    for name in names:
        rs = results[name]["rows"]  # type: ignore[index]
        d = dev_scores(rs)
        m = results[name]["metrics"]  # type: ignore[index]
        summary.append([name, f"{d['answerable_correct']}/{d['answerable']}", d["key_fact_recall"],
                        f"{d['abstained_right']}/{d['unanswerable']}", d["false_abstentions"],
                        d["verified_but_wrong"] if name != "langchain tutorial" else "–",
                        m.get("mixed_language_answers", "–"),
                        m["p50_ms"]["total_ms"], m["p95_ms"]["total_ms"], m["p50_ms"].get("first_token_ms")])
    print()
    print(table(["backend", "answerable correct", "key-fact recall", "unanswerable abstained", "false abstentions",
                 "verified but wrong", "answers mixing languages", "p50 ms", "p95 ms", "p50 first text ms"], summary))
    print_machine()
    path = write_result(args.out, {"args": vars(args), "results": results})
    print(f"\nraw rows: {path}", file=sys.stderr)
    json.dumps(results, default=str)  # fail here, not later, if a row is not JSON
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
