"""``python -m grader SUBMISSION --watch`` (``make watch``): grade a submission now, and again each time one of
its files is saved.

One warm grader (``pipeline.Grader``) grades every version: torch, MNIST and the reference's observations
are loaded once, so a regrade costs only the checks. Each regrade is as isolated as a grade of its own (a
user of its own, freshly forked children). Saves are noticed by ``watchfiles`` (the kernel's file events,
not polling); saves that come while a grade runs are graded together once it ends.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from rich.console import Console
from rich.text import Text
from watchfiles import Change, DefaultFilter, watch

from grader.outputs.report import Report
from grader.pipeline import CannotGrade, Grader

WAKE_MS = 500  # how often the watch wakes with nothing saved: only its first wake-up is used, to start grading


class SubmissionFiles(DefaultFilter):
    """The changes that can change a grade: any file of a submission folder but editors' and Python's
    leftovers; of a submission that is one file (a notebook, an archive), that file alone."""

    def __init__(self, submission: Path) -> None:
        super().__init__()
        self.submission = submission.resolve()

    def __call__(self, change: Change, path: str) -> bool:
        return super().__call__(change, path) and (self.submission.is_dir() or Path(path) == self.submission)


def grade_on_save(grader: Grader, submission: Path, show: Callable[[Report], None], console: Console,
                  stop: threading.Event | None = None) -> None:
    """Grade ``submission`` now and after every save, showing each report with ``show`` on a cleared screen,
    until Ctrl-C (or until ``stop`` is set); ``CannotGrade`` if there is no such submission to watch."""
    if not submission.exists():
        raise CannotGrade(f"no such folder or file: {submission}")
    folder = submission if submission.is_dir() else submission.parent  # editors save by renaming: watch the folder
    saves = watch(folder, watch_filter=SubmissionFiles(submission), stop_event=stop, raise_interrupt=False,
                  recursive=submission.is_dir(), yield_on_timeout=True, rust_timeout=WAKE_MS)
    if next(saves, None) is None:  # stopped before it began
        return
    with ctrl_c_remembered() as pressed:
        # The watcher is in place before the first grade: a save from now on is seen, even one made while it runs.
        regrade(grader, submission, show, console, because="started", stopped=pressed)
        for changes in saves:
            if pressed.is_set():  # during a grade, whose checks took the interrupt as theirs
                return
            if not changes:  # a wake-up with nothing saved
                continue
            names = {Path(path).name for _, path in changes}
            kept = {Path(path).name for _, path in changes if Path(path).exists()}  # not an editor's scratch file
            regrade(grader, submission, show, console, because=f"{', '.join(sorted(kept or names))} changed",
                    stopped=pressed)


@contextlib.contextmanager
def ctrl_c_remembered() -> Iterator[threading.Event]:
    """An event set by every Ctrl-C, which still interrupts as before. A Ctrl-C during a grade interrupts the
    grade's checks (pytest takes it, and the grade ends); the watch then sees the event and stops too."""
    pressed = threading.Event()
    if threading.current_thread() is not threading.main_thread():  # only the main thread receives signals
        yield pressed
        return

    def interrupt(signum: int, frame: object) -> None:
        pressed.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


def regrade(grader: Grader, submission: Path, show: Callable[[Report], None], console: Console, because: str,
            stopped: threading.Event | None = None) -> None:
    """One grade, shown on a cleared screen under a line that says why it ran and how long it took (nothing
    where Ctrl-C, ``stopped``, interrupted it)."""
    started = time.monotonic()
    try:
        report, failure = grader.grade(submission, started), ""
    except CannotGrade as error:
        report, failure = None, f"grader: {error}"
    if stopped is not None and stopped.is_set():
        console.print(Text("Stopped.", style="dim"))
        return
    took = time.monotonic() - started
    if console.is_terminal:
        console.clear()
    else:
        console.rule()
    console.print(Text(f"{time.strftime('%H:%M:%S')} {because}: graded in {took:.1f} s. Watching {submission} "
                       "(save a file to grade again; Ctrl-C stops).", style="dim"))
    if report is None:
        console.print(Text(failure, style="red"))
    else:
        show(report)
