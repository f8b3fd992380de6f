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
.PHONY: help report site bench bench-year bench-build bench-profile test browser quarto metrics validate synth clean lab docs guide hooks reference

# Quarto 1.7.34 for the Quarto tests: installed from ../shared/tools/quarto when that folder exists
# (it runs offline), into a git-ignored folder, and put first on PATH for the test run.
QUARTO_SRC     ?= ../shared/tools/quarto
QUARTO_PREFIX  := _build/tools/quarto
QUARTO_STAMP   := $(QUARTO_PREFIX)/.installed
# pytest-xdist processes for `make test` (each shared build is made once, by the process that runs its group)
TEST_WORKERS   ?= 2
# JupyterLab's --allow-root, given only when make runs as root
LAB_ROOT       := $(if $(filter 0,$(shell id -u)),--allow-root,)

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-lab: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	@touch $@ $(VENV)/.installed

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

report: $(VENV)/.installed ## build the sample report (LA=sample YEAR=2017-18) and print where it is
	$(BIN)/cpstats build --la $(LA) --year $(YEAR)

site: $(VENV)/.installed ## build every authority in data/ for YEARS (2014-15:2019-20) as drafts into _drafts/
	$(BIN)/cpstats build --la all --years $(YEARS)

bench: $(VENV)/.installed-dev ## in one sitting: the floor, a cold build, reports on 1 and 2 Dask workers, 20 national authorities on 1 and 2; appended to benchmarks/RESULTS.md
	$(BIN)/python benchmarks/bench_batch.py

bench-year: $(VENV)/.installed-dev ## every authority of the synthetic England for one year on 2 Dask workers, timed; appended to benchmarks/RESULTS.md
	$(BIN)/python benchmarks/bench_batch.py --skip floor,cold,workers --national 0 --whole-year

bench-build: $(VENV)/.installed-dev ## time the build by hand, cold and rebuilt (median of 3), and the measures at England's size
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_metrics.py

bench-profile: $(VENV)/.installed-dev ## where a report's time goes on a Dask worker, step by step, beside the floor
	$(BIN)/python benchmarks/bench_profile.py

test: $(VENV)/.installed-dev browser quarto ## install dev dependencies (Chromium, Quarto) and run every test
	PATH="$(CURDIR)/$(QUARTO_PREFIX)/bin:$$PATH" QUARTO_PYTHON="$(CURDIR)/$(BIN)/python" $(BIN)/python -m pytest \
	  -n $(TEST_WORKERS) --dist loadgroup --durations=15

quarto: ## install Quarto from ../shared/tools/quarto into _build/tools/quarto when that folder exists (once), else say where to get it
	@if [ -f $(QUARTO_SRC)/install.sh ]; then \
	  $(MAKE) --no-print-directory $(QUARTO_STAMP); \
	elif command -v quarto >/dev/null 2>&1; then \
	  echo "make: no $(QUARTO_SRC)/install.sh; the Quarto tests use the quarto on PATH, $$(command -v quarto) ($$(quarto --version 2>/dev/null))"; \
	else \
	  echo "make: no Quarto: there is no $(QUARTO_SRC)/install.sh and no quarto command on PATH."; \
	  echo "  Get Quarto (1.7.34 is the version tested) from its installer, https://quarto.org/docs/download/,"; \
	  echo "  or from conda-forge (mamba env create -f environment.yml), and put it on PATH: the Quarto tests then"; \
	  echo "  use it. Until then they are skipped, saying why, and cpstats lays reports out with its built-in renderer."; \
	fi

$(QUARTO_STAMP): $(QUARTO_SRC)/install.sh | $(VENV)/.installed-dev
	PYTHON=$(CURDIR)/$(BIN)/python bash $(QUARTO_SRC)/install.sh $(QUARTO_PREFIX)
	@touch $@

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

metrics: $(VENV)/.installed ## print the measures of data/LA (LA=sample) for YEAR as JSON
	$(BIN)/cpstats metrics --data data/$(LA) --year $(YEAR) --json

validate: $(VENV)/.installed ## check data/LA (LA=sample) against the data contract
	$(BIN)/cpstats validate --data data/$(LA)

# The notebooks' parameter cells read CPSTATS_LA and CPSTATS_YEAR, so `make lab LA=my-la YEAR=2019-20` opens them on
# that authority and year without editing them (papermill's parameters still win in a build). JupyterLab refuses
# to run as root without --allow-root: it is given only when running as root (e.g. in a container).
lab: $(VENV)/.installed-lab ## start JupyterLab with the notebooks on data/LA (LA=sample) for YEAR (2017-18)
	@[ -f "data/$(LA)/la.yaml" ] || { echo "make lab: data/$(LA)/la.yaml not found: LA names a folder of data/ (e.g. LA=sample)" >&2; exit 2; }
	@case "$(YEAR)" in [0-9][0-9][0-9][0-9]-[0-9][0-9]) ;; *) echo "make lab: YEAR=$(YEAR) is not a reporting year such as 2017-18" >&2; exit 2;; esac
	CPSTATS_LA="$(LA)" CPSTATS_YEAR="$(YEAR)" $(BIN)/jupyter lab --notebook-dir=. $(LAB_ROOT)

docs: $(VENV)/.installed ## write docs/guide/data-contract.md and docs/guide/measures.md from the code
	$(BIN)/cpstats docs

# The user guide (docs/guide/) as a website: with Quarto when installed (_build/tools/quarto, or on PATH),
# otherwise page by page with the project's own pandoc, so it always builds.
guide: $(VENV)/.installed ## build the user guide (docs/guide/) as a website into _build/guide/
	$(BIN)/python scripts/build_guide.py

EES ?= ../shared/reference/dfe
reference: $(VENV)/.installed ## rewrite data/reference/ from DfE's Children in need files in EES (../shared/reference/dfe)
	$(BIN)/cpstats reference import --ees $(EES)

hooks: ## install the pre-commit check that refuses record-level data
	@hook="$$(git rev-parse --git-path hooks)/pre-commit"; mkdir -p "$$(dirname "$$hook")"; \
	printf '#!/bin/sh\nexec python3 scripts/check_no_record_level_data.py\n' > "$$hook"; chmod +x "$$hook"; \
	echo "installed $$hook"

synth: $(VENV)/.installed ## regenerate the synthetic sample in data/sample
	$(BIN)/cpstats synth --out data/sample

clean: ## remove built output (keeps .venv)
	rm -rf _build _site _drafts
