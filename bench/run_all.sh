#!/usr/bin/env bash
# Run every benchmark one after another (they compete for the same cores otherwise) and keep each
# table in bench/out/<name>.md; docs/BENCHMARKS.md quotes them. About an hour on 2 cores.
#
#   bash bench/run_all.sh [name ...]     # names: retrieval throughput indexing-speed incremental incremental-sizes
#                                        # incremental-e5
#                                        # scale crash crash-work concurrency answers dev-answers
#                                        # time-answers story-links
#                                        # eval-extractive eval-extractive-en eval-llm eval-llm-en judge
#                                        # load load-llm memory
#                                        # experiments (not in the default run): focus-terms judged-threshold
set -uo pipefail
cd "${RAG_ROOT:-$(dirname "$0")/..}"  # RAG_ROOT: when running a copy of this script
PY=${PY:-.venv/bin/python}
RAG=${RAG:-.venv/bin/rag}
OUT=bench/out
mkdir -p "$OUT"
export HF_HUB_OFFLINE=1
XQ=../shared/bench/xquad.de.dev.json
XQ_EN=../shared/bench/xquad.en-questions.de-articles.dev.json
LLM_LIMIT=${LLM_LIMIT:-120}  # ~6 s a question on 2 cores: all 612 would take an hour

run() {  # run NAME CMD...: the table to $OUT/NAME.md, progress to $OUT/NAME.err
  local name=$1; shift
  echo "== $name: $*" >&2
  local t0=$SECONDS
  "$@" >"$OUT/$name.md" 2>"$OUT/$name.err"
  local rc=$?
  echo "   exit $rc after $((SECONDS - t0)) s" >&2
  printf '\n_command: `%s`, exit %s, %s s_\n' "$*" "$rc" "$((SECONDS - t0))" >>"$OUT/$name.md"
}

serve_and_load() {  # serve_and_load NAME LLM SESSIONS QUESTIONS
  local name=$1 llm=$2 sessions=$3 questions=$4 port=7871
  local base; base=$(mktemp -d)
  cp -r seeds "$base/articles"
  RAG_LLM=$llm RAG_ARTICLES_DIR=$base/articles RAG_INDEX_DIR=$base/index RAG_PORT=$port "$RAG" serve \
    >"$OUT/$name.server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 600); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 1
  done
  run "$name" "$PY" bench/load.py --url "http://127.0.0.1:$port/" --sessions "$sessions" --questions "$questions" \
    --pid "$pid"
  kill "$pid"; wait "$pid" 2>/dev/null
  rm -rf "$base"
}

WANT=" $* "
w() { [ $# -eq 0 ] || [ "$WANT" = "  " ] || [[ "$WANT" == *" $1 "* ]]; }
x() { [[ "$WANT" == *" $1 "* ]]; }  # experiments: only when named

w retrieval && run retrieval "$PY" bench/retrieval.py
w throughput && run throughput "$PY" bench/throughput.py
w indexing-speed && run indexing-speed "$PY" bench/indexing_speed.py
w incremental && run incremental "$PY" bench/incremental.py --n 1000
w incremental-sizes && for n in 100 3000 10000; do run "incremental-$n" "$PY" bench/incremental.py --n "$n"; done
w incremental-e5 && run incremental-e5 "$PY" bench/incremental.py --n 100 --embedder e5-small
w scale && run scale "$PY" bench/scale.py --budget-s 420
w crash && run crash "$PY" bench/crash.py --runs 100
w crash-work && run crash-work "$PY" bench/crash.py --runs 50 --window work
w concurrency && run concurrency "$PY" bench/concurrency.py --rounds 3 --page
w answers && run answers "$PY" bench/answers.py --llms extractive,llama-cpp
w dev-answers && run dev-answers "$PY" bench/dev_answers.py --llms extractive,llama-cpp --peer
w time-answers && run time-answers "$PY" bench/dev_answers.py --section time --llms extractive,llama-cpp
w story-links && run story-links "$PY" bench/story_links.py
w eval-extractive && run eval-extractive "$RAG" eval --qa "$XQ" --llm extractive --json
w eval-extractive-en && run eval-extractive-en "$RAG" eval --qa "$XQ_EN" --llm extractive --json
w eval-llm && run eval-llm "$RAG" eval --qa "$XQ" --llm llama-cpp --limit "$LLM_LIMIT" --json
w eval-llm-en && run eval-llm-en "$RAG" eval --qa "$XQ_EN" --llm llama-cpp --limit "$LLM_LIMIT" --json
w judge && run judge "$PY" bench/judge.py
w load && serve_and_load load-extractive-20 extractive 20 3
w load && serve_and_load load-extractive-50 extractive 50 2
w load-llm && serve_and_load load-llm-20 llama-cpp 20 1
w memory && run memory "$PY" bench/memory.py
x focus-terms && run focus-terms "$PY" bench/experiments/focus_terms.py
x judged-threshold && run judged-threshold "$PY" bench/experiments/judged_threshold.py
exit 0
