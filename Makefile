# Set-up and the three documented jobs. Each creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

.PHONY: install install-test run test bench

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test,torch]'

run: install
	$(BIN)/linclass train --out model.npz

test: install-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q
	@if [ -d tests/js ]; then node --test tests/js/; fi

bench: install-test
	$(BIN)/python -m benchmarks
