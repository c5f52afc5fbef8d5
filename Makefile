# eots developer tasks. `make help` lists them. Run inside the project's venv (.venv).
.PHONY: help install test lint fmt types imports bench check evidence

help:  #-- list the targets
	@grep -E '^[a-z]+:.*#--' Makefile | sed 's/:.*#--/\t/'

install:  #-- create .venv and install eots with the dev extras
	python3 -m venv .venv && .venv/bin/pip install -q -e ".[dev]"

test:  #-- the whole default suite (real snapshots when EOTS_REAL_DATA is set)
	python -m pytest

lint:  #-- ruff lint, format check and import layering
	ruff check src tests benchmarks
	ruff format --check src tests benchmarks
	lint-imports

fmt:  #-- format the code
	ruff format src tests benchmarks

types:  #-- mypy strict on src and tests (tests may leave test functions unannotated)
	mypy src tests

bench:  #-- benchmarks (a report, not a gate); set EOTS_REAL_DATA for the real chain
	python benchmarks/run.py

check: lint types test  #-- what a reviewer runs before merging

# The shared real data: EOTS_HISTORY_DATA / EOTS_PRICE_DATA, else beside EOTS_REAL_DATA (the chains).
HISTORY_DATA ?= $(or $(EOTS_HISTORY_DATA),$(EOTS_REAL_DATA)/../history)
PRICE_DATA ?= $(or $(EOTS_PRICE_DATA),$(EOTS_REAL_DATA)/../prices)

evidence:  #-- regenerate docs/evidence.md from the real histories (minutes; needs the shared data)
	python -m eots evidence --history $(HISTORY_DATA) --prices $(PRICE_DATA) --out docs/evidence.md
	python -m eots evidence --history $(HISTORY_DATA) --prices $(PRICE_DATA) \
	  --out docs/evidence_subset.md --spx-files 12 --spy-days 2
