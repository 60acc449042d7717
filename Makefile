# The two commands of the README: `make test` and `make demo`.
# Both create .venv with nothing but Python 3 on the machine.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# One test worker per core; each has its own test database. PYTEST_WORKERS=0 runs in
# this process (for pdb).
PYTEST_WORKERS ?= auto

.PHONY: install test demo lint clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(VENV)/.installed

# The whole suite on SQLite. The browser test needs Debian's chromium; CI runs it.
test: install
	$(BIN)/python -m pytest -m "not browser" -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

demo: install
	$(BIN)/python example/manage.py demo

# Benchmarks (docs/performance.md), e.g. make bench BENCH_ARGS="--rows 100000,1000000".
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[postgres]'
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build dist src/*.egg-info
