# Set-up and entry points. Every target builds its own virtual environment
# first (re-runnable: it only reinstalls when pyproject.toml changes).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: play test lint clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# the CPU wheel of torch, pinned so no CUDA packages are pulled (the [train]
	# extra then finds it installed); playing alone needs no torch: pip install .
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[train,dev]'
	touch $(STAMP)

play: $(STAMP)
	$(VENV)/bin/pico-rogue play

# everything, the slow tests too, and every property test's examples (a plain
# `pytest` leaves the slow ones out and draws a quarter of the examples: see tests/conftest.py)
test: $(STAMP)
	$(PY) -m ruff check cli game model tests
	PICO_EXAMPLES=1 $(PY) -m pytest -q -m "slow or not slow"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
