# Every routine command. A fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run demo test test-dates lint format bench admin migrate up down clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the project with its dev tools

run: install  ## the whole platform on this machine (SQLite, Redis and SMTP started here when not configured)
	$(PY) -m ops.run

demo: install  ## book one Back & Leg + Cupping session against `make run` and print the client's email
	$(PY) -m ops.demo

test: install  ## everything CI runs: lint, architecture contracts, unit, integration, e2e
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

# A Saturday, and the Sundays Europe's clocks go forward and back (a date keeps its weekday: fixed dates do).
TEST_DATES ?= 2026-12-05T10:00:00 2027-03-28T10:00:00 2027-10-31T10:00:00

# tests/faketime/sitecustomize.py mends time.sleep under faketime (it says why). The fault suite
# (tests/faults: processes killed, Redis restarted, the mail server away) and the local runner's restart
# test run once, in `make test`: what they prove does not depend on the date, three more runs would cost
# ten minutes of CI, and under libfaketime Celery beat's timer thread can die of a sleep it refuses
# (EINVAL), which the runner test would count as a second process dying.
test-dates: install  ## the suite again with the whole process tree's clock moved to each of TEST_DATES (faketime)
	@command -v faketime >/dev/null || { echo "faketime is missing: apt-get install faketime"; exit 1; }
	for day in $(TEST_DATES); do \
		echo "== the suite on $$day"; \
		PYTHONPATH=$(CURDIR)/tests/faketime FAKETIME_DONT_FAKE_MONOTONIC=1 \
			faketime "$$day" $(PY) -m pytest -q -p no:cacheprovider --ignore=tests/faults --ignore=tests/e2e/test_local_runner.py || exit 1; \
	done

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install  ## availability figures, then the end-to-end booking flow (bench/flow.py), on SQLite and PostgreSQL
	$(PY) -m bench

admin: install  ## create the first admin account: make admin EMAIL=you@clinic.example NAME="Your Name" (asks for the password)
	$(PY) -m ops.staff create-admin --email "$(EMAIL)" --name "$(NAME)"

migrate: install  ## bring every service's database to the newest schema
	$(PY) -m ops.migrate all

up:  ## the production-like stack (needs a Docker engine)
	docker compose up --build -d

down:
	docker compose down

clean:
	rm -rf var
