"""Calibrate the accuracy bar: test accuracy during training of the reference and of a linear model (the
reference without its activation), over several seeds, trained exactly as the accuracy check does and
scored after every part of an epoch.

    .venv/bin/python -m bench.calibrate --data-dir DATA_DIR --seeds 5 --parts 8
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import tempfile
from pathlib import Path

import numpy as np

from grader.config import rubric
from grader.config.paths import DATA_DIR, KIT_ROOT
from grader.intake import data
from grader.sandbox import jail
from grader.sandbox.session import Worker


def accuracies(folder: Path, staged: Path, labels: np.ndarray, seeds: int, settings: rubric.Rubric) -> np.ndarray:
    """Test accuracy after each part of each epoch, one row per seed."""
    acc = settings.accuracy
    rows = []
    with Worker(jail.trusted(folder, staged)) as worker:
        for seed in range(seeds):
            with worker.session(settings.limits) as session:
                batches = session.call("accuracy_start", seed=seed, batch_size=acc.batch_size,
                                       learning_rate=acc.learning_rate)["batches"]
                rows.append([float(np.mean(session.call("accuracy_part", batches=part, new_epoch=i == 0)["predictions"]
                                           == labels))
                             for _ in range(acc.max_epochs) for i, part in enumerate(acc.parts(batches))])
    return np.array(rows)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST/raw/ lives (default: data)")
    parser.add_argument("--seeds", type=int, default=5, help="training runs, seeds 0 to SEEDS - 1 (default: 5)")
    parser.add_argument("--parts", type=int, help="evaluations per epoch (default: the rubric's)")
    parser.add_argument("--learning-rate", type=float, help="Adam's learning rate (default: the rubric's)")
    parser.add_argument("--batch-size", type=int, help="the training loader's batch size (default: the rubric's)")
    args = parser.parse_args()
    settings = rubric.load()
    changes = {"evaluations_per_epoch": args.parts, "learning_rate": args.learning_rate, "batch_size": args.batch_size}
    settings = dataclasses.replace(settings, accuracy=dataclasses.replace(
        settings.accuracy, **{name: value for name, value in changes.items() if value}))
    parts = settings.accuracy.evaluations_per_epoch
    labels = data.Labels.load(args.data_dir).test
    with tempfile.TemporaryDirectory() as scratch:
        staged = data.stage(args.data_dir, Path(scratch) / "data")
        linear = Path(scratch) / "linear"
        shutil.copytree(KIT_ROOT / "solutions", linear)
        model = linear / "model.py"
        model.write_text(model.read_text().replace("            nn.ReLU(),\n", ""))
        for name, folder in (("reference", KIT_ROOT / "solutions"), ("linear", linear)):
            table = accuracies(folder, staged, labels, args.seeds, settings)
            for step, column in enumerate(table.T, start=1):
                print(f"{name:9} epoch {step / parts:5.3f}: min {column.min():.4f} mean {column.mean():.4f} "
                      f"max {column.max():.4f}  ({', '.join(f'{a:.4f}' for a in column)})", flush=True)


if __name__ == "__main__":
    main()
