"""Every malformed submission of the public corpus gets its precise answer, in bounded time: one line
and exit status 2 when there is nothing to grade; otherwise the problem named and the rest graded. Those
that are graded are graded as a class, by one warm grader; a sample also from a cold start, which must
say exactly what the class said."""

from __future__ import annotations

import time

import pytest

from grader.pipeline import SCRATCH_PREFIX
from tests.conftest import Grade, grade, run_grader, verdicts
from tests.malformed import CORPUS

pytestmark = pytest.mark.xdist_group("malformed")  # one test process grades the graded ones, once
NOTHING_TO_GRADE = [case for case in CORPUS if case.exit]
GRADED = [case for case in CORPUS if not case.exit]
COLD = GRADED[::4]  # every fourth graded one, graded from a cold start too


def test_the_corpus_is_big_enough():
    assert len(CORPUS) >= 20 and len({case.name for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", NOTHING_TO_GRADE, ids=[case.name for case in NOTHING_TO_GRADE])
def test_nothing_to_grade_is_one_line_and_exit_status_2(case, data_dir, tmp_path):
    started = time.monotonic()
    done = run_grader(case.build(tmp_path / "student"), "--data-dir", data_dir, "--results", tmp_path / "r.json",
                      timeout=300)
    assert time.monotonic() - started < 240
    assert done.returncode == 2, done.stderr[-3000:]
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("grader: ") and case.says in line, line
    assert f"/tmp/{SCRATCH_PREFIX}" not in line and "Traceback" not in done.stderr
    assert not (tmp_path / "r.json").exists()


@pytest.fixture
def graded(classes) -> dict[str, Grade | str]:
    return classes("malformed", lambda folder: {case.name: case.build(folder / case.name) for case in GRADED})


@pytest.mark.parametrize("case", GRADED, ids=[case.name for case in GRADED])
def test_the_problem_is_named_and_the_rest_graded(case, graded):
    report = graded[case.name]
    assert isinstance(report, Grade), report
    assert case.says in report.output, report.output
    assert case.never_says is None or case.never_says not in report.output, report.output
    assert report.score == case.score, report.output


@pytest.mark.parametrize("case", COLD, ids=[case.name for case in COLD])
def test_a_cold_grade_says_what_the_class_said(case, graded, data_dir, tmp_path):
    report = grade(case.build(tmp_path / case.name), data_dir, tmp_path)
    assert verdicts(report) == verdicts(graded[case.name]) and case.says in report.output
