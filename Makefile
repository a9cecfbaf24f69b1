# Two commands a newcomer needs:  make run  |  make test
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp

.PHONY: run test lint screenshots clean package package-smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/dtwin-gui upload/template

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) lint
	$(BIN)/python -m pytest

# The double-click app (PyInstaller, one folder): dist/dtwin/dtwin. See packaging/README.md.
package: $(STAMP)
	VENV=$(VENV) packaging/build.sh

# Build, then start the built app offscreen for a few seconds; fails on a bad exit or log.
package-smoke: package
	packaging/smoke.sh

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) build *.egg-info
