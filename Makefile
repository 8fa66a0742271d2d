# The kit's commands. `make grade` and `make test` set up .venv themselves on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUBMISSION ?= assignment
DATA_DIR ?= data
RESULTS ?=

.PHONY: grade test lint assignment bench data clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --editable '.[dev]'
	touch $@

grade: $(VENV)/.installed  ## grade SUBMISSION (default: assignment) with MNIST from DATA_DIR (default: data)
	$(PY) -m grader $(SUBMISSION) --data-dir $(DATA_DIR) $(if $(RESULTS),--results $(RESULTS))

test: $(VENV)/.installed  ## the kit's own tests (DATA_DIR must hold MNIST)
	$(PY) -m ruff check .
	DATA_DIR=$(abspath $(DATA_DIR)) $(PY) -m pytest -n 2

lint: $(VENV)/.installed
	$(PY) -m ruff check .

assignment: $(VENV)/.installed  ## regenerate the student stubs from solutions/
	$(PY) -m kit.stubs

bench: $(VENV)/.installed  ## time a grade of the reference against plain training
	$(PY) -m bench.bench --data-dir $(DATA_DIR)

data: $(VENV)/.installed  ## download MNIST into DATA_DIR (needs internet)
	$(PY) -c "import sys, torchvision; [torchvision.datasets.MNIST(sys.argv[1], train=t, download=True) for t in (True, False)]" $(DATA_DIR)

clean:
	rm -rf .cache .pytest_cache .hypothesis .ruff_cache
