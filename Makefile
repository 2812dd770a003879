# Two commands for a fresh machine (see README):  make demo   and   make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test install lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/loanfactory demo
	rm -f loanfactory-portfolio.db
	$(BIN)/python examples/portfolio_simulation.py --short --db sqlite:///loanfactory-portfolio.db

test: install
	$(BIN)/python -m pytest -n 2 -p xdist --dist loadgroup

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict src

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist
