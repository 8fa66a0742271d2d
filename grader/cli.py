"""``python -m grader SUBMISSION``: grade a submission folder and report the score.

Exit status 0 when grading completed, whatever the score; 2, with a one-line reason on stderr,
when the grader could not grade (bad arguments, no such folder, no data, a broken rubric).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.config.paths import DATA_DIR, RUBRIC
from grader.outputs.junit import write_junit
from grader.outputs.pages import write_feedback
from grader.outputs.report import AUDIENCES, Report, view
from grader.outputs.results import Results
from grader.outputs.terminal import print_report
from grader.pipeline import CannotGrade, grade


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description="Grade an MNIST MLP submission.")
    parser.add_argument("submission", type=Path,
                        help="the folder holding dataset.py, model.py, training.py; or a .ipynb or .zip of them")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST/raw/ lives (default: data)")
    parser.add_argument("--results", type=Path, help="write Gradescope's results.json here")
    parser.add_argument("--junit", type=Path, help="write a JUnit XML report here (GitLab, GitHub Actions)")
    parser.add_argument("--feedback", type=Path, action="append", default=[], metavar="FILE",
                        help="write a feedback report with training curves, for --audience: HTML if FILE ends "
                             "in .html, else Markdown (repeatable)")
    parser.add_argument("--instructor-feedback", type=Path, action="append", default=[], metavar="FILE",
                        help="write a feedback report of everything, for the instructor (repeatable)")
    parser.add_argument("--audience", choices=AUDIENCES, default="student",
                        help="who reads the table, --feedback and --junit: students see the checks visible "
                             "now, at their feedback level; instructors everything (default: student)")
    parser.add_argument("--rubric", type=Path, default=RUBRIC, help="the rubric TOML (default: grader/rubric.toml)")
    parser.add_argument("--no-bubblewrap", "--no-sandbox", dest="no_bubblewrap", action="store_true",
                        help="act as where bubblewrap cannot run, as on Gradescope (also: GRADER_BUBBLEWRAP=0)")
    args = parser.parse_args(argv)
    try:
        report = grade(args.submission, args.data_dir, args.rubric, isolate=not args.no_bubblewrap)
    except CannotGrade as error:
        print(f"grader: {error}", file=sys.stderr)
        return 2
    print_report(write_outputs(report, args.results, args.junit, args.feedback, args.instructor_feedback,
                               args.audience))
    return 0


def write_outputs(report: Report, results: Path | None = None, junit: Path | None = None,
                  feedback: list[Path] = (), instructor_feedback: list[Path] = (), audience: str = "student") -> Report:
    """Write a grade's files; return the report as ``audience`` sees it."""
    if results:
        Results.of(report).write(results)
    shown = view(report, audience)
    if junit:
        write_junit(shown, junit)
    for path in feedback:
        write_feedback(shown, path)
    for path in instructor_feedback:
        write_feedback(report, path)
    return shown
