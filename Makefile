# One command sets up and runs the tests, one sets up and runs the demo. Nothing else is needed
# on a fresh machine but Python >= 3.11 and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 4

.PHONY: setup test lint demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' --config-settings editable_mode=compat
	touch $(STAMP)

setup: $(STAMP)

lint: $(STAMP)
	$(PY) -m ruff check .

test: lint
	$(PY) -m pytest -n $(PYTEST_WORKERS) --durations=15

demo: $(STAMP)
	$(PY) -m scripts.demo

# Every benchmark at sizes that finish in minutes; `make bench BENCH_ARGS=--full` for the sizes
# docs/benchmarks.md quotes.
bench: $(STAMP)
	$(PY) bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .demo
