# Everything a newcomer needs: `make demo` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint regen clean

demo: $(VENV)/.run-deps ## publish the bundled example site into feeds/
	$(BIN)/feedkit publish example
	@echo "Feeds of the example site are in $(CURDIR)/feeds/ (all.rss, all.atom, all.json, category/, tag/)"

test: $(VENV)/.test-deps ## unit, CLI, regression and client tests, then lint; feeds/ must be current
	$(BIN)/pytest
	$(BIN)/feedkit publish example --check
	$(MAKE) --no-print-directory lint

lint: $(VENV)/.test-deps
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

regen: $(VENV)/.run-deps ## re-pin the example's feeds on purpose; review the diff like code
	$(BIN)/feedkit publish example

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.run-deps
