"""One grading run's shared state, as the checks see it: the student's worker, the reference's
observations, the true data, and observations that several checks judge."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader import reference
from grader.data import MNIST
from grader.rubric import Rubric
from grader.sandbox import Session, StudentError, Worker


@dataclass
class Grading:
    rubric: Rubric
    worker: Worker
    mnist: MNIST                      # the real data, test labels included
    worker_test_labels: np.ndarray    # the decoy test labels that student code sees
    references: Future                # of reference.observations(...)
    _shared: dict[str, Any] = field(default_factory=dict)

    def session(self) -> Session:
        return self.worker.session(self.rubric.limits)

    def observe(self, observer: str, **args: Any) -> Any:
        """Run one observer in a fresh child of the worker."""
        with self.session() as session:
            return session.call(observer, **args)

    def shared(self, observer: str, **args: Any) -> Any:
        """An observation that several checks judge: made once, its failure shared too."""
        name = reference.key(observer, args)
        if name not in self._shared:
            try:
                self._shared[name] = ("ok", self.observe(observer, **args))
            except StudentError as error:
                self._shared[name] = ("error", error)
        outcome, value = self._shared[name]
        if outcome == "error":
            raise value
        return value

    def expected(self, observer: str, **args: Any) -> Any:
        """The reference's observation for the same call."""
        return self.references.result()[reference.key(observer, args)]
