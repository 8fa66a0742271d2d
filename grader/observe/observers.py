"""Observers: each runs one part of a submission on inputs the grader chose and returns plain data.

An observer never decides pass or fail. It records what the student's code did (values, dtypes,
shapes, which tensors reached the model unmoved, which gradients each optimizer step saw) so that
the grading process can judge it, and can compare it with the same observer run on the reference.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, IterableDataset, Subset

from grader.intake import data
from grader.observe import probes
from grader.observe.student import StudentCode, describe, describe_error
from grader.sandbox import protocol

CPU = torch.device("cpu")
OBSERVERS: dict[str, Callable[..., Any]] = {}


@dataclass
class Context:
    """What an observer works with: the student's code, the data, and state kept between calls."""

    student: StudentCode
    data_root: Path
    mnist: dict[str, np.ndarray]
    state: dict[str, Any] = field(default_factory=dict)

    def attempt(self, function: Callable[[], Any]) -> dict:
        """``{"value": ...}``, or ``{"error": ...}`` if student code raised: one bad item spoils no other."""
        try:
            return {"value": function()}
        except Exception as error:
            return {"error": describe_error(error, self.student.folder)}


def observer(function: Callable[..., Any]) -> Callable[..., Any]:
    """Register an observer under its name, which ``protocol.OBSERVERS`` must know (with what it does, in words)."""
    if function.__name__ not in protocol.OBSERVERS:
        raise LookupError(f"{function.__name__} is no observer of grader.sandbox.protocol: add it there")
    OBSERVERS[function.__name__] = function
    return function


# -- dataset.py ---------------------------------------------------------------------------------


@observer
def dataset_items(ctx: Context, images: np.ndarray, labels: np.ndarray, one_hot: bool,
                  as_tensor: bool) -> dict:
    MNISTDataset = ctx.student.get("dataset", "MNISTDataset")
    if as_tensor:
        images, labels = torch.as_tensor(images), torch.as_tensor(labels)
    dataset = MNISTDataset(images, labels, one_hot=one_hot) if one_hot else MNISTDataset(images, labels)
    return {
        "len": ctx.attempt(lambda: describe(len(dataset))),
        "items": [ctx.attempt(lambda i=i: describe(dataset[i])) for i in range(len(labels))],
    }


@observer
def dataset_batches(ctx: Context, images: np.ndarray, labels: np.ndarray, batch_size: int) -> list:
    MNISTDataset = ctx.student.get("dataset", "MNISTDataset")
    loader = DataLoader(MNISTDataset(images, labels), batch_size=batch_size)
    return [describe(batch) for batch in loader]


@observer
def dataloaders(ctx: Context, batch_size: int, sample_batches: int) -> dict:
    """Both loaders of ``make_dataloaders``: the labels of their first ``sample_batches`` batches and the
    size of every batch as their batch samplers draw them, which needs no images loaded (a loader
    without one is walked to the end). The training loader: also the first batch of a second pass. The
    test loader: every label in the order yielded, inferred from the sample where its sampler draws
    0..N-1 over a dataset whose first items carry the file's labels, else read by a walk to the end."""
    torch.manual_seed(0)
    train, test = ctx.student.get("dataset", "make_dataloaders")(str(ctx.data_root), batch_size)
    return {
        "train": _walk(train, sample_batches) | {"second_pass_first_labels": _labels(next(iter(train))[1])},
        "test": _walk_in_order(test, sample_batches, data.read_idx(data.raw_folder(ctx.data_root)
                                                                   / data.FILES["test", "labels"]).astype(np.int64)),
    }


def _labels(targets) -> np.ndarray:
    """Class indices from a batch of targets: indices ``[B]`` or ``[B, 1]``, or one-hot ``[B, 10]``."""
    rows = torch.as_tensor(targets).reshape(len(targets), -1)
    return (rows.argmax(1) if rows.shape[1] > 1 else rows[:, 0]).long().numpy()


def _batch_sampler(loader) -> Any:
    """The batches of indices a map-style ``DataLoader`` will load (drop_last applied), if it has them."""
    if not isinstance(loader, DataLoader) or isinstance(loader.dataset, IterableDataset):
        return None  # an iterable dataset's sampler never ends
    return loader.batch_sampler


