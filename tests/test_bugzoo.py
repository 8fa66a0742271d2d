"""Each known student bug loses points in the checks that name it, and nowhere else.

The zoo is graded as a class, by one warm grader (as ``grade-all`` grades); a sample of it is also graded
from a cold start (as ``python -m grader`` grades), and must get exactly the same points and messages.
"""

from __future__ import annotations

import pytest

from tests.conftest import Grade, grade, lost, verdicts
from tests.zoo import ZOO

pytestmark = pytest.mark.xdist_group("bug_zoo")  # one test process grades the whole zoo, once

# Models that learn nothing (chance accuracy throughout): the accuracy run stops after a whole epoch
# without a better score, not after all 3.
STALLED = {"zero_grad_after_backward", "step_before_backward"}
COLD = ZOO[::4]  # every fourth bug, graded from a cold start too


@pytest.fixture
def zoo(classes) -> dict[str, Grade | str]:
    return classes("bug-zoo", lambda folder: {bug.name: bug.apply(folder / bug.name) for bug in ZOO})


def test_zoo_is_big_enough():
    assert len(ZOO) >= 20
    assert len({bug.name for bug in ZOO}) == len(ZOO)


@pytest.mark.parametrize("bug", ZOO, ids=[bug.name for bug in ZOO])
def test_bug_loses_points_where_it_should(bug, zoo):
    report = zoo[bug.name]
    assert isinstance(report, Grade), report
    assert lost(report) == bug.loses, report.output
    for check in bug.loses:
        message = report.checks[check].output
        assert "Observed:" in message and "Expected:" in message and "Likely bug:" in message, message
    if bug.name in STALLED:
        message = report.checks["accuracy"].output
        assert "after 1.125 epoch(s)" in message and "so training stopped there" in message, message


@pytest.mark.parametrize("bug", COLD, ids=[bug.name for bug in COLD])
def test_a_cold_grade_judges_as_the_class_did(bug, zoo, data_dir, tmp_path):
    report = grade(bug.apply(tmp_path / bug.name), data_dir, tmp_path)
    assert verdicts(report) == verdicts(zoo[bug.name]), "python -m grader and grade-all judged it otherwise"
