"""The checks: pytest functions that judge observations of a submission against expectations.

Each ``check_*`` function carries ``@pytest.mark.check(id)``; the rubric gives it its points. A check
passes, or raises ``CheckFailed`` saying what was observed, what was expected and the likely bug.
"""
