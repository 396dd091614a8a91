# The README's two commands: `make demo` and `make test`. Both (re)build .venv first and are
# quick when pyproject.toml has not changed since the last install.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# DuckDB extensions copied from their PyPI wheels into the project's extension directory.
EXTENSIONS_STAMP := .state/duckdb_extensions/.installed
TORCH_WHEELS := $(wildcard /opt/wheels)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: demo test lint sqllint dbt-fixtures pytest browser postgres venv clean

venv: $(EXTENSIONS_STAMP)

# torch==2.13.0 goes in first: it is the local CPU build; letting a dependency pick torch
# would pull gigabytes of CUDA wheels.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check $(if $(TORCH_WHEELS),--find-links $(TORCH_WHEELS)) torch==2.13.0
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

$(EXTENSIONS_STAMP): $(STAMP)
	$(BIN)/python -m supportlake.extensions
	@touch $(EXTENSIONS_STAMP)

demo: venv
	$(BIN)/supportlake demo

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache  # the layer contract in .importlinter
	$(BIN)/mypy  # supportlake, ml and flows ([tool.mypy] in pyproject.toml)

sqllint: venv
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/macros dbt_project/data-tests --processes 2

# Real `dbt build` (seeds, models, unit tests, data tests) on the small messy fixtures,
# in a throwaway warehouse so it never touches the demo's.
dbt-fixtures: venv
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	export SUPPORTLAKE_WAREHOUSE=$$tmp/warehouse.duckdb SUPPORTLAKE_LAKE=$$tmp/lake && \
	$(BIN)/supportlake ingest tests/fixtures/landing && \
	$(BIN)/supportlake build --all --unit-tests

# Debian's chromium for the dashboard's screenshot test (skipped, with its reason, without it).
browser:
	@test -x /usr/bin/chromium || ! command -v apt-get >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq chromium)

# A local PostgreSQL for DuckLake catalogs (docs/scale-out.md): Debian's postgresql package,
# a cluster in .state/postgres on 127.0.0.1:54329 (as the postgres user when run as root, as in
# CI). Idempotent. The tests that need it skip, saying why, when it cannot start.
postgres: venv
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || ! command -v apt-get >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq postgresql)
	$(BIN)/python -m supportlake.local_postgres

pytest: venv browser postgres
	$(BIN)/pytest

test: lint sqllint dbt-fixtures pytest

clean:
	rm -rf .state dbt_project/target dbt_project/logs
