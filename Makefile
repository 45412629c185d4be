# CIM Portal. `make run` starts everything on the embedded default; `make test` runs every test.
PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run stop test lint bench loadtest clean-db import-graph backup restore

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --group dev -e .
	touch $@

install: $(VENV)/.installed

# One shell for the whole run, so that however it ends (Ctrl-C, a process that dies, a
# failed migration) the embedded PostgreSQL this run started is stopped with it. A server
# that was already running (started by `make test` or another run) is left running.
run: install
	@if [ -z "$$DATABASE_URL" ] && ! $(BIN)/python -m cim.embedded_db running; then \
	  trap '$(BIN)/python -m cim.embedded_db stop && echo "Stopped the embedded PostgreSQL."' EXIT; \
	  trap 'exit 130' INT TERM; \
	fi; \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py seed_demo && \
	echo "Starting web, Celery worker and beat. Open http://127.0.0.1:8000 (Ctrl-C stops all)." && \
	$(BIN)/honcho start -f Procfile

# Stop the embedded PostgreSQL (left running by `make test`, `make backup` or a run that
# found it already running); its data stays in var/pgdata.
stop:
	$(BIN)/python -m cim.embedded_db stop

test: install
	@if [ -z "$$DATABASE_URL" ]; then $(BIN)/python -m cim.embedded_db start; fi
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy cim lea steps reports tests bench tools loadtest

bench: install
	@if [ -z "$$DATABASE_URL" ]; then $(BIN)/python -m cim.embedded_db start; fi
	$(BIN)/python bench/run.py
	$(BIN)/python bench/adl_import.py
	$(BIN)/python bench/status_grid.py
	$(BIN)/python bench/reminders_sweep.py
	$(BIN)/python bench/pdf_render.py
	$(BIN)/python bench/access_record.py
	$(BIN)/python bench/signed_in_floor.py
	$(BIN)/python bench/daily_pages.py
	$(BIN)/python bench/drilldown.py

# Many people at once on the production shape (gunicorn with WEB_CONCURRENCY workers, a
# Celery worker, the PostgreSQL of DATABASE_URL and the Redis of REDIS_URL, 127.0.0.1
# only), in a throw-away database: docs/load-test.md. LOADTEST_ARGS="--users 50 ...".
loadtest: install
	$(BIN)/python -m pip install --quiet --group load
	$(BIN)/python loadtest/run.py $(LOADTEST_ARGS)

# The import graph of the project's own modules, from the code: docs/import-graph.dot and
# the Mermaid block of docs/architecture.md.
import-graph: install
	$(BIN)/python tools/import_graph.py

# Backups of the configured database (DATABASE_URL, else the embedded one): see README.md.
backup: install
	@if [ -z "$$DATABASE_URL" ]; then $(BIN)/python -m cim.embedded_db start; fi
	@$(BIN)/python -m cim.backup dump

restore: install
	@if [ -z "$(FILE)" ]; then echo "Usage: make restore FILE=var/backups/cim-....dump [FORCE=1]" >&2; exit 2; fi
	@if [ -z "$$DATABASE_URL" ]; then $(BIN)/python -m cim.embedded_db start; fi
	@$(BIN)/python -m cim.backup restore "$(FILE)" $(if $(filter 1,$(FORCE)),--force)

clean-db:
	-$(BIN)/python -m cim.embedded_db stop
	rm -rf var/pgdata
