# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint format bench demo clean system-deps

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

## make run: create the environment if needed, load the demo data on first run, start the app
run: $(STAMP)
	$(BIN)/python -m data_access demo
	$(BIN)/streamlit run app.py

## make test: lint (ruff, ruff format --check, mypy), then every test (SQLite; PostgreSQL too where DASHBOARD_TEST_POSTGRES_URL is set; browser tests in Chromium)
test: $(STAMP) system-deps lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup

## make test-fast: feedback while you work: SQLite only, no browser tests, no tests marked slow (tests/conftest.py)
test-fast: $(STAMP)
	env -u DASHBOARD_TEST_POSTGRES_URL $(BIN)/python -m pytest -n 2 -m "not browser and not slow"

## make lint: ruff (lint and format check) and mypy, with the settings in pyproject.toml
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## make format: apply ruff's safe fixes, then format every file (what is left to fix by hand is listed)
format: $(STAMP)
	$(BIN)/ruff check --fix --exit-zero .
	$(BIN)/ruff format .

system-deps:
	bash scripts/install-system-deps.sh

## make bench: every benchmark (the load test's proxy, HAProxy, installed by scripts/install-bench-deps.sh)
bench: $(STAMP)
	bash scripts/install-bench-deps.sh
	$(BIN)/python -m bench

demo: $(STAMP)
	$(BIN)/python -m data_access demo

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
