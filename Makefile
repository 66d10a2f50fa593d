# gutskin: `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
# pytest-xdist workers for `make test`: one per core, at most 4 (each holds its own PostgreSQL
# database, SQLite files and Chromium); `make test TEST_WORKERS=0` runs in one process.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; echo $$n)

.PHONY: run test install venv browser bench lint clean

# A .venv whose python has no pip (Debian's `python3 -m venv` without python3-venv leaves one
# behind after its error) is made again instead of failing later with "No module named pip".
venv:
	@$(PY) -m pip --version >/dev/null 2>&1 || $(PYTHON) -m venv $(VENV) || { \
	  echo "could not make $(VENV) with $(PYTHON); on Debian or Ubuntu: sudo apt-get install python3-venv (or python3.11-venv), then run make again" >&2; \
	  exit 1; }

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory venv
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
	$(VENV)/bin/pytest -n $(TEST_WORKERS); rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$rc

$(VENV)/.bench-installed: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(VENV)/.bench-installed

bench: install $(VENV)/.bench-installed
	$(PY) -m bench.import_diary --quick
	@for b in axis microbiome triggers forecast evaluate challenges insights_pool api clinic_scale fhir_validate pages_long_record visit_report load; do \
	  if [ -f bench/$$b.py ]; then $(PY) -m bench.$$b --quick || exit 1; fi; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
