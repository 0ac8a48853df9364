# portefeuille-ld: `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --group dev -e .
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the package with its dev tools

build: $(STAMP) ## build, validate and publish the artifacts into artifacts/
	$(BIN)/portefeuille-ld build

serve: $(STAMP) ## build if needed, then serve on http://127.0.0.1:8000
	$(BIN)/portefeuille-ld serve

check: $(STAMP) ## lint and type-check
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

test: check ## checks, then the whole test suite (installs Debian's chromium and virtuoso if missing)
	sh tests/browser/ensure-chromium.sh
	sh tests/store/ensure-virtuoso.sh
	$(BIN)/pytest

$(VENV)/.bench-installed: $(STAMP)
	$(BIN)/pip install --quiet --group bench
	touch $@

bench: $(VENV)/.bench-installed ## benchmarks into bench/results/, not tests (BENCH=--quick: ~3 min)
	$(BIN)/python -m bench $(BENCH)

.PHONY: help install build serve check test bench
