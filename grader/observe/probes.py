"""The grader's instruments: tensors that know whether they were moved, a spying loss, a recording
optimizer, and small models and batches whose correct handling is known exactly.

Each observation makes its own instruments, and each keeps what it saw: nothing is shared between
observations. They look like what they stand in for (a ``Tensor``, a ``CrossEntropyLoss``, an
``SGD``, a ``DataLoader``), and they call the library through functions taken when this module was
imported, before any student code ran: code that replaces ``torch.is_grad_enabled`` or
``Tensor.to`` changes what it sees, not what the instruments see (and ``seal`` reports it).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# The device the grader hands to train_epoch and test_epoch: the CPU, named with an index so that a move
# to it can be told from a move to a device of the student's own ("cpu", or "cuda" if available).
DEVICE = torch.device("cpu", 0)

# The library as it was before any student code ran.
_TO, _CUDA, _CPU = torch.Tensor.to, torch.Tensor.cuda, torch.Tensor.cpu
_PARSE_TO = torch._C._nn._parse_to
_AS_SUBCLASS = torch._C.TensorBase.as_subclass
grad_enabled, set_grad_enabled = torch._C.is_grad_enabled, torch._C._set_grad_enabled
_CROSS_ENTROPY = F.cross_entropy
_TENSOR_FUNCTION = torch.Tensor.__torch_function__.__func__


def passes_for(cls: type, like: type) -> type:
    """Name ``cls`` as the class it stands in for: student code sees a ``Tensor``, not a grader's probe."""
    cls.__name__, cls.__qualname__, cls.__module__ = like.__name__, like.__qualname__, like.__module__
    return cls


class Unmoved(torch.Tensor):
    """A tensor not yet moved to the device: ``.to(device)`` returns a plain tensor.

    Every other operation keeps the marker, so a model or loss that receives an ``Unmoved`` tensor
    was handed data that never went through ``.to(device)``; ``.to(torch.float32)`` asks for no
    device and keeps it. A move to another device than the one under test (a hard-coded ``.cuda()``
    or ``.cpu()``) is noted in the ``moves`` of the loader's own subclass (``marker``) and answered
    with a plain tensor, so that the rest of the student's loop can still be observed on a machine
    without that device.
    """

    moves: list[str]  # set by ``marker``, per loader

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        asked = _asked_device(func, args, kwargs)
        if asked is not None and (func is not _TO or asked != DEVICE):
            cls.moves.append(f".{func.__name__}({', '.join([*map(str, args[1:]), *map(str, kwargs.values())])})")
            return _AS_SUBCLASS(args[0], torch.Tensor)
        out = _TENSOR_FUNCTION(cls, func, types, args, kwargs)
        if asked is not None and isinstance(out, torch.Tensor):
            return _AS_SUBCLASS(out, torch.Tensor)
        return out


def marker(moves: list[str]) -> type[Unmoved]:
    """A class of unmoved tensors of its own, noting its wrong moves in ``moves``."""
    return passes_for(type("Unmoved", (Unmoved,), {"moves": moves}), torch.Tensor)


def _asked_device(func, args, kwargs) -> torch.device | None:
    if func is _CUDA:
        return torch.device("cuda")
    if func is _CPU:
        return torch.device("cpu")
    if func is _TO:
        return _PARSE_TO(*args[1:], **kwargs)[0]
    return None


def is_moved(tensor) -> bool:
    return isinstance(tensor, torch.Tensor) and not isinstance(tensor, Unmoved)


def plain(tensor: torch.Tensor) -> torch.Tensor:
    return _AS_SUBCLASS(tensor, torch.Tensor) if isinstance(tensor, torch.Tensor) else tensor


class ProbeLoader:
    """A list of batches that looks enough like a ``DataLoader`` (iterable, ``len``, ``batch_size``,
    ``dataset``), each batch a fresh pair of tensors marked as not yet moved; ``moves`` are the moves to
    another device that student code asked of them."""

    def __init__(self, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
        self.batches = batches
        self.moves: list[str] = []
        self._marker = marker(self.moves)
        self.batch_size = len(batches[0][1])
        self.dataset = [(x, y) for xs, ys in batches for x, y in zip(xs, ys)]

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self):
        for inputs, targets in self.batches:
            yield _AS_SUBCLASS(inputs.clone(), self._marker), _AS_SUBCLASS(targets.clone(), self._marker)


passes_for(ProbeLoader, torch.utils.data.DataLoader)


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


class SpyCriterion(nn.CrossEntropyLoss):
    """Cross-entropy that records what it was given and the loss it computed."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict] = []

    def forward(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        loss = _CROSS_ENTROPY(plain(outputs), plain(targets))
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
            "grad_enabled": grad_enabled(),
            "input_moved": is_moved(args[0]) if args else True,
        })


class OutputLog:
    """A forward hook that notes what the model returned at every call: whether each row was a probability
    distribution, and whether any value was negative; whoever called it."""

    def __init__(self, model: nn.Module) -> None:
        self.calls: list[dict] = []
        model.register_forward_hook(self._hook)

    def _hook(self, model: nn.Module, args, output) -> None:
        if not isinstance(output, torch.Tensor) or output.dim() != 2:
            return
        rows = plain(output).detach().double()
        self.calls.append({
            "probabilities": bool(((rows >= 0) & (rows <= 1)).all() and (rows.sum(1) - 1).abs().max() < 1e-4),
            "negative": bool((rows < 0).any()),
        })


def settle() -> None:
    """Let torch finish setting up what it sets up on first use (it wraps an optimizer class's ``step`` when
    the first one is made), so that what the seal records is what stays."""
    parameter = torch.zeros(1, requires_grad=True)
    for optimizer in (torch.optim.SGD, torch.optim.Adam, RecordingSGD):
        optimizer([parameter], lr=0.0)


passes_for(SpyCriterion, nn.CrossEntropyLoss)
passes_for(RecordingSGD, torch.optim.SGD)
