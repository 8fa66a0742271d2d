"""Grading a class: every kind of submission, resumable, the same scores on one worker or two."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import KIT, SOLUTIONS
from tests.test_notebook import bug_notebook
from tests.zoo import ZOO


def batch(*args, cores: str | None = None) -> subprocess.CompletedProcess:
    """``python -m grader.batch``, on the given CPU cores only (``taskset``) if ``cores``."""
    pin = ["taskset", "-c", cores] if cores and shutil.which("taskset") else []
    done = subprocess.run([*pin, sys.executable, "-m", "grader.batch", *map(str, args)], cwd=KIT, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def rows(path):
    """The CSV without its time column."""
    with path.open() as file:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(file)]


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    shutil.copytree(SOLUTIONS, folder / "ada")
    by_name = {bug.name: bug for bug in ZOO}
    zipped = by_name["no_zero_grad"].apply(folder / "tmp-bob")
    with zipfile.ZipFile(folder / "bob.zip", "w") as archive:
        for path in zipped.glob("*.py"):
            archive.write(path, path.name)
    shutil.rmtree(zipped)
    bug_notebook(by_name["squeeze"], folder / "cy.ipynb")
    (folder / "dee.zip").write_bytes(b"not a zip")
    return folder


def test_batch_grades_every_kind_of_submission(classroom, data_dir, tmp_path):
    out = tmp_path / "graded"
    batch(classroom, "--data-dir", data_dir, "--out", out, "--workers", "2")
    grades = {row["student"]: row for row in rows(out / "grades.csv")}
    assert set(grades) == {"ada", "bob", "cy", "dee"}
    assert grades["ada"]["total"] == "100" and grades["ada"]["error"] == ""
    assert grades["bob"]["train_gradients"] == "0" and grades["bob"]["dataset_images"] == "5"
    assert grades["cy"]["mlp_output"] == "0" and grades["cy"]["total"] == "95"
    assert grades["dee"]["total"] == "0" and "not a readable zip archive" in grades["dee"]["error"]
    for student in ("ada", "bob", "cy"):
        assert (out / student / "results.json").is_file() and (out / student / "feedback.html").is_file()
    summary = (out / "summary.txt").read_text()
    assert "4 submissions" in summary and "Most failed checks" in summary and "Not graded: dee" in summary
    assert (out / "summary.png").stat().st_size > 10_000

    again = batch(classroom, "--data-dir", data_dir, "--out", out)  # resumable: nothing left but dee
    assert rows(out / "grades.csv") == list(grades.values())
    assert "3/4" in again.stderr  # the progress bar starts with the three already graded

    one_core = tmp_path / "one-core"
    batch(classroom, "--data-dir", data_dir, "--out", one_core, "--workers", "1", cores="0")
    assert rows(one_core / "grades.csv") == list(grades.values())
