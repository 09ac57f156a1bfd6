# azlab: `make test` and `make demo` work on a fresh machine; every install step lives here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
LINTED := azlab tests benchmarks scripts $(wildcard runbooks)

# The tested versions, with hashes: `make lock` after a dependency change, `make lock-upgrade`
# to move every pin to its newest release (see the README's "Dependencies").
LOCK := requirements.lock
LOCK_VENV := .venv-lock
PIP_TOOLS := pip-tools==7.6.2
LATEST_VENV := .venv-latest

.PHONY: setup python-deps node-deps system-deps lint typecheck test test-fast test-latest \
	lock lock-upgrade demo bench bench-quick soak clean

setup: python-deps node-deps system-deps

python-deps: $(PY_STAMP)
$(PY_STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes -r $(LOCK)
	$(BIN)/pip install -q --no-deps -e .
	# A dependency added to pyproject.toml but missing from the lock fails here.
	$(BIN)/pip check
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

# The suite against the newest releases of every dependency, in a venv of its own.
test-latest: node-deps system-deps
	rm -rf $(LATEST_VENV)
	$(PYTHON) -m venv $(LATEST_VENV)
	$(LATEST_VENV)/bin/pip install -q --upgrade pip
	$(LATEST_VENV)/bin/pip install -q --upgrade -e '.[dev]'
	$(LATEST_VENV)/bin/python scripts/lock_drift.py $(LOCK)
	$(LATEST_VENV)/bin/pytest

$(LOCK_VENV)/bin/pip-compile:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install -q $(PIP_TOOLS)

PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet \
	--extra dev --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links --output-file $(LOCK) pyproject.toml

# Keeps every pin it can; adds what pyproject.toml asks for anew.
lock: $(LOCK_VENV)/bin/pip-compile
	$(PIP_COMPILE)

lock-upgrade: $(LOCK_VENV)/bin/pip-compile
	$(PIP_COMPILE) --upgrade

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
	rm -rf $(VENV) $(LATEST_VENV) $(LOCK_VENV) node_modules .mypy_cache .ruff_cache .pytest_cache
