# Everything a newcomer needs: `make demo` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint regen bench fuzz clean

demo: $(VENV)/.run-deps ## publish the bundled example site into feeds/
	$(BIN)/feedkit publish example
	@echo "Feeds of the example site are in $(CURDIR)/feeds/: all.rss, all.atom, all.json, category/, tag/; open index.html for the list"

test: $(VENV)/.test-deps ## unit, CLI, regression and client tests, then lint; feeds/ must be current
	$(BIN)/pytest
	$(BIN)/feedkit publish example --check
	$(MAKE) --no-print-directory lint

lint: $(VENV)/.test-deps
	$(BIN)/ruff check src tests benchmarks contrib
	$(BIN)/ruff format --check src tests benchmarks contrib
	$(BIN)/mypy

regen: $(VENV)/.run-deps ## re-pin the example's feeds on purpose; review the diff like code
	$(BIN)/feedkit publish example

bench: $(VENV)/.test-deps ## time feedkit (cold, warm, +100 posts) against the floor and Hugo
	$(BIN)/python benchmarks/run.py --out BENCHMARKS.md

fuzz: $(VENV)/.test-deps ## coverage-guided fuzzing of the post loader (atheris), 5 minutes
	$(BIN)/python -m pip install -q atheris
	$(BIN)/python fuzz/fuzz_load.py -max_total_time=300

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
