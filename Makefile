# The two commands of the README's quick start. Each sets everything up (a virtualenv in
# .venv with apitwin and its test dependencies, re-installed when pyproject.toml changes).
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: serve test lint typecheck bench

$(STAMP): pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test,dev]'
	@touch $(STAMP)

## serve: serve the five APIs on http://127.0.0.1:4010
serve: $(STAMP)
	$(VENV)/bin/apitwin serve

## test: the whole test suite (what CI runs)
test: $(STAMP)
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check mockserver contracts tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(VENV)/bin/python bench/serve_bench.py
