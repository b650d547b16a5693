"""`rag eval`: retrieval and answer quality on a QA file.

A SQuAD v1.1 JSON file brings its own articles (each title's paragraphs joined, indexed into a
temporary index); JSONL questions (`{"id","question","answers","answerable"}`) ask the current index.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import api
from .errors import RagError
from .lang import detect_language
from .metrics import (
    QAItem,
    best_f1,
    contains_answer,
    exact_match,
    gold_rank,
    key_fact_score,
    mean_or_none,
    mrr,
    percentile,
    recall_at,
)
from .verify import mixes_languages

log = logging.getLogger(__name__)

STAGES = ("retrieve_ms", "first_token_ms", "total_ms")
def load_squad(path: Path) -> tuple[list[tuple[str, str]], list[QAItem]]:
    """(title, text) per article and the questions of a SQuAD v1.1 file."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    articles: list[tuple[str, str]] = []
    items: list[QAItem] = []
    for art in data["data"]:
        paragraphs = [p["context"].strip() for p in art["paragraphs"]]
        articles.append((str(art.get("title", "")).replace("_", " "), "\n\n".join(paragraphs)))
        for p in art["paragraphs"]:
            for qa in p["qas"]:
                golds = tuple(dict.fromkeys(a["text"] for a in qa.get("answers", [])))
                impossible = bool(qa.get("is_impossible", False))
                items.append(QAItem(str(qa["id"]), qa["question"], golds, not impossible and bool(golds)))
    return articles, items


def load_jsonl(path: Path) -> list[QAItem]:
    items = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            facts = tuple(tuple(str(a) for a in group) for group in row.get("key_facts", []))
            # without gold answers, a chunk holding a key fact counts as retrieved
            answers = tuple(str(a) for a in row.get("answers", [])) or tuple(a for g in facts for a in g)
            translated = tuple(str(a) for a in row.get("answers_translated", []))
            items.append(QAItem(str(row.get("id", n)), str(row["question"]), answers,
                                bool(row.get("answerable", bool(answers))), row.get("language"), translated,
                                str(row.get("kind", "")), facts, tuple(str(a) for a in row.get("must_not", [])),
                                tuple(str(h) for h in row.get("history", []))))
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise RagError(f"{path} line {n} is not a QA record ({e}). Each line must look like "
                           '{"id": …, "question": …, "answers": […], "answerable": true}.') from e
    return items


def is_squad(path: Path) -> bool:
    """A SQuAD JSON file (one object) rather than JSONL questions."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise RagError(f"Cannot read {path} ({e.strerror}). Check the --qa path.") from e
    return text.lstrip()[:1] == "{" and Path(path).suffix.lower() != ".jsonl"


def write_articles(articles: Sequence[tuple[str, str]], folder: Path) -> None:
    """One .txt per article: its paragraphs, blank lines between (the title only names the file)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, (title, text) in enumerate(articles):
        slug = re.sub(r"[^\w-]+", "_", title)[:60] or "article"
        (folder / f"{i:03d}_{slug}.txt").write_text(text + "\n", encoding="utf-8")


# --- evaluation ------------------------------------------------------------------------------------

def _citations(citations: Sequence[Any], golds: Sequence[str]) -> list[dict[str, Any]]:
    return [{"n": c.n, "title": c.title, "quote": c.quote, "ok": gold_rank([c.quote], golds) is not None}
            for c in citations]


