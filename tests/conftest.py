"""Shared fixtures: where MNIST is, and grading a folder the way a user does (a subprocess)."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

KIT = Path(__file__).resolve().parent.parent
SOLUTIONS = KIT / "solutions"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    root = Path(os.environ.get("DATA_DIR", KIT / "data")).resolve()
    if not (root / "MNIST" / "raw").is_dir():
        pytest.fail(f"MNIST not found under {root}: run `make test` (it fetches MNIST), or set DATA_DIR to a copy")
    return root


def run_grader(*args: str | Path, timeout: float = 600, **options) -> subprocess.CompletedProcess:
    """``python -m grader ARGS`` as a user runs it; ``options`` go to ``subprocess.run`` (env, preexec_fn)."""
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=KIT, capture_output=True,
                          text=True, timeout=timeout, **options)


def grade(folder: Path, data_dir: Path, tmp_path: Path) -> dict:
    """Grade ``folder`` through the CLI; its results.json as a dict, with check ids as keys of ``by_id``."""
    results = tmp_path / f"{folder.name}-results.json"
    done = run_grader(folder, "--data-dir", data_dir, "--results", results)
    assert done.returncode == 0, done.stderr
    report = json.loads(results.read_text())
    report["by_id"] = {test["tags"][0]: test for test in report["tests"]}
    report["stdout"] = done.stdout
    return report


@pytest.fixture(scope="session")
def warm_grade(data_dir: Path) -> Iterator[Callable[[Path], dict]]:
    """Grade a folder with a warm grader in a process of its own, as ``grade-all`` does; the same dict as
    ``grade``. One warm grader serves every test of a test process, one submission after another."""
    from grader import warm
    from grader.rubric import DEFAULT

    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))

    def grade_warm(folder: Path) -> dict:
        outcome = pool.submit(warm.grade, folder.name, folder, data_dir, DEFAULT, True).result(timeout=600)
        assert "error" not in outcome, outcome.get("error")
        report = outcome["results"]
        report["by_id"] = {test["tags"][0]: test for test in report["tests"]}
        return report

    yield grade_warm
    pool.shutdown()


def verdicts(report: dict) -> dict[str, tuple[float, str]]:
    """Each check's points and message: what must not depend on how a submission was graded."""
    return {check: (test["score"], test["output"]) for check, test in report["by_id"].items()}


def lost(report: dict) -> set[str]:
    return {check for check, test in report["by_id"].items() if test["score"] < test["max_score"]}
