"""`make watch`: one warm grader grades a submission, and again each time one of its files is saved, until
Ctrl-C, which ends it cleanly."""

from __future__ import annotations

import io
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time

from rich.console import Console

from grader.config.paths import KIT_ROOT, SOLUTIONS
from grader.integrations.watch import grade_on_save


def test_a_saved_file_is_graded_again_and_ctrl_c_stops(data_dir, tmp_path):
    folder = shutil.copytree(SOLUTIONS, tmp_path / "lab", ignore=shutil.ignore_patterns("__pycache__"))
    watching = subprocess.Popen([sys.executable, "-m", "grader", str(folder), "--data-dir", str(data_dir), "--watch"],
                                cwd=KIT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in watching.stdout], daemon=True).start()

    def report() -> list[str]:
        """The lines of the next report, through its last line."""
        shown, deadline = [], time.monotonic() + 240
        while not shown or not shown[-1].startswith("Next:"):
            try:
                shown.append(lines.get(timeout=max(1.0, deadline - time.monotonic())).rstrip("\n"))
            except queue.Empty:
                raise AssertionError("no report within 240 s; it printed:\n" + "\n".join(shown)) from None
        return shown

    try:
        first = report()
        assert "started: graded in" in "\n".join(first) and "Score: 100 / 100" in first, first
        model = folder / "model.py"
        model.write_text(model.read_text().replace("hidden: int = 128", "hidden: int = 100"))  # a one-line edit
        second = report()
        assert "model.py changed: graded in" in "\n".join(second), second
        assert "Score: 100 / 100" in second
    finally:
        watching.send_signal(signal.SIGINT)
        try:
            code = watching.wait(timeout=60)
        except subprocess.TimeoutExpired:
            code = None
            watching.kill()
            watching.wait()
        if code is None:  # say what it was doing, not only that it did not stop (after the report's own failure)
            rest = []
            while not lines.empty():
                rest.append(lines.get().rstrip("\n"))
            raise AssertionError("Ctrl-C did not stop the watch within 60 s; it printed last:\n"
                                 + "\n".join(rest[-40:]))
    assert code == 0


def test_a_save_made_during_the_first_grade_is_graded_again(tmp_path):
    """The watcher is in place before the first grade begins: a save made while it runs (or the instant it
    ends, before the loop waits) is not lost."""
    folder = tmp_path / "lab"
    folder.mkdir()
    (folder / "model.py").write_text("hidden = 128\n")
    stop, graded = threading.Event(), []

    class SavingGrader:
        def grade(self, submission, started):
            graded.append((folder / "model.py").read_text())
            if len(graded) == 1:
                (folder / "model.py").write_text("hidden = 100\n")
            else:
                stop.set()
            return "report"

    watching = threading.Thread(target=grade_on_save, args=(SavingGrader(), folder, lambda report: None,
                                                           Console(file=io.StringIO()), stop))
    watching.start()
    watching.join(timeout=30)
    stop.set()
    assert graded == ["hidden = 128\n", "hidden = 100\n"]


def test_ctrl_c_during_a_grade_stops_the_watch(tmp_path):
    """The checks take a Ctrl-C that comes during a grade as theirs (pytest ends the grade); the watch stops
    too, instead of waiting for the next save."""
    from grader.pipeline import CannotGrade
    folder = tmp_path / "lab"
    folder.mkdir()

    class InterruptedGrader:
        def grade(self, submission, started):
            try:
                signal.raise_signal(signal.SIGINT)
            except KeyboardInterrupt:
                raise CannotGrade("the checks could not run (pytest exit 2)") from None

    shown = io.StringIO()
    rescue = threading.Timer(30, lambda: signal.raise_signal(signal.SIGINT))  # ends a watch that goes on
    rescue.start()
    started = time.monotonic()
    try:
        grade_on_save(InterruptedGrader(), folder, lambda report: None, Console(file=shown))
    finally:
        rescue.cancel()
    assert time.monotonic() - started < 10
    assert "Stopped." in shown.getvalue() and "could not run" not in shown.getvalue()
