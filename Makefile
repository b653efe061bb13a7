# ckanext-amp — local run and tests. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# Extras installed with the package (test tools are needed by `make test`).
EXTRAS ?= test

.PHONY: help install run test test-ckan-core clean clean-data

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'
	@echo "  Variables: AMP_HOME AMP_HOST AMP_PORT AMP_WEB_WORKERS AMP_WEB_TIMEOUT AMP_HARVEST_INTERVAL AMP_CONVENTIONS_CHECK_INTERVAL CKAN_SQLALCHEMY_URL CKAN_REDIS_URL PYTEST_ARGS AMP_TEST_LOTS (see README.md)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install only when the packaging or the pins change.
$(STAMP): setup.py pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade -c constraints.txt pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[$(EXTRAS)]"
	$(BIN)/python -c "import ckanext.amp.stack, ckanext.harvest, ckan"
	touch $@

install: $(STAMP) ## Create .venv and install the pinned stack (editable)

run: $(STAMP) ## Run the portal on http://127.0.0.1:5000 (Ctrl-C stops everything)
	exec $(BIN)/amp-stack run

test: $(STAMP) ## Run the test suite on throw-away servers (PYTEST_ARGS="-k foo")
	$(BIN)/amp-stack test -- $(PYTEST_ARGS)

test-ckan-core: $(STAMP) ## Run CKAN's own tests with the bundle (selection in stack/cli.py)
	$(BIN)/amp-stack test --core -- $(PYTEST_ARGS)

clean: ## Remove .venv and build leftovers (keeps the .amp data)
	rm -rf $(VENV) build dist *.egg-info ckanext-amp/*.egg-info .pytest_cache
	find . -name __pycache__ -type d -prune -not -path './.amp/*' -exec rm -rf {} +

clean-data: ## Delete the data of `make run` (AMP_HOME, default .amp)
	@home="$${AMP_HOME:-.amp}"; \
	if [ -f "$$home/postgres/postmaster.pid" ]; then echo "Stop make run first ($$home/postgres is in use)"; exit 1; fi; \
	rm -rf "$$home" && echo "Removed $$home"
