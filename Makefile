# mltrends — run `make help` for the list of targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     ?= data/mltrends.duckdb
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup system-deps test test-faults demo refresh report bench lint clean wipe-all-data

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "} {printf "  %-12s %s\n", $$1, $$2}'

# TORCH_INDEX: the package index of PyTorch's CPU-only wheels (much smaller than the CUDA
# build); when empty, pip takes torch from the default index.
TORCH_INDEX ?=
TORCH_OPTS  := $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX),)

$(STAMP): pyproject.toml
	@echo "setup [1/4] creating $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	@echo "setup [2/4] CPU PyTorch (the reproduction job's sample repos import it)"
	$(BIN)/pip install --progress-bar on $(TORCH_OPTS) 'torch==2.13.0'
	@echo "setup [3/4] mltrends with the reproduction extras and the test tools"
	$(BIN)/pip install --progress-bar on -e '.[repro,dev]'
	@echo "setup [4/4] done"
	touch $(STAMP)

setup: $(STAMP) ## create .venv: mltrends (base), [repro] (CPU PyTorch, Ray, uv), [dev] (test tools)
	@echo "ready: $(BIN)/mltrends"

system-deps: ## Chromium, bubblewrap, uidmap where missing (apt-get as root; otherwise says what is missing)
	@sh scripts/system-deps.sh

test: $(STAMP) system-deps ## run lint and the test suite (offline; the fast fault subset included)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-faults: $(STAMP) ## run the full fault-injection matrix and the kill test
	$(BIN)/python -m pytest -q -m 'slow or not slow' tests/test_faults.py tests/test_refresh_kill.py $(PYTEST_ARGS)

demo: $(STAMP) ## the whole pipeline, offline, on bundled inputs, ending in reports/demo/latest/index.html
	$(BIN)/mltrends demo

refresh: $(STAMP) ## a live refresh of every source (network; GITHUB_TOKEN from the environment)
	$(BIN)/mltrends --db $(DB) refresh

report: $(STAMP) ## write the report from the published database
	$(BIN)/mltrends --db $(DB) report

bench: $(STAMP) ## run every benchmark with its baseline; results in benchmarks/results/
	$(BIN)/python benchmarks/run_all.py

lint: $(STAMP) ## ruff
	$(BIN)/ruff check src tests benchmarks

# `clean` removes only what can be made again: the demo's files, caches, generated benchmark
# inputs. Real databases (history older than a source keeps is in no other place), their
# working files and dated reports stay; `wipe-all-data` removes those too.
clean: ## remove the demo's files and caches (keeps your databases and reports, and .venv)
	rm -rf data/demo.duckdb data/demo.duckdb.wal data/demo.work.duckdb data/demo.work.duckdb.wal \
	  data/demo.work.duckdb.lock data/demo.work.duckdb.owner data/demo-models data/cache \
	  reports/demo benchmarks/data .pytest_cache .ruff_cache

wipe-all-data: ## DELETE every database, working file and report (needs CONFIRM=yes)
	@if [ "$(CONFIRM)" != "yes" ]; then \
	  echo "wipe-all-data deletes data/*.duckdb (with history no source can send again) and reports/;"; \
	  echo "run 'make wipe-all-data CONFIRM=yes' to do it"; exit 2; fi
	$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) clean
	rm -rf data/*.duckdb data/*.duckdb.wal data/*.duckdb.lock data/*.duckdb.owner data/work
	[ ! -d reports ] || find reports -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
