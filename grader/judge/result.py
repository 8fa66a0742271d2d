"""A check's result: its points, its message and what it recorded. Plain data, readable without pytest."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stub:
    """A part of the submission that still raises ``NotImplementedError``: its file, line and name."""

    file: str
    line: int
    part: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Result:
    """One check of one grade, with what the rubric says of it."""

    id: str
    title: str
    max_score: float
    score: float
    message: str
    seconds: float
    extra: dict | None = None
    visibility: str = "visible"  # the rubric's: when students may see this check
    feedback: str = "full"       # the rubric's: how much of a failed check's message students read
    stub: Stub | None = None     # the unwritten part this check failed on, if it failed on one

    @property
    def passed(self) -> bool:
        """Full points, and, for a check the rubric gives no points, nothing to say (a check at 0 points that
        finds a bug still fails: it costs nothing, and says so)."""
        return self.score >= self.max_score and (self.max_score > 0 or not self.message)

    @property
    def status(self) -> str:
        return "passed" if self.passed else ("partial" if self.score > 0 else "failed")
