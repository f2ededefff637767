# Two commands for a fresh machine:
#   make run   - set up, migrate SQLite, seed the demo city if empty, serve on 127.0.0.1:8000 with a job worker
#   make test  - set up and run the whole suite (SQLite, or PostgreSQL when DATABASE_URL is set)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SCALE ?= city

.PHONY: run test venv lint fmt openapi ci seed bench bench-national clean screenshots standby

$(VENV)/.installed: requirements.txt
	$(PYTHON) -c 'import sys; sys.exit("FedOrg needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed

run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --scale $(SCALE) --if-empty
	$(PY) manage.py demo_logins
	# The background-job worker (exports, big imports) runs beside the server and stops with it.
	$(PY) manage.py run_jobs & worker=$$!; trap 'kill $$worker' EXIT INT TERM; $(PY) manage.py runserver 127.0.0.1:8000

test: venv
	FEDORG_ENV=test $(VENV)/bin/pytest -n auto $(PYTEST_ARGS)

# The README's pictures: the browser journeys, with their screenshots written into docs/ (a plain
# test run writes them to the ignored out/screenshots/).
screenshots: venv
	FEDORG_ENV=test FEDORG_SCREENSHOTS=$(CURDIR)/docs/screenshots/journeys $(VENV)/bin/pytest -p no:xdist tests/e2e

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	FEDORG_ENV=test $(VENV)/bin/mypy

fmt: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# docs/openapi.yaml, the API schema kept in the repo (tests/test_openapi_file.py fails when it is stale).
openapi: venv
	FEDORG_ENV=test $(PY) manage.py spectacular --file docs/openapi.yaml --validate

seed: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --scale $(SCALE)

# Every benchmark on scratch databases (PostgreSQL fedorg_bench*, a temp SQLite file), then the issue's targets.
bench: venv
	$(VENV)/bin/pip install --quiet -r bench/requirements.txt
	$(PY) bench/run.py $(BENCH_ARGS)

# Opt-in: ~700,000 units and ~10 million posts generated into fedorg_bench_national (PostgreSQL, ~5 GB).
bench-national: venv
	$(PY) bench/national.py

# A hot standby of the local PostgreSQL (port 5432) on port 5433, for the replica tests (tests/test_replicas.py):
#   make standby && DATABASE_URL=postgres://postgres@127.0.0.1:5432/fedorg \
#     DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/fedorg make test
# Reused when already streaming; needs root (pg_createcluster, pg_basebackup).
standby:
	bash scripts/standby.sh

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) fedorg.sqlite3 media staticfiles
