"""Warm graders for a class: one per core, or one per Dask worker, each grading submission after
submission.

A warm grader is a ``pipeline.Grader`` made once in its own process: torch imported in its worker,
MNIST read, the reference's observations and the checks loaded. Each submission then costs only its
own checks, and gets every guarantee of a single grade (see ``pipeline``): nothing of one student's
grade reaches the next. Locally the graders are processes of a ``ProcessPoolExecutor``; with
``--scheduler`` they live in the workers of a Dask cluster, which are sent each submission's files and
send back its results and feedback, written where a local run writes them.
"""

from __future__ import annotations

import functools
import hashlib
import io
import multiprocessing
import multiprocessing.resource_tracker
import multiprocessing.util
import os
import shutil
import tarfile
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.config.files import write_atomically
from grader.intake.fingerprint import changed
from grader.outputs.pages import html_report
from grader.outputs.report import Regrade, view
from grader.outputs.results import RESULTS_FILE, Results
from grader.pipeline import CannotGrade, Grader
from grader.sandbox import processes

# Each student's folder of a graded class: results.json, and the feedback pages, each for its reader.
FEEDBACK_PAGE = "feedback.html"  # what the student may read now
INSTRUCTOR_PAGE = "feedback-instructor.html"  # everything
TRIES = 3  # a grade whose grader process ended (never by student code, which runs as another user) is retried


class ClusterError(RuntimeError):
    """The Dask cluster cannot be used, in one line."""


@dataclass(frozen=True)
class Graded:
    """One student's grade in a class: its results (None where the grader could not grade, and ``error``
    says why), and the feedback pages still to be written, by file name (none once ``save`` wrote them)."""

    student: str
    results: Results | None
    seconds: float
    error: str = ""
    pages: dict[str, str] = field(default_factory=dict)


# -- in each warm grader's process ---------------------------------------------------------------

_graders: dict[tuple, Grader] = {}


def warm_grader(data_dir: Path, rubric: Path, isolate: bool) -> Grader:
    """This process's grader for these settings, made on first use and closed when the process ends."""
    settings = (str(data_dir), str(rubric), isolate)
    if settings not in _graders:
        grader = _graders[settings] = Grader(data_dir, rubric, isolate)
        multiprocessing.util.Finalize(grader, grader.close, exitpriority=10)
    return _graders[settings]


def grade(student: str, path: Path, data_dir: Path, rubric: Path, isolate: bool,
          shown_as: Path | None = None, before: Results | None = None) -> Graded:
    """One submission by this process's warm grader: its results, and its student and instructor pages (which
    say what changed since ``before``, the student's earlier grade, where there is one)."""
    started = time.monotonic()
    try:
        report = replace(warm_grader(data_dir, rubric, isolate).grade(path, shown_as=shown_as), student=student)
        if before is not None:
            report = replace(report, regrade=Regrade({check: o.score for check, o in before.checks.items()},
                                                     tuple(changed(before.fingerprint, report.fingerprint))))
    except CannotGrade as error:
        return Graded(student, None, time.monotonic() - started, str(error))
    except Exception as error:  # the grader's own failure: this student's row says so, the class goes on
        traceback.print_exc()
        return Graded(student, None, time.monotonic() - started, f"the grader failed: {type(error).__name__}: {error}")
    return Graded(student, Results.of(report), report.seconds,
                  pages={FEEDBACK_PAGE: html_report(view(report, "student")), INSTRUCTOR_PAGE: html_report(report)})


def grade_shipped(student: str, name: str, payload: bytes, data_dir: str, rubric: bytes, isolate: bool,
                  before: Results | None = None) -> Graded:
    """``grade`` on a Dask worker, of a submission and a rubric sent as bytes (see ``pack``)."""
    # A rubric is kept under a name made of its content: the same rubric, the same warm grader.
    rubric_path = _private() / f"rubric-{hashlib.sha256(rubric).hexdigest()[:16]}.toml"
    if not rubric_path.exists():
        write_atomically(rubric_path, rubric.decode())
    with tempfile.TemporaryDirectory(prefix="run-shipped-") as scratch:
        with tarfile.open(fileobj=io.BytesIO(payload)) as archive:
            archive.extractall(scratch, filter="tar")  # links stay links: intake refuses them by name
        return grade(student, Path(scratch, name), Path(data_dir), rubric_path, isolate, Path(name), before)


