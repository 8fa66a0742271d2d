"""The baseline a grade is measured against: a plain script that trains the reference to the
accuracy bar, in a fresh process with one thread, as the grader's workers run. No checks, no sandbox.

    .venv/bin/python -m bench.baseline --data-dir DATA_DIR
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from torch import nn

from grader.config import rubric
from grader.config.paths import DATA_DIR
from kit.train import count_accuracy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "solutions"))
from dataset import make_dataloaders  # noqa: E402
from model import MLP  # noqa: E402
from training import train_epoch  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args()
    settings = rubric.load().accuracy
    torch.set_num_threads(1)
    torch.manual_seed(settings.seed)
    train_loader, test_loader = make_dataloaders(str(args.data_dir), settings.batch_size)
    model = MLP()
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.learning_rate)
    for epoch in range(1, settings.max_epochs + 1):
        train_epoch(model, optimizer, train_loader, nn.CrossEntropyLoss(), torch.device("cpu"))
        score = count_accuracy(model, test_loader, torch.device("cpu"))
        print(f"epoch {epoch}: test accuracy {score:.4f}")
        if score >= settings.full_credit_at:
            break


if __name__ == "__main__":
    main()
