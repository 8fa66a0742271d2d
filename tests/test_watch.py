"""`make watch`: one warm grader grades a submission, and again each time one of its files is saved, until
Ctrl-C, which ends it cleanly."""

from __future__ import annotations

import queue
import shutil
import signal
import subprocess
import sys
import threading
import time

from grader.config.paths import KIT_ROOT, SOLUTIONS


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
