"""Grading a class: every kind of submission, resumable, the same scores on one worker or two; regraded
exactly when a submission, the rubric or the kit changed; what a rubric's visibility changes."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from html import escape
from pathlib import Path

import pytest

from grader.config.paths import KIT_ROOT, RUBRIC, SOLUTIONS
from grader.intake.fingerprint import fingerprint
from grader.integrations.batch import previously
from grader.integrations.warm import INSTRUCTOR_PAGE
from grader.outputs.results import RESULTS_FILE, Results
from tests.test_notebook import bug_notebook
from tests.zoo import ZOO


def batch(*args, cores: str | None = None, kit: Path = KIT_ROOT) -> subprocess.CompletedProcess:
    """``python -m grader.batch`` of ``kit``, on the given CPU cores only (``taskset``) if ``cores``."""
    pin = ["taskset", "-c", cores] if cores and shutil.which("taskset") else []
    done = subprocess.run([*pin, sys.executable, "-m", "grader.batch", *map(str, args)], cwd=kit, capture_output=True,
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

    similar = batch(classroom, "--data-dir", data_dir, "--out", out, "--similarity")  # grades nothing new
    assert "Similarity: 3 submissions compared" in similar.stdout  # dee is no readable submission
    found = rows(out / "grades.csv")
    assert [{k: v for k, v in row.items() if "similar" not in k} for row in found] == list(grades.values())
    closest = {row["student"]: (row["most_similar_to"], float(row["max_similarity"] or 0)) for row in found}
    assert closest["bob"][0] in ("ada", "cy") and closest["bob"][1] > 0.9  # all three are the reference, nearly
    assert closest["dee"] == ("", 0)
    pairs = {(row["student_a"], row["student_b"]): row for row in rows(out / "similarity.csv")}
    assert set(pairs) == {("ada", "bob"), ("ada", "cy"), ("bob", "cy")} and pairs["ada", "bob"]["flagged"] == "yes"
    assert "dee" in (out / "similarity.html").read_text().split("Not compared")[1]

    one_core = tmp_path / "one-core"
    batch(classroom, "--data-dir", data_dir, "--out", one_core, "--workers", "1", cores="0")
    assert rows(one_core / "grades.csv") == list(grades.values())


def held_back(rubric: str) -> str:
    """``rubric`` with test_epoch's losses hidden, its side effects after the due date, its eval-mode check
    without the likely bug, and a leaderboard."""
    for check, key in (("test_losses", 'visibility = "hidden"'), ("test_side_effects", 'visibility = "after_due_date"'),
                       ("test_eval_mode", 'feedback = "observed"')):
        rubric = rubric.replace(f"[checks.{check}]\n", f"[checks.{check}]\n{key}\n")
    return rubric.replace("leaderboard = false", "leaderboard = true")


def test_regrades_follow_content_rubric_and_kit_and_visibility_changes_only_what_students_see(data_dir, tmp_path):
    folder, out, rubric, kit = tmp_path / "class", tmp_path / "graded", tmp_path / "rubric.toml", tmp_path / "kit"
    for part in ("grader", "solutions"):  # the kit as it is now: a kit edited meanwhile would regrade everything
        shutil.copytree(KIT_ROOT / part, kit / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(SOLUTIONS, folder / "ada", ignore=shutil.ignore_patterns("__pycache__"))
    bob = next(bug for bug in ZOO if bug.name == "no_model_eval").apply(folder / "bob")  # loses 3 test_epoch checks
    rubric.write_text(RUBRIC.read_text())

    def graded(*extra: str) -> dict[str, int]:
        """Grade the class; when each student's results.json was written."""
        batch(folder, "--data-dir", data_dir, "--out", out, "--rubric", rubric, "--workers", "2", *extra, kit=kit)
        return {student: (out / student / "results.json").stat().st_mtime_ns for student in ("ada", "bob")}

    first = graded()
    os.utime(bob / "model.py", (1e10, 1e10))  # a newer file time: nothing to regrade
    assert graded() == first
    (bob / "model.py").write_text((bob / "model.py").read_text() + "# edited\n")
    second = graded()
    assert second["ada"] == first["ada"] and second["bob"] != first["bob"]
    before = {name: (out / "bob" / name).read_text() for name in ("results.json", "feedback.html")}
    grades = {row["student"]: row for row in rows(out / "grades.csv")}
    assert grades["ada"]["total"] == "100" and grades["bob"]["total"] == "91"

    rubric.write_text("# the same rubric, said differently\n" + rubric.read_text())
    assert graded("--gradebook", KIT_ROOT / "tests" / "gradebooks" / "canvas.csv", "--column", "MNIST MLP") == second
    imported = {row[3]: row[6] for row in csv.reader((out / "import-canvas.csv").open())}
    assert imported["ada"] == "100" and imported["bob@uni.example"] == "91"

    rubric.write_text(held_back(rubric.read_text()))
    third = graded()
    assert third["ada"] != second["ada"] and third["bob"] != second["bob"]
    again = {row["student"]: row for row in rows(out / "grades.csv")}
    points = [{k: v for k, v in row.items() if k != "rubric"} for row in (*grades.values(), *again.values())]
    assert points[:2] == points[2:]
    assert again["bob"]["rubric"] != grades["bob"]["rubric"] == grades["ada"]["rubric"]  # same points, another rubric

    results = Results.read(out / "bob" / RESULTS_FILE)
    assert results.score == 91 and results.visibility == "after_published"
    assert results.checks["test_losses"].visibility == "hidden"
    assert results.checks["test_side_effects"].visibility == "after_due_date"
    earlier = Results.from_json(json.loads(before["results.json"]))
    assert "Likely bug" in earlier.checks["test_eval_mode"].output
    assert "Likely bug" not in results.checks["test_eval_mode"].output
    assert "Observed" in results.checks["test_eval_mode"].output
    student, instructor = (out / "bob" / "feedback.html").read_text(), (out / "bob" / INSTRUCTOR_PAGE).read_text()
    losses = escape("test_epoch: the reference's per-batch losses")
    assert losses in before["feedback.html"] and losses not in student and losses in instructor
    assert "<strong>91</strong> / 94 points" in student and "6 more points are still to be checked" in student
    assert "<strong>91</strong> / 100 points" in instructor and "Held back from students" in instructor

    with (out / "leaderboard.csv").open() as file:
        board = list(csv.DictReader(file))
    assert {row["student"] for row in board} == {"ada", "bob"} and {row["parameters"] for row in board} == {"101770"}
    assert all(0.935 <= float(row["accuracy"]) < 1 for row in board) and board[0]["rank"] == "1"

    # a rubric edit that moves points: both regraded, changes.csv says what moved and why
    text = rubric.read_text()
    table = text.index("[checks.test_eval_mode]")
    rubric.write_text(text[:table] + text[table:].replace("points = 3", "points = 6", 1))
    done = batch(folder, "--data-dir", data_dir, "--out", out, "--rubric", rubric, "--workers", "2", kit=kit)
    assert "Graded again 2 student(s) graded before: 1 went up, 0 went down, 1 stayed the same" in done.stdout
    assert changes(out) == [["ada", "total", "100", "103", "the rubric changed"],
                            ["ada", "test_eval_mode", "3", "6", "the rubric changed"]]
    # one student's edit: only bob regraded, and his pages say why
    shutil.copy(SOLUTIONS / "training.py", bob / "training.py")  # bob fixes his model.eval()
    done = batch(folder, "--data-dir", data_dir, "--out", out, "--rubric", rubric, "--workers", "2", kit=kit)
    assert "Graded again 1 student(s) graded before: 1 went up, 0 went down, 0 stayed the same" in done.stdout
    assert changes(out)[:2] == [["bob", "total", "91", "103", "the submission changed"],
                                ["bob", "test_eval_mode", "0", "6", "the submission changed"]]
    student, instructor = (out / "bob" / "feedback.html").read_text(), (out / "bob" / INSTRUCTOR_PAGE).read_text()
    assert escape("This grade replaces an earlier one (the submission changed): 91 -> 103 points") in instructor
    # students read it over what they may see: the hidden test_losses is neither in the totals nor named
    assert escape("This grade replaces an earlier one (the submission changed): 91 -> 97 points") in student
    assert "test_epoch: the reference" not in student.split("This grade replaces")[1].split("</p>")[0]


def changes(out: Path) -> list[list[str]]:
    """changes.csv's rows, without its header."""
    with (out / "changes.csv").open(newline="") as file:
        return list(csv.reader(file))[1:]


def test_a_kept_grade_is_used_only_while_submission_rubric_and_kit_are_the_same(tmp_path):
    out, rubric = tmp_path / "graded", tmp_path / "rubric.toml"
    rubric.write_text(RUBRIC.read_text())
    (out / "ada").mkdir(parents=True)
    for changed in (None, "submission", "rubric", "kit"):
        kept = fingerprint(SOLUTIONS, rubric) | ({changed: "0" * 64} if changed else {})
        results = {"score": 100, "tests": [], "extra_data": {"fingerprint": kept}}
        (out / "ada" / "results.json").write_text(json.dumps(results))
        assert (previously("ada", SOLUTIONS, out, rubric) is None) == bool(changed), changed
