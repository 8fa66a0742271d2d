"""The device checks against a real GPU.

The grader judges device transfer on a CPU: it passes ``cpu:0`` and marks the batches with a tensor
subclass that only a move to that device strips (``grader/worker/probes.py``). These tests run the
submissions of both zoos on CUDA itself, the model on one device and the batches handed over on the
CPU as a ``DataLoader`` gives them, and assert that what the marker proxy decides is what a GPU does:
a submission loses ``train_device`` or ``test_device`` exactly when, on some device the caller
chooses (the CPU or the GPU), its loop fails or feeds the model or the loss a tensor on another one.

Skipped where torch sees no GPU (CI, the kit's 2-core machine); run them where one is lent:
``python -m pytest tests/test_cuda.py``.
"""

from __future__ import annotations

import importlib
import sys
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from grader.config.paths import SOLUTIONS
from tests.correct_zoo import CORRECT
from tests.zoo import ZOO

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU: the real-CUDA device checks need one")

DEVICES = ("cpu", "cuda:0")
DEVICE_CHECKS = {"train_device", "test_device"}
BATCHES, BATCH_SIZE = 4, 32


@contextmanager
def submission_modules(folder: Path):
    """The submission's ``dataset``, ``model`` and ``training``, imported fresh from ``folder``."""
    names = ("dataset", "model", "training")
    sys.path.insert(0, str(folder))
    try:
        for name in names:
            sys.modules.pop(name, None)
        yield tuple(importlib.import_module(name) for name in names)
    finally:
        sys.path.remove(str(folder))
        for name in names:
            sys.modules.pop(name, None)


class SeenDevices:
    """Wraps the loss; with a forward pre-hook on the model, notes the device of every tensor that
    reaches the model or the loss."""

    def __init__(self, model: nn.Module) -> None:
        self.devices: set[str] = set()
        self.criterion = nn.CrossEntropyLoss()
        model.register_forward_pre_hook(lambda module, inputs: self.note(*inputs))

    def note(self, *tensors: torch.Tensor) -> None:
        self.devices.update(str(tensor.device) for tensor in tensors if isinstance(tensor, torch.Tensor))

    def __call__(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        self.note(outputs, targets)
        return self.criterion(outputs, targets)


def device_faults(folder: Path) -> dict[str, str]:
    """For each of ``train_epoch`` and ``test_epoch``: what went wrong on a device the caller chose,
    or nothing if on both devices every tensor reached the model and the loss on that device."""
    faults = {}
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (BATCHES * BATCH_SIZE, 28, 28), dtype=torch.uint8, generator=generator)
    labels = torch.randint(0, 10, (len(images),), generator=generator)
    with submission_modules(folder) as (dataset, model_module, training):
        loader = DataLoader(dataset.MNISTDataset(images, labels), batch_size=BATCH_SIZE)
        for device in DEVICES:
            model = model_module.MLP().to(device)
            seen = SeenDevices(model)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
            runs = {"train_device": partial(training.train_epoch, model, optimizer, loader, seen, device),
                    "test_device": partial(training.test_epoch, model, loader, seen, device)}
            for check, run in runs.items():
                seen.devices.clear()
                torch.set_grad_enabled(True)  # as a fresh process has it: one bug in the zoo leaves it off
                try:
                    run()
                except RuntimeError as error:
                    faults.setdefault(check, f"on {device}: {str(error).splitlines()[0]}")
                    continue
                wrong = seen.devices - {str(torch.device(device))}
                if wrong:
                    faults.setdefault(check, f"on {device}: tensors on {sorted(wrong)}")
    return faults


def test_reference_runs_on_the_gpu_it_is_given():
    assert device_faults(SOLUTIONS) == {}


@pytest.mark.parametrize("bug", [bug for bug in ZOO if bug.file == "training.py"], ids=lambda bug: bug.name)
def test_a_bug_loses_a_device_check_exactly_when_it_fails_on_a_gpu(bug, tmp_path):
    faults = device_faults(bug.apply(tmp_path / bug.name))
    assert set(faults) == bug.loses & DEVICE_CHECKS, faults


@pytest.mark.parametrize("correct", CORRECT, ids=lambda correct: correct.name)
def test_every_correct_style_runs_on_a_gpu(correct, tmp_path):
    assert device_faults(correct.write(tmp_path / correct.name)) == {}
