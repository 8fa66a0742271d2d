"""``python -m grader.classroom RESULTS CHECK``: exit 0 if CHECK passed in RESULTS (a results.json).

GitHub Classroom's command grader gives a workflow step its points when the step's command exits 0.
The workflow that ``make classroom`` writes grades once, then asks this in one step per check, worth
that check's points; what it prints is what a student reads in the step's log.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.outputs.results import Results, ResultsError


def check_passed(results: Path, check: str) -> tuple[bool, str]:
    """Whether ``check`` passed in ``results``, and what to tell the student."""
    try:
        outcome = Results.read(results).checks.get(check)
    except (OSError, ResultsError) as error:
        return False, f"Not graded: no results from the grader ({error}); the Grade step's log says why."
    if outcome is None:
        return False, f"Not graded: {results} has no check {check!r}."
    summary = f"{outcome.name}: {outcome.score:g} / {outcome.max_score:g} points"
    if outcome.passed:
        return True, summary
    partial = "\nGitHub Classroom gives a check its points only when it passes in full." if outcome.score > 0 else ""
    return False, f"{summary}\n{outcome.output}{partial}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.classroom", description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="the results.json that `python -m grader --results` wrote")
    parser.add_argument("check", help="a check id from the rubric, e.g. dataset_len")
    args = parser.parse_args(argv)
    passed, message = check_passed(args.results, args.check)
    print(message)  # stdout: older command graders count anything on stderr as a failure
    return 0 if passed else 1

