# azlab: `make test` and `make demo` work on a fresh machine; every install step lives here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
LINTED := azlab tests benchmarks $(wildcard runbooks)

.PHONY: setup python-deps node-deps system-deps lint typecheck test test-fast demo bench bench-quick soak clean

setup: python-deps node-deps system-deps

python-deps: $(PY_STAMP)
$(PY_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

node-deps: $(NODE_STAMP)
$(NODE_STAMP): package.json
	npm install --no-audit --no-fund --loglevel=error
	# The package ships AzCopy without its execute bit.
	chmod +x node_modules/@azure-tools/azcopy-linux/dist/bin/azcopy_linux_amd64
	touch $@

# AzCopy (an independent client the storage tests compare against) needs libsecret.
system-deps:
	@if ! ldconfig -p 2>/dev/null | grep -q libsecret-1.so.0; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get install -y -qq libsecret-1-0 >/dev/null 2>&1 || \
	     (apt-get update -qq >/dev/null && apt-get install -y -qq libsecret-1-0 >/dev/null)); \
	  else \
	    echo "note: libsecret-1-0 is missing; AzCopy tests will be skipped (apt-get install libsecret-1-0)"; \
	  fi; \
	fi

lint: python-deps
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

typecheck: python-deps
	$(BIN)/mypy

test: setup lint typecheck
	$(BIN)/pytest

test-fast: python-deps
	$(BIN)/pytest -x -m "not slow"

demo: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

# Every benchmark, each a ratio against a bound or baseline measured in the same run; writes
# benchmarks/results/*.json and the generated part of docs/performance.md.
bench: setup
	$(BIN)/python -m benchmarks.suite

# Fewer repeats and smaller sizes, for developers (under two minutes; docs left alone).
bench-quick: setup
	$(BIN)/python -m benchmarks.suite --quick

# The long reliability runs: AZLAB_SOAK_RUNS kills or faulty runs per command (default 50).
soak: setup
	AZLAB_RELIABILITY_FIGURES=benchmarks/results/soak.json $(BIN)/pytest -m soak tests/reliability

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache
