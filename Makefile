# The kit's commands: `make` (or `make help`) lists them. `make grade` and `make test` set up .venv and fetch
# MNIST into DATA_DIR themselves on first use.
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME := $(VENV)/.installed
DEV := $(VENV)/.installed-dev
SUBMISSION ?= assignment
DATA_DIR ?= data
SUBMISSIONS ?= submissions

# What `make help` says of each variable (a line per variable, after "#: "):
#: SUBMISSION=PATH    what grade, watch and train take: a folder, .zip/.tar, .ipynb or .py (default: assignment)
#: DATA_DIR=DIR       where MNIST is, or is fetched to, as DIR/MNIST/raw/ (default: data)
#: RESULTS=FILE       grade: also write Gradescope's results.json
#: FEEDBACK=FILE      grade, watch: also write a feedback page (.html, else Markdown)
#: JUNIT=FILE         grade: also write JUnit XML, for a CI job's test report
#: AUDIENCE=WHO       grade, watch: student (default: the checks visible now) or instructor (everything)
#: FAIL_UNDER=N       grade: exit with status 1 when the score is below N (a CI job that should fail)
#: RUBRIC=FILE        grade, watch, grade-all, classroom, selfcheck: another rubric (default: grader/rubric.toml)
#: EPOCHS=N           train: epochs to train (default: 3, the grader's most)
#: SUBMISSIONS=PATH   grade-all: a folder of submissions, or a Canvas or Moodle download (default: submissions)
#: OUT=DIR            grade-all, similarity: where the results go (default: SUBMISSIONS-graded)
#: WORKERS=N          grade-all: warm graders at once (default: one per core)
#: FORCE=1            grade-all: grade again what was graded before
#: GRADEBOOK=FILE     grade-all: a Canvas or Moodle gradebook export to fill in (needs COLUMN)
#: COLUMN=NAME        grade-all: the gradebook's assignment that gets the scores
#: ROSTER=FILE        grade-all: which student each submission is (columns submission, student)
#: SCHEDULER=ADDRESS  grade-all: grade on this Dask cluster (tcp://HOST:PORT)
#: SIMILARITY=1       grade-all: also compare every pair of submissions' code (similarity.csv, similarity.html)
#: SIMILARITY_THRESHOLD=T  grade-all, similarity: flag pairs at or above this similarity, 0-1 (default: 0.75)
#: PYTHON=COMMAND     the Python 3.11+ that makes .venv (default: python3)
#: TORCH=cpu          Linux without an NVIDIA GPU: set up .venv with PyTorch's CPU-only wheels (no CUDA libraries)

# TORCH=cpu: torch and torchvision, at pyproject.toml's versions, from PyTorch's CPU-only index first; where that
# index is unreachable, one line says so and pip installs them from the default index (with CUDA's libraries).
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
TORCH_PINS = $(shell sed -n 's/^ *"\(torch[a-z]*==[^"]*\)".*/\1/p' pyproject.toml)
CPU_TORCH = $(PY) -m pip install --quiet --retries 1 --timeout 20 --index-url $(TORCH_CPU_INDEX) $(TORCH_PINS) \
	2>/dev/null || echo "make: PyTorch's CPU-only index is unreachable: installing torch from the default index instead"

# One line, not a traceback, where the Python that would make the venv is too old (it may be Python 2)
PYTHON_CHECK = import sys; sys.exit(sys.version_info < (3, 11) and "The kit needs Python 3.11 or newer; $(PYTHON) is \
	%d.%d (make PYTHON=python3.11 ... picks another)" % sys.version_info[:2])
# nbgrader in the course folder, with the venv's tools on PATH: nbgrader starts alembic and jupyter by name
NBGRADER := cd dist/nbgrader && PATH=$(abspath $(VENV)/bin):$$PATH DATA_DIR=$(abspath $(DATA_DIR)) \
	$(abspath $(VENV)/bin/nbgrader)
