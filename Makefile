# Two commands on a fresh machine:  `make demo` (main job) and `make test` (full test suite).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8765
# the lowest airbyte-cdk setup.py allows, for test-cdk-lowest (the main venv gets the newest)
CDK_LOWEST := $(shell sed -n 's/.*"airbyte-cdk>=\([0-9.]*\),.*/\1/p' setup.py)
VENV_LOWEST ?= .venv-cdk-lowest

.PHONY: demo test test-airbyte test-cdk-lowest sandbox bench faults clean

$(VENV)/.tests: setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[tests]'
	touch $@

$(VENV_LOWEST)/.tests: setup.py
	$(PYTHON) -m venv $(VENV_LOWEST)
	$(VENV_LOWEST)/bin/python -m pip install --quiet --upgrade pip
	$(VENV_LOWEST)/bin/python -m pip install --quiet -e '.[tests]' 'airbyte-cdk==$(CDK_LOWEST)'
	touch $@

$(VENV)/.warehouse: $(VENV)/.tests
	$(PY) -m pip install --quiet -e '.[tests,warehouse]'
	touch $@

## demo: start the sandbox, sync every stream of the four providers into a local DuckDB file, then an incremental sync
demo: $(VENV)/.warehouse
	$(PY) -m source_mentions.demo

## test: unit tests, integration tests against the sandbox (PyAirbyte into DuckDB too), the airbyte-cdk standard suite, then test-airbyte and test-cdk-lowest
test: $(VENV)/.warehouse
	$(PY) -m pytest
	$(MAKE) test-airbyte
	$(MAKE) test-cdk-lowest

## test-airbyte: Airbyte's own runner, `airbyte-cdk connector test --no-creds` (Docker tests left out), on a copy named source-mentions
test-airbyte: $(VENV)/.tests
	.ci/airbyte-connector-test $(PY)

## test-cdk-lowest: the unit tests against the lowest airbyte-cdk setup.py allows, in .venv-cdk-lowest (`make test`'s own venv has the newest)
test-cdk-lowest: $(VENV_LOWEST)/.tests
	$(VENV_LOWEST)/bin/python -c 'import importlib.metadata as m; print("airbyte-cdk", m.version("airbyte-cdk"))'
	$(VENV_LOWEST)/bin/python -m pytest -q unit_tests

## bench: benchmarks on the sandbox (min/median/max of 3 runs), written to benchmarks/results.md
bench: $(VENV)/.tests
	$(PY) benchmarks/bench.py

## faults: every provider x every fault (full then incremental sync), kills and resumes, bad configs; CI runs a short form in `make test`
faults: $(VENV)/.tests
	FAULT_MATRIX=full FAULT_REPORT=benchmarks/faults.txt $(PY) -m pytest -q integration_tests/test_fault_matrix.py

## sandbox: serve the provider emulator on 127.0.0.1:$(PORT) until Ctrl-C
sandbox: $(VENV)/.tests
	$(PY) -m source_mentions.sandbox --port $(PORT)

clean:
	rm -rf $(VENV) $(VENV_LOWEST) .demo *.egg-info