def _walk(loader, batches: int | None = None) -> dict:
    """What ``loader`` yields: its first ``batches`` batches (None: all), and every batch's size: as its batch
    sampler draws them where the sampled batches are what it drew, else as a walk to the end yields them."""
    sizes, labels, first = [], [], None
    for images, targets in itertools.islice(loader, batches):
        if first is None:
            first = {"images": describe(images) | {"values": None}, "targets": describe(targets) | {"values": None}}
        sizes.append(len(targets))
        labels.append(_labels(targets))
    repeated = None  # items an epoch draws more than once (sampling with replacement), where a sampler says
    if batches is not None and len(sizes) == batches:
        drawn = _batch_sampler(loader)
        planned = [list(batch) for batch in drawn] if drawn is not None else None
        if planned is not None and [len(batch) for batch in planned[:batches]] == sizes:
            sizes = [len(batch) for batch in planned]
            indices = [index for batch in planned for index in batch]
            repeated = len(indices) - len(set(indices))
        else:
            sizes += [len(targets) for _, targets in itertools.islice(iter(loader), batches, None)]
    return {"type": type(loader).__name__, "batch_sizes": np.array(sizes, np.int64), "first_batch": first,
            "labels": np.concatenate(labels) if labels else np.zeros(0, np.int64), "repeated": repeated}


def _walk_in_order(loader, batches: int, file_labels: np.ndarray) -> dict:
    """``_walk`` with every label: the file's, if the sample shows the loader yields the file's items in
    order (its sampler draws 0..N-1, N the file's length, and the sampled labels are the file's first);
    otherwise those of a walk to the end."""
    sampled, drawn = _walk(loader, batches), _batch_sampler(loader)
    indices = [index for batch in drawn for index in batch] if drawn is not None else []
    labels = sampled["labels"]
    if indices == list(range(len(file_labels))) and np.array_equal(labels, file_labels[: len(labels)]):
        return sampled | {"labels": file_labels}
    return _walk(loader)


# -- model.py -----------------------------------------------------------------------------------


def _model(ctx: Context, seed: int = 0) -> nn.Module:
    if "model" not in ctx.state:
        torch.manual_seed(seed)
        ctx.state["model"] = ctx.student.get("model", "MLP")()
    return ctx.state["model"]


def _forward(model: nn.Module, inputs: np.ndarray) -> Any:
    model.eval()
    with torch.no_grad():
        return model(torch.as_tensor(inputs))


@observer
def mlp_structure(ctx: Context) -> dict:
    """The shapes of the model's weight matrices (of those it has before a forward pass), whatever the
    classes of its layers, and its number of parameters."""
    return _weights(_model(ctx))


@observer
def mlp_influence(ctx: Context, inputs: np.ndarray) -> dict:
    """How many of an image's values the model's output depends on (a random mix of every logit, by
    autograd), and how many outputs it gives; its weights after that forward pass (lazy layers have theirs)."""
    model = _model(ctx)
    model.eval()
    x = torch.as_tensor(inputs).clone().requires_grad_(True)
    with torch.enable_grad():
        out = torch.as_tensor(model(x))
        mix = torch.randn(out.shape, generator=torch.Generator().manual_seed(0))
        (grad,) = torch.autograd.grad((out.float() * mix).sum(), x, allow_unused=True)
    influential = 0 if grad is None else int((grad.abs().sum(0) > 0).sum())
    return _weights(model) | {"influential": influential, "width": int(out.shape[-1]) if out.dim() == 2 else None}


def _weights(model: nn.Module) -> dict:
    parameters = [p for p in model.parameters() if not isinstance(p, nn.parameter.UninitializedParameter)]
    return {"weights": [list(p.shape) for p in parameters if p.dim() == 2],
            "parameters": int(sum(p.numel() for p in parameters))}


@observer
def mlp_outputs(ctx: Context, inputs: np.ndarray) -> dict:
    return describe(_forward(_model(ctx), inputs))


@observer
def mlp_output_range(ctx: Context, inputs: np.ndarray, scale: float) -> dict:
    """The outputs, and the outputs with the output layer's own output scaled up (without an nn.Linear,
    every weight): raw logits grow with it, in both signs; an activation after that layer keeps them
    non-negative or bounded."""
    model = _model(ctx)
    plain = _forward(model, inputs)
    outputs = [m for m in model.modules() if isinstance(m, nn.Linear)]
    last = ([m for m in outputs if m.out_features == 10] or outputs or [None])[-1]
    if last is None:
        scaled, scaled_by = _scaled_weights(model, inputs, scale), "every weight"
    else:
        hook = last.register_forward_hook(lambda module, args, output: output * scale)
        try:
            scaled, scaled_by = _forward(model, inputs), "the last nn.Linear's output"
        finally:
            hook.remove()
    return {"outputs": describe(plain), "scaled": None if scaled is None else describe(scaled), "scaled_by": scaled_by}


