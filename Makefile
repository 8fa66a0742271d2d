# The kit's commands. `make grade` and `make test` set up .venv themselves on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUBMISSION ?= assignment
DATA_DIR ?= data
RESULTS ?=
SUBMISSIONS ?= submissions

.PHONY: grade grade-all train test lint assignment nbgrader gradescope classroom bench data clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --editable '.[dev]'
	touch $@

grade: $(VENV)/.installed  ## grade SUBMISSION (default: assignment) with MNIST from DATA_DIR (default: data)
	$(PY) -m grader $(SUBMISSION) --data-dir $(DATA_DIR) $(if $(RESULTS),--results $(RESULTS)) $(if $(FEEDBACK),--feedback $(FEEDBACK))

train: $(VENV)/.installed  ## your own training run of SUBMISSION: progress, accuracy per epoch, curves.png (EPOCHS=n)
	$(PY) -m kit.train $(SUBMISSION) --data-dir $(DATA_DIR) $(if $(EPOCHS),--epochs $(EPOCHS))

test: $(VENV)/.installed  ## the kit's own tests (DATA_DIR must hold MNIST)
	$(PY) -m ruff check .
	DATA_DIR=$(abspath $(DATA_DIR)) $(PY) -m pytest -n 2

lint: $(VENV)/.installed
	$(PY) -m ruff check .

assignment: $(VENV)/.installed  ## regenerate the student stubs from solutions/
	$(PY) -m kit.stubs

grade-all: $(VENV)/.installed  ## grade every submission in SUBMISSIONS (folders, .zip, .ipynb), in parallel
	$(PY) -m grader.batch $(SUBMISSIONS) --data-dir $(DATA_DIR) $(if $(OUT),--out $(OUT)) $(if $(FORCE),--force)

nbgrader: $(VENV)/.installed  ## an nbgrader course folder in dist/nbgrader, generated from solutions/
	$(PY) -m kit.nbgrader --out dist/nbgrader

gradescope: $(VENV)/.installed  ## the Gradescope autograder: dist/gradescope/autograder.zip
	$(PY) -m kit.gradescope --out dist/gradescope/autograder.zip

classroom: $(VENV)/.installed  ## a GitHub Classroom template repository in dist/classroom (MNIST from DATA_DIR)
	$(PY) -m kit.classroom --out dist/classroom --data-dir $(DATA_DIR)

bench: $(VENV)/.installed  ## time a grade of the reference against plain training
	$(PY) -m bench.bench --data-dir $(DATA_DIR)

data: $(VENV)/.installed  ## download MNIST into DATA_DIR (needs internet)
	$(PY) -c "import sys, torchvision; [torchvision.datasets.MNIST(sys.argv[1], train=t, download=True) for t in (True, False)]" $(DATA_DIR)

clean:
	rm -rf .cache .pytest_cache .hypothesis .ruff_cache
