"""Every malformed submission of the public corpus gets its precise answer, in bounded time: one line
and exit status 2 when there is nothing to grade; otherwise the problem named and the rest graded."""

from __future__ import annotations

import json
import time

import pytest

from grader.pipeline import SCRATCH_PREFIX
from tests.conftest import run_grader
from tests.malformed import CORPUS


def test_the_corpus_is_big_enough():
    assert len(CORPUS) >= 20 and len({case.name for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_malformed_submission_gets_a_precise_answer(case, data_dir, tmp_path):
    submission = case.build(tmp_path / "student")
    results = tmp_path / "results.json"
    started = time.monotonic()
    done = run_grader(submission, "--data-dir", data_dir, "--results", results, timeout=300)
    assert time.monotonic() - started < 240
    assert done.returncode == case.exit, done.stderr[-3000:]
    if case.exit:
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith("grader: ") and case.says in line, line
        assert f"/tmp/{SCRATCH_PREFIX}" not in line and "Traceback" not in done.stderr
        return
    report = json.loads(results.read_text())
    assert case.says in report["output"], report["output"]
    assert case.never_says is None or case.never_says not in report["output"], report["output"]
    assert report["score"] == case.score, done.stdout
