"""Hostile submissions get their true score, in bounded time, and forge nothing."""

from __future__ import annotations

import json
import time

import pytest

from grader.rubric import DEFAULT
from grader.sandbox import jail
from tests.conftest import run_grader
from tests.hostile import HOSTILE
from tests.zoo import Bug


@pytest.fixture(scope="module")
def quick_rubric(tmp_path_factory):
    """The default rubric with a 20 s limit per check, so that hanging code costs little time."""
    path = tmp_path_factory.mktemp("rubric") / "rubric.toml"
    path.write_text(DEFAULT.read_text().replace("check_seconds = 60", "check_seconds = 20").replace("memory_mb = 3072", "memory_mb = 2048"))
    return path


@pytest.mark.parametrize("case", HOSTILE, ids=[case.name for case in HOSTILE])
def test_hostile_submission_gets_its_true_score(case, data_dir, tmp_path, quick_rubric):
    if case.name == "read_reference" and not jail.bubblewrap():
        pytest.skip("without bubblewrap the reference stays readable (the grader says so in its report)")
    folder = case.bug.apply(tmp_path / case.name)
    results = tmp_path / "results.json"
    started = time.monotonic()
    done = run_grader(folder, "--data-dir", data_dir, "--results", results, "--rubric", quick_rubric, timeout=400)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 300
    written = results.read_text()
    time.sleep(1 if case.name != "forge_results" else 3)  # anything left running would rewrite it now
    assert results.read_text() == written
    report = json.loads(written)
    lost = [t["tags"][0] for t in report["tests"] if t["score"] < t["max_score"]]
    assert set(lost) == case.bug.loses, done.stdout
    assert report["score"] == sum(t["max_score"] for t in report["tests"] if t["tags"][0] not in case.bug.loses)
    assert case.message in next(t["output"] for t in report["tests"] if t["tags"][0] in case.bug.loses), done.stdout


def test_a_whole_run_is_bounded(data_dir, tmp_path):
    """An endless __len__ and a 20 s run: the run ends on time and says what it could not grade."""
    bug = Bug("endless_len", "hostile", "dataset.py", (("return len(self.labels)", "while True:\n            pass"),),
              frozenset())
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(DEFAULT.read_text().replace("run_seconds = 600", "run_seconds = 20"))
    results = tmp_path / "results.json"
    started = time.monotonic()
    done = run_grader(bug.apply(tmp_path / bug.name), "--data-dir", data_dir, "--results", results, "--rubric", rubric)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 60
    tests = {t["tags"][0]: t for t in json.loads(results.read_text())["tests"]}
    assert "was stopped after" in tests["accuracy"]["output"]  # the first check, cut short by the run's limit
    assert "reached its time limit before this check" in tests["train_losses"]["output"]
    assert json.loads(results.read_text())["score"] == 0
