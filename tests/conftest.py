"""Shared fixtures: where MNIST is, and grading a folder the way a user does (a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


def lost(report: dict) -> set[str]:
    return {check for check, test in report["by_id"].items() if test["score"] < test["max_score"]}
