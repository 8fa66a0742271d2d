"""Each known student bug loses points in the checks that name it, and nowhere else."""

from __future__ import annotations

import pytest

from tests.conftest import grade, lost, verdicts
from tests.zoo import ZOO

# Models that learn nothing (chance accuracy throughout): the accuracy run stops after a whole epoch
# without a better score, not after all 3.
STALLED = {"zero_grad_after_backward", "step_before_backward"}


def test_zoo_is_big_enough():
    assert len(ZOO) >= 20
    assert len({bug.name for bug in ZOO}) == len(ZOO)


@pytest.mark.parametrize("bug", ZOO, ids=[bug.name for bug in ZOO])
def test_bug_loses_points_where_it_should(bug, data_dir, tmp_path, warm_grade):
    folder = bug.apply(tmp_path / bug.name)
    report = grade(folder, data_dir, tmp_path)
    assert lost(report) == bug.loses, report["stdout"]
    assert verdicts(warm_grade(folder)) == verdicts(report), "a warm grader (grade-all) judged it otherwise"
    for check in bug.loses:
        message = report["by_id"][check]["output"]
        assert "Observed:" in message and "Expected:" in message and "Likely bug:" in message, message
    if bug.name in STALLED:
        message = report["by_id"]["accuracy"]["output"]
        assert "after 1.125 epoch(s)" in message and "so training stopped there" in message, message
