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
        code = watching.wait(timeout=60)
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
