# geozones: `make run` serves the app, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
BUILD ?= data/build
REGIONS := norfolk herefordshire hertfordshire rutland isle-of-wight

.PHONY: run test install dev data assets lint bench clean

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

# Front-end libraries (package.json) served by the app itself: npm ci, then copy the dist files.
VENDOR := geozones/web/static/vendor
$(VENDOR)/.installed: package.json package-lock.json geozones/web/assets.py | $(VENV)/.installed
	npm ci --no-audit --no-fund
	$(BIN)/python -c "from geozones.web.assets import main; main()" node_modules $(VENDOR)
	touch $@

assets: $(VENDOR)/.installed

run: install data assets
	$(BIN)/geozones serve --host $(HOST) --port $(PORT)

test: dev assets
	$(BIN)/python -m pytest

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@

bench: $(VENV)/.installed-bench data assets
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(BUILD) node_modules $(VENDOR)
