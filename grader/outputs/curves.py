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
FOCUS_BELOW = 0.02  # the accuracy axis is at full scale from this far below the no-credit bound


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
        axes.axhspan(zero, full, color="#ffe08a")
        axes.axhline(full, color=GREEN, linestyle="--")
        axes.axhline(zero, color=RED, linestyle="--")
        _focus_on(axes, zero, full, accuracy)
        # Named beside the plot, at the right: a legend or labels inside it would hide points.
        for value, name, colour, shift in ((full, f"full credit from {full:.1%}", GREEN, 4),
                                           (zero, f"no credit below {zero:.1%}", RED, -4)):
            axes.annotate(name, (1, value), xycoords=("axes fraction", "data"), xytext=(4, shift),
                          textcoords="offset points", va="center", fontsize=8, color=colour, annotation_clip=False)
    else:
        axes.margins(y=0.25)
    axes.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=1))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True) if len(epochs) > 6 else FixedLocator(epochs))
    axes.set_xlim(0, epochs[-1] + 0.25 if len(epochs) else 1)


def _focus_on(axes, zero: float, full: float, accuracy: Sequence[float]) -> None:
    """An accuracy axis on which the credit bounds stay apart: full scale from a little below the no-credit
    bound up, and anything lower squeezed into the bottom third (a dotted line marks where the scale changes),
    so that a run far below the bar neither hides the bounds, a fraction of a point apart, nor leaves the plot."""
    focus = zero - FOCUS_BELOW
    top = min(1.0, max(full + FOCUS_BELOW, max(accuracy) + 0.01))
    low = min(accuracy)
    if low >= focus:
        axes.set_ylim(focus, top)
        return
    bottom = max(0.0, np.floor((low - 0.02) * 20) / 20)  # a round 5% below the lowest score
    squeeze = (top - focus) / 2 / (focus - bottom)  # the part below the focus takes a third of the height

    def forward(y):
        y = np.asarray(y, float)
        return np.where(y < focus, (y - focus) * squeeze, y - focus)

    def inverse(v):
        v = np.asarray(v, float)
        return np.where(v < 0, v / squeeze + focus, v + focus)

    axes.set_yscale("function", functions=(forward, inverse))
    axes.set_ylim(bottom, top)
    step = 0.1 if focus - bottom < 0.45 else 0.2
    # Round ticks in the squeezed part, none so close to the focus that their labels would run into its own.
    below = [tick for tick in np.arange(np.ceil(bottom / step) * step, focus, step)
             if (focus - tick) / (focus - bottom) > 0.3]
    above = np.arange(np.ceil(focus * 100) / 100, top + 1e-9, 0.01 if top - focus < 0.06 else 0.02)
    axes.yaxis.set_major_locator(FixedLocator([*below, *above]))
    axes.axhline(focus, color="grey", linewidth=0.8, linestyle=":")
    axes.annotate(f"scale changes below {focus:.1%}", (1, focus), xycoords=("axes fraction", "data"),
                  xytext=(-4, -10), textcoords="offset points", fontsize=7, color="grey", ha="right")
