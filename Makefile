# azlab: `make test` and `make demo` work on a fresh machine; every install step lives here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
LINTED := azlab tests benchmarks scripts $(wildcard runbooks)

# Installs go through uv, from lock files with hashes (the versions that were tested): `make lock`
# after a dependency change, `make lock-upgrade` to move every pin (README, "Dependencies").
UV_VERSION := 0.13.8
UV := $(BIN)/uv
LOCK := requirements.lock
LATEST_VENV := .venv-latest
# azure-cli pins its own azure-mgmt releases, so it gets a venv of its own.
AZ_VENV := .venv-az
AZ_LOCK := requirements-az.lock
AZ_STAMP := $(AZ_VENV)/.installed

.PHONY: setup python-deps node-deps system-deps az-deps lint typecheck test test-fast test-latest \
	test-az lock lock-upgrade dist demo bench bench-quick soak clean

setup: python-deps node-deps system-deps

python-deps: $(PY_STAMP)
$(PY_STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q uv==$(UV_VERSION)
	# Compiled at install as pip does: otherwise every fresh process (each CLI run, each test
	# subprocess) compiles the azure-mgmt modules again, seconds of CPU and 200 MiB more.
	$(UV) pip install -q --python $(BIN)/python --compile-bytecode --require-hashes -r $(LOCK)
	$(UV) pip install -q --python $(BIN)/python --no-deps -e .
	# A dependency added to pyproject.toml but missing from the lock fails here.
	$(UV) pip check -q --python $(BIN)/python
	touch $@

az-deps: $(AZ_STAMP)
$(AZ_STAMP): $(AZ_LOCK) | python-deps
	test -x $(AZ_VENV)/bin/python || $(PYTHON) -m venv --without-pip $(AZ_VENV)
	$(UV) pip install -q --python $(AZ_VENV)/bin/python --compile-bytecode --require-hashes -r $(AZ_LOCK)
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
	$(BIN)/lint-imports

typecheck: python-deps
	$(BIN)/mypy

# Two processes, a file each at a time: most of the suite waits on the sandbox's simulated
# operation times, so two run in about the time of one (each has its own sandbox).
test: setup lint typecheck
	$(BIN)/pytest -n 2 --dist loadfile

test-fast: python-deps
	$(BIN)/pytest -x -m "not slow"

# The suite against the newest releases of every dependency, in a venv of its own.
test-latest: python-deps node-deps system-deps
	rm -rf $(LATEST_VENV)
	$(PYTHON) -m venv --without-pip $(LATEST_VENV)
	$(UV) pip install -q --python $(LATEST_VENV)/bin/python --compile-bytecode --refresh -e '.[dev]'
	$(LATEST_VENV)/bin/python scripts/lock_drift.py $(LOCK)
	$(LATEST_VENV)/bin/pytest

# The az CLI, unmodified, against a sandbox of its own (tests/azcli; the table it prints says
# which commands work).
test-az: python-deps node-deps az-deps
	AZLAB_AZ_CLI=$(CURDIR)/$(AZ_VENV)/bin/az $(BIN)/pytest -m azcli -p no:cacheprovider tests/azcli

LOCK_FLAGS := --quiet --generate-hashes --custom-compile-command "make lock"
# One lock for every Python CI tests (3.10 to 3.13): markers keep 3.10's backports apart.
MAIN_LOCK_FLAGS := $(LOCK_FLAGS) --universal --python-version 3.10
AZ_LOCK_FLAGS := $(LOCK_FLAGS) --python-version 3.11

# Keeps every pin it can; adds what pyproject.toml (or requirements-az.in) asks for anew.
lock: python-deps
	$(UV) pip compile $(MAIN_LOCK_FLAGS) --extra dev -o $(LOCK) pyproject.toml
	$(UV) pip compile $(AZ_LOCK_FLAGS) -o $(AZ_LOCK) requirements-az.in

lock-upgrade: python-deps
	$(UV) pip compile $(MAIN_LOCK_FLAGS) --upgrade --extra dev -o $(LOCK) pyproject.toml
	$(UV) pip compile $(AZ_LOCK_FLAGS) --upgrade -o $(AZ_LOCK) requirements-az.in

# The sdist and the wheel in dist/, built offline with the locked setuptools, checked by twine.
dist: python-deps
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .
	$(BIN)/twine check --strict dist/*

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
	# The GitHub Action end to end: pip installs its checkout into a fresh venv (tests/repo).
	$(BIN)/pytest -m soak tests/repo
	# migrate killed at each of its eleven steps (tests/migrate).
	$(BIN)/pytest -m soak tests/migrate

clean:
	rm -rf $(VENV) $(LATEST_VENV) $(AZ_VENV) node_modules .mypy_cache .ruff_cache .pytest_cache dist build