# Each command's options from the variables above, on one line: make echoes the command as it runs it.
GRADE_OPTIONS = $(strip $(if $(RESULTS),--results $(RESULTS)) $(if $(FEEDBACK),--feedback $(FEEDBACK)) \
	$(if $(JUNIT),--junit $(JUNIT)) $(if $(AUDIENCE),--audience $(AUDIENCE)) $(if $(RUBRIC),--rubric $(RUBRIC)) \
	$(if $(FAIL_UNDER),--fail-under $(FAIL_UNDER)))
SIMILARITY_OPTIONS = $(strip $(if $(OUT),--out $(OUT)) \
	$(if $(SIMILARITY_THRESHOLD),--similarity-threshold $(SIMILARITY_THRESHOLD)))
SELFCHECK_OPTIONS = $(strip $(if $(RUBRIC),--rubric $(RUBRIC)) --json dist/selfcheck/mutants.json)
WATCH_OPTIONS = $(strip $(if $(FEEDBACK),--feedback $(FEEDBACK)) $(if $(AUDIENCE),--audience $(AUDIENCE)) \
	$(if $(RUBRIC),--rubric $(RUBRIC)))
CLASS_OPTIONS = $(strip $(if $(OUT),--out $(OUT)) $(if $(WORKERS),--workers $(WORKERS)) $(if $(FORCE),--force) \
	$(if $(RUBRIC),--rubric $(RUBRIC)) $(if $(GRADEBOOK),--gradebook $(GRADEBOOK) --column "$(COLUMN)") \
	$(if $(ROSTER),--roster $(ROSTER)) $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(SIMILARITY),--similarity) \
	$(if $(SIMILARITY_THRESHOLD),--similarity-threshold $(SIMILARITY_THRESHOLD)))

