"""Every correct submission gets full marks, whatever its style: the modules of the correct zoo and
the notebooks written the way students write them."""

from __future__ import annotations

import nbformat
import pytest

from tests.conftest import grade, verdicts
from tests.correct_notebooks import NOTEBOOKS
from tests.correct_zoo import CORRECT


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


def assert_full_marks(report: dict) -> None:
    failed = {check: test["output"] for check, test in report["by_id"].items()
              if test["status"] != "passed" or test["score"] < test["max_score"]}
    assert report["score"] == 100 and not failed, report["stdout"]


@pytest.mark.parametrize("submission", CORRECT, ids=[submission.name for submission in CORRECT])
def test_correct_module_submission_gets_full_marks(submission, data_dir, tmp_path, warm_grade):
    folder = submission.write(tmp_path / submission.name)
    report = grade(folder, data_dir, tmp_path)
    assert_full_marks(report)
    assert verdicts(warm_grade(folder)) == verdicts(report), "a warm grader (grade-all) judged it otherwise"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[notebook.name for notebook in NOTEBOOKS])
def test_correct_notebook_gets_full_marks(notebook, data_dir, tmp_path, warm_grade):
    path = notebook.write(tmp_path / "submission")
    report = grade(path, data_dir, tmp_path)
    assert_full_marks(report)
    assert verdicts(warm_grade(path)) == verdicts(report), "a warm grader (grade-all) judged it otherwise"
