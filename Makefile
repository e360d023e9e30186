# Two commands: `make run` and `make test`. Everything else is a helper they call.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

NODE_STAMP := tests/node/node_modules/.installed-stamp

.PHONY: setup run test lint schema migrations bench clean node

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# The graphql-http audit (tests/test_graphql_http_audit.py), pinned by its lock file.
$(NODE_STAMP): tests/node/package.json tests/node/package-lock.json
	npm ci --prefix tests/node --no-audit --no-fund
	touch $(NODE_STAMP)

node: $(NODE_STAMP)

## make run: set up, migrate the embedded SQLite database, load demo data, serve on :8000
run: setup
	$(BIN)/talent migrate
	$(BIN)/talent demo
	$(BIN)/talent serve

## make test: set up, lint, type-check and run the suite (SQLite, and PostgreSQL when reachable)
test: setup lint node
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## make schema: refresh the checked-in SDL snapshot after reviewing the diff
schema: setup
	$(BIN)/talent schema > schema.graphql

## make migrations: write a migration for model changes
migrations: setup
	$(BIN)/tortoise makemigrations

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
