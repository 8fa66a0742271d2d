"""What a student reads when a check fails: what was observed, what was expected, the likely bug."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.judge.result import Stub
from grader.sandbox.errors import StudentError
from grader.sandbox.protocol import OBSERVERS, REPLACED

HINT = "Likely bug: "  # the line that starts the hint: students with feedback = "observed" do not read it


class CheckFailed(AssertionError):
    """A check's verdict against the submission, worded for the student.

    ``credit`` is the fraction of the check's points still earned (partial credit); ``stub`` the unwritten
    part the check failed on, if it failed on one.
    """

    def __init__(self, *, observed: str, expected: str, hint: str, credit: float = 0.0,
                 stub: Stub | None = None) -> None:
        self.observed, self.expected, self.hint, self.credit, self.stub = observed, expected, hint, credit, stub
        super().__init__(self.message())

    def message(self) -> str:
        return f"Observed: {self.observed}\nExpected: {self.expected}\n{HINT}{self.hint}"


def expect(condition: Any, *, observed: str, expected: str, hint: str) -> None:
    """Unless ``condition``, fail the check: what was observed, what was expected, and the likely bug."""
    if not condition:
        raise CheckFailed(observed=observed, expected=expected, hint=hint)


def stub_of(error: dict | None) -> Stub | None:
    """The unwritten part a worker's description of an exception (``describe_error``) shows, if it shows one."""
    if not error or error.get("type") != "NotImplementedError" or not error.get("frame"):
        return None
    return Stub(**error["frame"])


def student_error_message(error: StudentError) -> str:
    doing = OBSERVERS.get(error.observer, error.observer)
    if error.limit is not None:
        observed = f"while {doing}, your code went over the check's limit of {error.limit}, and was stopped"
        expected = "it stays within the check's limits"
        hint = ("look for code that starts processes or threads without end, holds large amounts of memory "
                "(in one process or spread over several), or writes files without end")
    elif error.error is not None and error.error["type"] == REPLACED:
        observed = (f"while {doing}, your code replaced {error.error['message']}, which the grader observes your "
                    "code through, so nothing it observed could be trusted")
        expected = "code that leaves torch's, NumPy's, Python's and the grader's own functions as it found them"
        hint = "remove the code that assigns to them: nothing in this assignment needs to replace a library function"
    elif error.error is not None:
        observed = f"while {doing}, your code raised {error.summary()}"
        expected = "it runs without an exception"
        if error.is_stub:
            hint = "this part is still a stub: replace `raise NotImplementedError` with your code"
        elif error.error["type"] in ("SystemExit", "KeyboardInterrupt"):
            hint = "do not call exit() or sys.exit() (or raise KeyboardInterrupt) in your modules"
        elif error.error["type"] == "SyntaxError":
            hint = "fix the syntax error at the line shown"
        elif error.error["type"] in ("MissingName", "FileNotFoundError"):
            hint = "keep the file and public names of the stub as they were given"
        else:
            hint = "read the traceback below: the last line in your files is where it went wrong"
    else:
        observed = f"while {doing}, {error.summary()}"
        expected = "it returns within the check's limits"
        hint = ("your code ended the process (os._exit, a crash, or too much memory) or never returned; "
                "look for exit calls, endless loops and huge allocations")
    parts = [f"Observed: {observed}", f"Expected: {expected}", f"{HINT}{hint}"]
    if error.error and error.error.get("traceback") and not error.is_stub:
        parts.append("Traceback (your files):\n" + error.error["traceback"].rstrip())
    if error.output.strip():
        parts.append("Your code printed:\n" + error.output.rstrip())
    return "\n".join(parts)


def kind_of(description: dict) -> str:
    """A short phrase for what a worker's ``describe`` saw: 'a float32 tensor of shape [1, 28, 28]'."""
    kind = description.get("kind")
    if kind in ("tensor", "ndarray"):
        name = "tensor" if kind == "tensor" else "NumPy array"
        return f"a {description['dtype']} {name} of shape {description['shape']}"
    if kind in ("list", "tuple"):
        return f"a {kind} of {description['length']} item(s)"
    if kind in ("int", "float", "bool"):
        return f"the Python {kind} {description['value']!r}"
    if kind == "NoneType":
        return "None"
    return f"a {kind} ({description.get('repr', '')})"


def max_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)), initial=0.0))
