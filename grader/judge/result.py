"""A check's result: its points, its message and what it recorded. Plain data, readable without pytest."""

from __future__ import annotations

from dataclasses import dataclass


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

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score

    @property
    def status(self) -> str:
        return "passed" if self.passed else ("partial" if self.score > 0 else "failed")
