"""A grade as a report, and what each audience reads of it: instructors everything, students the checks
visible now, each message at its check's feedback level (the one place where the rubric's visibility
and feedback are applied). The outputs (``terminal``, ``results``, ``junit``, ``pages``) write a report."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from grader.judge.result import Result
from grader.judge.verdict import HINT

AUDIENCES = ("student", "instructor")
SCORE_ONLY = "Not passed in full. This check shows its points only."


@dataclass
class Report:
    """One grade: every check's result, what to fix first, where student code ran, and what it was of."""

    submission: str
    results: list[Result]
    problems: list[str]
    protections: str
    seconds: float
    pending: float = 0.0  # points of checks left out of this view (students: not visible yet)
    fingerprint: dict[str, str] = field(default_factory=dict)  # what was graded, by what (intake.fingerprint)
    leaderboard: bool = False  # the rubric's: results.json gets Gradescope's leaderboard

    @property
    def score(self) -> float:
        return round(sum(r.score for r in self.results), 2)

    @property
    def max_score(self) -> float:
        return sum(r.max_score for r in self.results)

    def notes(self) -> list[str]:
        """What the score leaves out: for students, the points still to be checked; for instructors, the
        checks students do not see yet."""
        notes = []
        if self.pending:
            notes.append(f"{self.pending:g} more points are still to be checked; they are not shown yet.")
        held = [f"{r.title} ({r.visibility})" for r in self.results if r.visibility != "visible"]
        if held:
            notes.append(f"Held back from students: {'; '.join(held)}")
        return notes

    def overview(self) -> str:
        lines = [f"Score: {self.score:g} / {self.max_score:g}", *self.notes()]
        lines += [f"Problem: {problem}" for problem in self.problems]
        lines.append(f"Sandbox: {self.protections}")
        return "\n".join(lines)


def student_message(result: Result) -> str:
    """What a student reads of a check: its message at the check's feedback level."""
    if result.passed or result.feedback == "full":
        return result.message
    if result.feedback == "observed":  # the hint is one line, before anything student code printed
        return re.sub(f"^{re.escape(HINT)}.*\n?", "", result.message, count=1, flags=re.MULTILINE).rstrip("\n")
    return SCORE_ONLY


def for_students(report: Report) -> Report:
    """The report as students may read it now: the visible checks, each message at its feedback level
    (and no training curves where that is points only), and the points of the others as pending."""
    shown = [replace(r, message=student_message(r), extra=None if r.feedback == "score" else r.extra)
             for r in report.results if r.visibility == "visible"]
    held = sum(r.max_score for r in report.results if r.visibility != "visible")
    return replace(report, results=shown, pending=report.pending + held)


def view(report: Report, audience: str) -> Report:
    """What ``audience`` (one of AUDIENCES) reads of ``report``."""
    return report if audience == "instructor" else for_students(report)