def evaluate(items: Sequence[QAItem], index_dir: Path | str | None = None, *, k: int = 5, mode: str = "hybrid",
             llm: str | None = None, retrieval_only: bool = False, progress: bool = True) -> dict[str, Any]:
    """Ask every question; returns {"metrics": {...}, "rows": [...]}. Answers always use hybrid retrieval.

    The models are loaded and their prompts' fixed prefixes evaluated first (`Engine.warm_up`, as `rag serve`
    does at start), and the first question is asked once untimed, so that none of it lands in the timings.
    """
    from tqdm import tqdm

    rows: list[dict[str, Any]] = []
    if items:
        api.search(items[0].question, k=k, index_dir=index_dir, mode=mode)
        if not retrieval_only:
            api.engine().warm_up(name=llm, index_dir=index_dir)
            api.ask(items[0].question, llm=llm, index_dir=index_dir, k=k)
    for item in tqdm(items, desc="questions", unit="q", file=sys.stderr, disable=not progress):
        t0 = time.perf_counter()
        hits = api.search(item.question, k=k, index_dir=index_dir, mode=mode)
        search_ms = (time.perf_counter() - t0) * 1000
        row: dict[str, Any] = {
            "id": item.id, "question": item.question, "language": item.language or detect_language(item.question),
            "answerable": item.answerable, "reason": None,
            "rank": gold_rank([h.chunk.text for h in hits], item.answers) if item.answerable else None,
            "answer": None, "abstained": None, "verified": None, "contains": None, "f1": None, "cited_ok": None,
            "citations": [], "timings": {"retrieve_ms": round(search_ms, 1)},
        }
        if not retrieval_only:
            history = [{"role": "user", "content": h} for h in item.history]
            a = api.ask(item.question, history, llm=llm, index_dir=index_dir, k=k)
            cites = _citations(a.citations, item.answers)
            row.update(answer=a.answer, short=a.short, short_source=a.short_source, kind=item.kind or a.kind,
                       abstained=a.abstained, checks=a.checks,
                       mixes_languages=not a.abstained and mixes_languages(a.answer, a.language),
                       verified=a.verified, citations=cites, reason=a.reason,
                       timings={s: round(a.timings[s], 1) for s in STAGES if s in a.timings})
            if item.answerable:
                golds, span = (*item.answers, *item.translated), a.short_source or a.short
                row.update(contains=contains_answer(a.answer, golds),
                           f1=round(best_f1(a.answer, golds), 4), cited_ok=sum(c["ok"] for c in cites),
                           # the gold spans are the article's words: an answer in another language is scored
                           # by the sentence's words it shows for it ("six („sechs“)"), as asked beside that
                           short_f1=round(best_f1(span, golds), 4) if span else 0.0,
                           short_em=exact_match(span, golds),
                           short_f1_as_asked=round(best_f1(a.short, golds), 4) if a.short else 0.0,
                           short_em_as_asked=exact_match(a.short, golds))
            if item.key_facts or not item.answerable:
                recall, correct = key_fact_score(a.answer, item) if not a.abstained else (0.0, False)
                row.update(key_fact_recall=round(recall, 4),
                           correct=correct if item.answerable else bool(a.abstained))
        rows.append(row)
    return {"metrics": metrics(rows, k, retrieval_only), "rows": rows}


def metrics(rows: Sequence[dict[str, Any]], k: int, retrieval_only: bool = False) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    ranks = [r["rank"] for r in answerable]
    m: dict[str, Any] = {"questions": len(rows), "answerable": len(answerable), "unanswerable": len(unanswerable),
                         "k": k, "recall@1": recall_at(ranks, 1), "recall@k": recall_at(ranks, k), "mrr": mrr(ranks)}
    if not retrieval_only:
        answered = [r for r in answerable if not r["abstained"]]
        cites = sum(len(r["citations"]) for r in answered)
        m.update({
            "answer_contains": mean_or_none([float(r["contains"]) for r in answerable]),
            "f1": mean_or_none([r["f1"] for r in answerable]),
            "citation_precision": sum(r["cited_ok"] for r in answered) / cites if cites else None,
            "abstention_accuracy": mean_or_none([float(bool(r["abstained"])) for r in unanswerable]),
            "false_abstentions": sum(1 for r in answerable if r["abstained"]),
            "false_abstention_rate": mean_or_none([float(bool(r["abstained"])) for r in answerable]),
            "verified_rate": mean_or_none([float(bool(r["verified"])) for r in rows if not r["abstained"]]),
            # answers with words of the other language outside their quotes (`rag.verify.mixes_languages`)
            "mixed_language_answers": sum(bool(r.get("mixes_languages")) for r in rows),
        })
        m.update(_short_and_facts(rows))
    for name, q in (("p50_ms", 50), ("p95_ms", 95)):
        m[name] = {s: percentile([r["timings"][s] for r in rows if s in r["timings"]], q) for s in STAGES}
    return m


