"""One grading run's shared state, as the checks see it: the student's worker, the reference's
observations, the true data, and observations that several checks judge.

The sessions of a part's checks (those of one module of ``checks/``: the dataset's, the model's...) share
one child of the worker, one after another, for as long as nothing goes wrong; each session gets what a
child of its own would give. Between two sessions the child takes stock (``Session.take_stock``): where the
last session left anything behind (output, a process, a changed setting, an error...), the child is ended and
the part's later sessions each get a child of their own, as every session did before. A session that is not
its child's first and ends in an error, a crash, a limit or its time (``TURN_SECONDS``) could have ended so
because of what came before it in that child: its check runs again (``Retry``), its sessions each in a child
of its own, and the time the first try took is given back to the run.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from grader.config.limits import Limits
from grader.config.rubric import Rubric
from grader.intake.data import Labels
from grader.judge import reference
from grader.sandbox.errors import StudentError, WorkerBroken
from grader.sandbox.session import Session, Worker

# The time a session that is not its child's first may take before its check runs again in children of its own
# (with the check's whole time): the reference's sessions take a tenth of a second, a slow correct one a few.
TURN_SECONDS = 10.0
# =0: every session in a child of its own, as before sessions shared a child (to compare verdicts, or to rule it out)
SHARING_VARIABLE = "GRADER_SHARE_CHILDREN"


def sharing() -> bool:
    return os.environ.get(SHARING_VARIABLE, "1").strip() != "0"


class Retry(BaseException):  # not an Exception: hypothesis passes it on at once, as it does KeyboardInterrupt
    """A session that shared its child with an earlier one ended badly: its check runs again, a child per session."""


class Lease:
    """One session of a check: a child of its own, or a turn in the child its part's sessions share (taken
    when the check first calls it)."""

    def __init__(self, grading: Grading) -> None:
        self.grading, self.session, self.turn, self.closed = grading, None, 1, False

    def call(self, observer: str, **args: Any) -> Any:
        if self.session is None:
            self.session, self.turn = self.grading.take()
        try:
            return self.session.call(observer, **args)
        except (StudentError, WorkerBroken):
            if self.turn > 1:
                self.grading.fall_back(self.session)
                raise Retry from None
            raise

    def output(self) -> str:
        return self.session.output() if self.session is not None else ""

    def close(self) -> None:
        if self.session is not None and not self.closed:
            self.closed = True
            self.grading.give_back(self.session)

    def reset(self) -> None:
        """Forget the session: the check runs again, and its next call takes another."""
        self.session, self.turn, self.closed = None, 1, False

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Grading:
    rubric: Rubric
    worker: Worker
    labels: Labels                    # the real labels, test labels included
    worker_test_labels: np.ndarray    # the decoy test labels that student code sees
    references: dict[str, Any]        # reference.observations(...)
    deadline: float                   # time.monotonic() by which the whole run must end
    current_check: str | None = None  # set by the plugin while a check runs
    part: str | None = None           # the module of checks it belongs to, also set by the plugin
    grouped: bool = field(default_factory=sharing)  # a part's sessions share a child while nothing goes wrong
    printed: dict[str, str] = field(default_factory=dict)  # what student code printed, per check
    _shared: dict[str, Any] = field(default_factory=dict)
    _child: Session | None = None     # the child the current part's sessions share
    _child_part: str | None = None
    _child_busy: bool = False         # a session has it now
    _alone: set[str] = field(default_factory=set)  # parts whose sessions each get a child of their own now
    again: list[str] = field(default_factory=list)  # the checks run again, a child per session (``Retry``)

    def note_output(self, text: str) -> None:
        if text.strip() and self.current_check is not None:
            self.printed[self.current_check] = (self.printed.get(self.current_check, "") + text)[-4000:]

    def limits(self) -> Limits:
        """A session's limits: the check's, with its time cut to what is left of the run's, if less."""
        left = max(1.0, self.deadline - time.monotonic())
        return replace(self.rubric.limits, seconds=min(self.rubric.limits.seconds, left))

    def session(self) -> Lease:
        """A session for the check in progress (taken on its first call)."""
        return Lease(self)

    def take(self) -> tuple[Session, int]:
        """The child for the next session of the current part, and which of that child's sessions it is."""
        limits = self.limits()
        if self._child is not None and self._child_part != self.part:
            self._child.close()  # a new part: what the last one left goes with its child
            self._child = None
        if not self.grouped or self.part in self._alone or self._child_busy:
            return self.worker.session(limits), 1
        if self._child is None:
            self._child, self._child_part = self.worker.session(limits), self.part
        else:
            self._child.next_session(replace(limits, seconds=min(limits.seconds, TURN_SECONDS)))
        self._child_busy = True
        return self._child, self._child.served

    def give_back(self, session: Session) -> None:
        """The end of a session: its own child is closed; a shared one takes stock, and is ended if anything is
        left of the session (the part's later sessions then each get a child of their own)."""
        if session is not self._child:
            session.close()
            return
        self._child_busy = False
        if not session.take_stock():
            self.fall_back(session)

    def fall_back(self, session: Session) -> None:
        """End the part's shared child: the part's later sessions each get a child of their own."""
        session.close()
        if session is self._child:
            self._alone.add(self._child_part)
            self._child, self._child_busy = None, False

    def close(self) -> None:
        """End the shared child, if any (the grade's checks are done)."""
        if self._child is not None:
            self._child.close()
            self._child, self._child_busy = None, False

    def observe(self, observer: str, **args: Any) -> Any:
        """Run one observer in a session of its own."""
        session = self.session()
        try:
            return session.call(observer, **args)
        finally:
            session.close()
            self.note_output(session.output())

    def shared(self, observer: str, **args: Any) -> Any:
        """An observation that several checks judge: made once, its failure shared too."""
        name = reference.key(observer, args)
        if name not in self._shared:
            mine = self.printed.pop(self.current_check, None)
            try:
                self._shared[name] = ("ok", self.observe(observer, **args))
            except StudentError as error:
                self._shared[name] = ("error", error)
            self._shared[name] += (self.printed.pop(self.current_check, ""),)
            if mine:
                self.printed[self.current_check] = mine
        outcome, value, output = self._shared[name]
        self.note_output(output)
        if outcome == "error":
            raise value
        return value

    def expected(self, observer: str, **args: Any) -> Any:
        """The reference's observation for the same call."""
        return self.references[reference.key(observer, args)]
