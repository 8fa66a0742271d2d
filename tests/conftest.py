"""Shared fixtures: where MNIST is, and grading a folder the way a user does (a subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.config.paths import KIT_ROOT, RUBRIC
from grader.outputs.results import Outcome, Results


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that needs MNIST grades something: mark it ``grades``, so that the edit loop's fast tier
    (``make test-fast``: the rest, and the tests marked ``fast``) can leave it out."""
    for item in items:
        if "data_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.grades)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    root = Path(os.environ.get("DATA_DIR", KIT_ROOT / "data")).resolve()
    if not (root / "MNIST" / "raw").is_dir():
        pytest.fail(f"MNIST not found under {root}: run `make test` (it fetches MNIST), or set DATA_DIR to a copy")
    return root


def run_grader(*args: str | Path, timeout: float = 600, **options) -> subprocess.CompletedProcess:
    """``python -m grader ARGS`` as a user runs it; ``options`` go to ``subprocess.run`` (env, preexec_fn)."""
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=KIT_ROOT, capture_output=True,
                          text=True, timeout=timeout, **options)


@dataclass(frozen=True)
class Grade:
    """A grade as a test reads it: the results.json it wrote, read through ``Results``, and what was printed."""

    results: Results
    stdout: str = ""

    @property
    def checks(self) -> dict[str, Outcome]:
        return self.results.checks

    @property
    def score(self) -> float:
        return self.results.score

    @property
    def output(self) -> str:
        return self.results.output


def grade(folder: Path, data_dir: Path, tmp_path: Path) -> Grade:
    """Grade ``folder`` through the CLI, as a user does."""
    results = tmp_path / f"{folder.name}-results.json"
    done = run_grader(folder, "--data-dir", data_dir, "--results", results)
    assert done.returncode == 0, done.stderr
    return Grade(Results.read(results), done.stdout)


def grade_as_a_class(submissions: dict[str, Path], data_dir: Path, out: Path) -> dict[str, Grade | str]:
    """Grade ``submissions`` (name: path) one after another with one warm grader, as ``grade-all`` does: what
    a test module of many submissions shares (each gets all a single grade gets; ``test_warm`` proves it).
    Each its grade, or why it could not be graded."""
    from grader.integrations import warm

    graded = warm.grade_locally(submissions, out, data_dir, RUBRIC, workers=1)
    return {g.student: Grade(g.results) if g.results else g.error for g in graded}


@pytest.fixture(scope="session")
def classes(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., dict[str, Grade | str]]:
    """``classes(name, make)``: the corpus ``name``, made by ``make(folder)`` (a dict of name: submission),
    graded as a class once per test process: a module's fixture may be set up again when xdist runs another
    module's tests between its own, and the class is not graded again."""
    graded: dict[str, dict[str, Grade | str]] = {}

    def get(name: str, make: Callable[[Path], dict[str, Path]]) -> dict[str, Grade | str]:
        if name not in graded:
            submissions = make(tmp_path_factory.mktemp(name))
            graded[name] = grade_as_a_class(submissions, data_dir, tmp_path_factory.mktemp(f"{name}-graded"))
        return graded[name]

    return get


def verdicts(grade: Grade) -> dict[str, tuple[float, str]]:
    """Each check's points and message: what must not depend on how a submission was graded."""
    return {check: (outcome.score, outcome.output) for check, outcome in grade.checks.items()}


def lost(grade: Grade) -> set[str]:
    return {check for check, outcome in grade.checks.items() if outcome.score < outcome.max_score}
