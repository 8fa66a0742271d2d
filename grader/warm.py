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
from dataclasses import dataclass
from pathlib import Path

from grader.feedback_report import html_report
from grader.pipeline import CannotGrade, Grader
from grader.report import view, write_atomically, write_gradescope
from grader.sandbox import processes

RESULTS = "results.json"
FEEDBACK = "feedback.html"
INSTRUCTOR_FEEDBACK = "feedback-instructor.html"
TRIES = 3  # a grade whose grader process ended (never by student code, which runs as another user) is retried


class ClusterError(RuntimeError):
    """The Dask cluster cannot be used, in one line."""


@dataclass
class Graded:
    student: str
    results: dict | None  # Gradescope results.json, or None if the grader could not grade
    seconds: float
    error: str = ""


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
          shown_as: Path | None = None) -> dict:
    """One submission by this process's warm grader: its results, student and instructor feedback."""
    started = time.monotonic()
    try:
        report = warm_grader(data_dir, rubric, isolate).grade(path, shown_as=shown_as)
    except CannotGrade as error:
        return {"student": student, "error": str(error), "seconds": time.monotonic() - started}
    except Exception as error:  # the grader's own failure: this student's row says so, the class goes on
        traceback.print_exc()
        return {"student": student, "error": f"the grader failed: {type(error).__name__}: {error}",
                "seconds": time.monotonic() - started}
    return {"student": student, "results": report.gradescope(), "seconds": report.seconds,
            "feedback": html_report(view(report, "student")), "instructor_feedback": html_report(report)}


def grade_shipped(student: str, name: str, payload: bytes, data_dir: str, rubric: bytes, isolate: bool) -> dict:
    """``grade`` on a Dask worker, of a submission and a rubric sent as bytes (see ``pack``)."""
    # A rubric is kept under a name made of its content: the same rubric, the same warm grader.
    rubric_path = _private() / f"rubric-{hashlib.sha256(rubric).hexdigest()[:16]}.toml"
    if not rubric_path.exists():
        write_atomically(rubric_path, rubric.decode())
    with tempfile.TemporaryDirectory(prefix="grader-shipped-") as scratch:
        with tarfile.open(fileobj=io.BytesIO(payload)) as archive:
            archive.extractall(scratch, filter="tar")  # links stay links: intake refuses them by name
        return grade(student, Path(scratch, name), Path(data_dir), rubric_path, isolate, shown_as=Path(name))


@functools.cache
def _private() -> Path:
    """A folder of this process's own (mode 0700), removed when it ends."""
    folder = Path(tempfile.mkdtemp(prefix="grader-warm-"))
    multiprocessing.util.Finalize(None, shutil.rmtree, args=(folder, True), exitpriority=5)
    return folder


def pack(path: Path) -> bytes:
    """A submission (a file or a folder) as a tar in memory, links and all, nothing followed."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.add(path, arcname=path.name, recursive=True)
    return buffer.getvalue()


# -- in the process that grades the class ---------------------------------------------------------


def save(outcome: dict, out: Path) -> Graded:
    """Write one grade's files in ``out/<student>/``, as ``python -m grader`` would."""
    student = outcome["student"]
    folder = out / student
    folder.mkdir(parents=True, exist_ok=True)
    if "error" in outcome:
        return Graded(student, None, outcome["seconds"], outcome["error"])
    write_gradescope(outcome["results"], folder / RESULTS)
    write_atomically(folder / FEEDBACK, outcome["feedback"])
    write_atomically(folder / INSTRUCTOR_FEEDBACK, outcome["instructor_feedback"])
    return Graded(student, outcome["results"], outcome["seconds"])


def grade_locally(todo: dict[str, Path], out: Path, data_dir: Path, rubric: Path, workers: int,
                  isolate: bool = True, each: Callable[[Graded], None] = lambda g: None) -> list[Graded]:
    """Grade ``todo`` (student: submission) with ``workers`` warm graders on this machine."""
    graded, tries, left = [], Counter(), dict(todo)
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing inherited from this one
    processes.become_subreaper()  # whatever outlives a warm grader is ours to end
    multiprocessing.resource_tracker.ensure_running()  # the pool's helper: started now, so not one of those
    before = set(processes.descendants(os.getpid()))
    try:
        while left:
            with ProcessPoolExecutor(max(1, min(workers, len(left))), mp_context=context) as pool:
                futures = {pool.submit(grade, student, path, data_dir, rubric, isolate): student
                           for student, path in left.items()}
                for student, outcome in _outcomes(futures, tries):
                    left.pop(student)
                    graded.append(result := save(outcome, out))
                    each(result)
    finally:
        processes.kill_new_descendants(before)
    return graded


def grade_on_cluster(address: str, todo: dict[str, Path], out: Path, data_dir: Path, rubric: Path,
                     isolate: bool = True, each: Callable[[Graded], None] = lambda g: None) -> list[Graded]:
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
        futures = [client.submit(grade_shipped, student, path.name, pack(path), str(data_dir), rules, isolate,
                                 key=f"grade-{student}-{time.time_ns()}", retries=TRIES - 1)
                   for student, path in todo.items()]
        for future in arriving(futures):
            graded.append(result := save(future.result(), out))
            each(result)
    return graded


def _outcomes(futures: dict[Future, str], tries: Counter) -> Iterator[tuple[str, dict]]:
    """Each finished grade; one whose process ended is left to the next pool, up to ``TRIES`` times."""
    for future in as_completed(futures):
        student = futures[future]
        try:
            yield student, future.result()
        except BrokenProcessPool:
            tries[student] += 1
            if tries[student] >= TRIES:
                yield student, {"student": student, "seconds": 0.0,
                                "error": f"the grader's process ended while grading it, {TRIES} times"}
