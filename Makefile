# The two commands of the README. Nothing needed but Python 3.11+, make and git.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/qinhuai_talent
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
# Test sessions side by side (pytest-xdist): `auto` is one per CPU, 0 runs the suite in one process.
TEST_WORKERS ?= auto

.PHONY: install run test test-services bench fuzz lint messages clean

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

messages: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py compiletranslations

# The demo district is the district of 2017, evaluated as of 15 January 2018.
DEMO_ENV := DJANGO_DEBUG=1 PORTAL_AS_OF=$${PORTAL_AS_OF:-2018-01-15}

run: messages
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# The whole suite on the embedded default; then the tier that needs PostgreSQL and Redis,
# when they answer on 127.0.0.1 (skipped with a one-line reason when they do not).
# The browser tier runs in its own pytest process: Playwright's sync API keeps an event loop in
# the main thread, which would make Django refuse database calls in the tests after it.
test: messages
	$(BIN)/python -m pytest --ignore=tests/browser -n $(TEST_WORKERS)
	$(BIN)/python -m pytest tests/browser
	@if $(BIN)/python -m qinhuai_talent.core.probe "$(PG_TEST_URL)" "$(REDIS_TEST_URL)"; then \
	  $(MAKE) --no-print-directory test-services; \
	else echo "SKIPPED services tier: PostgreSQL or Redis not reachable on 127.0.0.1"; fi

test-services: messages
	DATABASE_URL=$(PG_TEST_URL) CELERY_BROKER_URL=$(REDIS_TEST_URL) \
	  $(BIN)/python -m pytest -m "postgres or redis or worker" -n $(TEST_WORKERS)

# A longer schemathesis run than the one in `make test`.
fuzz: messages
	FUZZ_EXAMPLES=60 $(BIN)/python -m pytest tests/reliability/test_api_fuzz.py

bench: messages
	$(BIN)/python -m bench.run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
