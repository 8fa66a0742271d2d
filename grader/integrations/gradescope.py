"""``python -m grader.gradescope [ROOT]``: what Gradescope's ``run_autograder`` does for a submission.

It grades ROOT/submission (ROOT is /autograder) with the MNIST that ``setup.sh`` staged in the kit's
``data/``, into ROOT/results/results.json. Gradescope shows a student nothing without that file, so
when the grader cannot grade, this writes one anyway: a score of 0 and the grader's reason.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.config.paths import DATA_DIR, KIT_ROOT
from grader.outputs.results import RESULTS_FILE, Results

REASON_BYTES = 8192  # the end of what the grader said, where its one-line reason is


def run(root: Path) -> None:
    started = time.monotonic()
    results = root / "results" / RESULTS_FILE
    # The full table goes to Gradescope's stdout, which only instructors see: everything, hints and held-back checks.
    command = [sys.executable, "-m", "grader", str(root / "submission"), "--data-dir", str(KIT_ROOT / DATA_DIR),
               "--results", str(results), "--audience", "instructor", "--verbose"]
    with tempfile.TemporaryFile() as said:  # a file, not a pipe: nothing the grader says can block it
        code = subprocess.run(command, cwd=KIT_ROOT, stderr=said).returncode
        said.seek(max(0, said.seek(0, 2) - REASON_BYTES))
        stderr = said.read().decode(errors="replace")
    sys.stderr.write(stderr)  # Gradescope keeps this script's output for the instructor
    if code == 0 and results.is_file():
        return
    lines = stderr.strip().splitlines()
    reason = lines[-1].removeprefix("grader: ") if lines else f"the grader stopped with exit status {code}"
    Results.not_graded(f"{reason}\nIf that is not about your files, tell your instructor.",
                       time.monotonic() - started).write(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope", description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, nargs="?", default=Path("/autograder"),
                        help="Gradescope's folder, holding submission/ and results/ (default: /autograder)")
    run(parser.parse_args(argv).root)
    return 0  # the results file is the answer, whatever happened

