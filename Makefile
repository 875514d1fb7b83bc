# Fusion: `make run` starts a demo on the embedded default; `make test` runs the checks and tests.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000

# Test settings: real PostgreSQL unless DATABASE_URL says otherwise; throwaway keys.
TEST_ENV := DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fusion} \
	DJANGO_DEBUG=0 \
	DJANGO_SECRET_KEY=test-secret-key-not-for-production-0123456789abcdef \
	FIELD_ENCRYPTION_KEYS=test2:dGVzdC1maWVsZC1rZXktbnVtYmVyLXR3by0zMmJ5dGU=,test1:dGVzdC1maWVsZC1rZXktbnVtYmVyLW9uZS0zMmJ5dGU= \
	BLIND_INDEX_KEY=dGVzdC1ibGluZC1pbmRleC1rZXktMzItYnl0ZXMtbG9uZw==

# The console's translations, compiled from the committed .po files.
MO := $(patsubst %.po,%.mo,$(wildcard */locale/*/LC_MESSAGES/django.po))

.PHONY: install run serve test lint format messages system-packages
install: system-packages $(VENV)/.installed $(MO)

# Chromium, ChromeDriver and gettext from Debian's packages, when missing.
system-packages:
	bin/system-packages

%.mo: %.po
	msgfmt --check-format -o $@ $<

# After changing a template or a translated string: refresh the Urdu catalogues.
messages: install
	for app in fusion analytics agencies; do (cd $$app && DJANGO_DEBUG=1 ../$(PY) ../manage.py makemessages -l ur --no-obsolete -v0); done

# PYTHONWARNINGS: setuptools announces how an editable install works (a UserWarning).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	PYTHONWARNINGS=ignore::UserWarning $(PY) -m pip install --quiet -e '.[dev]'
	touch $@

run: install
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo --url http://$(HOST):$(PORT)
	DJANGO_DEBUG=1 $(PY) manage.py runserver_embedded $(HOST):$(PORT)

# Production on one machine: gunicorn, a Celery worker and beat on PostgreSQL and Redis
# (bin/serve; settings from the environment or .env, see docs/deploy.md).
serve: install
	PY=$(PY) GUNICORN_BIND=$${GUNICORN_BIND:-$(HOST):$(PORT)} bin/serve

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

test: lint
	$(TEST_ENV) $(PY) bin/ensure-database
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) manage.py check --fail-level WARNING
	$(TEST_ENV) PY=$(PY) bin/run-tests $(PYTEST_ARGS)
