# The two commands: `make run` starts the portal, `make test` runs the whole test suite.
PORT ?= 8000
export PORT
PY := .venv/bin/python

.PHONY: setup run test test-postgres lint format bench messages clean

setup:
	@scripts/setup.sh

run: setup
	@exec $(PY) -m portal.launcher --prepare "$(PY) manage.py migrate --noinput -v 0" \
		--prepare "$(PY) manage.py load_demo --demo-totp" \
		--prepare "$(PY) manage.py apply_regime" --prepare "$(PY) manage.py rotate_keys -v 0" \
		--prepare scripts/banner.sh

# pytest-xdist: one worker per core (2 here), each with its own VAR_DIR under var/test/, its own
# test database and Redis (tests/parallel.py). TEST_WORKERS=0 runs in one process (a single test).
TEST_WORKERS ?= auto

test: setup
	VAR_DIR=var/test $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: setup
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench: setup
	@# Every bench runs and prints its figures; the exit status says whether any missed its aim.
	@missed=""; for script in bench/bench_*.py; do echo "== $$script"; \
		$(PY) $$script || missed="$$missed $$script"; done; \
	if [ -n "$$missed" ]; then echo "MISSED in:$$missed"; exit 1; fi

messages: setup
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var/static var/test-db.sqlite3*
