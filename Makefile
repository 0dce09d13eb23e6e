# The two commands: `make run` (set up, migrate, seed the demo data, serve) and `make test`;
# `make bench` runs the sync benchmark, `make bench-province` a province's worth of data (docs/performance.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
WORKERS ?= 2
DEMO_PASSWORD ?= demo-06

.PHONY: run test lint bench bench-province setup clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

run: setup
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi seed-demo --password $(DEMO_PASSWORD)
	@echo "Sổ Tay 06: http://$(HOST):$(PORT)/  — tài khoản mẫu vol.qt1, police.qt, admin.qt …, mật khẩu $(DEMO_PASSWORD)"
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --no-control-socket --access-logfile - wsgi:app

test: setup
	$(BIN)/python -m pytest

# ruff: lint, and the code as the formatter writes it (settings in pyproject.toml).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Options go through BENCH_ARGS, e.g. make bench BENCH_ARGS="--devices 200 --records 50 --workers 4"
bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

# A province of 100 communes and 1,000,000 records on PostgreSQL (DATABASE_URL, or 127.0.0.1:5432/test),
# in a schema of its own dropped afterwards; BENCH_ARGS="--small" for a quick run (docs/performance.md).
bench-province: setup
	$(BIN)/python -m bench.province $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
