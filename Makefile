# SafeLoop: `make run` (install, migrate, demo city, serve on 127.0.0.1:8000) and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
VENDOR := safeloop/static/vendor
SAFELOOP := $(PY) -m safeloop

.PHONY: run install vendor migrate demo serve test lint typecheck pytest bench clean messages

run: install
	$(SAFELOOP) serve --demo

$(VENV)/.installed: pyproject.toml requirements.lock
	@PYTHON=$$(scripts/find-python) || exit 1; \
	  [ -x $(PY) ] || { echo "Creating $(VENV) with $$PYTHON"; $$PYTHON -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $@

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/tabler $(VENDOR)/leaflet $(VENDOR)/alpinejs $(VENDOR)/echarts
	cp node_modules/@tabler/core/dist/css/tabler.min.css node_modules/@tabler/core/dist/js/tabler.min.js $(VENDOR)/tabler/
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images $(VENDOR)/leaflet/
	cp node_modules/alpinejs/dist/cdn.min.js $(VENDOR)/alpinejs/alpine.min.js
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	@touch $@

install: $(VENV)/.installed $(VENDOR)/.installed

vendor: $(VENDOR)/.installed

migrate: install
	$(SAFELOOP) migrate --no-input -v0

demo: migrate
	$(SAFELOOP) demo --if-empty
	$(SAFELOOP) demo_logins

serve: install
	$(SAFELOOP) serve

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy safeloop

# The suite on SQLite, then again on PostgreSQL when SAFELOOP_TEST_DATABASE_URL is set (CI sets it).
# Connections are not kept between requests in tests, or live-server threads would keep the test
# database open and PostgreSQL could not drop it at the end.
pytest: export SAFELOOP_DB_CONN_MAX_AGE = 0
pytest: install
	env -u SAFELOOP_DATABASE_URL $(VENV)/bin/pytest -n 2 --dist loadfile -q
	@if [ -n "$$SAFELOOP_TEST_DATABASE_URL" ]; then \
	  echo "== the same suite on PostgreSQL"; \
	  SAFELOOP_DATABASE_URL="$$SAFELOOP_TEST_DATABASE_URL" $(VENV)/bin/pytest -n 2 --dist loadfile -q; \
	else echo "SAFELOOP_TEST_DATABASE_URL is not set: PostgreSQL run skipped."; fi

test: install lint typecheck
	$(SAFELOOP) makemigrations --check --dry-run
	$(MAKE) --no-print-directory pytest

bench: install
	@failed=0; for b in bench/*.py; do case $$b in */test_*|*/_*) continue;; esac; $(PY) $$b || failed=1; done; exit $$failed

messages: install
	cd safeloop && ../$(SAFELOOP) makemessages -l zh_Hans -l en --no-obsolete && ../$(SAFELOOP) compilemessages

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
