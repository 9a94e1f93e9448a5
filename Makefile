# The two commands: `make run` serves the 万泉街 demo, `make test` runs the whole suite.
# They need only Python 3.11+ and make; everything else is installed into .venv.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: run test install install-dev lint typecheck check browser clean bench messages messages-check

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(PY) -m xingfuli.cli demo
	PORT=$(PORT) $(PY) -m xingfuli.cli serve --port $(PORT)

# Browser tests drive Debian's chromium with Playwright (which cannot download browsers here).
browser:
	@[ -n "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "The browser tests need Chromium: install Debian's 'chromium' package (or set CHROMIUM_PATH)."; exit 1; \
	  fi; }

test: install-dev browser
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
typecheck: install-dev
	$(VENV)/bin/mypy xingfuli
check: lint typecheck test

bench: install-dev
	$(PY) bench/registry_bench.py

# Refresh the catalogues after changing user-facing strings (needs GNU gettext), translate the
# new entries (`python scripts/untranslated.py`) and compile. `make messages APP=canteen` refreshes
# only that module's own catalogue (xingfuli/canteen/locale).
MSGDIR := $(if $(APP),xingfuli/$(APP),xingfuli)
messages: install-dev
	cd $(MSGDIR) && PYTHONSAFEPATH=1 $(abspath $(PY)) -m django makemessages -l zh_Hans --no-obsolete --no-location --settings=xingfuli.settings
	$(PY) -m xingfuli.cli manage compile_translations

# CI: fail if a user-facing string is missing from the catalogue.
messages-check: install-dev
	$(PY) scripts/check_messages.py

clean:
	rm -rf $(VENV) var test-results
