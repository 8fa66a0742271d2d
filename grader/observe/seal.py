"""What the observers rely on, sealed before any student code runs and checked after every call into it.

An observer judges nothing, but what it records is only as true as the functions it records with: a
``torch.is_grad_enabled`` that lies, a device probe rebound in its module, a ``Module.modules`` that
hides a layer's mode. The seal notes, in the zygote, the identity of every function and class of the
grader's worker modules and of the torch, NumPy and Python functions they call; after each call into
student code the child compares, and a call after which anything differs answers with the names of
what was replaced instead of its observation, so that the check fails and says why.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# The library functions and classes the observers and probes use while and after student code runs.
WATCHED: dict[str, tuple[str, ...]] = {
    "builtins": ("isinstance", "issubclass", "type", "len", "float", "int", "bool", "str", "repr", "list", "tuple",
                 "dict", "set", "getattr", "hasattr", "iter", "next", "sum", "all", "any", "min", "max", "zip",
                 "range", "enumerate", "sorted", "map", "super", "id", "object"),
    "itertools": ("islice",),
    "numpy": ("asarray", "array", "concatenate", "zeros", "ndarray", "int64", "float64", "array_equal"),
    "torch": ("Tensor", "is_grad_enabled", "set_grad_enabled", "no_grad", "enable_grad", "inference_mode",
              "as_tensor", "tensor", "from_numpy", "equal", "allclose", "full_like", "zeros", "cat", "manual_seed",
              "randn", "Generator", "device"),
    "torch._C": ("is_grad_enabled", "_set_grad_enabled"),
    "torch._C._nn": ("_parse_to",),
    "torch.autograd": ("grad", "backward"),
    "torch.Tensor": ("to", "cuda", "cpu", "detach", "clone", "numpy", "item", "float", "long", "double",
                     "as_subclass", "__torch_function__", "backward", "sum", "reshape", "view", "argmax", "split",
                     "mul_", "copy_", "abs", "dim", "numel", "requires_grad_", "all", "__eq__", "__mul__",
                     "__float__", "grad", "requires_grad", "dtype", "shape"),
    "torch.nn": ("Module", "Sequential", "Flatten", "Linear", "BatchNorm1d", "ReLU", "Dropout", "CrossEntropyLoss",
                 "Parameter"),
    "torch.nn.Module": ("__call__", "_call_impl", "train", "eval", "modules", "parameters", "state_dict",
                        "register_forward_pre_hook", "register_forward_hook", "__getattr__", "__setattr__",
                        "zero_grad"),
    "torch.nn.functional": ("cross_entropy", "linear", "relu"),
    "torch.optim": ("SGD", "Adam", "Optimizer"),
    "torch.optim.Optimizer": ("__init__", "zero_grad", "add_param_group"),
    "torch.optim.SGD": ("__init__", "step"),
    "torch.optim.Adam": ("__init__", "step"),
    "torch.utils.data": ("DataLoader", "Subset", "IterableDataset"),
}
_MISSING = object()


def _owner(path: str) -> object:
    """A module or a class by its dotted name: ``torch.nn.Module`` is the class ``Module`` of ``torch.nn``."""
    try:
        return importlib.import_module(path)
    except ImportError:
        module, _, name = path.rpartition(".")
        return getattr(_owner(module), name)


def _current(owner: object, name: str, _isinstance=isinstance, _type=type, _vars=vars, _getattr=getattr) -> object:
    """What ``owner.name`` is now: a class's own entry where it has one (a replaced method is there), else what
    it inherits; ``_MISSING`` if it is gone. Python's functions are bound here, before student code runs."""
    if _isinstance(owner, _type) and name in _vars(owner):
        return _vars(owner)[name]
    return _getattr(owner, name, _MISSING)


class Seal:
    """The identities of what the observers rely on, as they were when the seal was made."""

    def __init__(self, grader_modules: list[ModuleType]) -> None:
        entries = [(f"{path}.{name}", owner, name, _current(owner, name))
                   for path, names in WATCHED.items() for owner in [_owner(path)] for name in names]
        for module in grader_modules:  # the grader's own functions and classes, and what is in its classes
            for name, value in list(vars(module).items()):
                entries.append((f"the grader's {name}", module, name, value))
                if isinstance(value, type) and value.__module__ == module.__name__:
                    entries += [(f"the grader's {name}.{member}", value, member, inner)
                                for member, inner in list(vars(value).items())]
        self._entries = tuple(entries)

    def broken(self, _current=_current) -> list[str]:
        """What differs from when the seal was made, by name; nothing, if student code replaced nothing."""
        return [label for label, owner, name, value in self._entries if _current(owner, name) is not value]
