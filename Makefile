# The kit's commands. `make grade` and `make test` set up .venv and fetch MNIST into DATA_DIR themselves on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME := $(VENV)/.installed
DEV := $(VENV)/.installed-dev
SUBMISSION ?= assignment
DATA_DIR ?= data
RESULTS ?=
SUBMISSIONS ?= submissions
# One line, not a traceback, where the Python that would make the venv is too old (it may be Python 2)
PYTHON_CHECK = import sys; sys.exit(sys.version_info < (3, 11) and "The kit needs Python 3.11 or newer; $(PYTHON) is \
	%d.%d (make PYTHON=python3.11 ... picks another)" % sys.version_info[:2])
# nbgrader in the course folder, with the venv's tools on PATH: nbgrader starts alembic and jupyter by name
NBGRADER := cd dist/nbgrader && PATH=$(abspath $(VENV)/bin):$$PATH DATA_DIR=$(abspath $(DATA_DIR)) \
	$(abspath $(VENV)/bin/nbgrader)

.PHONY: grade grade-all train test test-fast lint assignment nbgrader nbgrader-generate nbgrader-autograde nbgrader-feedback \
	gradescope classroom bench data clean

# Students get the grader's runtime only; the instructor's tools (the `dev` extra) come with the targets that use them.
$(RUNTIME): pyproject.toml
	@$(PYTHON) -c '$(PYTHON_CHECK)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --editable .
	touch $@

$(DEV): $(RUNTIME)
	$(PY) -m pip install --quiet --editable '.[dev]'
	touch $@

data: $(RUNTIME)  ## fetch MNIST into DATA_DIR unless its md5s say it is there (grade, train and test do this first)
	$(PY) -m grader.download $(DATA_DIR)

grade: $(RUNTIME) data  ## grade SUBMISSION (default: assignment) with MNIST from DATA_DIR (default: data)
	$(PY) -m grader $(SUBMISSION) --data-dir $(DATA_DIR) $(if $(RESULTS),--results $(RESULTS)) $(if $(FEEDBACK),--feedback $(FEEDBACK)) \
		$(if $(AUDIENCE),--audience $(AUDIENCE))

train: $(RUNTIME) data  ## your own training run of SUBMISSION: progress, accuracy per epoch, curves.png (EPOCHS=n)
	$(PY) -m kit.train $(SUBMISSION) --data-dir $(DATA_DIR) $(if $(EPOCHS),--epochs $(EPOCHS))

test: lint data  ## the kit's own tests, with MNIST from DATA_DIR
	DATA_DIR=$(abspath $(DATA_DIR)) $(PY) -m pytest -n 2 --dist loadgroup

test-fast: lint data  ## the edit loop's tier (a few minutes): every test that grades nothing, and one grade of the reference
	DATA_DIR=$(abspath $(DATA_DIR)) $(PY) -m pytest -n 2 --dist loadgroup -m "not grades or fast"

lint: $(DEV)  ## ruff, and the import layers of grader/ (import-linter)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

assignment: $(RUNTIME)  ## regenerate the student stubs from solutions/
	$(PY) -m kit.stubs

grade-all: $(RUNTIME) data  ## grade every submission in SUBMISSIONS (folders, archives, notebooks, an LMS download) with warm graders
	$(if $(SCHEDULER),$(PY) -m pip install --quiet 'distributed>=2024.1';)
	$(PY) -m grader.batch $(SUBMISSIONS) --data-dir $(DATA_DIR) $(if $(OUT),--out $(OUT)) $(if $(FORCE),--force) \
		$(if $(GRADEBOOK),--gradebook $(GRADEBOOK) --column "$(COLUMN)") $(if $(ROSTER),--roster $(ROSTER)) \
		$(if $(SCHEDULER),--scheduler $(SCHEDULER))

nbgrader: $(DEV)  ## an nbgrader course folder in dist/nbgrader, generated from solutions/
	$(PY) -m kit.nbgrader_course --out dist/nbgrader

nbgrader-generate: nbgrader  ## the students' notebook in dist/nbgrader/release/ (nbgrader generate_assignment)
	$(NBGRADER) generate_assignment mnist_mlp --force

nbgrader-autograde: $(DEV) data  ## grade dist/nbgrader/submitted/STUDENT/mnist_mlp/ (nbgrader autograde)
	$(NBGRADER) autograde mnist_mlp

nbgrader-feedback: $(DEV)  ## an HTML report per student in dist/nbgrader/feedback/ (nbgrader generate_feedback)
	$(NBGRADER) generate_feedback mnist_mlp

gradescope: $(RUNTIME)  ## the Gradescope autograder: dist/gradescope/autograder.zip
	$(PY) -m kit.gradescope_zip --out dist/gradescope/autograder.zip

classroom: $(DEV) data  ## a GitHub Classroom template repository in dist/classroom (MNIST from DATA_DIR)
	$(PY) -m kit.classroom_template --out dist/classroom --data-dir $(DATA_DIR)

bench: $(DEV) data  ## time a grade against plain training, a class of 40 with warm graders against one process each, and nbgrader
	$(PY) -m bench.bench --data-dir $(DATA_DIR)

clean:
	rm -rf .cache .pytest_cache .hypothesis .ruff_cache
