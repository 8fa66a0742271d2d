"""`make gradescope`: the autograder zip, unzipped into a tree laid out like /autograder, grades a
submission through run_autograder and always leaves a results.json that follows Gradescope's spec
(https://gradescope-autograders.readthedocs.io/en/latest/specs/). setup.sh is not run here: the
test stages MNIST where it would and uses this environment's Python."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.config.rubric import load
from kit.gradescope_zip import build, unzip
from tests.zoo import ZOO

VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("dist") / "autograder.zip")


def autograder_tree(archive_path: Path, root: Path, data_dir: Path | None, submission: Path | None = None) -> Path:
    unzip(archive_path, root / "source")
    if submission is None:
        (root / "submission").mkdir()
    else:  # Gradescope puts the uploaded files at the top of submission/
        shutil.copytree(submission, root / "submission")
    (root / "results").mkdir()
    if data_dir is not None:
        (root / "source" / "data").symlink_to(data_dir)  # where setup.sh downloads MNIST
    return root


def run_autograder(root: Path, python: str = sys.executable) -> dict:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": python}
    done = subprocess.run([root / "source" / "run_autograder"], cwd=root, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def assert_follows_spec(results: dict) -> None:
    assert isinstance(results["score"], int | float)
    assert isinstance(results.get("execution_time", 0), int | float)
    assert isinstance(results["output"], str) and results["output"]
    for key in ("output_format", "test_output_format", "test_name_format"):
        assert results.get(key, "text") in FORMATS
    for key in ("visibility", "stdout_visibility"):
        assert results.get(key, "visible") in VISIBILITY
    for test in results["tests"]:
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in {"passed", "failed"}
        assert test["visibility"] in VISIBILITY
    if results["tests"]:
        assert results["score"] == pytest.approx(sum(test["score"] for test in results["tests"]))


def test_zip_holds_the_scripts_at_its_root_and_the_kit_beside_them(autograder_zip, tmp_path):
    with zipfile.ZipFile(autograder_zip) as archive:
        modes = {info.filename: stat.S_IMODE(info.external_attr >> 16) for info in archive.infolist()}
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755
    assert {"pyproject.toml", "Makefile", "README.md", "grader/rubric.toml", "grader/judge/checks/pytest.ini",
            "solutions/dataset.py", "solutions/model.py", "solutions/training.py"} <= set(modes)
    tops = {name.split("/")[0] for name in modes}
    assert not tops & {"tests", "assignment", ".venv", ".cache", "dist", "data", "bench"}, tops
    assert not [name for name in modes if "__pycache__" in name or name.endswith(".pyc")]
    assert build(tmp_path / "again.zip").read_bytes() == autograder_zip.read_bytes()  # reproducible
    for script in ("setup.sh", "run_autograder"):
        with zipfile.ZipFile(autograder_zip) as archive:
            (tmp_path / script).write_bytes(archive.read(script))
        assert subprocess.run(["bash", "-n", tmp_path / script]).returncode == 0


def test_run_autograder_grades_a_buggy_submission(autograder_zip, data_dir, tmp_path):
    bug = next(bug for bug in ZOO if bug.name == "no_model_eval")
    root = autograder_tree(autograder_zip, tmp_path / "autograder", data_dir, bug.apply(tmp_path / bug.name))
    results = run_autograder(root)
    assert_follows_spec(results)
    rubric = load()
    assert [test["tags"][0] for test in results["tests"]] == list(rubric.checks)
    assert {test["tags"][0] for test in results["tests"] if test["status"] == "failed"} == bug.loses
    assert results["score"] == rubric.total - sum(rubric.checks[check].points for check in bug.loses)
    assert (root / "source" / ".cache" / "reference").is_dir()  # the zip's own grader and reference ran


def test_when_the_grader_cannot_grade_results_say_why(autograder_zip, tmp_path):
    root = autograder_tree(autograder_zip, tmp_path / "autograder", data_dir=None)
    results = run_autograder(root)
    assert_follows_spec(results)
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith("Not graded: MNIST not found")


def test_when_python_cannot_start_there_is_still_a_results_file(autograder_zip, tmp_path):
    root = autograder_tree(autograder_zip, tmp_path / "autograder", data_dir=None)
    results = run_autograder(root, python=str(tmp_path / "no-python"))
    assert results["score"] == 0 and "could not start" in results["output"]
