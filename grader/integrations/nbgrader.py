"""The autograder test cells of the nbgrader notebook.

The first cell that calls ``check`` grades the notebook's code once, with ``python -m grader`` in a
subprocess: the same checks in the same sandbox as a folder gets. Each cell then prints its check's
result and evaluates to its points, which nbgrader takes as the cell's (partial) score. Nothing is
written to stderr, since nbgrader gives a cell that does zero points.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.config.paths import DATA_DIR, KIT_ROOT
from grader.intake.notebook import write_modules
from grader.outputs.results import RESULTS_FILE, Outcome, Results

_results: dict[str, Outcome] = {}


def _notebook_cells() -> list[str]:
    """The code the kernel has run so far, but for these check cells."""
    from IPython import get_ipython

    shell = get_ipython()
    history = shell.user_ns.get("In", []) if shell is not None else []
    return [cell for cell in history if cell and "grader.notebook_checks" not in cell]


def _grade() -> dict[str, Outcome]:
    data_dir = os.environ.get("DATA_DIR", str(KIT_ROOT / DATA_DIR))
    with tempfile.TemporaryDirectory(prefix="notebook-") as scratch:
        modules = write_modules(_notebook_cells(), Path(scratch) / "submission")
        results = Path(scratch) / RESULTS_FILE
        done = subprocess.run([sys.executable, "-m", "grader", str(modules), "--data-dir", data_dir,
                               "--results", str(results)], cwd=KIT_ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"the grader could not grade this notebook: {done.stderr.strip()}")
        return Results.read(results).checks


def check(check_id: str) -> float:
    """Print one check's result; its points are the value of the call."""
    if not _results:
        _results.update(_grade())
    outcome = _results[check_id]
    print(f"{outcome.name}: {outcome.score:g} / {outcome.max_score:g}")
    if not outcome.passed:
        print(outcome.output)
    return outcome.score
