"""The grader's instruments: tensors that know whether they were moved, a spying loss, a recording
optimizer, and small models and batches whose correct handling is known exactly."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# The device the grader hands to train_epoch and test_epoch: the CPU, named with an index so that a move
# to it can be told from a move to a device of the student's own ("cpu", or "cuda" if available).
DEVICE = torch.device("cpu", 0)


class Unmoved(torch.Tensor):
    """A tensor not yet moved to the device: ``.to(device)`` returns a plain tensor.

    Every other operation keeps the marker, so a model or loss that receives an ``Unmoved`` tensor
    was handed data that never went through ``.to(device)``; ``.to(torch.float32)`` asks for no
    device and keeps it. A move to another device than the one under test (a hard-coded ``.cuda()``
    or ``.cpu()``) is noted in ``wrong_moves`` and answered with a plain tensor, so that the rest of
    the student's loop can still be observed on a machine without that device.
    """

    device = DEVICE
    wrong_moves: list[str] = []

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        asked = _asked_device(func, args, kwargs)
        if asked is not None and (func is not torch.Tensor.to or asked != cls.device):
            cls.wrong_moves.append(f".{func.__name__}({', '.join([*map(str, args[1:]), *map(str, kwargs.values())])})")
            return args[0].as_subclass(torch.Tensor)
        out = super().__torch_function__(func, types, args, kwargs)
        if asked is not None and isinstance(out, torch.Tensor):
            return out.as_subclass(torch.Tensor)
        return out


def _asked_device(func, args, kwargs) -> torch.device | None:
    if func is torch.Tensor.cuda:
        return torch.device("cuda")
    if func is torch.Tensor.cpu:
        return torch.device("cpu")
    if func is torch.Tensor.to:
        return torch._C._nn._parse_to(*args[1:], **kwargs)[0]
    return None


def unmoved(tensor: torch.Tensor) -> Unmoved:
    return tensor.as_subclass(Unmoved)


def is_moved(tensor) -> bool:
    return isinstance(tensor, torch.Tensor) and not isinstance(tensor, Unmoved)


def plain(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.as_subclass(torch.Tensor) if isinstance(tensor, torch.Tensor) else tensor


class ProbeLoader:
    """A list of batches that looks enough like a ``DataLoader``: iterable, ``len``, ``batch_size``."""

    def __init__(self, batches: list[tuple[torch.Tensor, torch.Tensor]], mark_unmoved: bool) -> None:
        self.batches = batches
        self.mark_unmoved = mark_unmoved
        self.batch_size = len(batches[0][1])
        self.dataset = [(x, y) for xs, ys in batches for x, y in zip(xs, ys)]

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self):
        for inputs, targets in self.batches:
            if self.mark_unmoved:
                yield unmoved(inputs.clone()), unmoved(targets.clone())
            else:
                yield inputs.clone(), targets.clone()


def probe_batches(images: np.ndarray, labels: np.ndarray, size: int, batch_size: int):
    """The first ``size`` MNIST images as ``[B, 1, 28, 28]`` float batches; the last one is smaller."""
    x = torch.as_tensor(images[:size]).float().div(255).unsqueeze(1)
    y = torch.as_tensor(labels[:size]).long()
    return list(zip(x.split(batch_size), y.split(batch_size)))


def probe_net(seed: int, evaluation_layers: bool = False) -> nn.Module:
    """A small MLP of the grader's own, the same in every process for the same seed.

    ``evaluation_layers`` adds BatchNorm and Dropout, whose behaviour differs between training and
    evaluation mode, so that a missing ``model.eval()`` changes buffers and outputs.
    """
    torch.manual_seed(seed)
    extra = [nn.BatchNorm1d(16)] if evaluation_layers else []
    dropout = [nn.Dropout(0.5)] if evaluation_layers else []
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 16), *extra, nn.ReLU(), *dropout, nn.Linear(16, 10))


class SpyCriterion(nn.Module):
    """Cross-entropy that records what it was given and the loss it computed."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict] = []

    def forward(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        loss = F.cross_entropy(plain(outputs), plain(targets))
        self.calls.append({
            "outputs_moved": is_moved(outputs),
            "targets_moved": is_moved(targets),
            "outputs_requires_grad": bool(getattr(outputs, "requires_grad", False)),
            "loss": float(loss.detach()),
        })
        return loss


class RecordingSGD(torch.optim.SGD):
    """SGD that keeps a copy of every gradient it is asked to step with (None where there is none)."""

    def __init__(self, params, **kwargs) -> None:
        super().__init__(params, **kwargs)
        self.seen: list[list[torch.Tensor | None]] = []

    def step(self, closure=None):
        self.seen.append([
            None if p.grad is None else p.grad.detach().clone()
            for group in self.param_groups for p in group["params"]
        ])
        return super().step(closure)


class ForwardLog:
    """A forward pre-hook that notes, at every call of the model, its mode, grad mode and input."""

    def __init__(self, model: nn.Module) -> None:
        self.calls: list[dict] = []
        model.register_forward_pre_hook(self._hook)

    def _hook(self, model: nn.Module, args) -> None:
        self.calls.append({
            "training": all(m.training for m in model.modules()),
            "evaluating": not any(m.training for m in model.modules()),
            "grad_enabled": torch.is_grad_enabled(),
            "input_moved": is_moved(args[0]) if args else True,
        })
