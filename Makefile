# Two commands a newcomer needs:  make run  |  make test
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
# The sandbox's Azure emulators (Azurite, cosmosdb-server) from npm, into sandbox-tools/ only.
TOOLS   = sandbox-tools/node_modules/.installed-stamp

.PHONY: run test lint screenshots clean package package-smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml $(TOOLS)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(TOOLS): sandbox-tools/package.json sandbox-tools/package-lock.json
	cd sandbox-tools && npm ci --no-audit --no-fund --loglevel=error
	touch $(TOOLS)

# Checks (and as root on Debian/Ubuntu installs) the system libraries Qt's X11 plugin needs,
# then opens your copy of the example (~/Documents/dtwin-projects/example, made once;
# DTWIN_PROJECTS_DIR moves it), never the bundled template itself.
run: $(STAMP)
	$(BIN)/python scripts/check_qt_libs.py
	$(BIN)/dtwin-gui --example

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Two workers (the CI machine has 2 cores); a file's tests stay on one worker, so the E2E
# tests of one file keep sharing their deployment. A crashed worker ends the run at once and
# names its test (xdist's loadfile hangs forever after replacing one: pytest-xdist#784).
test: $(STAMP) lint
	$(BIN)/python -m pytest -n 2 --dist loadfile --max-worker-restart=0

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
