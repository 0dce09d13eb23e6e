# The two commands: `make run` (set up, migrate, load the official list of places, seed the demo
# data, serve) and `make test`; `make places` fetches and loads the official list of provinces and
# communes (docs/places.md); `make bench` runs the sync benchmark, `make bench-province` a
# province's worth of data, `make bench-first-sync` a phone's first sync over a slow link
# (docs/performance.md); `make lighthouse` scores the login screen and a police user's screens with
# Lighthouse (docs/pwa.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
WORKERS ?= 2
DEMO_PASSWORD ?= demo-06
# The official list of places: the data file of this release of vietnam-provinces, fetched into
# the instance folder, never into the repository (docs/places.md). PLACES_FILE: a copy of its
# nested-divisions.json or wheel given by path, for a machine without access to PyPI.
PLACES_VERSION ?= 2026.9.0
INSTANCE ?= $(or $(SOTAY_INSTANCE_PATH),instance)
PLACES_CACHE := $(INSTANCE)/cache
PLACES_FILE ?= $(PLACES_CACHE)/vietnam_provinces-$(PLACES_VERSION)-py3-none-any.whl

.PHONY: run test lint bench bench-province bench-first-sync lighthouse setup clean places

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

# The package is pinned and fetched as a file (it needs Python 3.12, the app runs on 3.11): never
# installed, never imported.
$(PLACES_CACHE)/vietnam_provinces-%-py3-none-any.whl:
	mkdir -p $(PLACES_CACHE)
	$(BIN)/python -m pip download --quiet --retries 1 --timeout 15 --no-deps --only-binary=:all: --python-version 3.12 \
		--dest $(PLACES_CACHE) vietnam-provinces==$*

places: setup $(PLACES_FILE)
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi load-places $(PLACES_FILE)

run: setup
	$(BIN)/flask --app wsgi db upgrade
	@# Without the network the app still runs: the demo communes carry their official codes.
	@$(MAKE) --no-print-directory places || echo "Cảnh báo: chưa nạp được danh sách xã chính thức (cần mạng tới PyPI, hoặc PLACES_FILE=...). Ứng dụng vẫn chạy; tỉnh chưa mở thêm xã được cho đến khi chạy make places."
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

# A police phone's first sync of a 10,000-record commune, in chromium over an emulated 1.6 Mbit/s
# link, compression off and on; BENCH_ARGS="--records 300 --runs 1" for a quick run.
bench-first-sync: setup
	$(BIN)/python -m bench.first_sync $(BENCH_ARGS)

# Lighthouse and puppeteer-core as package-lock.json pins them (12.2.3: version 13 needs Node 22), on
# the demo data in a temporary instance, with Debian's chromium (CHROME_PATH); not part of make test.
# Options go through LIGHTHOUSE_ARGS, e.g. make lighthouse LIGHTHOUSE_ARGS="--port 8830 --runs 5"
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

lighthouse: setup node_modules/.installed
	$(BIN)/python -m bench.lighthouse $(LIGHTHOUSE_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules
