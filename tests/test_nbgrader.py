"""Real nbgrader on the generated course: generate_assignment, autograde of the reference, the
released stubs and a notebook with a bug, and generate_feedback. The course's rubric holds three
checks back from students, so their cells are hidden tests: released without their call, graded
with it, to the same scores as `python -m grader`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from grader.config.paths import RUBRIC
from kit.nbgrader_course import ASSIGNMENT, write_course
from tests.test_notebook import bug_notebook
from tests.zoo import ZOO

HELD_BACK = {"dataset_len": "after_published", "mlp_nonlinear": "hidden", "accuracy": "after_due_date"}


def nbgrader(course: Path, data_dir: Path, *args: str) -> None:
    env = os.environ | {"DATA_DIR": str(data_dir), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run([Path(sys.executable).with_name("nbgrader"), *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.fixture(scope="module")
def course(tmp_path_factory, data_dir):
    course = tmp_path_factory.mktemp("course")
    rubric = RUBRIC.read_text()
    for check, visibility in HELD_BACK.items():
        rubric = rubric.replace(f"[checks.{check}]\n", f'[checks.{check}]\nvisibility = "{visibility}"\n')
    (course / "rubric.toml").write_text(rubric)
    source = write_course(course, rubric_path=course / "rubric.toml")
    nbgrader(course, data_dir, "generate_assignment", ASSIGNMENT, "--force")
    released = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    bug = next(b for b in ZOO if b.name == "no_activation")
    for student, make in (("reference", lambda p: shutil.copy(source, p)),
                          ("stubs", lambda p: shutil.copy(released, p)),
                          ("bug", lambda p: bug_notebook(bug, p))):
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        make(folder / f"{ASSIGNMENT}.ipynb")
    nbgrader(course, data_dir, "autograde", ASSIGNMENT, "--force")
    nbgrader(course, data_dir, "generate_feedback", ASSIGNMENT, "--force")
    return course


def score(course: Path, student: str) -> float:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return gradebook.find_submission(ASSIGNMENT, student).score


def test_released_notebook_has_stubs_and_locked_checks(course):
    released = (course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    assert "BEGIN SOLUTION" not in released and "raise NotImplementedError()" in released
    assert "# Hint:" in released


def test_checks_held_back_are_hidden_tests(course):
    source, released = (nbformat.read(course / folder / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
                        for folder in ("source", "release"))
    for notebook, hidden in ((source, True), (released, False)):
        cells = {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in notebook.cells
                 if cell.metadata.get("nbgrader", {}).get("grade")}
        assert len(cells) == 25
        for check, cell in cells.items():
            held = check.removeprefix("check_") in HELD_BACK
            assert (f"check({check.removeprefix('check_')!r})" in cell) == (not held or hidden), check
            assert ("### BEGIN HIDDEN TESTS" in cell) == (held and hidden), check


def test_autograde_gives_the_grader_scores(course):
    assert score(course, "reference") == 100
    assert score(course, "stubs") == 0
    assert score(course, "bug") == 100 - 4 - 20  # no activation: mlp_nonlinear and accuracy


def test_feedback_is_generated(course):
    for student in ("reference", "stubs", "bug"):
        feedback = course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert feedback.is_file()
    assert "a real non-linearity" in (course / "feedback" / "bug" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
