"""End to end through `python -m grader`: the reference, the stubs, and determinism."""

from __future__ import annotations

import json

import pytest

from grader.config.paths import ASSIGNMENT, SOLUTIONS
from tests.conftest import grade, lost
from tests.zoo import ZOO


@pytest.mark.fast  # the edit loop's one grade (make test-fast)
def test_reference_gets_full_marks_in_results_that_follow_gradescope_spec(data_dir, tmp_path):
    graded = grade(SOLUTIONS, data_dir, tmp_path)
    assert graded.score == 100 and graded.results.max_score == 100
    assert all(outcome.passed for outcome in graded.checks.values()), graded.stdout
    assert "Score: 100 / 100" in graded.stdout
    report = json.loads((tmp_path / f"{SOLUTIONS.name}-results.json").read_text())  # the file, as Gradescope reads it
    assert isinstance(report["score"], float | int) and isinstance(report["execution_time"], float | int)
    assert report["visibility"] in {"hidden", "after_due_date", "after_published", "visible"}
    for test in report["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output"}
        assert test["status"] in {"passed", "failed"}
        assert 0 <= test["score"] <= test["max_score"]
    assert report["score"] == sum(test["score"] for test in report["tests"])


def test_stubs_get_zero_with_a_message_on_every_check(data_dir, tmp_path):
    report = grade(ASSIGNMENT, data_dir, tmp_path)
    assert report.score == 0
    for outcome in report.checks.values():
        assert not outcome.passed
        assert "still a stub" in outcome.output, outcome.output
        assert "Observed:" in outcome.output and "Expected:" in outcome.output


def test_same_submission_same_result(data_dir, tmp_path):
    bug = next(bug for bug in ZOO if bug.name == "no_zero_grad")
    folder = bug.apply(tmp_path / bug.name)
    first, second = (grade(folder, data_dir, tmp_path) for _ in range(2))
    assert lost(first) == bug.loses
    assert first.results.checks == second.results.checks
    assert first.score == second.score
