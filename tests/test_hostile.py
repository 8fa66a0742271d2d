"""Hostile submissions get their true score, in bounded time, and forge nothing."""

from __future__ import annotations

import json
import time

import pytest

from grader import isolation
from grader.rubric import DEFAULT
from tests.conftest import run_grader
from tests.hostile import HOSTILE


@pytest.fixture(scope="module")
def quick_rubric(tmp_path_factory):
    """The default rubric with a 20 s limit per check, so that hanging code costs little time."""
    path = tmp_path_factory.mktemp("rubric") / "rubric.toml"
    path.write_text(DEFAULT.read_text().replace("check_seconds = 60", "check_seconds = 20").replace("memory_mb = 3072", "memory_mb = 2048"))
    return path


@pytest.mark.parametrize("case", HOSTILE, ids=[case.name for case in HOSTILE])
def test_hostile_submission_gets_its_true_score(case, data_dir, tmp_path, quick_rubric):
    if case.name == "read_reference" and not isolation.bubblewrap():
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
