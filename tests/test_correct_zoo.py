"""Every correct submission gets full marks, whatever its style: the modules of the correct zoo and
the notebooks written the way students write them. The zoo is graded as a class by one warm grader; a
sample also from a cold start, which must judge it exactly as the class did."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests.conftest import Grade, grade, verdicts
from tests.correct_notebooks import NOTEBOOKS, Notebook
from tests.correct_zoo import CORRECT, Correct

pytestmark = pytest.mark.xdist_group("correct_zoo")  # one test process grades the whole zoo, once


def test_correct_zoo_is_big_enough():
    assert len(CORRECT) >= 15
    assert len(NOTEBOOKS) >= 5
    names = [entry.name for entry in CORRECT + NOTEBOOKS]
    assert len(set(names)) == len(names)
    assert all(entry.style and "\n" not in entry.style for entry in CORRECT + NOTEBOOKS)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[notebook.name for notebook in NOTEBOOKS])
def test_notebook_is_valid_as_saved(notebook, tmp_path):
    """Each notebook is valid in the nbformat version it claims, with ids exactly from 4.5 on."""
    path = notebook.write(tmp_path)
    saved = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(saved)
    assert saved.nbformat == 4
    assert all(("id" in cell) == (saved.nbformat_minor >= 5) for cell in saved.cells)


def assert_full_marks(report: Grade) -> None:
    failed = {check: outcome.output for check, outcome in report.checks.items()
              if not outcome.passed or outcome.score < outcome.max_score}
    assert report.score == 100 and not failed, report.stdout


ENTRIES = CORRECT + NOTEBOOKS
COLD = ENTRIES[::4]  # every fourth, graded from a cold start too


def made(entry: Correct | Notebook, into: Path) -> Path:
    """The entry as a student hands it in: a folder of modules, or a notebook (in a folder of its own)."""
    return entry.write(into / entry.name)


@pytest.fixture
def zoo(classes) -> dict[str, Grade | str]:
    return classes("correct-zoo", lambda folder: {entry.name: made(entry, folder) for entry in ENTRIES})


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.name for entry in ENTRIES])
def test_correct_submission_gets_full_marks(entry, zoo):
    report = zoo[entry.name]
    assert isinstance(report, Grade), report
    assert_full_marks(report)


@pytest.mark.parametrize("entry", COLD, ids=[entry.name for entry in COLD])
def test_a_cold_grade_judges_as_the_class_did(entry, zoo, data_dir, tmp_path):
    report = grade(made(entry, tmp_path), data_dir, tmp_path)
    assert verdicts(report) == verdicts(zoo[entry.name]), "python -m grader and grade-all judged it otherwise"
