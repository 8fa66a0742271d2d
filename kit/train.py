"""``python -m kit.train SUBMISSION``: a student's own training run, not grading.

Trains the submission's MLP with its own dataset, train_epoch and test_epoch, the way the grader's
accuracy run does (the rubric's seed, batch size and Adam learning rate, cross-entropy), with a progress
bar per epoch; prints the mean losses and the test accuracy after each epoch, and saves the curves, with
the rubric's accuracy bounds, as a PNG. A part that is still a stub, or raises, ends the run with one
line naming the student's file, not a traceback.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from statistics import fmean
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from grader.config.paths import DATA_DIR
from grader.config.rubric import Accuracy, load
from grader.intake.data import DataNotFound, Labels
from grader.observe.student import StudentCode, describe_error
from grader.outputs.curves import plot_curves


def train(student: StudentCode, data_dir: Path, run: Accuracy, epochs: int, device: torch.device, out: Path) -> None:
    torch.manual_seed(run.seed)
    train_loader, test_loader = student.get("dataset", "make_dataloaders")(str(data_dir), run.batch_size)
    model = student.get("model", "MLP")().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=run.learning_rate)
    criterion = nn.CrossEntropyLoss()
    train_epoch, test_epoch = student.get("training", "train_epoch"), student.get("training", "test_epoch")
    accuracy, train_loss, test_loss = [], [], []
    for epoch in range(1, epochs + 1):
        with tqdm(train_loader, desc=f"epoch {epoch}/{epochs}", unit="batch", leave=False) as batches:
            train_loss.append(floats(train_epoch(model, optimizer, batches, criterion, device)))
        test_loss.append(mean(floats(test_epoch(model, test_loader, criterion, device))))
        accuracy.append(count_accuracy(model, test_loader, device))
        print(f"epoch {epoch}: train loss {show(mean(train_loss[-1]))}, test loss {show(test_loss[-1])}, "
              f"test accuracy {accuracy[-1]:.2%}", flush=True)
    out.write_bytes(plot_curves(accuracy, train_loss, test_loss, bounds=(run.zero_credit_below, run.full_credit_at)))
    print(f"Curves saved to {out}")


def count_accuracy(model: nn.Module, loader: Any, device: torch.device) -> float:
    """The share of test images whose largest logit is their label, counted here, not by student code."""
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for inputs, targets in loader:
            correct += (model(inputs.to(device)).argmax(1).cpu() == targets).sum().item()
            total += len(targets)
    return correct / total


def floats(returned: Any) -> list[float] | None:
    """The per-batch losses a student function returned, or None if they are not a list of numbers."""
    try:
        return [float(loss) for loss in returned] or None
    except (TypeError, ValueError, RuntimeError):
        return None


def mean(values: list[float] | None) -> float | None:
    return fmean(values) if values else None


def show(value: float | None) -> str:
    return "n/a (not a list of per-batch losses)" if value is None else f"{value:.4f}"


def explain(error: Exception, folder: Path) -> str:
    """One line on what went wrong in the student's files."""
    frames = [frame for frame, _ in traceback.walk_tb(error.__traceback__)]
    if isinstance(error, NotImplementedError) and frames and Path(frames[-1].f_code.co_filename).parent == folder:
        code = frames[-1].f_code  # the stub itself raised, not something it called
        return (f"{Path(code.co_filename).name}: {code.co_qualname} is still a stub: "
                "replace `raise NotImplementedError` with your code")
    described = describe_error(error, folder)
    where = f"{described['where']}: " if described["where"] else ""
    return f"{where}{described['type']}: {described['message']}"


def main(argv: list[str] | None = None) -> int:
    run = load().accuracy  # train as the grader's accuracy run does
    parser = argparse.ArgumentParser(prog="python -m kit.train", description="Train your MLP on MNIST.")
    parser.add_argument("submission", type=Path, help="the folder holding dataset.py, model.py and training.py")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST/raw/ lives (default: data)")
    parser.add_argument("--epochs", type=int, default=run.max_epochs,
                        help=f"epochs to train (default: {run.max_epochs}, the grader's most)")
    parser.add_argument("--out", type=Path, default=Path("curves.png"), help="the curves PNG (default: curves.png)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")
    folder = args.submission.resolve()
    if not folder.is_dir():
        print(f"train: no such folder: {args.submission}", file=sys.stderr)
        return 2
    try:
        Labels.load(args.data_dir)  # say so now, rather than with torchvision's failed download later
    except DataNotFound as error:
        print(f"train: {error}", file=sys.stderr)
        return 2
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(f"Training the MLP of {args.submission} on {device} for {args.epochs} epoch(s)", flush=True)
    try:
        train(StudentCode(folder), args.data_dir, run, args.epochs, device, args.out)
    except Exception as error:  # the student's code: one line, no traceback
        print(explain(error, folder), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
