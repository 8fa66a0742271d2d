"""Training curves as a PNG: the loss of every training batch, and the test accuracy after each epoch
(or part of one).

Drawn on matplotlib's Agg canvas, off-screen, so it works without a display. Used by the grader's
feedback report and by the student's own training run (``python -m kit.train``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, MaxNLocator, PercentFormatter

BLUE, ORANGE, GREEN, RED = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"
SMOOTHING = 50  # batches in the running mean drawn over the noisy per-batch losses


def plot_curves(accuracy: Sequence[float], train_loss: Sequence[Sequence[float] | None],
                test_loss: Sequence[float | None] | None = None,
                bounds: tuple[float, float] | None = None, epochs: Sequence[float] | None = None) -> bytes:
    """The curves as PNG bytes.

    ``accuracy``: test accuracy after each epoch (0-1), or after each part of one at ``epochs`` (in
    epochs, e.g. 0.25, 0.5, ...). ``train_loss``: per epoch or part, the loss of every batch, or None where
    there is none to show. ``test_loss``: mean test loss per epoch (None where unknown).
    ``bounds``: ``(zero_credit_below, full_credit_at)``, marked on the accuracy plot.
    """
    figure = Figure(figsize=(10, 3.6), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    epochs = np.arange(1, len(accuracy) + 1) if epochs is None else np.asarray(epochs, float)
    _plot_losses(loss_axes, train_loss, epochs, test_loss)
    _plot_accuracy(accuracy_axes, accuracy, epochs, bounds)
    for axes in (loss_axes, accuracy_axes):
        axes.set_xlabel("epoch")
        axes.grid(alpha=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _plot_losses(axes, train_loss: Sequence[Sequence[float] | None], epochs: np.ndarray,
                 test_loss: Sequence[float | None] | None) -> None:
    axes.set_title("Loss")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    starts = np.concatenate([[0.0], epochs[:-1]])
    shown = [(start, end, np.asarray(losses, float))
             for start, end, losses in zip(starts, epochs, train_loss) if losses]
    if shown:  # one series: the batches of every epoch (or part of one) at their positions, in epochs
        x = np.concatenate([start + (end - start) * np.arange(1, len(losses) + 1) / len(losses)
                            for start, end, losses in shown])
        losses = np.concatenate([losses for _, _, losses in shown])
        axes.plot(x, losses, color=BLUE, alpha=0.25, linewidth=0.6, label="training, per batch")
        if len(losses) >= SMOOTHING:
            mean = np.convolve(losses, np.ones(SMOOTHING) / SMOOTHING, mode="valid")
            axes.plot(x[SMOOTHING - 1:], mean, color=BLUE, linewidth=1.5, label=f"training, mean of {SMOOTHING} "
                                                                                f"batches")
    if test_loss:
        axes.plot(epochs[:len(test_loss)], np.asarray(test_loss, float), "o-", color=ORANGE, label="test, mean per "
                                                                                                   "epoch")
    if not shown:
        axes.text(0.5, 0.5, "train_epoch returned no\nper-batch losses to plot", transform=axes.transAxes,
                  ha="center", va="center", color="grey")
        axes.set_yticks([])
    if shown or test_loss:
        axes.legend(loc="upper right")


def _plot_accuracy(axes, accuracy: Sequence[float], epochs: np.ndarray,
                   bounds: tuple[float, float] | None) -> None:
    axes.set_title("Test accuracy")
    axes.plot(epochs, accuracy, "o-", color=BLUE, label="test accuracy")
    for epoch, value in list(zip(epochs, accuracy))[-1 if len(epochs) > 6 else 0:]:  # many points: the last only
        axes.annotate(f"{value:.2%}", (epoch, value), textcoords="offset points", xytext=(0, 8), ha="center")
    if bounds:
        zero, full = bounds
        axes.axhspan(zero, full, color="#fff3cd", label="partial credit")
        axes.axhline(full, color=GREEN, linestyle="--", label=f"full credit at {full:.1%}")
        axes.axhline(zero, color=RED, linestyle="--", label=f"no credit below {zero:.1%}")
    axes.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=1))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True) if len(epochs) > 6 else FixedLocator(epochs))
    axes.set_xlim(0, epochs[-1] + 0.25 if len(epochs) else 1)
    axes.margins(y=0.25)
    axes.legend(loc="best")
