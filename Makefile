# cpstats: `make report` builds the sample report, `make test` runs the whole suite.
# Both create or update the virtual environment in .venv first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LA     ?= sample
YEAR   ?= 2017-18
YEARS  ?= 2014-15:2019-20

.DEFAULT_GOAL := help
CHROMIUM := /usr/bin/chromium
.PHONY: help report site bench test browser metrics validate synth clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

report: $(VENV)/.installed ## build the sample report (LA=sample YEAR=2017-18) and print where it is
	$(BIN)/cpstats build --la $(LA) --year $(YEAR)

site: $(VENV)/.installed ## build every authority in data/ for YEARS (2014-15:2019-20) into one site, _site/
	$(BIN)/cpstats build --la all --years $(YEARS)

bench: $(VENV)/.installed-dev ## time the build (by hand, cold, rebuilds), the measures at England's size and a batch on Dask
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_metrics.py
	$(BIN)/python benchmarks/bench_batch.py

test: $(VENV)/.installed-dev browser ## install dev dependencies (and Chromium) and run every test
	$(BIN)/python -m pytest

# The browser tests drive Debian's Chromium through Playwright (never `playwright install`), and the
# same-bytes test moves the clock with faketime: install both from Debian when missing (CI runs as root).
browser: ## install Debian's chromium (and faketime) when missing
	@missing=""; [ -x $(CHROMIUM) ] || missing=" chromium"; command -v faketime >/dev/null || missing="$$missing faketime"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; \
	  else echo "make: $$missing missing, and neither root nor sudo to install it" >&2; [ -x $(CHROMIUM) ] || exit 1; exit 0; fi; \
	  echo "installing from Debian:$$missing"; \
	  $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

metrics: $(VENV)/.installed ## print the measures of the sample for YEAR as JSON
	$(BIN)/cpstats metrics --data data/$(LA) --year $(YEAR) --json

validate: $(VENV)/.installed ## check data/$(LA) against the data contract
	$(BIN)/cpstats validate --data data/$(LA)

synth: $(VENV)/.installed ## regenerate the synthetic sample in data/sample
	$(BIN)/cpstats synth --out data/sample

clean: ## remove built output (keeps .venv)
	rm -rf _build _site
