"""``python -m grader SUBMISSION``: grade a submission and report the score.

Exit status 0 when grading completed, whatever the score; 1 only when asked, with ``--fail-under N``, and
the score is below N; 2, with a one-line reason on stderr, when the grader could not grade (bad
arguments, no such folder, no data, a broken rubric).
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from rich.console import Console

from grader.config.paths import DATA_DIR, RUBRIC
from grader.integrations.watch import grade_on_save
from grader.outputs.junit import write_junit
from grader.outputs.pages import write_feedback
from grader.outputs.report import AUDIENCES, Report, view
from grader.outputs.results import Results
from grader.outputs.terminal import print_report
from grader.pipeline import CannotGrade, Grader, grade
from grader.sandbox import host

PACKAGE = "mnist-mlp-kit"
FAILED_UNDER = 1  # --fail-under: graded, and the score is below the bar
CANNOT_GRADE = 2


def kit_version() -> str:
    try:
        return version(PACKAGE)
    except PackageNotFoundError:  # run from a copy that was never installed
        return "unknown (not installed)"


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader", description="Grade an MNIST MLP submission.",
                                     epilog="Exit status: 0 graded (whatever the score); 1 graded, and the score is "
                                            "below --fail-under; 2 could not grade (the reason is on stderr).")
    parser.add_argument("submission", type=Path,
                        help="a folder holding dataset.py, model.py and training.py; a .zip or .tar (.tar.gz, .tgz, "
                             "...) of one; a notebook (.ipynb); or one .py holding all three parts")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST/raw/ lives (default: data)")
    parser.add_argument("--results", type=Path, help="write Gradescope's results.json here")
    parser.add_argument("--junit", type=Path, help="write a JUnit XML report here (GitLab, GitHub Actions)")
    parser.add_argument("--feedback", type=Path, action="append", default=[], metavar="FILE",
                        help="write a feedback report with training curves, for --audience: HTML if FILE ends "
                             "in .html, else Markdown (repeatable)")
    parser.add_argument("--instructor-feedback", type=Path, action="append", default=[], metavar="FILE",
                        help="write a feedback report of everything, for the instructor (repeatable)")
    parser.add_argument("--audience", choices=AUDIENCES, default="student",
                        help="who reads the report, --feedback and --junit: students see the checks visible "
                             "now, at their feedback level; instructors everything (default: student)")
    parser.add_argument("--rubric", type=Path, default=RUBRIC, help="the rubric TOML (default: grader/rubric.toml)")
    parser.add_argument("--no-bubblewrap", "--no-sandbox", dest="no_bubblewrap", action="store_true",
                        help="act as where bubblewrap cannot run, as on Gradescope (also: GRADER_BUBBLEWRAP=0)")
    parser.add_argument("--fail-under", type=float, metavar="N",
                        help="exit with status 1 when the score (as --audience sees it) is below N: for a CI job "
                             "that should fail under a score")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("-q", "--quiet", dest="detail", action="store_const", const="quiet", default="normal",
                       help="print only the score and the names of the failed checks")
    shown.add_argument("-v", "--verbose", dest="detail", action="store_const", const="verbose",
                       help="print a table of every check, every failed check's full message, and what the "
                            "sandbox held")
    shown.add_argument("--json", action="store_true",
                       help="print the results (as --results writes them) on stdout instead of a report, for tools")
    parser.add_argument("--watch", action="store_true",
                        help="grade again each time a file of SUBMISSION is saved, until Ctrl-C (make watch)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {kit_version()} ({PACKAGE})",
                        help="print the kit's version and exit")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = arguments()
    args = parser.parse_args(argv)
    if args.watch and (args.json or args.fail_under is not None):
        parser.error("--watch grades until Ctrl-C: it takes neither --json nor --fail-under")
    for note in host.notes():  # what this system lacks, and how grading proceeds without it: a line, not a traceback
        print(f"grader: note: {note}", file=sys.stderr)
    try:
        if args.watch:
            return watch(args)
        report = grade(args.submission, args.data_dir, args.rubric, isolate=not args.no_bubblewrap)
    except CannotGrade as error:
        print(f"grader: {error}", file=sys.stderr)
        return CANNOT_GRADE
    shown = write_outputs(report, args.results, args.junit, args.feedback, args.instructor_feedback, args.audience)
    if args.json:
        print(json.dumps(Results.of(report).to_json(), indent=2))
    else:
        print_report(shown, detail=args.detail)
    if args.fail_under is not None and shown.score < args.fail_under:
        print(f"grader: the score, {shown.score:g}, is below --fail-under {args.fail_under:g}", file=sys.stderr)
        return FAILED_UNDER
    return 0


def watch(args: argparse.Namespace) -> int:
    """Grade on every save with one warm grader, writing the files asked for each time, until Ctrl-C."""
    console = Console()

    def show(report: Report) -> None:
        print_report(write_outputs(report, args.results, args.junit, args.feedback, args.instructor_feedback,
                                   args.audience), console, args.detail)

    with Grader(args.data_dir, args.rubric, isolate=not args.no_bubblewrap) as grader:
        try:
            grade_on_save(grader, args.submission, show, console)
        except KeyboardInterrupt:  # Ctrl-C during a grade: the way to stop, not an error
            pass
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
