# make demo   run the main job (trains a network, writes a folder of results)
# make test   run the whole test suite, notebooks included
# make bench  run the benchmarks against their peers
#
# Each target bootstraps what it needs: a virtual environment in .venv, the
# project installed editable with the extras it uses (again only when
# pyproject.toml changes), and Graphviz's `dot` program from the system packages.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# PyTorch for the torch extra; the CPU build is all the tests need. Where a CPU
# wheel of this release is at hand (as on our CI machines) pip takes it; elsewhere
# PyPI's Linux wheel is the CUDA build, several GB. Install the CPU build yourself
# first (PyTorch's site says how), and this step is skipped; or set TORCH=...
TORCH  ?= torch==2.13.0

.PHONY: demo test bench lint dot clean

demo: $(VENV)/.installed-demo dot
	$(BIN)/deltagrad demo

test: $(VENV)/.installed-test dot
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-test dot
	$(BIN)/python benchmarks/run_all.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check autodiff nn tests benchmarks

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[progress,plots]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install --quiet '$(TORCH)'
	$(BIN)/python -m pip install --quiet -e '.[dev,notebooks,torch]'
	touch $@ $(VENV)/.installed-demo

# Graphviz renders the pictures. Install it when missing and we can (root with
# apt-get); otherwise say how, in one line.
dot:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Graphviz (the dot program) with apt-get ..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null) || exit 1; \
	  else \
	    echo "Graphviz's dot program is missing: install it with 'sudo apt-get install graphviz', 'brew install graphviz' or 'conda install -c conda-forge graphviz'."; \
	    exit 1; \
	  fi; }

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis .ruff_cache
