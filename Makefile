# joinedup: `make demo` runs the nightly job on demo data; `make test` runs the tests.
# Both install everything first (uv, then the locked environment in .venv).

UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
RUN := $(VENV)/bin
# runs from make demo/run/dev are kept here and show in the Dagster UI; tests use a throwaway instance
DAGSTER_HOME := $(CURDIR)/dagster_home
WITH_HOME := DAGSTER_HOME=$(DAGSTER_HOME)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup browser postgres demo run test test-fast test-faults test-scale-out lint typecheck dev bench clean

setup: $(VENV)/.synced

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --quiet
	touch $@

# Debian's Chromium for the browser tests and board packs (nothing is downloaded by Playwright)
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# Debian's PostgreSQL for the lake tests: each test module starts a throwaway cluster of its own on a
# Unix socket (pipelines/local_postgres.py); nothing runs as a service
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql >/dev/null; }

# the embedded instance's settings (pipelines/instance.py): SQLite files here, no telemetry, no sign-up
# prompt in the UI (rewritten when this file or that module changes)
$(DAGSTER_HOME)/dagster.yaml: Makefile pipelines/instance.py $(VENV)/.synced
	$(RUN)/python -m pipelines.instance $(DAGSTER_HOME) >/dev/null

demo: setup $(DAGSTER_HOME)/dagster.yaml
	$(RUN)/joinedup demo-data --scale small --seed 7
	$(WITH_HOME) $(RUN)/joinedup run

run: setup $(DAGSTER_HOME)/dagster.yaml
	$(WITH_HOME) $(RUN)/joinedup run

lint: setup
	$(RUN)/ruff check .
	$(RUN)/ruff format --check .
	$(RUN)/mypy
	$(RUN)/dagster definitions validate -w workspace.yaml

# mypy alone, over assets, pipelines, tests and bench (configured in pyproject.toml)
typecheck: setup
	$(RUN)/mypy

# every test in one pytest session on both cores (xdist, a file per worker): the longest files first,
# the two scale-out ones (each starts several runs at once) before all (tests/conftest.py, LONGEST_FIRST)
test: setup browser postgres lint
	$(RUN)/pytest

# the edit loop: every test but those marked slow (a whole run of the pipeline, a browser, a server)
test-fast: setup
	$(RUN)/ruff check .
	$(RUN)/ruff format --check .
	$(RUN)/mypy
	$(RUN)/pytest -m "not slow"

# the whole fault matrix: a run killed (kill -9) at the start of every one of its steps (about 40 min)
test-faults: setup
	JOINEDUP_FAULT_MATRIX=every-step $(RUN)/pytest tests/test_resilience.py -k "every_step or kill_leaves"

# the scale-out tests alone (make test starts with them): three partnerships' runs at once into one lake,
# and one partnership's 12 areas as partitions on three workers, one Dagster instance on PostgreSQL
test-scale-out: setup postgres
	$(RUN)/pytest -m scale_out tests/test_scale_out.py tests/test_area_partitions.py

DEV_PORT ?= 3000
dev: setup $(DAGSTER_HOME)/dagster.yaml
	$(WITH_HOME) $(RUN)/python -m pipelines.dev_server -w workspace.yaml -p $(DEV_PORT)

bench: setup
	$(RUN)/python bench/cli_startup.py
	$(RUN)/python bench/national.py --data .bench-data
	$(RUN)/python bench/sensor.py --data .bench-data

clean:
	rm -rf warehouse site inbox reference partners demo_truth.json dagster_home
