# Quellenlage — two commands on a fresh machine:
#   make run    install and start the chat page on the shipped articles (http://127.0.0.1:7860)
#   make test   install the dev dependencies and run the whole test suite
PY      ?= python3
VENV    ?= .venv
VPY     := $(VENV)/bin/python
# Portable llama.cpp build: a native (-march=native) build can crash on CPUs whose features the
# kernel does not enable (seen with AMX in VMs), and pip caches the wheel for other machines.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
export HF_HUB_OFFLINE = 1

.PHONY: run test install install-dev dictionary

$(VPY):
	$(PY) -m venv $(VENV)
	$(VPY) -m pip install --upgrade pip

# Ding's German-English dictionary (Debian/Ubuntu `trans-de-en`, 25 MB) ranks German sentences for English
# questions (rag/glossary.py); without it they are ranked as before. Installed where apt-get may run as root.
GLOSSARY ?= $(or $(RAG_GLOSSARY),/usr/share/trans/de-en)
dictionary:
	@test -f "$(GLOSSARY)" || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { echo "Installing Debian's trans-de-en (Ding's German-English dictionary) for English questions…"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq trans-de-en >/dev/null 2>&1 || \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq trans-de-en >/dev/null; }; }; } || \
	  echo "Note: no German-English dictionary at $(GLOSSARY); English questions rank better with it: sudo apt-get install trans-de-en (or set RAG_GLOSSARY to Ding's de-en file)."

install: $(VPY) dictionary
	@echo "Installing Quellenlage (llama.cpp compiles once, ~9 min on 2 cores; progress follows)…"
	$(VPY) -m pip install --progress-bar on -v -e '.[llm]' 2>&1 | grep -E --line-buffered '^\s*\[[0-9]+/[0-9]+\]|Successfully|ERROR|error:|Collecting|Building' || true
	$(VPY) -c "import rag, llama_cpp" || (echo "Install failed: see the output above." && exit 1)

install-dev: $(VPY) dictionary
	@echo "Installing Quellenlage with dev dependencies (llama.cpp compiles once, ~9 min; progress follows)…"
	$(VPY) -m pip install -v -e '.[dev]' 2>&1 | grep -E --line-buffered '^\s*\[[0-9]+/[0-9]+\]|Successfully|ERROR|error:|Collecting|Building' || true
	$(VPY) -c "import rag, llama_cpp, pytest, selenium, psycopg, pgvector, pgserver" || (echo "Install failed: see the output above." && exit 1)

run: install
	$(VENV)/bin/rag serve

test: install-dev
	$(VPY) -m pytest
