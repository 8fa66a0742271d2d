"""End to end through `python -m grader`: the reference, the stubs, and determinism."""

from __future__ import annotations

from tests.conftest import KIT, SOLUTIONS, grade, lost
from tests.zoo import ZOO


def test_reference_gets_full_marks(data_dir, tmp_path):
    report = grade(SOLUTIONS, data_dir, tmp_path)
    assert report["score"] == 100
    assert sum(test["max_score"] for test in report["tests"]) == 100
    assert all(test["status"] == "passed" for test in report["tests"]), report["stdout"]
    assert "Score: 100 / 100" in report["stdout"]


def test_results_follow_gradescope_spec(data_dir, tmp_path):
    report = grade(SOLUTIONS, data_dir, tmp_path)
    assert isinstance(report["score"], float | int) and isinstance(report["execution_time"], float | int)
    assert report["visibility"] in {"hidden", "after_due_date", "after_published", "visible"}
    for test in report["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output"}
        assert test["status"] in {"passed", "failed"}
        assert 0 <= test["score"] <= test["max_score"]
    assert report["score"] == sum(test["score"] for test in report["tests"])


def test_stubs_get_zero_with_a_message_on_every_check(data_dir, tmp_path):
    report = grade(KIT / "assignment", data_dir, tmp_path)
    assert report["score"] == 0
    for test in report["tests"]:
        assert test["status"] == "failed"
        assert "still a stub" in test["output"], test["output"]
        assert "Observed:" in test["output"] and "Expected:" in test["output"]


def test_same_submission_same_result(data_dir, tmp_path):
    bug = next(bug for bug in ZOO if bug.name == "no_zero_grad")
    folder = bug.apply(tmp_path / bug.name)
    first, second = (grade(folder, data_dir, tmp_path) for _ in range(2))
    assert lost(first) == bug.loses
    assert first["tests"] == second["tests"]
    assert first["score"] == second["score"]
