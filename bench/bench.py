"""`make bench`: the grader's speed, each figure measured side by side in one run on this machine.

1. One grade of the reference against the baseline (``bench.baseline``: plain training of the reference
   to the accuracy bar in a fresh one-thread process), and the same grade without the sandbox; and the CPU
   of a warm grade of the reference, every process it runs included (``bench.cpu``):
   ``cpu_s_per_grade=<s> wall_s_per_grade=<s>``.
2. A class of 40 mixed submissions (correct ones in many styles, one-bug ones, notebooks, zips) graded by
   warm graders (``grader.batch``, one per core) against the way before them, one ``python -m grader``
   per submission, as many at a time as there are cores: ``class_s_per_submission=<s>
   cpu_s_per_submission=<s> old_s_per_submission=<s> speedup=<x> peak_mb_per_worker=<MiB>``.
3. Our grade of the course notebook against ``nbgrader autograde`` of the same notebook.
4. Code similarity across a generated class of 500 (the correct zoo, and copies of it disguised every way
   ``tests/similarity_zoo.py`` knows; a tenth as notebooks): ``similarity_s=<s> similarity_mb=<MiB>``.

The last line is ``grade_s=<s> baseline_s=<s> ratio=<grade/baseline> peak_mb=<MiB>``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

from grader.config.paths import DATA_DIR
from grader.sandbox import host

KIT_ROOT = Path(__file__).resolve().parent.parent
CORES = os.cpu_count() or 1


def timed(*command: str | Path, cwd: Path = KIT_ROOT, env: dict | None = None) -> tuple[float, float]:
    """Wall seconds, and the peak resident MiB of any process it ran (children are reaped in turn)."""
    before = host.current().peak_child_rss_mb() or 0.0
    started = time.perf_counter()
    subprocess.run([str(c) for c in command], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    return seconds, max(before, host.current().peak_child_rss_mb() or 0.0)


def reaped_cpu_seconds() -> float:
    """CPU time of every process below this one that ended and was waited for (a class's graders and all theirs)."""
    times = psutil.Process().cpu_times()
    return times.children_user + times.children_system


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
          f"{', '.join(f'{g[0]:.2f}' for g in grades)} s; without the sandbox {', '.join(f'{p:.2f}' for p in plain)} "
          f"s; "
          f"baseline {', '.join(f'{b:.2f}' for b in baselines)} s")
    print(f"sandbox_cost_s={grade_s - min(plain):.2f}")
    cpu = subprocess.run(python("-m", "bench.cpu", "--data-dir", data_dir), cwd=KIT_ROOT, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()
    print(*cpu, sep="\n")
    return grade_s, baseline_s, max(g[1] for g in grades)


def make_class(folder: Path, count: int) -> list[Path]:
    """``count`` submissions as a class hands them in: mostly correct ones in many styles, one-bug ones,
    notebooks and zips."""
    sys.path.insert(0, str(KIT_ROOT))
    from tests.correct_notebooks import NOTEBOOKS
    from tests.correct_zoo import CORRECT
    from tests.zoo import ZOO

    folder.mkdir()
    for index in range(count):
        name = folder / f"student{index:02d}"
        kind = index % 10
        if kind < 4:  # 40% correct, in the styles of the correct zoo
            CORRECT[index % len(CORRECT)].write(name)
        elif kind < 8:  # 40% with one known bug
            ZOO[index % len(ZOO)].apply(name)
        elif kind == 8:  # a notebook
            shutil.move(NOTEBOOKS[index % len(NOTEBOOKS)].write(folder / "notebook"), name.with_suffix(".ipynb"))
            shutil.rmtree(folder / "notebook", ignore_errors=True)
        else:  # a zip of the reference's files
            shutil.make_archive(str(name), "zip", KIT_ROOT / "solutions")
    return sorted(folder.iterdir())


def peak_pss_per_grader(batch: subprocess.Popen, every: float = 0.25) -> list[float]:
    """Sample, while ``batch`` runs, the proportional memory (PSS) of each of its warm graders with all
    their processes (worker, checks); the peak MiB is its last element when it ends."""
    peak = [0.0]

    def pss(pid: int) -> int:
        """KiB: proportional memory where the system measures it (Linux), else unique memory."""
        try:
            memory = psutil.Process(pid).memory_full_info()
        except psutil.Error:
            return 0
        return getattr(memory, "pss", memory.uss) >> 10

    def sample() -> None:
        from grader.sandbox.processes import descendants

        while batch.poll() is None:
            graders = [pid for pid in descendants(batch.pid) if b"spawn_main" in _cmdline(pid)]
            sizes = [sum(pss(p) for p in [g, *descendants(g)]) / 1024 for g in graders]
            peak[0] = max(peak[0], *sizes, 0)
            time.sleep(every)

    threading.Thread(target=sample, daemon=True).start()
    return peak


def _cmdline(pid: int) -> bytes:
    try:
        return "\0".join(psutil.Process(pid).cmdline()).encode()
    except psutil.Error:
        return b""


def klass(data_dir: Path, scratch: Path, count: int) -> None:
    """A class graded by warm graders (grade-all) and the way before them, one ``python -m grader`` per
    submission, ``CORES`` at a time; the same class, in the same run."""
    submissions = make_class(scratch / "class", count)
    started, cpu = time.perf_counter(), reaped_cpu_seconds()
    batch = subprocess.Popen(python("-m", "grader.batch", scratch / "class", "--data-dir", data_dir,
                                    "--out", scratch / "out"), cwd=KIT_ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    peak = peak_pss_per_grader(batch)
    if batch.wait() != 0:
        raise SystemExit("grade-all failed")
    warm_s, warm_cpu = time.perf_counter() - started, reaped_cpu_seconds() - cpu
    started = time.perf_counter()
    with ThreadPoolExecutor(CORES) as pool:
        list(pool.map(lambda path: timed(*python("-m", "grader", path, "--data-dir", data_dir)), submissions))
    old_s = time.perf_counter() - started
    print(f"a class of {count} on {CORES} cores: warm graders {warm_s:.1f} s, one process per submission "
          f"{old_s:.1f} s")
    print(f"class_s_per_submission={warm_s / count:.2f} cpu_s_per_submission={warm_cpu / count:.2f} "
          f"old_s_per_submission={old_s / count:.2f} "
          f"speedup={old_s / warm_s:.2f} peak_mb_per_worker={peak[0]:.0f}")


def notebook(data_dir: Path, scratch: Path) -> None:
    from kit.nbgrader_course import ASSIGNMENT, write_course

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


def similar_class(folder: Path, count: int) -> Path:
    """``count`` submissions for the similarity check: the correct zoo, disguised copies of it, notebooks."""
    sys.path.insert(0, str(KIT_ROOT))
    from tests.correct_zoo import CORRECT
    from tests.similarity_zoo import DISGUISES, in_a_notebook, modules_of, write_folder

    disguises = list(DISGUISES.values())
    for index in range(count):
        modules = modules_of(CORRECT[index % len(CORRECT)])
        modules = disguises[index % len(disguises)](modules) or modules
        name = folder / f"student{index:03d}"
        in_a_notebook(modules, name.with_suffix(".ipynb")) if index % 10 == 9 else write_folder(modules, name)
    return folder


def similarity(scratch: Path, count: int) -> None:
    folder = similar_class(scratch / "similar", count)
    started = time.monotonic()
    check = subprocess.Popen(python("-m", "grader.similarity", folder, "--out", scratch / "similar-out"),
                             cwd=KIT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    while check.poll() is None:  # its resident memory, sampled
        try:
            peak = max(peak, psutil.Process(check.pid).memory_info().rss)
        except psutil.Error:
            pass
        time.sleep(0.1)
    seconds, peak_mb = time.monotonic() - started, peak / 2**20
    if check.returncode:
        sys.exit(f"bench: the similarity check failed:\n{check.stderr.read()}")
    print(f"similarity of a class of {count}: {seconds:.1f} s, peak {peak_mb:.0f} MiB")
    print(f"similarity_s={seconds:.1f} similarity_mb={peak_mb:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST/raw/ lives (default: data)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each single grade; the fastest counts")
    parser.add_argument("--class-size", type=int, default=40, help="submissions in the class (0: skip)")
    parser.add_argument("--no-notebook", action="store_true", help="skip the nbgrader comparison")
    parser.add_argument("--similarity-size", type=int, default=500, help="submissions compared for similarity "
                                                                          "(0: skip)")
    args = parser.parse_args()
    data_dir = args.data_dir.resolve()
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        if args.class_size:
            klass(data_dir, Path(scratch), args.class_size)
        if not args.no_notebook:
            notebook(data_dir, Path(scratch))
        if args.similarity_size:
            similarity(Path(scratch), args.similarity_size)
        grade_s, baseline_s, peak_mb = single(data_dir, args.repeat)
    print(f"grade_s={grade_s:.2f} baseline_s={baseline_s:.2f} ratio={grade_s / baseline_s:.2f} peak_mb={peak_mb:.0f}")


if __name__ == "__main__":
    main()
