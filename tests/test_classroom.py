"""`make classroom`: a student template whose workflow has one GitHub Classroom step per rubric check,
worth its points, and whose grader grades without solutions/, against the shipped reference."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grader.config.paths import KIT_ROOT, RUBRIC
from grader.config.rubric import RubricError, load
from grader.integrations.classroom import check_passed
from grader.outputs.results import RESULTS_FILE as RESULTS
from kit.classroom_template import readme, workflow
from tests.zoo import ZOO

COMMAND_GRADER = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"


@pytest.fixture(scope="module")
def template(data_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist") / "classroom"
    done = subprocess.run([sys.executable, "-m", "kit.classroom_template", "--out", out, "--data-dir", data_dir],
                          cwd=KIT_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def steps(template) -> list[dict]:
    workflow = yaml.safe_load((template / ".github" / "workflows" / "classroom.yml").read_text())
    assert "push" in workflow["on"]  # quoted: an unquoted `on` is True to YAML 1.1 readers
    (job,) = workflow["jobs"].values()
    assert "run-autograding-tests" in workflow["jobs"]  # the reporter posts the points to this check run
    assert workflow["permissions"]["checks"] == "write"
    return job["steps"]


def test_template_has_the_stubs_and_the_grader_but_no_solutions(template):
    assert sorted(path.name for path in (template / "assignment").glob("*.py")) == ["dataset.py", "model.py",
                                                                                     "training.py"]
    assert (template / "assignment" / "model.py").read_text() == (KIT_ROOT / "assignment" / "model.py").read_text()
    for needed in ("Makefile", "pyproject.toml", "README.md", ".gitignore", "grader/rubric.toml",
                   "grader/reference.json", "grader/__main__.py"):
        assert (template / needed).is_file(), needed
    for absent in ("solutions", "tests", ".venv", ".cache", "bench", "dist"):
        assert not (template / absent).exists(), absent
    assert not list(template.rglob("__pycache__"))
    assert "| **total** | **100** |" in (template / "README.md").read_text()


def test_one_step_per_check_worth_its_points_and_the_reporter_reads_them_all(steps):
    rubric = load()
    graders = [step for step in steps if step.get("uses") == COMMAND_GRADER]
    assert [step["id"] for step in graders] == list(rubric.checks)
    for step in graders:
        check = rubric.checks[step["id"]]
        assert step["with"]["max-score"] == check.points and isinstance(step["with"]["max-score"], int)
        assert step["with"]["test-name"] == check.title
        assert shlex.split(step["with"]["command"])[-2:] == [RESULTS, check.id]
    (reporter,) = [step for step in steps if step.get("uses") == REPORTER]
    assert reporter["with"]["runners"].split(",") == list(rubric.checks)
    assert reporter["env"] == {f"{check.upper()}_RESULTS": f"${{{{ steps.{check}.outputs.result }}}}"
                               for check in rubric.checks}
    assert steps.index(reporter) == len(steps) - 1
    (grade,) = [step for step in steps if f"RESULTS={RESULTS}" in step.get("run", "")]
    assert steps.index(grade) < steps.index(graders[0]) and grade["continue-on-error"] is True


def run_step(step: dict, template: Path) -> int:
    """A command grader step's command, as the action runs it in the checkout (with our Python)."""
    argv = shlex.split(step["with"]["command"])
    assert argv[0] == ".venv/bin/python"
    return subprocess.run([sys.executable, *argv[1:]], cwd=template, capture_output=True).returncode


def test_steps_pass_exactly_the_checks_a_buggy_submission_passes(template, steps, data_dir, tmp_path):
    bug = next(bug for bug in ZOO if bug.name == "no_model_eval")  # test_losses compares with the reference
    work = tmp_path / "repository"
    shutil.copytree(template, work)
    for path in bug.apply(tmp_path / bug.name).glob("*.py"):
        shutil.copy(path, work / "assignment" / path.name)
    graders = [step for step in steps if step.get("uses") == COMMAND_GRADER]
    assert all(run_step(step, work) == 1 for step in graders[:3])  # no results yet: no points

    done = subprocess.run([sys.executable, "-m", "grader", "assignment", "--data-dir", data_dir,
                           "--results", RESULTS], cwd=work, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert not (work / ".cache").exists()  # graded against grader/reference.json, nothing computed
    failed = {step["id"] for step in graders if run_step(step, work) != 0}
    assert failed == bug.loses


def test_check_passed_reads_status_partial_credit_and_missing_results(tmp_path):
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"tests": [
        {"name": "A", "score": 2, "max_score": 2, "status": "passed", "output": "Passed.", "tags": ["a"]},
        {"name": "B", "score": 12.5, "max_score": 20, "status": "failed", "output": "accuracy 0.944", "tags": ["b"]},
    ]}))
    assert check_passed(results, "a") == (True, "A: 2 / 2 points")
    passed, message = check_passed(results, "b")
    assert not passed and "12.5 / 20" in message and "accuracy 0.944" in message and "in full" in message
    assert check_passed(results, "c")[0] is False
    assert check_passed(tmp_path / "none.json", "a")[0] is False


def test_fractional_points_are_refused_not_rounded(tmp_path):
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(RUBRIC.read_text().replace("[checks.dataset_len]\npoints = 2", "[checks.dataset_len]\npoints = "
                                                                                     "2.5"))
    with pytest.raises(RubricError, match=r"dataset_len.*whole points"):
        workflow(load(rubric))


def test_checks_held_back_are_left_out_of_the_workflow_and_the_readme_says_why(tmp_path):
    path = tmp_path / "rubric.toml"
    path.write_text(RUBRIC.read_text().replace("[checks.accuracy]\n",
                                                '[checks.accuracy]\nvisibility = "after_due_date"\n'))
    held = load(path)
    (job,) = workflow(held)["jobs"].values()
    graders = [step["id"] for step in job["steps"] if step.get("uses") == COMMAND_GRADER]
    (reporter,) = [step for step in job["steps"] if step.get("uses") == REPORTER]
    assert graders == [check for check in held.checks if check != "accuracy"]
    assert reporter["with"]["runners"].split(",") == graders and "ACCURACY_RESULTS" not in reporter["env"]
    text = readme(held)
    assert "| **total** | **80** |" in text and "Accuracy on the 10,000" not in text.split("| **total**")[0]
    assert "20 more points are graded by your instructor after the due date" in text
    assert "a repository of your own cannot hide anything" in text
