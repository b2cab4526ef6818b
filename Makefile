# Set-up and the three documented jobs. Each creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

.PHONY: install install-test run test bench docs

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test,torch]'

run: install
	$(BIN)/linclass train --out model.npz

# The JavaScript tests of the demo need Node.js: checked first, not after the Python suite.
test: install-test
	@command -v node >/dev/null || { echo "make test needs Node.js >= 18 for the demo's \
	JavaScript tests (Debian: apt-get install nodejs)"; exit 1; }
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q
	node --test tests/js/

bench: install-test
	$(BIN)/python -m benchmarks

# The documentation site, English and Korean, with every tutorial executed and its numbers checked;
# any warning, broken reference or failing tutorial fails the build. Opens from disk, offline.
CIFAR10 ?= $(abspath ../shared/data/cifar10-train-jpeg.tar.gz)
SPHINX = LINCLASS_CIFAR10=$(CIFAR10) MPLBACKEND=Agg $(BIN)/sphinx-build -E -W --keep-going -n -b html

docs: $(BIN)/python
	@test -f $(CIFAR10) || { echo "make docs: tutorials 4-6 read $(CIFAR10); pass CIFAR10=PATH"; exit 1; }
	$(BIN)/pip install -q -e '.[docs]'
	$(SPHINX) -d docs/_build/doctrees/en docs/en docs/_build/html
	$(SPHINX) -d docs/_build/doctrees/ko docs/ko docs/_build/html/ko
	LINCLASS_DOCS_BUILT=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_docs_offline.py
