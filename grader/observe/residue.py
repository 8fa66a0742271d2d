"""What a session leaves in a check's child that a later session in the same child could see.

A part's checks (the dataset's, the model's...) share one child while nothing goes wrong
(``grader.judge.grading``). Between two sessions the child takes stock, here: a session may reuse the
child only if the child is, for everything student code and the observers can see, what a freshly forked
child is. What can be put back is put back (the student's modules are imported afresh, the random number
generators restored, young garbage collected); what cannot be is reported, and the next session gets a child of
its own: a thread or process still running, a file left in the check's temporary space, a torch, NumPy or
Python setting changed, a function of torch, NumPy or Python replaced, a module replaced.
"""

from __future__ import annotations

import builtins
import gc
import logging
import os
import random
import signal
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.utils.data
from torch import nn

from grader.sandbox import host

# Whose names student code could rebind to change what a later session computes: these modules, and every
# class they hold (``nn.Linear.forward``, ``DataLoader.__iter__``, ``Adam.step``...).
NAMESPACES = (builtins, os, random, np, np.random, torch, torch.Tensor, torch.nn.functional, torch.nn.init, nn,
              torch.optim, torch.utils.data, torch.autograd)


def _namespaces() -> dict[str, Any]:
    found = {}
    for namespace in NAMESPACES:
        found[getattr(namespace, "__name__", repr(namespace))] = namespace
        for value in list(vars(namespace).values()):
            if isinstance(value, type) and namespace is not builtins:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


def _identities(namespaces: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {label: {name: id(value) for name, value in list(vars(namespace).items())}
            for label, namespace in namespaces.items()}


def _settings() -> dict[str, Any]:
    """The process-wide settings a session could change: torch's, NumPy's, Python's."""
    hooks = {name: len(value) for name, value in vars(nn.modules.module).items()
             if name.startswith("_global_") and isinstance(value, dict)}
    handlers = {}
    for number in signal.valid_signals():
        try:
            handlers[int(number)] = id(signal.getsignal(number))
        except (OSError, ValueError):
            continue
    return {
        "torch": (torch.get_default_dtype(), torch.is_grad_enabled(), torch.is_inference_mode_enabled(),
                  torch.get_num_threads(), torch.are_deterministic_algorithms_enabled(), torch.is_anomaly_enabled(),
                  str(torch.get_default_device()), torch.get_float32_matmul_precision()),
        "torch's global module hooks": hooks,
        "numpy's error handling": sorted(np.geterr().items()),
        "the environment": dict(os.environ),
        "the working folder": os.getcwd(),
        "sys": (list(sys.path), [id(f) for f in sys.meta_path], [id(f) for f in sys.path_hooks], id(sys.stdin),
                id(sys.stdout), id(sys.stderr), id(sys.displayhook), id(sys.excepthook), sys.getrecursionlimit(),
                sys.getswitchinterval(), sys.gettrace(), sys.getprofile(), list(sys.argv)),
        "signal handlers": handlers,
        "an alarm": signal.getitimer(signal.ITIMER_REAL) if hasattr(signal, "getitimer") else None,
        "warnings filters": list(warnings.filters),
        "logging": (logging.root.level, [id(handler) for handler in logging.root.handlers]),
        "garbage collection": (gc.isenabled(), gc.get_threshold()),
    }


class Residue:
    """A fresh child's state, taken before any student code runs; ``left`` says how the child now differs."""

    def __init__(self, submission: Path, temporary: list[Path]) -> None:
        self.submission = submission
        # What the temporary folders hold before any session: the jail's own (its binds, where the kit lives in /tmp)
        self.temporary = {folder: set(_entries(folder)) for folder in dict.fromkeys(temporary)}
        self.modules = dict(sys.modules)
        self.namespaces = _namespaces()
        self.identities = _identities(self.namespaces)
        self.settings = _settings()
        self.random = (torch.initial_seed(), torch.get_rng_state(), np.random.get_state(), random.getstate())
        self.threads = (threading.active_count(), host.current().threads(os.getpid()))  # a host's watchdog's too

    def left(self) -> list[str]:
        """What a session left that a fresh child would not have, in words; nothing if it left nothing."""
        # The session's garbage, and whatever its finalizers do, belong to the session: the young generations'
        # (a full collection would walk, and so copy into this child, every object of the worker: 0.2 s).
        gc.collect(1)
        left = []
        now = (threading.active_count(), host.current().threads(os.getpid()))
        if any(count > before for count, before in zip(now, self.threads)):
            left.append("a thread still running")
        if host.current().tree().descendants(os.getpid()):
            left.append("a process still running")
        for folder, present in self.temporary.items():
            if added := sorted(set(_entries(folder)) - present):
                left.append(f"files in {folder}: {', '.join(added[:5])}")
        left += [f"{name} changed" for name, value in _settings().items() if value != self.settings[name]]
        for label, before in self.identities.items():
            now = vars(self.namespaces[label])
            if any(name not in now or id(now[name]) != identity for name, identity in before.items()):
                left.append(f"{label} changed")
        left += [f"module {name} replaced" for name, module in self.modules.items()
                 if sys.modules.get(name) is not module]
        return left

    def reset(self) -> None:
        """Make the next session's start a fresh child's: its modules imported anew, the generators as they were."""
        for name, module in list(sys.modules.items()):
            if name not in self.modules and _inside(module, self.submission):
                del sys.modules[name]
        seed, state, numpy_state, python_state = self.random
        torch.manual_seed(seed)  # what torch.initial_seed() says, then the generator's exact state
        torch.set_rng_state(state)
        np.random.set_state(numpy_state)
        random.setstate(python_state)


def _entries(folder: Path) -> list[str]:
    try:
        return [entry.name for entry in folder.iterdir()]
    except OSError:
        return []


def _inside(module: Any, folder: Path) -> bool:
    """Whether a module was loaded from the submission's folder (one of the student's own)."""
    file = getattr(module, "__file__", None)
    return bool(file) and Path(file).resolve().is_relative_to(folder.resolve())
