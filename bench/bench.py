"""`make bench`: grade the reference and time it against the baseline, in fresh processes.

The last line is ``grade_s=<s> baseline_s=<s> ratio=<grade/baseline> peak_mb=<MiB>``: the wall time of
``python -m grader solutions`` (with the reference's observations cached, as after the first grade),
of ``python -m bench.baseline``, and the largest resident size of any process of the grade.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent


def timed(*command: str) -> tuple[float, float]:
    """Wall seconds, and the peak resident MiB of any process it ran (children are reaped in turn)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run([sys.executable, *command], cwd=KIT, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    return seconds, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the fastest counts")
    args = parser.parse_args()
    grade = ["-m", "grader", "solutions", "--data-dir", args.data_dir]
    cold, _ = timed(*grade)  # also fills the reference cache
    grades = [timed(*grade) for _ in range(args.repeat)]
    plain = [timed(*grade, "--no-sandbox")[0] for _ in range(args.repeat)]
    baselines = [timed("-m", "bench.baseline", "--data-dir", args.data_dir)[0] for _ in range(args.repeat)]
    grade_s, peak_mb = min(g[0] for g in grades), max(g[1] for g in grades)
    baseline_s = min(baselines)
    print(f"first grade (may compute the reference's observations): {cold:.2f} s")
    print(f"grades: {', '.join(f'{g[0]:.2f}' for g in grades)} s; without the sandbox: "
          f"{', '.join(f'{p:.2f}' for p in plain)} s; baselines: {', '.join(f'{b:.2f}' for b in baselines)} s")
    print(f"sandbox_cost_s={min(g[0] for g in grades) - min(plain):.2f}")
    print(f"grade_s={grade_s:.2f} baseline_s={baseline_s:.2f} ratio={grade_s / baseline_s:.2f} peak_mb={peak_mb:.0f}")


if __name__ == "__main__":
    main()
