"""What each way of starting a check's child costs on this machine (``docs/speed.md``).

    .venv/bin/python -m bench.starts --data-dir DATA_DIR [--checks 10]

For ``fork`` (a warm zygote forks a child per check; Linux's default) and ``spawn`` (a fresh interpreter per
check, the next one starting while a check runs; Windows, macOS), on the host the grader chose here: the
worker's first start, and then ``--checks`` checks in a row, each a session that builds the reference's
``MLP()`` once (``mlp_structure``) and ends. Prints one line per method:
``start=<method> first_s=<s> per_check_s=<s> cpu_s_per_check=<s>``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import psutil

from grader.config import rubric
from grader.config.paths import DATA_DIR, SOLUTIONS
from grader.intake import data
from grader.sandbox import host, jail
from grader.sandbox.session import Worker


def cpu_seconds() -> float:
    """CPU time of this process and every process below it, living or ended and waited for (by this process or
    by one below it that still lives: a worker reaps its checks' children)."""
    total = 0.0
    for process in [psutil.Process(), *psutil.Process().children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def measure(method: str, staged: Path, checks: int) -> str:
    os.environ[host.START_VARIABLE] = method
    limits = rubric.load().limits
    started, cpu = time.perf_counter(), cpu_seconds()
    with Worker(jail.trusted(SOLUTIONS, staged)) as worker:
        with worker.session(limits) as session:
            session.call("mlp_structure")
        first = time.perf_counter() - started
        started, cpu = time.perf_counter(), cpu_seconds()
        for _ in range(checks):
            with worker.session(limits) as session:
                session.call("mlp_structure")
        each, cpu_each = (time.perf_counter() - started) / checks, (cpu_seconds() - cpu) / checks
    return f"start={method} host={host.current().name} first_s={first:.2f} per_check_s={each:.3f} " \
           f"cpu_s_per_check={cpu_each:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.starts", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST/raw/ lives")
    parser.add_argument("--checks", type=int, default=10, help="checks in a row, per method (default: 10)")
    parser.add_argument("--methods", nargs="+", default=list(host.STARTS), choices=host.STARTS,
                        help="the start methods to measure (default: both)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="starts-"))
    try:
        staged = data.stage(args.data_dir.resolve(), scratch / "data")
        for method in args.methods:
            print(measure(method, staged, args.checks), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
