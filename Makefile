# Two commands on a fresh machine:  `make demo` (main job) and `make test` (full test suite).
# `make` alone (or `make help`) lists every target; the `## name: text` lines below are that list.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
# pytest-xdist workers, one per core (`make test JOBS=1`: one process); each test file goes whole to
# one worker, so a module's fixture (the PyAirbyte warehouse, the standard suite's sandbox) runs once
JOBS ?= auto
PYTEST := -m pytest -n $(JOBS) --dist loadfile
PORT ?= 18765
SQL ?=
# the lowest airbyte-cdk setup.py allows, for test-cdk-lowest (the main venv gets the newest)
CDK_LOWEST := $(shell sed -n 's/.*"airbyte-cdk>=\([0-9.]*\),.*/\1/p' setup.py)
VENV_LOWEST ?= .venv-cdk-lowest

# the PostgreSQL warehouse test and `make demo WAREHOUSE=postgres` start a throwaway server from Debian's
# postgresql package (mentions_dev/postgres.py); `postgres-server` installs it when it is missing
WAREHOUSE ?= duckdb
POSTGRES_BIN = $(firstword $(wildcard /usr/lib/postgresql/*/bin/pg_ctl))
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.DEFAULT_GOAL := help
.PHONY: help demo explore test test-unit test-airbyte test-cdk-lowest sandbox bench faults lock clean postgres-server

# The development tools (mentions_dev: sandbox, demo, explore) stay out of the connector's distribution;
# a .pth file puts this folder on the venv's path, so `python -m mentions_dev.sandbox` works from anywhere.
export DEV_TOOLS_ON_PATH := import pathlib, sys, sysconfig; pathlib.Path(sysconfig.get_paths()["purelib"], "mentions-dev.pth").write_text(sys.argv[1] + "\n")

# pip installs uv (seconds); uv installs the rest (about 10 s where pip took minutes), at the versions
# constraints.txt pins: what `make test` ran on (`make lock` renews it). The lowest-CDK venv takes the
# same pins but the CDK's.
$(VENV)/.tests: setup.py constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt uv
	$(UV) pip install --quiet --python $(PY) -c constraints.txt -e '.[tests]'
	$(PY) -c "$$DEV_TOOLS_ON_PATH" $(CURDIR)
	touch $@

$(VENV_LOWEST)/.tests: setup.py constraints.txt $(VENV)/.tests
	$(UV) venv --quiet --seed --python $(PYTHON) $(VENV_LOWEST)
	grep -v '^airbyte-cdk==' constraints.txt > $(VENV_LOWEST)/constraints.txt
	$(UV) pip install --quiet --python $(VENV_LOWEST)/bin/python -c $(VENV_LOWEST)/constraints.txt -e '.[tests]' 'airbyte-cdk==$(CDK_LOWEST)'
	$(VENV_LOWEST)/bin/python -c "$$DEV_TOOLS_ON_PATH" $(CURDIR)
	touch $@

$(VENV)/.warehouse: $(VENV)/.tests
	$(UV) pip install --quiet --python $(PY) -c constraints.txt -e '.[tests,warehouse]'
	touch $@

## help: this list
help:
	@echo "source-mentions: an Airbyte source for Mention, Mentionlytics, Sociovite and Mentionlab."
	@echo "The first run of a target creates .venv/ and installs what it needs (under a minute, with uv)."
	@echo
	@awk '/^## [a-z-]+: / { name = $$2; sub(/:$$/, "", name); text = $$0; sub(/^## [a-z-]+: /, "", text); printf "  make %-15s %s\n", name, text }' $(MAKEFILE_LIST)

## demo: main job, ~2 min: sandbox -> .demo/mentions.duckdb (rebuilt), full then incremental sync; WAREHOUSE=postgres: into a PostgreSQL it starts and stops
demo: $(VENV)/.warehouse $(if $(filter postgres,$(WAREHOUSE)),postgres-server)
	$(PY) -m mentions_dev.demo --warehouse $(WAREHOUSE)

## explore: tables, row counts, newest mentions in the demo file; SQL="SELECT ..." runs a query
explore: $(VENV)/.warehouse
	$(PY) -m mentions_dev.explore $(if $(SQL),--sql "$(SQL)")

## test: full test suite (what .ci/run runs): pytest on every core, then test-airbyte and test-cdk-lowest; about 9 min on a fresh clone (2 cores)
test: $(VENV)/.warehouse postgres-server
	$(PY) $(PYTEST)
	$(MAKE) test-airbyte
	$(MAKE) test-cdk-lowest

## test-unit: the unit tests only (HTTP mocked, no sandbox): the contributor's inner loop, about 90 s
test-unit: $(VENV)/.tests
	$(PY) $(PYTEST) unit_tests

## test-airbyte: Airbyte's own runner, `airbyte-cdk connector test --no-creds` (Docker tests left out), on a copy named source-mentions
test-airbyte: $(VENV)/.tests
	.ci/airbyte-connector-test $(PY)

## test-cdk-lowest: the unit tests against the lowest airbyte-cdk setup.py allows, in .venv-cdk-lowest (`make test`'s own venv has the newest)
test-cdk-lowest: $(VENV_LOWEST)/.tests
	$(VENV_LOWEST)/bin/python -c 'import importlib.metadata as m; print("airbyte-cdk", m.version("airbyte-cdk"))'
	$(VENV_LOWEST)/bin/python $(PYTEST) -q unit_tests

## sandbox: provider emulator on 127.0.0.1:18765 (the sample configs' port) until Ctrl-C
sandbox: $(VENV)/.tests
	$(PY) -m mentions_dev.sandbox --port $(PORT)

## bench: benchmarks on the sandbox (min/median/max of 3 runs) into benchmarks/results.md
bench: $(VENV)/.tests
	$(PY) benchmarks/bench.py

## faults: every provider x every fault, kills and resumes, bad configs, cells shared out over every core (test runs a short form), about 6 min
faults: $(VENV)/.tests
	FAULT_MATRIX=full FAULT_REPORT=benchmarks/faults.txt $(PY) -m pytest -n $(JOBS) --dist load -q integration_tests/test_fault_matrix.py

## lock: renew constraints.txt, the exact versions the venvs, CI and the Docker image install (setup.py keeps ranges)
lock: $(VENV)/.tests
	$(UV) pip compile --quiet --universal --python-version 3.10 --extra tests --extra warehouse setup.py -o constraints.txt

## postgres-server: install Debian's postgresql package (its server binaries) if this machine lacks it
postgres-server:
	@if [ -z "$(POSTGRES_BIN)" ]; then \
		if [ -n "$(SUDO)" ] && ! sudo -n true 2>/dev/null; then \
			echo "PostgreSQL's server binaries are missing and sudo asks for a password: sudo apt-get install postgresql (until then its tests are skipped)"; \
		else \
			echo "installing PostgreSQL's server binaries (Debian package postgresql) for the PostgreSQL warehouse test"; \
			$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
		fi; \
	fi

## clean: remove .venv/, .venv-cdk-lowest/, .demo/ (the DuckDB file) and build leftovers
clean:
	rm -rf $(VENV) $(VENV_LOWEST) .demo *.egg-info
