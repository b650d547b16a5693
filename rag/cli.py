"""Command line: `rag index …`, `rag search`, `rag ask`, `rag serve`, `rag eval`.

Only `RagError` is caught (its message is for the user, exit code 2); anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .errors import RagError


def _progress_bar(enabled: bool) -> tuple[Callable[[str, int, int], None], Callable[[], None]]:
    """A tqdm bar per stage on stderr (hidden with --json or when stderr is not a terminal)."""
    if not enabled:
        return (lambda stage, done, total: None), (lambda: None)
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def update(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="item", file=sys.stderr, leave=True)
        bar.total = total
        bar.n = done
        bar.refresh()

    def close() -> None:
        for bar in bars.values():
            bar.close()

    return update, close


def _print_report(report: Any, as_json: bool) -> None:
    data = report.to_json()
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
        return
    print(
        f"added {data['added']}, updated {data['updated']}, removed {data['removed']}, "
        f"unchanged {data['unchanged']}, chunks embedded {data['chunks_embedded']}"
    )
    for s in data["skipped"]:
        print(f"  skipped {s['path']}: {s['reason']}")
    for d in data["near_duplicates"]:
        print(f"  one story: {d['path']} repeats {d['of']} ({d['similarity']:.0%} of its 4-word runs)")


def cmd_index(args: argparse.Namespace) -> int:
    from . import api

    if args.action in ("status", "check", "compact", "migrate"):
        if args.action == "migrate":
            if not args.to:
                raise RagError("Name the store to copy the index to: `rag index migrate --to postgresql://…`.")
            status = api.engine().migrate_index(args.to, args.index, replace_existing=args.replace)
        elif args.action == "compact":
            status = api.compact_index(args.index)
        else:
            status = api.index_status(args.index, checksums=args.action == "check")
        if args.json:
            print(json.dumps(status, ensure_ascii=False))
        else:
            for key, value in status.items():
                print(f"{key:10} {value}")
        return 0
    progress, close = _progress_bar(not args.json)
    try:
        if args.action == "build":
            report = api.build_index(args.articles, args.index, args.embedder, progress=progress)
        elif args.action == "update":
            report = api.update_index(args.articles, args.index, args.embedder, progress=progress)
        elif args.action == "add":
            if not args.files:
                raise RagError("Name the files to add: `rag index add FILE …`.")
            report = api.add_files(args.files, articles_dir=args.articles, index_dir=args.index, progress=progress)
        elif args.action == "watch":
            return _watch(args)
        else:  # pragma: no cover - argparse restricts choices
            raise RagError(f"Unknown action {args.action}")
    finally:
        close()
    _print_report(report, args.json)
    return 0


def _watch(args: argparse.Namespace) -> int:
    from . import api
    from .config import env_feeds_every
    from .watch import watch

    s = api.engine().settings
    articles, index = args.articles or s.articles_dir, api.engine().index_dir(args.index)
    print(f"Watching {articles} (Ctrl-C to stop)…", file=sys.stderr)
    try:
        watch(articles, index, args.embedder, on_report=lambda r: _print_report(r, args.json),
              stop_after_s=args.seconds, feeds_every_s=env_feeds_every() * 60)
    except KeyboardInterrupt:
        pass
    return 0


def cmd_feeds(args: argparse.Namespace) -> int:
    """`rag feeds add URL | list | pull`; exits 1 when a feed or an item failed (each is listed)."""
    from . import api

    if args.action == "list":
        listed = api.list_feeds(args.articles)
        if args.json:
            print(json.dumps(listed, ensure_ascii=False))
        elif not listed:
            print("No feeds yet. Add one: rag feeds add https://example.org/rss.xml")
        for f in [] if args.json else listed:
            state = f"last error: {f['last_error']}" if f["last_error"] else f"last pull {f['last_pull'] or 'never'}"
            print(f"{f['url']}  {f['title'] or '(untitled)'}  {f['items']} items, {state}")
        return 0
    if args.action == "add" and not args.url:
        raise RagError("Name the feed: `rag feeds add https://example.org/rss.xml`.")
    if args.action == "pull" and args.url:
        raise RagError("`rag feeds pull` pulls every feed added; it takes no address.")
    progress, close = _progress_bar(not args.json)
    try:
        if args.action == "add":
            feed, report, update = api.add_feed(args.url, args.articles, args.index, progress=progress)
        else:
            feed, (report, update) = None, api.pull_feeds(args.articles, args.index, progress=progress)
    finally:
        close()
    data = {**({"feed": {"url": feed["url"], "title": feed["title"]}} if feed else {}), **report.to_json(),
            "index": update.to_json()}
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        if feed:
            print(f"feed {feed['url']}: {feed['title'] or '(untitled)'}")
        print(f"{report.feeds} feed(s): {report.items_new} new, {report.items_updated} updated, "
              f"{report.items_unchanged} unchanged, {len(report.items_failed)} failed")
        for failure in report.items_failed:
            print(f"  failed {failure.url}: {failure.reason}")
        _print_report(update, False)
    return 1 if report.items_failed else 0


def _filter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only articles published on or after this day")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="only articles published on or before this day")
    p.add_argument("--source", metavar="DOMAIN", help="only articles from this outlet, e.g. baotintuc.vn")


def cmd_search(args: argparse.Namespace) -> int:
    from . import api

    hits = api.search(args.question, k=args.k, index_dir=args.index, mode=args.mode, since=args.since,
                      until=args.until, source=args.source)
    rows: list[dict[str, Any]] = [
        {"rank": h.rank, "score": round(h.score, 6), "article_id": h.article_id, "title": h.title, "url": h.url,
         "date": h.date, "date_source": h.date_source, "chunk_id": h.chunk.id, "sentence": h.sentence,
         "text": h.chunk.text}
        for h in hits
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    else:
        for r in rows:
            print(f"{r['rank']}. [{r['score']:.4f}] {r['title']} — {r['date'] or 'undated'} — {r['url'] or ''}")
            print(f"   {r['sentence'] or r['text'][:300]}")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from . import api

    final = None
    streamed = False
    for event in api.ask_stream(args.question, llm=args.llm, index_dir=args.index, k=args.k, since=args.since,
                                until=args.until, source=args.source):
        if event.kind == "evidence" and not args.json and event.answer and not event.answer.abstained:
            print(f"(evidence) {event.text}", file=sys.stderr, flush=True)
        elif event.kind == "token" and not args.json:
            if not streamed:
                print("(generating) ", end="", file=sys.stderr, flush=True)
            streamed = True
            print(event.text, end="", file=sys.stderr, flush=True)
        elif event.kind == "final":
            final = event.answer
    assert final is not None
    if args.json:
        print(json.dumps(final.to_json(), ensure_ascii=False))
        return 0
    if streamed:
        print(file=sys.stderr)
    print(final.answer)
    if not final.verified and final.reason:
        print(f"(unverified: {final.reason})")
    elif final.abstained and final.reason:
        print(f"({final.reason})")
    for c in final.citations:
        dated = f"{c.date} ({c.date_source})" if c.date else "undated"
        told = f" — tells of {c.tells_of}" if c.tells_of else ""
        print(f"[{c.n}] {c.title} — {dated} — {c.url or 'no link'}\n    „{c.quote}“{told}")
        for o in c.also_reported_by:
            print(f"    also reported by: {o.title} — {o.date or 'undated'} — {o.url or 'no link'}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ui.server import serve

    from . import api

    serve(host=args.host, port=args.port, auth=args.auth, api_key=args.api_key, store_url=api.engine().settings.store)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .eval_run import main as eval_main

    return eval_main(args)


def _store_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", default=None,
                        help="where the index lives: local (the index folder) or postgresql://user:pw@host/db "
                             "(default: RAG_STORE or local)")


def _apply_store(args: argparse.Namespace) -> None:
    """`--store`: the default engine's index location for this command (an `--index` folder beside a
    database is a contradiction, refused with the fix)."""
    from . import api
    from .config import check_store

    if getattr(args, "store", None) is None:
        return
    where = check_store(args.store, "--store")
    if where != "local" and getattr(args, "index", None) is not None:
        raise RagError("Give either --index (a folder) or --store postgresql://… (a database), not both.")
    eng = api.engine()
    eng.settings = eng.settings.with_(store=where)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rag", description="Quellenlage: cited answers from news articles, offline.")
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = p.add_subparsers(dest="command", required=True)

    ix = sub.add_parser("index", help="build, update or inspect the index")
    ix.add_argument("action", choices=["build", "update", "add", "status", "check", "compact", "watch", "migrate"],
                    help="check: status after verifying every index file's checksum (a database: its counts); "
                         "compact: merge the generations that updates added into one (a database: vacuum); "
                         "migrate: copy the index to --to (a PostgreSQL URL or a folder), nothing embedded again")
    ix.add_argument("--to", default=None, help="for `migrate`: postgresql://user:pw@host/db or a folder")
    ix.add_argument("--replace", action="store_true", help="for `migrate`: overwrite an index already at --to")
    ix.add_argument("files", nargs="*", type=Path, help="files for `add`")
    ix.add_argument("--articles", type=Path, help="articles folder (default: RAG_ARTICLES_DIR or seeds/)")
    ix.add_argument("--index", type=Path, help="index folder (default: RAG_INDEX_DIR or index/)")
    ix.add_argument("--embedder", help="e5-small | sentence-transformers:<path> | hashing")
    ix.add_argument("--json", action="store_true", help="print JSON")
    ix.add_argument("--seconds", type=float, default=None, help=argparse.SUPPRESS)
    _store_arg(ix)
    ix.set_defaults(func=cmd_index)

    fd = sub.add_parser("feeds", help="RSS and Atom feeds: add one, list them, pull new and edited items")
    fd.add_argument("action", choices=["add", "list", "pull"])
    fd.add_argument("url", nargs="?", help="the feed's address, for `add`")
    fd.add_argument("--articles", type=Path,
                    help="articles folder the items go to (default: RAG_ARTICLES_DIR or seeds/)")
    fd.add_argument("--index", type=Path, help="index folder (default: RAG_INDEX_DIR or index/)")
    fd.add_argument("--json", action="store_true", help="print JSON")
    _store_arg(fd)
    fd.set_defaults(func=cmd_feeds)

    se = sub.add_parser("search", help="show the chunks that match a question")
    se.add_argument("question")
    se.add_argument("-k", type=int, default=5)
    se.add_argument("--index", type=Path)
    se.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    se.add_argument("--json", action="store_true")
    _filter_args(se)
    _store_arg(se)
    se.set_defaults(func=cmd_search)

    ak = sub.add_parser("ask", help="answer a question with cited sources")
    ak.add_argument("question")
    ak.add_argument("--llm", help="llama-cpp[:path] | openai:<base_url>[#model] | extractive | auto")
    ak.add_argument("--index", type=Path)
    ak.add_argument("-k", type=int, default=5)
    ak.add_argument("--json", action="store_true")
    _filter_args(ak)
    _store_arg(ak)
    ak.set_defaults(func=cmd_ask)

    sv = sub.add_parser("serve", help="start the chat page and the OpenAI-compatible API /v1 (localhost by default)")
    sv.add_argument("--host", default=None)
    sv.add_argument("--port", type=int, default=None)
    sv.add_argument("--auth", default=None, help="user:password (or RAG_AUTH)")
    sv.add_argument("--api-key", default=None, help="bearer key of the OpenAI-compatible API /v1 (or RAG_API_KEY)")
    _store_arg(sv)
    sv.set_defaults(func=cmd_serve)

    ev = sub.add_parser("eval", help="measure retrieval and answers on a QA file")
    ev.add_argument("--qa", type=Path, required=True, help="SQuAD v1.1 JSON or JSONL questions")
    ev.add_argument("--retrieval-only", action="store_true")
    ev.add_argument("-k", type=int, default=5)
    ev.add_argument("--llm", default=None)
    ev.add_argument("--limit", type=int, default=None)
    ev.add_argument("--index", type=Path)
    ev.add_argument("--embedder", default=None)
    ev.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    ev.add_argument("--json", action="store_true")
    _store_arg(ev)
    ev.set_defaults(func=cmd_eval)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from . import api

    args = build_parser().parse_args(argv)
    api.reset()  # one command, one reading of the environment
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        _apply_store(args)
        return int(args.func(args))
    except RagError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
