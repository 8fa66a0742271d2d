"""The report leads: in the terminal and on the feedback page, the parts still to write come as one line
each, a failure that follows from another says so, and the score and the next step come last. Pure:
reports are made here, as the grader makes them for the stubs and for one bug, and nothing is graded."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import numpy as np
from matplotlib.image import imread
from rich.console import Console

from grader.config.rubric import load
from grader.judge.result import Result, Stub
from grader.outputs.curves import GREEN, RED, plot_curves
from grader.outputs.pages import html_report, markdown_report
from grader.outputs.report import Report
from grader.outputs.terminal import print_report

RUBRIC = load()
STUB = "Observed: while ..., your code raised NotImplementedError: YOUR CODE HERE\nExpected: it runs without an " \
       "exception\nLikely bug: this part is still a stub: replace `raise NotImplementedError` with your code"
# Where each check of the untouched stubs fails, as the grader finds it.
STUBS = {"dataset": Stub("dataset.py", 31, "MNISTDataset.__init__"),
         "loaders": Stub("dataset.py", 51, "make_dataloaders"), "mlp": Stub("model.py", 20, "MLP.__init__"),
         "train": Stub("training.py", 17, "train_epoch"), "test": Stub("training.py", 28, "test_epoch"),
         "accuracy": Stub("dataset.py", 51, "make_dataloaders")}
GRADIENTS = "Observed: at step 2 of 5 (batch 2, counting from 1), the gradient differs from that batch's by up to " \
            "0.146\nExpected: exactly the gradient of that batch's loss\nLikely bug: gradients accumulate across " \
            "batches: call optimizer.zero_grad() at the start of every batch"
ELSEWHERE = "Observed: something else\nExpected: the reference's\nLikely bug: look elsewhere"


def result(check: str, score: float = 0, message: str = "", stub: Stub | None = None) -> Result:
    spec = RUBRIC.checks[check]
    return Result(check, spec.title, spec.points, spec.points if score is None else score, message, 0.1, stub=stub)


def stubs() -> Report:
    return Report("assignment", [result(check, 0, STUB, STUBS[check.split("_")[0]]) for check in RUBRIC.checks], [],
                  "bubblewrap: the full story", 3.0, sandbox="bubblewrap, uid 1 (a user of its own)")


def zero_grad_deleted() -> Report:
    failed = {"train_gradients": GRADIENTS, "train_reference": ELSEWHERE, "accuracy": ELSEWHERE}
    return Report("lab", [result(check, 0, failed[check]) if check in failed else result(check, None)
                          for check in RUBRIC.checks], [], "processes", 9.0)


def printed(report: Report, detail: str = "normal") -> list[str]:
    console = Console(record=True, width=200)
    print_report(report, console, detail)
    return console.export_text().rstrip("\n").splitlines()


def test_the_stubs_are_one_line_per_part_and_end_with_the_score_and_the_next_step():
    lines = printed(stubs())
    assert len(lines) <= 12, "\n".join(lines)
    assert [line.split() for line in lines if line.startswith("  ")] == [
        ["dataset.py:31", "MNISTDataset.__init__"], ["dataset.py:51", "make_dataloaders"],
        ["model.py:20", "MLP.__init__"], ["training.py:17", "train_epoch"], ["training.py:28", "test_epoch"]]
    assert not any("Observed" in line or "still a stub" in line for line in lines)  # nothing repeated
    assert lines[-3] == "Sandbox: bubblewrap, uid 1 (a user of its own); --verbose says more"  # one line
    assert lines[-2] == "Score: 0 / 100"
    assert lines[-1] == "Next: write MNISTDataset.__init__, at dataset.py:31"


def test_one_bug_is_fixed_once_and_what_follows_from_it_says_so():
    lines = printed(zero_grad_deleted())
    text = "\n".join(lines)
    follows = "Probably follows from: gradients accumulate across batches (train_epoch: each step sees exactly its " \
              "batch's gradient)"
    assert text.count(follows) == 2 and text.count("Observed:") == 3
    assert "Passed: 22 of 25 checks, 70 points." in lines
    assert lines[-2:] == ["Score: 70 / 100", 'Next: fix "train_epoch: each step sees exactly its batch\'s gradient": '
                                             "gradients accumulate across batches: call optimizer.zero_grad() at the "
                                             "start of every batch"]


def test_quiet_is_the_score_and_the_failed_checks_and_verbose_is_everything():
    assert printed(zero_grad_deleted(), "quiet") == [
        "Score: 70 / 100", "Failed: train_epoch: each step sees exactly its batch's gradient (0 / 6)",
        "Failed: train_epoch: same weights as the reference after an epoch (0 / 4)",
        "Failed: Accuracy on the 10,000 MNIST test images (0 / 20)"]
    verbose = "\n".join(printed(stubs(), "verbose"))
    assert verbose.count("still a stub") == 25 and "Sandbox: bubblewrap: the full story" in verbose


def test_the_page_leads_with_what_to_write_and_fix_and_names_whose_work_it_is_and_when():
    graded = zero_grad_deleted()
    graded.graded_at = datetime(2025, 3, 14, 9, 26, tzinfo=UTC)
    page = html_report(graded)
    assert page.index("<h2>What to fix</h2>") < page.index("<h2>Every check</h2>")
    assert "<title>Feedback on lab: 70 / 100</title>" in page
    assert '<time datetime="2025-03-14T09:26:00+00:00">2025-03-14 09:26 UTC</time>' in page
    assert page.count('Probably follows from <a href="#train_gradients">') == 2
    graded.student = "ada"  # as a class's grading names it, whatever folder it was graded from
    assert "<h1>Feedback on <code>ada</code></h1>" in html_report(graded)

    page, markdown = html_report(stubs()), markdown_report(stubs())
    assert page.index('id="still-to-write"') < page.index("<h2>Every check</h2>") and "What to fix" not in page
    assert page.count("<td><code>") == 5 and page.count('href="#still-to-write"') == 25
    assert "- `training.py:28` test\\_epoch: 5 check(s)" in markdown and "Training curves" not in markdown


def rows_of(png: bytes, colour: str) -> np.ndarray:
    """The pixel rows of the accuracy plot (the figure's right half) drawn in ``colour``."""
    pixels = imread(io.BytesIO(png))[:, 500:, :3]
    want = np.array([int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.unique(np.nonzero(np.all(np.abs(pixels - want) < 0.02, axis=2))[0])


def test_the_credit_bounds_are_drawn_apart_also_when_the_run_is_far_below_them():
    for accuracy in ([0.62, 0.69, 0.6, 0.58], [0.1, 0.1, 0.1], [0.89, 0.92, 0.931]):
        png = plot_curves(accuracy, [[1.0, 0.9]] * len(accuracy), bounds=(0.928, 0.935),
                          epochs=[(i + 1) / 8 for i in range(len(accuracy))])
        full, zero = rows_of(png, GREEN), rows_of(png, RED)
        assert len(full) and len(zero)
        assert np.median(zero) - np.median(full) >= 20, accuracy  # pixels between 93.5% and 92.8%
