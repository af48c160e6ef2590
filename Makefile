# Ladenkarte: `make demo` runs the site with the demo town, `make test` runs what CI runs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.NOTPARALLEL:

VENV   := .venv
PY     := $(VENV)/bin/python
MANAGE := $(PY) manage.py
export DJANGO_SETTINGS_MODULE := backend.settings
export PYTHONUNBUFFERED := 1

# Commands that only need the settings importable (and the test run) get a throw-away key when none is
# set; with DEBUG off the settings refuse to start without one. Real deployments set SECRET_KEY.
migrate messages po static lint test bench: export SECRET_KEY ?= make-local-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz
# The test client and the browser tests speak plain HTTP to the test server.
test: export SECURE_SSL_REDIRECT ?= 0

.PHONY: help setup migrate messages po static demo lint test bench clean distclean

help:
	@echo "make demo    set up this machine and run the site with the demo town on http://127.0.0.1:8000"
	@echo "make test    lint, type checks, migrations check and the test suite (what CI runs)"
	@echo "other: setup migrate messages po static lint bench clean distclean"

setup:
	@bash scripts/setup.sh

migrate:
	$(MANAGE) migrate --noinput

# compilemessages errors out when no locale/ directory exists yet, so skip it until there is a .po file.
messages:
	@if find . -path ./.venv -prune -o -path ./frontend/node_modules -prune -o -name '*.po' -print | grep -q .; \
	then $(MANAGE) compilemessages --ignore=.venv --ignore=frontend/node_modules; \
	else echo "messages: no .po files yet"; fi

# Refresh the .po files from the code. Without source locations, so that an edit elsewhere in a file does
# not rewrite every entry below it (and parallel branches do not conflict on line numbers).
po:
	$(MANAGE) makemessages -l de -l en --no-location --ignore=.venv --ignore=frontend/node_modules \
		--ignore=bench --ignore=tests

static:
	$(MANAGE) collectstatic --noinput -v 0

# Target-specific export: DEBUG=1 also reaches the prerequisites (migrate, static, ...).
# `make demo PORT=8200` when 8000 is taken; links in e-mails and on pages then point there too.
PORT ?= 8000
demo: export DEBUG := 1
demo: export SITE_URL ?= http://127.0.0.1:$(PORT)
demo: setup migrate messages static
	$(MANAGE) seed_demo
	@echo
	@echo "Ladenkarte demo:"
	@echo "  site   http://127.0.0.1:$(PORT)/"
	@echo "  admin  http://127.0.0.1:$(PORT)/admin/"
	@echo "  API    http://127.0.0.1:$(PORT)/api/docs/"
	@echo "  demo logins: see README (section 'Demo logins')"
	@echo
	$(MANAGE) runserver 127.0.0.1:$(PORT)

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy marketplace geo
	$(VENV)/bin/lint-imports --no-cache
	$(MANAGE) makemigrations --check --dry-run

test: setup messages static lint
	$(VENV)/bin/pytest

bench: setup
	$(PY) -m bench

clean:
	rm -rf staticfiles test-results .pytest_cache .mypy_cache .ruff_cache .import_linter_cache frontend/static/vendor
	find . -path ./.venv -prune -o -path ./frontend/node_modules -prune -o \
		\( -name __pycache__ -type d -prune -exec rm -rf {} + \) -o \( -name '*.mo' -type f -delete \)

# Also drops the virtualenv and node_modules; the next `make setup` reinstalls them.
distclean: clean
	rm -rf $(VENV) frontend/node_modules