@observer
def mlp_outputs_in_training(ctx: Context) -> list[dict]:
    """What the model returned at each call by the student's own ``train_epoch`` (stepping nothing: lr 0),
    as its forward hook saw it: a model must give logits however, and by whomever, it is called."""
    model = _model(ctx)
    outputs = probes.OutputLog(model)
    train_epoch = ctx.student.get("training", "train_epoch")
    train_epoch(model, torch.optim.SGD(model.parameters(), lr=0.0), probes.ProbeLoader(_probe_batches(ctx)),
                nn.CrossEntropyLoss(), probes.DEVICE)
    return outputs.calls


def _scaled_weights(model: nn.Module, inputs: np.ndarray, scale: float) -> Any:
    """The outputs with every parameter scaled up: whatever the layers are written as, logits grow with them;
    None without parameters to scale (mlp_parameters says why)."""
    parameters = list(model.parameters())
    if not parameters:
        return None
    kept = [p.detach().clone() for p in parameters]
    try:
        with torch.no_grad():
            for p in parameters:
                p.mul_(scale)
        return _forward(model, inputs)
    finally:
        with torch.no_grad():
            for p, value in zip(parameters, kept):
                p.copy_(value)


@observer
def mlp_per_sample(ctx: Context, inputs: np.ndarray) -> dict:
    model = _model(ctx)
    return {
        "batch": describe(_forward(model, inputs)),
        "single": [describe(_forward(model, inputs[i : i + 1])) for i in range(len(inputs))],
    }


@observer
def mlp_registration(ctx: Context, inputs: np.ndarray) -> dict:
    """Are all the weights the forward pass uses registered, so that an optimizer can train them?"""
    model = _model(ctx)
    before = _forward(model, inputs)
    again = _forward(model, inputs)
    params = list(model.parameters())
    if params:
        model.train()
        model(torch.as_tensor(inputs)).sum().backward()
        torch.optim.SGD(params, lr=0.5).step()
    after = _forward(model, inputs)
    return {"before": describe(before), "again": describe(again), "after": describe(after),
            "parameters": len(params)}


# -- training.py --------------------------------------------------------------------------------


def _probe_batches(ctx: Context, size: int = 37, batch_size: int = 8):
    return probes.probe_batches(ctx.mnist["train_images"], ctx.mnist["train_labels"], size, batch_size)


def _parameters(model: nn.Module) -> list[np.ndarray]:
    return [p.detach().as_subclass(torch.Tensor).numpy().copy() for p in model.parameters()]


@observer
def train_instrumented(ctx: Context, seed: int) -> dict:
    """``train_epoch`` with lr=0 SGD, so that every step should see one batch's gradient at the
    initial weights; the model starts in evaluation mode and the batches unmoved."""
    train_epoch = ctx.student.get("training", "train_epoch")
    model = probes.probe_net(seed)
    model.eval()
    forwards = probes.ForwardLog(model)
    criterion = probes.SpyCriterion()
    optimizer = probes.RecordingSGD(model.parameters(), lr=0.0)
    loader = probes.ProbeLoader(_probe_batches(ctx))
    returned = train_epoch(model, optimizer, loader, criterion, probes.DEVICE)
    return _epoch_record(loader, returned, forwards, criterion) | {
        "steps": [[None if g is None else g.numpy() for g in step] for step in optimizer.seen],
    }


def _epoch_record(loader: probes.ProbeLoader, returned: Any, forwards: probes.ForwardLog,
                  criterion: probes.SpyCriterion) -> dict:
    """What an epoch over the probe batches showed, for train_epoch and test_epoch alike."""
    return {"batches": len(loader), "returned": describe(returned), "forwards": forwards.calls,
            "losses": criterion.calls, "wrong_moves": loader.moves}


