# geozones: `make run` serves the app, `make test` runs the suite, `make lint` the linters;
# `make check-wheel` and `make test-min` are the CI's packaging and minimum-versions checks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
BUILD ?= data/build
# Every declared region: one file each in geozones/regions/ (GEOZONES_REGION_FILES adds more).
REGIONS ?= $(sort $(basename $(notdir $(wildcard geozones/regions/*.toml))) \
  $(if $(GEOZONES_REGION_FILES),$(basename $(notdir $(wildcard $(GEOZONES_REGION_FILES)/*.toml)))))

.PHONY: run test install dev data assets lint check-wheel test-min bench clean

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

# Every linter runs, even after one fails; the target fails if any did.
LINTERS := "ruff check ." "ruff format --check ." "lint-imports" "mypy"
lint: dev
	@failed=""; for tool in $(LINTERS); do \
	  echo "-- $$tool"; $(BIN)/$$tool || failed="$$failed, $$tool"; \
	done; \
	if [ -n "$$failed" ]; then echo "lint FAILED: $${failed#, }"; exit 1; fi; echo "lint: all passed"

# Build the wheel, check its package data, pip install it (not editable) into a fresh venv in a
# temp folder and answer lookups from regions that install builds, all outside the checkout.
SOURCE ?= $(abspath ../shared/data)
WHEEL_REGIONS ?= rutland norfolk
check-wheel: assets
	PYTHON=$(PYTHON) GEOZONES_SOURCE=$(SOURCE) WHEEL_REGIONS="$(WHEEL_REGIONS)" bash .ci/check-wheel.sh

# The suite (less the browser tests) against the lowest version of every runtime dependency
# and of the notebooks' test dependencies that pyproject.toml allows (.ci/min-versions.txt),
# in its own venv.
VENV_MIN := .venv-min
$(VENV_MIN)/.installed: pyproject.toml .ci/min-versions.txt .ci/check_min_versions.py
	$(PYTHON) .ci/check_min_versions.py
	test -x $(VENV_MIN)/bin/python || $(PYTHON) -m venv $(VENV_MIN)
	$(VENV_MIN)/bin/python -m pip install --quiet --upgrade pip
	$(VENV_MIN)/bin/pip install --quiet -c .ci/min-versions.txt -e '.[test]'
	touch $@

test-min: $(VENV_MIN)/.installed assets
	@echo "pinned dependencies installed:"; $(VENV_MIN)/bin/pip list --format=freeze 2>/dev/null \
	  | grep -iE "^($$(sed -n 's/==.*//p' .ci/min-versions.txt | paste -sd'|'))==" | paste -sd' '
	$(VENV_MIN)/bin/python -m pytest -m "not browser"

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@

bench: $(VENV)/.installed-bench data assets
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(VENV_MIN) $(BUILD) node_modules $(VENDOR)