def _short_and_facts(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Short-answer F1/EM (answerable questions), and the development set's scores overall, per kind
    and per language when the rows carry key facts."""
    answerable = [r for r in rows if r["answerable"]]
    m: dict[str, Any] = {
        "short_answer_f1": mean_or_none([r.get("short_f1", 0.0) for r in answerable]),
        "short_answer_em": mean_or_none([float(bool(r.get("short_em"))) for r in answerable]),
    }
    if any(r.get("short_source") for r in answerable):  # answers in another language: their own words too
        m["short_answer_f1_as_asked"] = mean_or_none([r.get("short_f1_as_asked", 0.0) for r in answerable])
        m["short_answer_em_as_asked"] = mean_or_none([float(bool(r.get("short_em_as_asked"))) for r in answerable])
    scored = [r for r in rows if "correct" in r]
    if scored:
        m["dev"] = dev_scores(scored)
        for key, field in (("dev_by_kind", "kind"), ("dev_by_language", "language")):
            groups: dict[str, list[dict[str, Any]]] = {}
            for r in scored:
                groups.setdefault(str(r.get(field) or "?"), []).append(r)
            m[key] = {g: dev_scores(rs) for g, rs in sorted(groups.items())}
    return m


def dev_scores(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """correct (answerable: all key facts, nothing forbidden; unanswerable: abstained), key-fact recall,
    false abstentions, abstentions right, and answers marked verified that are wrong."""
    ans = [r for r in rows if r["answerable"]]
    un = [r for r in rows if not r["answerable"]]
    answered = [r for r in rows if not r["abstained"]]
    wrong_verified = [r for r in answered if r["verified"] and not r["correct"]]
    return {
        "questions": len(rows),
        "correct": sum(bool(r["correct"]) for r in rows),
        "correct_rate": mean_or_none([float(bool(r["correct"])) for r in rows]),
        "answerable_correct": sum(bool(r["correct"]) for r in ans),
        "answerable": len(ans),
        "key_fact_recall": mean_or_none([r["key_fact_recall"] for r in ans]),
        "false_abstentions": sum(bool(r["abstained"]) for r in ans),
        "abstained_right": sum(bool(r["abstained"]) for r in un),
        "unanswerable": len(un),
        "verified_but_wrong": len(wrong_verified),
        "verified_but_wrong_rate": len(wrong_verified) / len(answered) if answered else None,
    }


def build_squad_index(articles: Sequence[tuple[str, str]], index_dir: Path | str, embedder: str) -> None:
    """Write the articles to a temporary folder and index them into `index_dir` (a folder, which must be
    empty, or a PostgreSQL database that holds no index)."""
    from tqdm import tqdm

    from . import store

    where = store.location(index_dir)
    if isinstance(where, Path) and where.exists() and any(where.iterdir()):
        raise RagError(f"{where} is not empty. A SQuAD file is indexed on its own: pass an empty "
                       "or new folder with --index, or leave --index out for a temporary one.")
    if not isinstance(where, Path) and store.read_manifest(where) is not None:
        raise RagError(f"{store.shown(where)} holds an index already. A SQuAD file is indexed on its own: pass "
                       "--store with an empty database.")
    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in bars:
            bars[stage] = tqdm(total=total, desc=stage, file=sys.stderr)
        bars[stage].total, bars[stage].n = total, done
        bars[stage].refresh()

    with tempfile.TemporaryDirectory(prefix="rag-eval-articles-") as tmp:
        write_articles(articles, Path(tmp))
        try:
            api.build_index(Path(tmp), index_dir, embedder=embedder, progress=progress)
        finally:
            for bar in bars.values():
                bar.close()


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


DEV_COLUMNS = ("questions", "correct", "answerable_correct", "answerable", "key_fact_recall", "false_abstentions",
               "abstained_right", "unanswerable", "verified_but_wrong")


def print_table(result: dict[str, Any]) -> None:
    m = result["metrics"]
    print("| metric | value |\n|---|---|")
    for key, value in m.items():
        if key.startswith("dev"):
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{s.removesuffix('_ms')} {_fmt(v)}" for s, v in value.items() if v is not None)
        print(f"| {key} | {_fmt(value)} |")
    if "dev" in m:
        print("\n| group | " + " | ".join(DEV_COLUMNS) + " |\n" + "|---" * (len(DEV_COLUMNS) + 1) + "|")
        groups = {"all": m["dev"], **m["dev_by_kind"], **{f"lang {k}": v for k, v in m["dev_by_language"].items()}}
        for name, scores in groups.items():
            print(f"| {name} | " + " | ".join(_fmt(scores[c]) for c in DEV_COLUMNS) + " |")
    rows = result["rows"]
    if len(rows) > 60:
        return
    cols = ["id", "language", "rank"] + ([] if "f1" not in m else ["contains", "f1", "abstained", "verified"])
    print("\n| " + " | ".join(cols) + " | question |\n" + "|---" * (len(cols) + 1) + "|")
    for r in rows:
        print("| " + " | ".join(_fmt(r.get(c)) for c in cols) + f" | {r['question'][:70]} |")


def main(args: Any) -> int:
    """Entry point of `rag eval` (args from rag.cli)."""
    path = Path(args.qa)
    squad = is_squad(path)
    try:
        articles, items = load_squad(path) if squad else ([], load_jsonl(path))
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise RagError(f"{path} is not a SQuAD v1.1 file ({e}). Use SQuAD JSON or JSONL questions.") from e
    items = items[: args.limit] if args.limit else items

    def run(index_dir: Path | str | None) -> dict[str, Any]:
        return evaluate(items, index_dir, k=args.k, mode=args.mode, llm=args.llm, retrieval_only=args.retrieval_only)

    if squad:
        with tempfile.TemporaryDirectory(prefix="rag-eval-index-") as tmp:
            store = api.engine().settings.store
            index_dir: Path | str = (Path(args.index) if args.index else store if store != "local"
                                     else Path(tmp) / "index")
            build_squad_index(articles, index_dir, args.embedder or "e5-small")
            result = run(index_dir)
    else:
        if args.embedder:
            log.warning("--embedder is ignored for JSONL questions: the index keeps the embedder it was built with")
        result = run(args.index)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print_table(result)
    return 0
