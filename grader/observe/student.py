"""Loading a submission's modules, and turning what student code returns or raises into plain data."""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import torch

from grader.intake.notes import REFUSED

MAX_ITEMS = 64  # list and tuple entries described; the rest are counted
_AS_SUBCLASS = torch._C.TensorBase.as_subclass  # as it was before any student code ran


class StudentCode:
    """The submission's modules, imported on first use from its folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._modules: dict[str, ModuleType] = {}

    def module(self, name: str) -> ModuleType:
        if name not in self._modules:
            path = self.folder / f"{name}.py"
            if not path.is_file():
                refused = self.folder / REFUSED.format(f"{name}.py")  # the grader's note on a file it did not take
                raise FileNotFoundError(refused.read_text() if refused.is_file() else
                                        f"{name}.py is missing from the submission")
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            self._modules[name] = module
        return self._modules[name]

    def get(self, module: str, name: str) -> Any:
        try:
            return getattr(self.module(module), name)
        except AttributeError:
            raise MissingName(f"{module}.py defines no `{name}`") from None


class MissingName(LookupError):
    """The submission lacks a public name that the contract requires."""


def describe(value: Any, depth: int = 0) -> dict:
    """Plain data that says what ``value`` is: its kind, and for tensors dtype, shape and values."""
    if isinstance(value, torch.Tensor):
        # A plain tensor first: a subclass's own __torch_function__ could answer anything to detach() or dtype.
        tensor = _AS_SUBCLASS(value, torch.Tensor)
        return {"kind": "tensor", "dtype": str(tensor.dtype).removeprefix("torch."),
                "shape": list(tensor.shape), "values": _values(tensor.detach().cpu()),
                "requires_grad": bool(tensor.requires_grad)}
    if isinstance(value, np.ndarray):
        return {"kind": "ndarray", "dtype": value.dtype.name, "shape": list(value.shape),
                "values": _values(torch.as_tensor(value)) if value.dtype != object else None}
    if isinstance(value, bool):
        return {"kind": "bool", "value": value}
    if isinstance(value, (int, float)) and type(value) in (int, float):
        return {"kind": type(value).__name__, "value": value}
    if isinstance(value, (list, tuple)) and depth < 2:
        return {"kind": type(value).__name__, "length": len(value),
                "items": [describe(item, depth + 1) for item in value[:MAX_ITEMS]]}
    return {"kind": type(value).__name__, "repr": _short_repr(value)}


def _values(tensor: torch.Tensor) -> np.ndarray | None:
    if tensor.dtype == torch.bool:
        return tensor.numpy()
    if tensor.is_floating_point():
        return tensor.to(torch.float64).numpy()
    if tensor.is_complex():
        return None
    return tensor.to(torch.int64).numpy()


def _short_repr(value: Any, limit: int = 200) -> str:
    try:
        text = repr(value)
    except Exception as error:  # a student's __repr__ may raise
        text = f"<unprintable: {type(error).__name__}>"
    return text if len(text) <= limit else text[:limit] + "..."


def describe_error(error: BaseException, folder: Path) -> dict:
    """What went wrong, where in the student's files, and the student's part of the traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    theirs = [frame for frame in frames if Path(frame.filename).parent == folder]
    # The function's qualified name (MNISTDataset.__init__), which only the frame itself knows.
    codes = [frame.f_code for frame, _ in traceback.walk_tb(error.__traceback__)
             if Path(frame.f_code.co_filename).parent == folder]
    if isinstance(error, SyntaxError) and error.filename and Path(error.filename).parent == folder:
        where = f"{Path(error.filename).name}, line {error.lineno}"
    elif theirs:
        last = theirs[-1]
        where = f"{Path(last.filename).name}, line {last.lineno}, in {last.name}"
    else:
        where = None
    # Their files by name alone: where the grader put them says nothing to a student, and differs by grade.
    lines = traceback.format_list([traceback.FrameSummary(Path(f.filename).name, f.lineno, f.name, line=f.line)
                                   for f in theirs[-5:]])
    try:
        message = str(error)[:1000] or _short_repr(error, 1000)
    except Exception:  # a student's exception whose __str__ raises
        message = _short_repr(error, 1000)
    return {
        "type": type(error).__name__,
        "message": message.replace(f"{folder}/", ""),
        "where": where,
        "traceback": "".join(lines)[-3000:],
        "in_student_code": bool(theirs) or isinstance(error, (SyntaxError, FileNotFoundError, MissingName)),
        "frame": {"file": Path(theirs[-1].filename).name, "line": theirs[-1].lineno, "part": codes[-1].co_qualname}
        if theirs and codes else None,
    }
