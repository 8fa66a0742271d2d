"""``python -m grader SUBMISSION``: grade a submission folder and report the score.

Exit status 0 when grading completed, whatever the score; 2, with a one-line reason on stderr,
when the grader could not grade (bad arguments, no such folder, no data, a broken rubric).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from grader import checks, data, reference, submission
from grader.data import DataNotFound, Labels
from grader.feedback_report import write_feedback
from grader.fingerprint import fingerprint
from grader.grading import Grading
from grader.junit import write_junit
from grader.plugin import GradingPlugin
from grader.report import AUDIENCES, Report, print_report, view, write_results
from grader.rubric import DEFAULT, RubricError, load
from grader.sandbox import jail, processes
from grader.sandbox.session import Worker
from grader.sandbox.users import GradingUser


class CannotGrade(Exception):
    """A reason the grader could not grade at all, in one line."""


def grade(folder: Path, data_dir: Path, rubric_path: Path = DEFAULT, isolate: bool = True) -> Report:
    """Grade ``folder`` (or a notebook, or a zip) and return the report; raise ``CannotGrade`` if
    there is nothing to grade."""
    started = time.monotonic()
    if not folder.exists():
        raise CannotGrade(f"no such folder: {folder}")
    try:
        rubric = load(rubric_path, check_ids=checks.declared())
        data.require(data_dir)
    except (RubricError, DataNotFound) as error:
        raise CannotGrade(str(error)) from None
    processes.become_subreaper()  # whatever a worker leaves behind is ours to end
    with tempfile.TemporaryDirectory(prefix="grader-") as scratch, ThreadPoolExecutor(1) as pool:
        scratch = Path(scratch)
        try:
            modules = submission.materialize(folder, scratch / "submission")
        except submission.NotASubmission as error:
            raise CannotGrade(str(error)) from None
        graded = fingerprint(folder, rubric_path)  # as read now: what the grade is of, should it change later
        staged = data.stage(data_dir, scratch / "data")
        user = GradingUser.claim()
        try:
            shut = jail.shut_in(modules, staged, scratch, user, rubric.limits.disk_mb, hide=[data_dir],
                                real_labels=data.real_test_labels(data_dir), isolate=isolate)
            # The worker imports torch while this process reads MNIST and loads the reference's observations.
            worker = Worker(shut).start(wait=False)
            try:
                problems = submission.problems(modules, shown_as=folder)
                references = pool.submit(reference.observations, staged, rubric.limits)
                grading = Grading(rubric, worker, Labels.load(data_dir), data.decoy_test_labels(), references,
                                  deadline=started + rubric.run_seconds)
                code = pytest.main(
                    [str(checks.FOLDER), "-c", str(checks.FOLDER / "pytest.ini"), "--rootdir", str(checks.FOLDER),
                     "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:warnings", "-p", "no:logging"],
                    plugins=[plugin := GradingPlugin(grading)],
                )
            except DataNotFound as error:
                raise CannotGrade(str(error)) from None
            finally:
                worker.close()
                processes.kill_descendants()
        finally:
            user.release()
        if not worker.ready:
            raise CannotGrade("the worker process could not start (is the Python environment complete?)")
        if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            raise CannotGrade(f"the checks could not run (pytest exit {int(code)}); is the rubric in step with grader/checks?")
        references.result()  # a broken reference is the kit's fault: say so rather than grade against it
    results = [plugin.results[check_id] for check_id in rubric.checks]
    return Report(str(folder), results, problems, worker.jail.protections, time.monotonic() - started,
                  fingerprint=graded, leaderboard=rubric.leaderboard)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description="Grade an MNIST MLP submission.")
    parser.add_argument("submission", type=Path,
                        help="the folder holding dataset.py, model.py, training.py; or a .ipynb or .zip of them")
    parser.add_argument("--data-dir", type=Path, default=Path("data"), help="where MNIST/raw/ lives (default: data)")
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
    parser.add_argument("--rubric", type=Path, default=DEFAULT, help="the rubric TOML (default: grader/rubric.toml)")
    parser.add_argument("--no-bubblewrap", "--no-sandbox", dest="no_bubblewrap", action="store_true",
                        help="act as where bubblewrap cannot run, as on Gradescope (also: GRADER_BUBBLEWRAP=0)")
    args = parser.parse_args(argv)
    try:
        report = grade(args.submission, args.data_dir, args.rubric, isolate=not args.no_bubblewrap)
    except CannotGrade as error:
        print(f"grader: {error}", file=sys.stderr)
        return 2
    if args.results:
        write_results(report, args.results)
    shown = view(report, args.audience)
    if args.junit:
        write_junit(shown, args.junit)
    for path in args.feedback:
        write_feedback(shown, path)
    for path in args.instructor_feedback:
        write_feedback(report, path)
    print_report(shown)
    return 0
