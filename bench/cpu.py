"""CPU seconds a warm grade of the reference costs, across every process it runs (``make bench``).

    .venv/bin/python -m bench.cpu --data-dir DATA_DIR [--grades 5] [--submission solutions]

One warm grader (``pipeline.Grader``) grades the submission once to warm up, then ``--grades`` times; the
CPU of this process and of every process below it (its worker, the checks' children, living or ended and
waited for) is read before and after. CPU seconds are steadier than wall time on a shared machine. Prints
``cpu_s_per_grade=<s> wall_s_per_grade=<s>``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.starts import cpu_seconds
from grader.config.paths import DATA_DIR, SOLUTIONS
from grader.pipeline import Grader


def per_grade(data_dir: Path, submission: Path, grades: int) -> tuple[float, float, float]:
    """Mean CPU seconds and wall seconds of a warm grade of ``submission``, and its score."""
    with Grader(data_dir) as grader:
        score = grader.grade(submission).score
        cpu, started = cpu_seconds(), time.perf_counter()
        for _ in range(grades):
            grader.grade(submission)
        return (cpu_seconds() - cpu) / grades, (time.perf_counter() - started) / grades, score


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST/raw/ lives (default: data)")
    parser.add_argument("--grades", type=int, default=5, help="warm grades measured, after one that warms up")
    parser.add_argument("--submission", type=Path, default=SOLUTIONS, help="what is graded (default: solutions)")
    args = parser.parse_args()
    cpu, wall, score = per_grade(args.data_dir.resolve(), args.submission, args.grades)
    print(f"warm grades of {args.submission.name}: {score:g} points, {wall:.2f} s wall and {cpu:.2f} s CPU each")
    print(f"cpu_s_per_grade={cpu:.2f} wall_s_per_grade={wall:.2f}")


if __name__ == "__main__":
    main()
