# CIM Portal. `make run` starts everything on the embedded default; `make test` runs every test.
PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test lint bench clean-db

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --group dev -e .
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_catalog
	$(BIN)/python manage.py seed_demo
	@echo "Starting web, Celery worker and beat. Open http://127.0.0.1:8000 (Ctrl-C stops all)."
	$(BIN)/honcho start -f Procfile

test: install
	@if [ -z "$$DATABASE_URL" ]; then $(BIN)/python -m cim.embedded_db start; fi
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy cim lea steps reports tests bench

bench: install
	@if [ -z "$$DATABASE_URL" ]; then $(BIN)/python -m cim.embedded_db start; fi
	$(BIN)/python bench/run.py
	$(BIN)/python bench/adl_import.py
	$(BIN)/python bench/status_grid.py
	$(BIN)/python bench/reminders_sweep.py
	$(BIN)/python bench/pdf_render.py

clean-db:
	-$(BIN)/python -m cim.embedded_db stop
	rm -rf var/pgdata
