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

.PHONY: run test install install-dev

$(VPY):
	$(PY) -m venv $(VENV)
	$(VPY) -m pip install --upgrade pip

install: $(VPY)
	@echo "Installing Quellenlage (llama.cpp compiles once, ~9 min on 2 cores; progress follows)…"
	$(VPY) -m pip install --progress-bar on -v -e '.[llm]' 2>&1 | grep -E --line-buffered '^\s*\[[0-9]+/[0-9]+\]|Successfully|ERROR|error:|Collecting|Building' || true
	$(VPY) -c "import rag, llama_cpp" || (echo "Install failed: see the output above." && exit 1)

install-dev: $(VPY)
	@echo "Installing Quellenlage with dev dependencies (llama.cpp compiles once, ~9 min; progress follows)…"
	$(VPY) -m pip install -v -e '.[dev]' 2>&1 | grep -E --line-buffered '^\s*\[[0-9]+/[0-9]+\]|Successfully|ERROR|error:|Collecting|Building' || true
	$(VPY) -c "import rag, llama_cpp, pytest, selenium, psycopg, pgvector, pgserver" || (echo "Install failed: see the output above." && exit 1)

run: install
	$(VENV)/bin/rag serve

test: install-dev
	$(VPY) -m pytest
