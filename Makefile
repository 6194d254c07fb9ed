# make demo   run the main job (trains a network, writes a folder of results)
# make test   check everything: ruff, mypy, the docs site built with --strict, then
#             the whole test suite, notebooks and documentation examples included
# make docs   build the documentation site and serve it on http://127.0.0.1:8000
# make bench  run the benchmarks against their peers
# make lite   build the notebooks as a JupyterLite site that runs offline (build/lite)
# make lint   ruff and mypy alone
# make clean  remove the virtual environment and everything built
#
# Each target bootstraps what it needs: a virtual environment in .venv, the
# project installed editable with the extras it uses (again only when
# pyproject.toml changes), Graphviz's `dot` program and, for the tests of the
# step-by-step pages, headless Chromium and its driver, and for the Pyodide
# test, Node.js and npm, from the system packages, and npm's pyodide package
# (pinned in package-lock.json) into node_modules. Where they are missing and
# cannot be installed (not root, no apt-get), a line says how to install them,
# and only the tests that need them are skipped, each naming why.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# PyTorch for the torch extra (engine="torch", compare's third column); the CPU
# build is all the tests need. On Linux PyPI's torch is the CUDA build, several
# GB, so the CPU build is taken from PyTorch's own index, TORCH_INDEX; where that
# cannot be reached (offline, a mirror only), from the ordinary index, as pip is
# configured. Choose with the variables:
#   make test TORCH_INDEX=https://download.pytorch.org/whl/cu126   a CUDA build
#   make test TORCH_INDEX=                                          the ordinary index
#   make test TORCH='torch==2.13.0'                                 which release
# An installed torch is kept as it is.
TORCH       ?= torch==2.13.0
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu

.PHONY: demo test docs site bench lint lite dot browser node clean

demo: $(VENV)/.installed-demo dot
	$(BIN)/deltagrad demo

test: lint site dot browser node_modules/.installed
	$(BIN)/python -m pytest

# The site, built as `make test` builds it: a broken link or a missing docstring fails.
# (Not --quiet: it drops the warnings, and --strict then has none to fail on.)
site: $(VENV)/.installed-test
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

bench: $(VENV)/.installed-test dot
	$(BIN)/python benchmarks/run_all.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check autodiff nn tests benchmarks lite
	$(BIN)/mypy

# The site's Python is Pyodide from npm (node_modules), served by the site itself.
lite: $(VENV)/.installed-lite node_modules/.installed
	$(BIN)/python -m lite.build

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[progress,plots]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	@$(BIN)/python -c "import torch" 2>/dev/null || { $(INSTALL_TORCH); }
	$(BIN)/python -m pip install --quiet -e '.[dev,notebooks,torch,lite]'
	touch $@ $(VENV)/.installed-demo $(VENV)/.installed-docs $(VENV)/.installed-lite

$(VENV)/.installed-lite: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[lite]'
	touch $@

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $@

# TORCH from TORCH_INDEX when it answers (in 10 s), else from the ordinary index.
REACHABLE = $(BIN)/python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10)"
INSTALL_TORCH = \
	if [ -n "$(TORCH_INDEX)" ] && $(REACHABLE) "$(TORCH_INDEX)/torch/" >/dev/null 2>&1; then \
	  echo "Installing $(TORCH) from $(TORCH_INDEX) ..."; \
	  $(BIN)/python -m pip install --quiet --index-url "$(TORCH_INDEX)" '$(TORCH)' || { \
	    echo "... which failed: installing $(TORCH) from the ordinary index instead"; \
	    $(BIN)/python -m pip install --quiet '$(TORCH)'; }; \
	else \
	  [ -z "$(TORCH_INDEX)" ] || echo "PyTorch's index $(TORCH_INDEX) cannot be reached: installing $(TORCH) from the ordinary index"; \
	  $(BIN)/python -m pip install --quiet '$(TORCH)'; \
	fi

# System packages, installed when missing and we can (root with apt-get);
# otherwise one line says how, and the tests that need them skip.
APT_INSTALL = DEBIAN_FRONTEND=noninteractive apt-get install -y -qq
CAN_APT = [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1

# Graphviz renders the pictures.
dot:
	@command -v dot >/dev/null 2>&1 || { \
	  if $(CAN_APT); then \
	    echo "Installing Graphviz (the dot program) with apt-get ..."; \
	    (apt-get update -qq && $(APT_INSTALL) graphviz >/dev/null) || exit 1; \
	  else \
	    echo "Graphviz's dot program is missing, so pictures are not rendered and their tests skip: install it with 'sudo apt-get install graphviz', 'brew install graphviz' or 'conda install -c conda-forge graphviz'."; \
	  fi; }

# Headless Chromium and its driver run the tests of the step-by-step pages.
browser:
	@{ command -v chromedriver >/dev/null 2>&1 && \
	   { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }; } || { \
	  if $(CAN_APT); then \
	    echo "Installing Chromium and its driver with apt-get (for the page tests) ..."; \
	    (apt-get update -qq && $(APT_INSTALL) chromium chromium-driver >/dev/null) || exit 1; \
	  else \
	    echo "Chromium or its driver is missing, so the page tests skip: install them with 'sudo apt-get install chromium chromium-driver'."; \
	  fi; }

# Node.js and npm run the Pyodide test (tests/test_pyodide.py).
node:
	@{ command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; } || { \
	  if $(CAN_APT); then \
	    echo "Installing Node.js and npm with apt-get (for the Pyodide test) ..."; \
	    (apt-get update -qq && $(APT_INSTALL) nodejs npm >/dev/null) || exit 1; \
	  else \
	    echo "Node.js or npm is missing, so the Pyodide test skips: install them with 'sudo apt-get install nodejs npm'."; \
	  fi; }

# npm's packages, exactly as package-lock.json pins them (Pyodide; axe-core for the
# page tests' accessibility checks).
node_modules/.installed: package.json package-lock.json | node
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund --loglevel=error && touch $@ || \
	    echo "npm could not install package-lock.json's packages, so the Pyodide and accessibility tests skip."; \
	fi

clean:
	rm -rf $(VENV) node_modules build dist *.egg-info .pytest_cache .hypothesis .ruff_cache .mypy_cache .cache
