# Two commands: `make run` (set up everything and serve the demo) and `make test` (the whole suite).
# Each target does its own set-up on a fresh machine: virtual environment, install, catalogs, migrations.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install catalogs extract-messages update-catalogs migrate seed run test lint browser-deps report-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Compile the translation catalogs (.po → .mo); the .mo files are build output, not committed.
catalogs: install
	$(BIN)/pybabel compile --directory i18n --domain messages --statistics 2>&1 | grep -v '^$$' || true
	@test -f i18n/es/LC_MESSAGES/messages.mo

## Re-extract messages.pot from the code and templates, and merge it into every catalog.
extract-messages: install
	$(BIN)/pybabel extract --mapping-file i18n/babel.cfg --keywords _l --keywords lazy_gettext \
	  --add-comments "i18n:" --no-location --sort-output --project annotation-marketplace \
	  --copyright-holder "Annotation marketplace" --output-file i18n/messages.pot .
update-catalogs: extract-messages
	$(BIN)/pybabel update --input-file i18n/messages.pot --output-dir i18n --domain messages --no-fuzzy-matching --ignore-obsolete

instance/secret_key:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > instance/secret_key

## The embedded default: a SQLite file under instance/, jobs in a thread of the web process.
migrate: install
	$(BIN)/alembic upgrade head

seed: migrate catalogs report-deps instance/secret_key
	MARKETPLACE_ENV=development MARKETPLACE_SECRET_KEY=$$(cat instance/secret_key) $(BIN)/flask --app wsgi seed-demo

run: seed
	MARKETPLACE_ENV=development MARKETPLACE_SECURE_COOKIES=0 MARKETPLACE_SECRET_KEY=$$(cat instance/secret_key) \
	  $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT) --no-reload

## Debian's Chromium for the browser tests (Playwright drives it and downloads no browser), and
## Noto fonts so every script of the interface renders in their screenshots.
BROWSER_PACKAGES := chromium fonts-noto-core fonts-noto-cjk
browser-deps:
	@if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then :; else \
	  echo "installing $(BROWSER_PACKAGES) from Debian"; \
	  apt-get install -y -q --no-install-recommends $(BROWSER_PACKAGES) >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $(BROWSER_PACKAGES) >/dev/null; }; \
	fi

## Pango and HarfBuzz for WeasyPrint, which renders each delivery's QA report as PDF.
REPORT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
report-deps:
	@if ldconfig -p | grep -q libharfbuzz-subset.so.0 && ldconfig -p | grep -q libpangoft2-1.0.so.0; then :; else \
	  echo "installing $(REPORT_PACKAGES) from Debian"; \
	  apt-get install -y -q --no-install-recommends $(REPORT_PACKAGES) >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $(REPORT_PACKAGES) >/dev/null; }; \
	fi

## The whole suite. With DATABASE_URL / REDIS_URL set it runs on PostgreSQL and Redis.
test: catalogs browser-deps report-deps
	$(BIN)/pytest

## Style, types, and the import contracts of .importlinter (which package may import which).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) instance i18n/*/LC_MESSAGES/*.mo
