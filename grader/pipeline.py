"""A grade as named steps: take the submission in, admit it to a warm worker, run the checks, report.

A ``Grader`` is made once for a data folder and a rubric. It stages MNIST, reads the real labels and
the reference's observations, and starts a worker that imports torch: the seconds every grade would
otherwise pay. ``grade`` then grades one submission; a warm grader (``grader.batch``) grades any
number, one after another, and each gets all a single grade gets: a user of its own (a uid no earlier
grade of this grader had), children freshly forked from a zygote that never ran student code, each
check's limits, namespaces and a temporary space emptied after every check, and its files readable by
its own user alone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from grader.config.paths import RUBRIC
from grader.config.rubric import RubricError, load
from grader.intake import data, submission
from grader.intake.data import DataNotFound, Labels
from grader.judge import checks, reference
from grader.judge.grading import Grading
from grader.judge.plugin import GradingPlugin
from grader.judge.result import Result
from grader.outputs.printable import printable
from grader.outputs.report import Report
from grader.sandbox import host, jail, processes
from grader.sandbox.errors import StudentError, WorkerBroken
from grader.sandbox.session import Worker
from grader.sandbox.users import GradingUser

# No plugin the checks do not need: the unraisable- and thread-exception ones collect garbage after every
# run, a tenth of a second each in a warm grader's heap.
PYTEST_ARGS = ["-c", str(checks.FOLDER / "pytest.ini"), "--rootdir", str(checks.FOLDER), "-p", "no:cacheprovider",
               "-p", "no:terminal", "-p", "no:warnings", "-p", "no:logging", "-p", "no:unraisableexception",
               "-p", "no:threadexception"]
# What a user's environment adds to their own pytest runs (a CI job's -x or -n 2, a plugin) is not for the checks.
PYTEST_ENVIRONMENT = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")


MEMORY_NEEDED = 700 << 20  # the least a grade runs in: the reference gets 100 in 768 MB, checks are killed in 512
# A grader's own folder under /tmp; like the jail's names, it says nothing of a grader to code that looks.
SCRATCH_PREFIX = "run-"


class CannotGrade(Exception):
    """A reason the grader could not grade at all, in one line (as text: it may name the student's files)."""

    def __init__(self, reason: str) -> None:
        super().__init__(printable(reason))


class Grader:
    """Everything grading needs before a submission comes, made once; ``grade`` grades one submission."""

    def __init__(self, data_dir: Path, rubric_path: Path = RUBRIC, isolate: bool = True) -> None:
        try:
            self.rubric = load(rubric_path, check_ids=checks.declared())
            data.require(data_dir)
            self.labels, self.decoys = Labels.load(data_dir), data.decoy_test_labels()
        except (RubricError, DataNotFound) as error:
            raise CannotGrade(str(error)) from None
        memory = host.current().memory_for_this_process()
        if memory < MEMORY_NEEDED:
            raise CannotGrade(f"the grader needs {MEMORY_NEEDED >> 20:,} MiB of memory to grade (a worker imports "
                              f"torch, about 700 MiB), and it has {memory >> 20:,} MiB here: give it more (on "
                              "Gradescope, the autograder's memory setting: 768 MB is enough)")
        self.rubric_path = rubric_path
        processes.become_subreaper()  # whatever a worker leaves behind is ours to end
        self.scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
        self.submissions = self.scratch / "work"
        self.graded = 0
        try:
            staged = data.stage(data_dir, self.scratch / "data")
            # Before the student's worker starts: where they are not cached yet, computing them takes a
            # worker of its own, and two at once do not fit in the memory a grader may have (768 MB).
            self.references = reference.observations(staged, self.rubric.limits)
            self.user = GradingUser.claim()
            shut = jail.shut_in(self.submissions, staged, self.scratch, self.user, self.rubric.limits.disk_mb,
                                hide=[data_dir], real_labels=data.real_test_labels(data_dir), isolate=isolate)
        except (StudentError, WorkerBroken) as error:  # the kit's own fault: say so rather than grade against it
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise CannotGrade(f"the reference in solutions/ could not be observed ({error}): run `make test`") from None
        except BaseException:
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise
        # The worker imports torch while this process loads the checks.
        self.worker = Worker(shut).start(wait=False)

    def grade(self, path: Path, started: float | None = None, shown_as: Path | None = None) -> Report:
        """Grade the submission at ``path`` (a folder, a notebook, a ``.py`` file or an archive), named
        ``shown_as`` in the report (default: as given); raise ``CannotGrade`` if there is nothing to grade.
        The grade's time counts from ``started`` (``time.monotonic()``, default now)."""
        started = time.monotonic() if started is None else started
        place = self._next_place()
        try:
            try:
                taken = submission.take_in(path, place / "lab", self.rubric_path, shown_as)
            except submission.NotASubmission as error:
                raise CannotGrade(str(error)) from None
            self.worker.admit(taken.modules, self.user)
            results = self._run_checks(deadline=started + self.rubric.run_seconds)
        finally:
            self.worker.end_grade_processes()
            self.user.remove_files()
            shutil.rmtree(place, ignore_errors=True)
        # Whatever student code printed or raised, and the names of its files, as text (``printable``).
        return Report(printable(str(shown_as or path)), [replace(r, message=printable(r.message)) for r in results],
                      [printable(problem) for problem in taken.problems], self.worker.jail.protections,
                      time.monotonic() - started, fingerprint=taken.fingerprint, leaderboard=self.rubric.leaderboard,
                      sandbox=self.worker.jail.in_brief)

    def _next_place(self) -> Path:
        """A folder for the next grade's submission, and a user of its own for every grade after the first."""
        if self.graded:
            user, self.user = self.user, GradingUser.claim(after=self.user)
            user.release()
        self.graded += 1
        return self.submissions / str(self.graded)

    def _run_checks(self, deadline: float) -> list[Result]:
        """Every check of the rubric, run on the admitted submission: its result, in the rubric's order."""
        grading = Grading(self.rubric, self.worker, self.labels, self.decoys, self.references, deadline=deadline)
        try:
            with without_environment(PYTEST_ENVIRONMENT):
                code = pytest.main([str(checks.FOLDER), *PYTEST_ARGS], plugins=[plugin := GradingPlugin(grading)])
        finally:
            grading.close()
        if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            raise CannotGrade(f"the checks could not run (pytest exit {int(code)}); "
                              "is the rubric in step with grader/judge/checks?")
        if not self.worker.ready:
            raise CannotGrade("the worker process could not start (is the Python environment complete?)")
        return [plugin.results[check_id] for check_id in self.rubric.checks]

    def close(self) -> None:
        """Stop the worker, end all it left running, and remove the grader's files."""
        try:
            self.worker.close()  # and with it every process of the grade: its own, never another's
            processes.reap()  # the orphans that died as ours (a subreaper's), not left to init as zombies
        finally:
            self.user.release()
            shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def without_environment(names: tuple[str, ...]) -> Iterator[None]:
    """Run the block with these environment variables unset, and set them back after it."""
    kept = {name: os.environ.pop(name) for name in names if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(kept)


def grade(path: Path, data_dir: Path, rubric_path: Path = RUBRIC, isolate: bool = True) -> Report:
    """One grade, from a cold start: what ``python -m grader`` does."""
    started = time.monotonic()
    with Grader(data_dir, rubric_path, isolate) as grader:
        return grader.grade(path, started)
