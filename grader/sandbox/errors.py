"""What can go wrong in a session with a worker: the worker itself broke, or student code did something
wrong. A leaf: whoever reads these errors needs none of the process handling that raises them."""

from __future__ import annotations


class WorkerBroken(RuntimeError):
    """The zygote could not be started or stopped answering."""


class StudentError(Exception):
    """Student code raised, crashed, hung, or broke the worker during an observer call.

    ``error`` is the worker's description (type, message, where, traceback) when the code raised;
    ``ended`` says how the process ended when it did not come back; ``output`` is what it printed;
    ``limit`` describes the check's limit it went over, if it did.
    """

    def __init__(self, observer: str, *, error: dict | None = None, ended: str | None = None,
                 output: str = "", limit: str | None = None) -> None:
        self.observer, self.error, self.ended, self.output, self.limit = observer, error, ended, output, limit
        super().__init__(self.summary())

    def summary(self) -> str:
        if self.limit:
            return f"the check went over its limit of {self.limit}"
        if self.error:
            where = f" ({self.error['where']})" if self.error.get("where") else ""
            return f"{self.error['type']}: {self.error['message']}{where}"
        return f"the worker process {self.ended}"

    @property
    def is_stub(self) -> bool:
        return bool(self.error) and self.error["type"] == "NotImplementedError"