@functools.cache
def _private() -> Path:
    """A folder of this process's own (mode 0700), removed when it ends."""
    folder = Path(tempfile.mkdtemp(prefix="run-warm-"))
    multiprocessing.util.Finalize(None, shutil.rmtree, args=(folder, True), exitpriority=5)
    return folder


def pack(path: Path) -> bytes:
    """A submission (a file or a folder) as a tar in memory, links and all, nothing followed."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.add(path, arcname=path.name, recursive=True)
    return buffer.getvalue()


# -- in the process that grades the class ---------------------------------------------------------


def save(graded: Graded, out: Path) -> Graded:
    """Write one grade's files in ``out/<student>/``, as ``python -m grader`` would; the grade, written."""
    folder = out / graded.student
    folder.mkdir(parents=True, exist_ok=True)
    if graded.results is not None:
        graded.results.write(folder / RESULTS_FILE)
    for name, page in graded.pages.items():
        write_atomically(folder / name, page)
    return replace(graded, pages={})


def grade_locally(todo: dict[str, Path], out: Path, data_dir: Path, rubric: Path, workers: int,
                  isolate: bool = True, each: Callable[[Graded], None] = lambda g: None,
                  earlier: dict[str, Results] | None = None) -> list[Graded]:
    """Grade ``todo`` (student: submission) with ``workers`` warm graders on this machine; ``earlier``: the
    grades these replace, by student."""
    earlier = earlier or {}
    graded, tries, left = [], Counter(), dict(todo)
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing inherited from this one
    processes.become_subreaper()  # whatever outlives a warm grader is ours to end
    multiprocessing.resource_tracker.ensure_running()  # the pool's helper: started now, so not one of those
    before = set(processes.descendants(os.getpid()))
    try:
        while left:
            with ProcessPoolExecutor(max(1, min(workers, len(left))), mp_context=context,
                                     initializer=processes.die_with_parent) as pool:
                futures = {pool.submit(grade, student, path, data_dir, rubric, isolate, None,
                                       earlier.get(student)): student
                           for student, path in left.items()}
                for student, outcome in _outcomes(futures, tries):
                    left.pop(student)
                    graded.append(saved := save(outcome, out))
                    each(saved)
    finally:
        processes.kill_new_descendants(before)
    return graded


def grade_on_cluster(address: str, todo: dict[str, Path], out: Path, data_dir: Path, rubric: Path,
                     isolate: bool = True, each: Callable[[Graded], None] = lambda g: None,
                     earlier: dict[str, Results] | None = None) -> list[Graded]:
    """Grade ``todo`` on the Dask cluster whose scheduler is at ``address``: every Dask worker holds a
    warm grader, and must see MNIST at ``data_dir`` (``make data DATA_DIR=...`` on each machine)."""
    try:
        from distributed import Client  # only a cluster run needs Dask
        from distributed import as_completed as arriving
    except ImportError:
        raise ClusterError("--scheduler needs Dask's distributed: .venv/bin/pip install 'distributed>=2024.1' "
                           "(or the kit's [cluster] extra)") from None
    graded = []
    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError) as error:
        raise ClusterError(f"no Dask scheduler answered at {address}: {error}") from None
    with client:
        rules = rubric.read_bytes()
        earlier = earlier or {}
        futures = [client.submit(grade_shipped, student, path.name, pack(path), str(data_dir), rules, isolate,
                                 earlier.get(student), key=f"grade-{student}-{time.time_ns()}", retries=TRIES - 1)
                   for student, path in todo.items()]
        for future in arriving(futures):
            graded.append(saved := save(future.result(), out))
            each(saved)
    return graded


def _outcomes(futures: dict[Future, str], tries: Counter) -> Iterator[tuple[str, Graded]]:
    """Each finished grade; one whose process ended is left to the next pool, up to ``TRIES`` times."""
    for future in as_completed(futures):
        student = futures[future]
        try:
            yield student, future.result()
        except BrokenProcessPool:
            tries[student] += 1
            if tries[student] >= TRIES:
                yield student, Graded(student, None, 0.0, f"the grader's process ended while grading it, {TRIES} times")
