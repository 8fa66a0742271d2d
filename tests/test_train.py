"""`make train`: a student's own training run of their submission."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.config.paths import KIT_ROOT, SOLUTIONS

STUB = "raise NotImplementedError('YOUR CODE HERE')"
FORWARD = "        return self.layers(x)"
FORWARD_LINE = 1 + (SOLUTIONS / "model.py").read_text().splitlines().index(FORWARD)


def train(folder: Path, data_dir: Path, *options: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kit.train", str(folder), "--data-dir", str(data_dir),
                           *map(str, options)], cwd=KIT_ROOT, capture_output=True, text=True, timeout=600)


def test_reference_trains_and_saves_its_curves(data_dir, tmp_path):
    curves = tmp_path / "curves.png"
    done = train(SOLUTIONS, data_dir, "--epochs", "1", "--out", curves)
    assert done.returncode == 0, done.stderr
    (accuracy,) = re.findall(r"^epoch 1: train loss [\d.]+, test loss [\d.]+, test accuracy ([\d.]+)%$",
                             done.stdout, re.MULTILINE)
    assert float(accuracy) > 90
    assert curves.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "epoch 1/1" in done.stderr  # the progress bar


def copy_with(into: Path, file: str, old: str, new: str) -> Path:
    shutil.copytree(SOLUTIONS, into)
    path = into / file
    path.write_text(path.read_text().replace(old, new))
    return into


def assert_one_line(done: subprocess.CompletedProcess, message: str) -> None:
    assert done.returncode == 1
    (line,) = [line for line in done.stderr.splitlines() if line.strip() and "%|" not in line]  # not the bar
    assert line.startswith(message), done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_stubs_exit_with_one_line(data_dir, tmp_path):
    done = train(KIT_ROOT / "assignment", data_dir, "--out", tmp_path / "curves.png")
    assert_one_line(done, "dataset.py: make_dataloaders is still a stub: replace `raise NotImplementedError` with "
                          "your code")
    assert not (tmp_path / "curves.png").exists()


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("dataset.py", "image = self.images[index].float().div(255).unsqueeze(0)", STUB,
     "dataset.py: MNISTDataset.__getitem__ is still a stub: "),
    ("model.py", FORWARD, "        return 1 / 0",
     f"model.py, line {FORWARD_LINE}, in forward: ZeroDivisionError: division by zero"),
], ids=["getitem_stub", "forward_raises"])
def test_errors_name_the_students_file(file, old, new, message, data_dir, tmp_path):
    done = train(copy_with(tmp_path / "submission", file, old, new), data_dir, "--out", tmp_path / "curves.png")
    assert_one_line(done, message)