# A gradebook needs the column its scores go in: said before anything is installed or graded.
ifneq ($(and $(filter grade-all,$(MAKECMDGOALS)),$(GRADEBOOK)),)
ifeq ($(COLUMN),)
$(error GRADEBOOK=$(GRADEBOOK) needs COLUMN=NAME, the gradebook's assignment that gets the scores (made if \
	absent), e.g. make grade-all GRADEBOOK=$(GRADEBOOK) COLUMN="Lab 3")
endif
endif

.PHONY: help grade watch grade-all train test test-fast lint assignment nbgrader nbgrader-generate nbgrader-autograde \
	nbgrader-feedback gradescope gradescope-image classroom selfcheck similarity bench data clean

help:  ## this list (what a bare `make` does)
	@echo "make TARGET [VARIABLE=VALUE ...]: make grade and make test set up .venv and fetch MNIST themselves."
	@echo
	@echo "Targets:"
	@awk -F ':.*## ' '/^[a-z][a-z-]*:.*## / { printf "  %-20s %s\n", $$1, $$2 }' $(firstword $(MAKEFILE_LIST))
	@echo
	@echo "Variables:"
	@sed -n 's/^#: /  /p' $(firstword $(MAKEFILE_LIST))

# Students get the grader's runtime only; the instructor's tools (the `dev` extra) come with the targets that use them.
$(RUNTIME): pyproject.toml
	@$(PYTHON) -c '$(PYTHON_CHECK)'
	$(PYTHON) -m venv $(VENV)
	$(if $(filter cpu,$(TORCH)),$(CPU_TORCH))
	$(PY) -m pip install --quiet --editable .
	touch $@

$(DEV): $(RUNTIME)
	$(PY) -m pip install --quiet --editable '.[dev]'
	touch $@

grade: $(RUNTIME) data  ## grade SUBMISSION: the parts still to write, what to fix, the score and the next step
	$(PY) -m grader $(SUBMISSION) --data-dir $(DATA_DIR) $(GRADE_OPTIONS)

watch: $(RUNTIME) data  ## grade SUBMISSION again each time you save one of its files (Ctrl-C stops)
	$(PY) -m grader $(SUBMISSION) --data-dir $(DATA_DIR) --watch $(WATCH_OPTIONS)

train: $(RUNTIME) data  ## your own training run of SUBMISSION: progress, accuracy per epoch, curves.png (EPOCHS=n)
	$(PY) -m kit.train $(SUBMISSION) --data-dir $(DATA_DIR) $(if $(EPOCHS),--epochs $(EPOCHS))

data: $(RUNTIME)  ## fetch MNIST into DATA_DIR unless it is there (grade, watch, train and test do it first)
	$(PY) -m grader.download $(DATA_DIR)

grade-all: $(RUNTIME) data  ## grade every submission in SUBMISSIONS (a folder, or a Canvas or Moodle download)
	$(if $(SCHEDULER),$(PY) -m pip install --quiet 'distributed>=2024.1';)
	$(PY) -m grader.batch $(SUBMISSIONS) --data-dir $(DATA_DIR) $(CLASS_OPTIONS)

similarity: $(RUNTIME)  ## compare every pair of SUBMISSIONS' code: similarity.csv and similarity.html in OUT
	$(PY) -m grader.similarity $(SUBMISSIONS) $(SIMILARITY_OPTIONS)

assignment: $(RUNTIME)  ## regenerate the student stubs in assignment/ from solutions/
	$(PY) -m kit.stubs

nbgrader: $(DEV)  ## an nbgrader course folder in dist/nbgrader, generated from solutions/
	$(PY) -m kit.nbgrader_course --out dist/nbgrader

nbgrader-generate: nbgrader  ## the students' notebook in dist/nbgrader/release/ (nbgrader generate_assignment)
	$(NBGRADER) generate_assignment mnist_mlp --force

nbgrader-autograde: nbgrader data  ## grade dist/nbgrader/submitted/STUDENT/mnist_mlp/ (nbgrader autograde)
	$(NBGRADER) autograde mnist_mlp

nbgrader-feedback: nbgrader  ## an HTML report per student in dist/nbgrader/feedback/ (nbgrader generate_feedback)
	$(NBGRADER) generate_feedback mnist_mlp

selfcheck: $(DEV) data  ## the grader's own test: grade mutants of solutions/, list what it missed (dist/selfcheck/)
	$(PY) -m grader.selfcheck --data-dir $(DATA_DIR) $(SELFCHECK_OPTIONS)

gradescope: $(RUNTIME)  ## the Gradescope autograder: dist/gradescope/autograder.zip
	$(PY) -m kit.gradescope_zip --out dist/gradescope/autograder.zip

gradescope-image: $(DEV) data  ## build the Gradescope image for real in Docker and grade 4 uploads through it (root, docker.io, debootstrap)
	$(PY) -m kit.gradescope_image --data-dir $(DATA_DIR)

classroom: $(DEV) data  ## a GitHub Classroom template repository in dist/classroom (MNIST from DATA_DIR)
	$(PY) -m kit.classroom_template --out dist/classroom --data-dir $(DATA_DIR) $(if $(RUBRIC),--rubric $(RUBRIC))

test: lint data  ## the kit's own tests, with MNIST from DATA_DIR
	DATA_DIR=$(abspath $(DATA_DIR)) $(PY) -m pytest -n 2 --dist loadgroup

test-fast: lint data  ## the edit loop's tier: every test that grades nothing, and one grade of the reference
	DATA_DIR=$(abspath $(DATA_DIR)) $(PY) -m pytest -n 2 --dist loadgroup -m "not grades or fast"

lint: $(DEV)  ## ruff, and the import layers of grader/ (import-linter)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

bench: $(DEV) data  ## time a grade (wall and CPU), a class of 40 and nbgrader's autograde (docs/speed.md)
	$(PY) -m bench.bench --data-dir $(DATA_DIR)

clean:  ## remove the caches (.cache, .pytest_cache, .hypothesis, .ruff_cache); .venv, data and dist/ stay
	rm -rf .cache .pytest_cache .hypothesis .ruff_cache