@observer
def train_sgd(ctx: Context, seed: int) -> dict:
    """The probe model's weights after one ``train_epoch`` with SGD and momentum, from a fixed start."""
    train_epoch = ctx.student.get("training", "train_epoch")
    model = probes.probe_net(seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loader = probes.ProbeLoader(_probe_batches(ctx))
    train_epoch(model, optimizer, loader, nn.CrossEntropyLoss(), probes.DEVICE)
    return {"parameters": _parameters(model)}


@observer
def test_instrumented(ctx: Context, seed: int) -> dict:
    """``test_epoch`` on a model with BatchNorm and Dropout that starts in training mode."""
    test_epoch = ctx.student.get("training", "test_epoch")
    model = probes.probe_net(seed, evaluation_layers=True)
    with torch.no_grad():  # give the gradients a value that must survive
        for p in model.parameters():
            p.grad = torch.full_like(p, 0.5)
    model.train()
    forwards = probes.ForwardLog(model)
    criterion = probes.SpyCriterion()
    state_before = {k: v.clone() for k, v in model.state_dict().items()}
    loader = probes.ProbeLoader(_probe_batches(ctx))
    returned = test_epoch(model, loader, criterion, probes.DEVICE)
    grad_enabled_after = probes.grad_enabled()
    probes.set_grad_enabled(True)
    changed = [name for name, value in model.state_dict().items()
               if not torch.equal(value.as_subclass(torch.Tensor), state_before[name])]
    grads = [p.grad is not None and bool((p.grad == 0.5).all()) for p in model.parameters()]
    return _epoch_record(loader, returned, forwards, criterion) | {
        "changed_state": changed,
        "grads_kept": all(grads),
        "grad_enabled_after": grad_enabled_after,
    }


# -- the whole pipeline: train the student's MLP with its own loop ------------------------------


@observer
def accuracy_start(ctx: Context, seed: int, batch_size: int, learning_rate: float) -> dict:
    """The accuracy run's model, optimizer and training loader, and the model's predictions before any
    training: a model that arrives trained did not learn in ``train_epoch``."""
    torch.manual_seed(seed)
    train_loader, _ = ctx.student.get("dataset", "make_dataloaders")(str(ctx.data_root), batch_size)
    model = ctx.student.get("model", "MLP")()
    ctx.state["run"] = (model, torch.optim.Adam(model.parameters(), lr=learning_rate), train_loader)
    return {"batches": len(train_loader), "untrained": _predictions(ctx, model)}


@observer
def accuracy_part(ctx: Context, batches: int, new_epoch: bool) -> dict:
    """The student's ``train_epoch`` on the next ``batches`` batches of the training loader's epoch (a new,
    reshuffled epoch if ``new_epoch``); then their model's predictions on the test images."""
    model, optimizer, loader = ctx.state["run"]
    if new_epoch:
        ctx.state["epoch"] = iter(loader)
    part = Part(loader, ctx.state["epoch"], batches)
    returned = ctx.student.get("training", "train_epoch")(model, optimizer, part, nn.CrossEntropyLoss(), CPU)
    losses = ctx.attempt(lambda: np.asarray([float(loss) for loss in returned], np.float64))
    return {"losses": losses, "predictions": _predictions(ctx, model)}


def _predictions(ctx: Context, model: nn.Module) -> np.ndarray:
    """The model's class for each test image, as the student's own ``MNISTDataset`` prepares them (in the
    files' order; the labels stay with the grading process)."""
    model.eval()
    predictions = []
    with torch.no_grad():
        for images in _test_images(ctx).split(1000):
            logits = model(images)
            predictions.append(torch.as_tensor(logits).reshape(len(images), -1).argmax(1))
    return torch.cat(predictions).numpy()


class Part:
    """The next ``count`` batches of a loader's epoch, handed to ``train_epoch`` in the loader's place so
    that the accuracy run can score the model between parts of an epoch; all else is the loader's."""

    def __init__(self, loader: Any, epoch: Iterator, count: int) -> None:
        self._loader, self._epoch, self._count = loader, epoch, count

    def __iter__(self) -> Iterator:
        return itertools.islice(self._epoch, self._count)

    def __len__(self) -> int:
        return self._count

    def __getattr__(self, name: str) -> Any:  # dataset, batch_size, sampler...: the loader's own
        return getattr(self._loader, name)


def _test_images(ctx: Context) -> torch.Tensor:
    """The test images through the student's ``MNISTDataset``, stacked; made once per run."""
    if "test_images" not in ctx.state:
        images = torch.as_tensor(ctx.mnist["test_images"])
        dataset = ctx.student.get("dataset", "MNISTDataset")(images, torch.zeros(len(images), dtype=torch.int64))
        # Items 0..N-1 by index: their preprocessing is measured here, not their __len__ (checked on its own).
        batches = DataLoader(Subset(dataset, range(len(images))), batch_size=1000, shuffle=False)
        ctx.state["test_images"] = torch.cat([plain_tensor(batch[0]) for batch in batches])
    return ctx.state["test_images"]


def plain_tensor(value: Any) -> torch.Tensor:
    return torch.as_tensor(value).as_subclass(torch.Tensor)
