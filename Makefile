# The two set-up commands of the README: `make demo` and `make test`.
# Each installs what it needs: Debian packages (when missing and allowed) and
# a virtual environment with the pinned dependencies (constraints.txt).

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
AXE     = tools/axe/node_modules/axe-core/axe.min.js
export PATH := $(CURDIR)/$(BIN):/usr/sbin:$(PATH)

.PHONY: demo test lint typecheck pytest bench screenshots screens locale system-deps-test system-deps-demo venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip==26.3
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt -e '.[kiosk,hub,dev,postgres]'
	touch $(STAMP)

system-deps-test:
	scripts/system-deps.sh test

# axe-core (pinned in tools/axe/package-lock.json), loaded into pages by the browser tests.
$(AXE): tools/axe/package.json tools/axe/package-lock.json
	npm ci --prefix tools/axe --no-audit --no-fund --loglevel=error
	touch $(AXE)

system-deps-demo:
	scripts/system-deps.sh demo

lint: $(STAMP)
	$(BIN)/ruff check --no-cache .
	$(BIN)/ruff format --no-cache --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) system-deps-test $(AXE)
	xvfb-run -a -s "-screen 0 1920x1440x24" $(BIN)/pytest -q $(PYTEST_ARGS)

test: system-deps-test $(STAMP) lint typecheck pytest

demo: system-deps-demo $(STAMP)
	$(BIN)/python -m hub demo $(ARGS)

bench: system-deps-test $(STAMP)
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.dashboard --kiosks 5000 --gc-freeze
	xvfb-run -a -s "-screen 0 1920x1440x24" $(BIN)/python -m bench.ui --sessions 50 --json docs/bench-ui.json
	$(BIN)/python -m bench.call --json docs/bench-call.json
	$(BIN)/python -m bench.hostile --json docs/bench-hostile.json

screenshots: system-deps-test $(STAMP)
	$(BIN)/python scripts/screenshots.py
	$(BIN)/python scripts/console_shots.py

# Every kiosk screen, both orientations, French and English -> docs/screens/*.png
screens: system-deps-test $(STAMP)
	xvfb-run -a -s "-screen 0 1920x1440x24" $(BIN)/python scripts/screens.py
	xvfb-run -a -s "-screen 0 1920x1440x24" $(BIN)/python scripts/call_shots.py

# Re-extract the kiosk's messages, update the .po catalogs, compile the .mo files
locale: $(STAMP)
	$(BIN)/python scripts/catalogs.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
