# geozones: `make run` serves the app, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
BUILD ?= data/build
REGIONS := norfolk herefordshire hertfordshire rutland isle-of-wight

.PHONY: run test install dev data lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

$(BUILD)/%/build.json: | $(VENV)/.installed
	$(BIN)/geozones data build --region $* --out $(BUILD)

data: $(foreach r,$(REGIONS),$(BUILD)/$(r)/build.json)

run: install data
	$(BIN)/geozones serve --host $(HOST) --port $(PORT)

test: dev
	$(BIN)/python -m pytest

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install data
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(BUILD)
