"""``python -m grader.classroom RESULTS CHECK``: exit 0 if CHECK passed in RESULTS (a results.json).

GitHub Classroom's command grader gives a workflow step its points when the step's command exits 0.
The workflow that ``make classroom`` writes grades once, then asks this in one step per check, worth
that check's points; what it prints is what a student reads in the step's log.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def check_passed(results: Path, check: str) -> tuple[bool, str]:
    """Whether ``check`` passed in ``results``, and what to tell the student."""
    try:
        tests = json.loads(results.read_text())["tests"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        return False, f"Not graded: no results from the grader ({error}); the Grade step's log says why."
    test = next((test for test in tests if test.get("tags", [None])[:1] == [check]), None)
    if test is None:
        return False, f"Not graded: {results} has no check {check!r}."
    summary = f"{test['name']}: {test['score']:g} / {test['max_score']:g} points"
    if test["status"] == "passed":
        return True, summary
    partial = ("\nGitHub Classroom gives a check its points only when it passes in full."
               if test["score"] > 0 else "")
    return False, f"{summary}\n{test['output']}{partial}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.classroom", description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="the results.json that `python -m grader --results` wrote")
    parser.add_argument("check", help="a check id from the rubric, e.g. dataset_len")
    args = parser.parse_args(argv)
    passed, message = check_passed(args.results, args.check)
    print(message)  # stdout: older command graders count anything on stderr as a failure
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
