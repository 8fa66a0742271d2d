"""One grading run's shared state, as the checks see it: the student's worker, the reference's
observations, the true data, and observations that several checks judge."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from grader.config.rubric import Rubric
from grader.intake.data import Labels
from grader.judge import reference
from grader.sandbox.errors import StudentError
from grader.sandbox.session import Session, Worker


@dataclass
class Grading:
    rubric: Rubric
    worker: Worker
    labels: Labels                    # the real labels, test labels included
    worker_test_labels: np.ndarray    # the decoy test labels that student code sees
    references: dict[str, Any]        # reference.observations(...)
    deadline: float                   # time.monotonic() by which the whole run must end
    current_check: str | None = None  # set by the plugin while a check runs
    printed: dict[str, str] = field(default_factory=dict)  # what student code printed, per check
    _shared: dict[str, Any] = field(default_factory=dict)

    def note_output(self, text: str) -> None:
        if text.strip() and self.current_check is not None:
            self.printed[self.current_check] = (self.printed.get(self.current_check, "") + text)[-4000:]

    def session(self) -> Session:
        """A child for one check, given the check's time or what is left of the run's, if less."""
        left = max(1.0, self.deadline - time.monotonic())
        return self.worker.session(replace(self.rubric.limits, seconds=min(self.rubric.limits.seconds, left)))

    def observe(self, observer: str, **args: Any) -> Any:
        """Run one observer in a fresh child of the worker."""
        session = self.session()
        try:
            return session.call(observer, **args)
        finally:
            session.close()
            self.note_output(session.capture.text())

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
