# The README's two commands: `make demo` and `make test`. Both set up
# everything on a fresh machine (virtualenv, packages, Chromium, Tesseract) first.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_FLAGS ?= -q --disable-pip-version-check

.PHONY: demo test check-fast setup browser ocr run check clean

demo: setup
	$(VENV)/bin/pantau demo

test: setup
	@bash deploy/ensure-tesseract.sh --fonts
	$(PY) -m pytest -q -ra

# The developer loop (about a minute): everything but `slow` tests (subprocess
# daemons, Tesseract, fuzzing) and `browser` tests (real Chromium; every test
# using the `chromium` fixture is marked so in tests/conftest.py).
check-fast: $(VENV)/.installed
	$(PY) -m pytest -q -x -m "not slow and not browser"

setup: $(VENV)/.installed browser ocr

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) --upgrade pip
	$(PY) -m pip install $(PIP_FLAGS) -e '.[dev]'
	touch $@

browser: $(VENV)/.installed
	@bash deploy/ensure-chromium.sh $(PY)

# Tesseract + Indonesian for text in images (Debian packages; best effort)
ocr:
	@bash deploy/ensure-tesseract.sh

check: setup
	$(VENV)/bin/pantau check

run: setup
	$(VENV)/bin/pantau run

clean:
	rm -rf $(VENV) .pantau-demo
