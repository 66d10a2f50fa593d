# gutskin: `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: run test install browser bench lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	-@bash scripts/ensure-system-packages.sh
	$(VENV)/bin/gutskin serve --demo --host 127.0.0.1 --port $(PORT)

browser:
	@bash scripts/ensure-chromium.sh

test: install browser
	@bash scripts/ensure-system-packages.sh
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$rc

$(VENV)/.bench-installed: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(VENV)/.bench-installed

bench: install $(VENV)/.bench-installed
	$(PY) -m bench.import_diary --quick
	@for b in axis microbiome triggers forecast challenges insights_pool api clinic_scale fhir_validate load; do \
	  if [ -f bench/$$b.py ]; then $(PY) -m bench.$$b --quick || exit 1; fi; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
