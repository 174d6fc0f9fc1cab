# Baton — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
# byte-compile at install: with PYTHONDONTWRITEBYTECODE set (it is on these
# machines) every start would otherwise recompile every module (~1 s)
export UV_COMPILE_BYTECODE := 1

.DEFAULT_GOAL := help
.PHONY: help setup demo test test-unit lint fmt bench clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(BIN)/baton: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	$(BIN)/python -m compileall -q src
	@touch $(BIN)/baton

setup: $(BIN)/baton ## create .venv from pyproject.toml + uv.lock

demo: setup ## run the demo on SQLite under ./.baton and keep serving (Ctrl-C stops)
	$(BIN)/baton demo

lint: setup ## ruff (lint + format check) and mypy --strict on src/
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

fmt: setup ## format and autofix
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

test: lint ## lint, then every test tier (unit, contract, integration, e2e)
	$(BIN)/pytest -q

test-unit: setup ## the quick loop: unit tests only
	$(BIN)/pytest -q tests/unit

coverage: setup ## every test with branch coverage (engine/ and store/ summarised; HTML in .coverage-html)
	$(BIN)/pytest -q --cov=baton --cov-branch --cov-report=term:skip-covered --cov-report=html:.coverage-html
	$(BIN)/coverage report --include='src/baton/engine/*,src/baton/store/*' --precision=1

bench: setup ## peer benchmark: Baton vs Node-RED in the same run (see docs/benchmarks.md)
	$(BIN)/python bench/run.py

clean: ## remove the venvs and local state
	rm -rf $(VENV) $(TOOLS) .baton .mypy_cache .ruff_cache .pytest_cache
