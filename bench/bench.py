"""`make bench`: the grader's speed, each figure measured side by side in one run on this machine.

1. One grade of the reference against the baseline (``bench.baseline``: plain training of the reference
   to the accuracy bar in a fresh one-thread process), and the same grade without the sandbox.
2. A batch of 20 submissions (``grader.batch``, one worker per core) against the 20 grades one by one.
3. Our grade of the course notebook against ``nbgrader autograde`` of the same notebook.

The last line is ``grade_s=<s> baseline_s=<s> ratio=<grade/baseline> peak_mb=<MiB>``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
CORES = os.cpu_count() or 1


def timed(*command: str | Path, cwd: Path = KIT, env: dict | None = None) -> tuple[float, float]:
    """Wall seconds, and the peak resident MiB of any process it ran (children are reaped in turn)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run([str(c) for c in command], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    return seconds, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def python(*args: str | Path) -> list[str | Path]:
    return [sys.executable, *args]


def single(data_dir: Path, repeat: int) -> tuple[float, float]:
    grade = python("-m", "grader", "solutions", "--data-dir", data_dir)
    cold, _ = timed(*grade)  # also fills the reference cache
    grades = [timed(*grade) for _ in range(repeat)]
    plain = [timed(*grade, "--no-bubblewrap")[0] for _ in range(repeat)]
    baselines = [timed(*python("-m", "bench.baseline", "--data-dir", data_dir))[0] for _ in range(repeat)]
    grade_s, baseline_s = min(g[0] for g in grades), min(baselines)
    print(f"one grade: first {cold:.2f} s (may compute the reference's observations), then "
          f"{', '.join(f'{g[0]:.2f}' for g in grades)} s; without the sandbox {', '.join(f'{p:.2f}' for p in plain)} s; "
          f"baseline {', '.join(f'{b:.2f}' for b in baselines)} s")
    print(f"sandbox_cost_s={grade_s - min(plain):.2f}")
    return grade_s, baseline_s, max(g[1] for g in grades)


def batch(data_dir: Path, scratch: Path, count: int) -> None:
    sys.path.insert(0, str(KIT))
    from tests.zoo import ZOO

    folder = scratch / "class"
    folder.mkdir()
    for index in range(count):
        bug = ZOO[index % len(ZOO)] if index % 4 else None
        if bug is None:
            shutil.copytree(KIT / "solutions", folder / f"student{index:02d}")
        else:
            bug.apply(folder / f"student{index:02d}")
    batch_s, peak = timed(*python("-m", "grader.batch", folder, "--data-dir", data_dir, "--out", scratch / "out"))
    sequential = sum(timed(*python("-m", "grader", path, "--data-dir", data_dir))[0] for path in sorted(folder.iterdir()))
    ideal = sequential / CORES
    print(f"batch of {count} on {CORES} workers: {batch_s:.1f} s; one by one: {sequential:.1f} s "
          f"({sequential / count:.2f} s each, {batch_s / count:.2f} s each in the batch)")
    print(f"batch_s={batch_s:.1f} sequential_s={sequential:.1f} batch_ratio={batch_s / ideal:.2f} "
          f"peak_worker_mb={peak:.0f}")


def notebook(data_dir: Path, scratch: Path) -> None:
    from kit.nbgrader import ASSIGNMENT, write_course

    course = scratch / "course"
    source = write_course(course)
    env = os.environ | {"DATA_DIR": str(data_dir), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    nbgrader = Path(sys.executable).with_name("nbgrader")
    subprocess.run([nbgrader, "generate_assignment", ASSIGNMENT, "--force"], cwd=course, env=env, check=True,
                   capture_output=True)
    submitted = course / "submitted" / "student" / ASSIGNMENT
    submitted.mkdir(parents=True)
    shutil.copy(source, submitted)
    ours, _ = timed(*python("-m", "grader", source, "--data-dir", data_dir))
    theirs, _ = timed(nbgrader, "autograde", ASSIGNMENT, "--force", cwd=course, env=env)
    print(f"notebook_s={ours:.1f} nbgrader_autograde_s={theirs:.1f} notebook_ratio={ours / theirs:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--repeat", type=int, default=2, help="runs of each single grade; the fastest counts")
    parser.add_argument("--batch", type=int, default=20, help="submissions in the batch (0: skip)")
    parser.add_argument("--no-notebook", action="store_true", help="skip the nbgrader comparison")
    args = parser.parse_args()
    data_dir = args.data_dir.resolve()
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        if args.batch:
            batch(data_dir, Path(scratch), args.batch)
        if not args.no_notebook:
            notebook(data_dir, Path(scratch))
        grade_s, baseline_s, peak_mb = single(data_dir, args.repeat)
    print(f"grade_s={grade_s:.2f} baseline_s={baseline_s:.2f} ratio={grade_s / baseline_s:.2f} peak_mb={peak_mb:.0f}")


if __name__ == "__main__":
    main()
