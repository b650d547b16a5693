"""Load test for a running `rag serve`: N concurrent chat sessions on 127.0.0.1.

    rag serve &                                  # or RAG_LLM=extractive rag serve
    .venv/bin/python bench/load.py --sessions 20 --pid $!

Each session is its own gradio_client connection (its own chat history) and asks a few questions
one after another through the `/ask` endpoint. Prints the machine, p50/p95 latency to the first
shown answer and to the final answer, the error count and, with --pid, the server's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

QUESTIONS = [
    "Wie viele Kisten mit sterblichen Überresten hat Vietnam zurückgegeben?",
    "When will Hegseth and Ahn Gyu-back hold the Security Consultative Meeting?",
    "Welche Länder besucht Hegseth auf seiner Asienreise?",
    "Wie viele davon wurden identifiziert?",
]
MAX_SESSIONS = 100
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass
class Result:
    first_s: list[float] = field(default_factory=list)
    total_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _last_bot_text(output: Any) -> str:
    """The text of the last chat message in an `/ask` output (chatbot messages, sources, textbox)."""
    messages = output[0] if isinstance(output, (list, tuple)) and output else []
    if not messages:
        return ""
    content = messages[-1].get("content")
    if isinstance(content, list) and content:
        return str(content[0].get("text", ""))
    return str(content or "")


def _session(url: str, auth: tuple[str, str] | None, questions: list[str], res: Result) -> None:
    from gradio_client import Client

    try:
        client = Client(url, auth=auth, verbose=False)
    except Exception as e:  # a bench reports failures, it does not stop on them
        with res.lock:
            res.errors.append(f"connect: {type(e).__name__}: {e}")
        return
    for q in questions:
        t0 = time.perf_counter()
        first: float | None = None
        try:
            job = client.submit(q, api_name="/ask")
            for out in job:
                if first is None and 'class="a pending"' not in _last_bot_text(out):
                    first = time.perf_counter() - t0
            final = job.result()
            total = time.perf_counter() - t0
            text = _last_bot_text(final)
            if 'class="a error"' in text or not text:
                raise RuntimeError(f"error answer: {text[:120]}")
        except Exception as e:
            with res.lock:
                res.errors.append(f"{type(e).__name__}: {e}")
            continue
        with res.lock:
            res.first_s.append(first if first is not None else total)
            res.total_s.append(total)


def _rss_kib(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def _check_url(url: str) -> str:
    host = urlsplit(url).hostname or ""
    if host not in LOCAL_HOSTS:
        raise SystemExit(f"Refusing {url}: this bench only talks to a server on 127.0.0.1 / localhost.")
    return url


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:7860/", help="the running `rag serve` (local only)")
    ap.add_argument("--sessions", type=int, default=20, help=f"concurrent chat sessions (1..{MAX_SESSIONS})")
    ap.add_argument("--questions", type=int, default=3, help="questions per session, asked one after another")
    ap.add_argument("--pid", type=int, default=None, help="server process id, to report its peak RSS")
    ap.add_argument("--auth", default=os.environ.get("RAG_AUTH"), help="user:password when the server has a login")
    args = ap.parse_args(argv)
    url = _check_url(args.url)
    sessions = max(1, min(args.sessions, MAX_SESSIONS))
    n_q = max(1, args.questions)
    auth = tuple(args.auth.split(":", 1)) if args.auth else None

    import gradio_client

    print(
        f"machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, gradio_client {gradio_client.__version__}"
    )
    print(f"target:  {url}  sessions={sessions} questions/session={n_q}")
    res = Result()
    peak_sampled = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_sampled
        while not stop.is_set() and args.pid:
            peak_sampled = max(peak_sampled, _rss_kib(args.pid, "VmRSS") or 0)
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        for i in range(sessions):
            qs = [QUESTIONS[(i + j) % len(QUESTIONS)] for j in range(n_q)]
            pool.submit(_session, url, auth, qs, res)
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()

    done = len(res.total_s)
    print(f"answers: {done} ok, {len(res.errors)} errors in {wall:.1f} s ({done / wall:.2f} answers/s)")
    print(f"first answer shown: p50 {_pct(res.first_s, 50) * 1000:.0f} ms, p95 {_pct(res.first_s, 95) * 1000:.0f} ms")
    print(f"final answer:       p50 {_pct(res.total_s, 50) * 1000:.0f} ms, p95 {_pct(res.total_s, 95) * 1000:.0f} ms")
    for err in sorted(set(res.errors))[:5]:
        print(f"  error: {err}")
    if args.pid:
        hwm = _rss_kib(args.pid, "VmHWM")
        peak = max(hwm or 0, peak_sampled)
        print(
            f"server pid {args.pid}: peak RSS {peak / 1024:.0f} MiB" if peak else f"server pid {args.pid}: not readable"
        )
    return 1 if res.errors else 0


if __name__ == "__main__":
    sys.exit(main())
