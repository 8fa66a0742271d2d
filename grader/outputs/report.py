"""A grade as a report, and what each audience reads of it: instructors everything, students the checks
visible now, each message at its check's feedback level (the one place where the rubric's visibility
and feedback are applied). The outputs (``terminal``, ``results``, ``junit``, ``pages``) write a report."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from grader.judge.checks import LIKELY_CAUSES
from grader.judge.result import Result, Stub
from grader.judge.verdict import HINT

AUDIENCES = ("student", "instructor")
SCORE_ONLY = "Not passed in full. This check shows its points only."


@dataclass(frozen=True)
class Regrade:
    """A grade that replaces an earlier one of the same student: the earlier points of each check, by id,
    and why it was made again (``intake.fingerprint.changed``)."""

    before: dict[str, float]
    why: tuple[str, ...]


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
    sandbox: str = ""  # the mode and whom student code ran as, in one line (``protections`` says all)
    student: str = ""  # whose grade it is, where a class's grading knows
    graded_at: datetime = field(default_factory=lambda: datetime.now().astimezone())
    regrade: Regrade | None = None  # where a class's grading replaced an earlier grade

    @property
    def name(self) -> str:
        """Whose work this is, for a page's title: the student where a class's grading knows, else the
        submission as it was named to the grader."""
        return self.student or self.submission

    @property
    def date(self) -> str:
        return self.graded_at.strftime("%Y-%m-%d %H:%M %Z").strip()

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
        if self.regrade is not None:
            notes.append(self._regraded(self.regrade))
        return notes

    def _regraded(self, regrade: Regrade) -> str:
        """The regrade, over the checks this view shows: the total before and now, and each check that moved."""
        before = round(sum(regrade.before.get(r.id, 0) for r in self.results), 2)
        moved = [f"{r.title} {regrade.before[r.id]:g} -> {r.score:g}" if r.id in regrade.before
                 else f"{r.title} (new) {r.score:g}" for r in self.results if regrade.before.get(r.id) != r.score]
        why = "; ".join(regrade.why) if regrade.why else "graded again on request"
        return (f"This grade replaces an earlier one ({why}): {before:g} -> {self.score:g} points"
                + (f". Changed: {'; '.join(moved)}." if moved else ", no check changed."))

    def overview(self) -> str:
        lines = [f"Score: {self.score:g} / {self.max_score:g}", *self.notes()]
        lines += [f"Problem: {problem}" for problem in self.problems]
        lines.append(f"Sandbox: {self.protections}")
        return "\n".join(lines)


def unwritten(report: Report) -> dict[Stub, list[Result]]:
    """The parts that still raise ``NotImplementedError``, in the order the checks meet them, each with the
    checks that failed on it."""
    parts: dict[Stub, list[Result]] = {}
    for r in report.results:
        if r.stub is not None and not r.passed:
            parts.setdefault(r.stub, []).append(r)
    return parts


def to_fix(report: Report) -> list[Result]:
    """The failed checks that are not waiting for a part to be written, in the rubric's order."""
    return [r for r in report.results if not r.passed and r.stub is None]


def likely_cause(report: Report, result: Result) -> Result | None:
    """The failed check whose bug probably made ``result`` fail too (the accuracy run uses everything)."""
    failed = {r.id: r for r in to_fix(report)}
    return next((failed[cause] for cause in LIKELY_CAUSES.get(result.id, ()) if cause in failed), None)


def hint(result: Result) -> str:
    """The likely bug, as the message shown says it ("" where this view shows none)."""
    verdict = re.split(r"\n(?:Your code printed|Traceback \(your files\)):", result.message, maxsplit=1)[0]
    found = re.search(f"^{re.escape(HINT)}(.*)$", verdict, flags=re.MULTILINE)  # not a line student code printed
    return found.group(1) if found else ""


def gist(result: Result) -> str:
    """A failed check in a few words: its likely bug up to the first colon, where that is short; its title."""
    short = re.split(r"[:;] ", hint(result), maxsplit=1)[0]
    return f"{short} ({result.title})" if short and len(short) <= 60 else result.title


def next_step(report: Report) -> str:
    """The one thing to do next: write the first unwritten part, else fix the first failure that follows
    from no other."""
    if parts := unwritten(report):
        first = next(iter(parts))
        return f"write {first.part}, at {first}"
    roots = [r for r in to_fix(report) if likely_cause(report, r) is None]
    if roots:
        what = hint(roots[0])
        return f'fix "{roots[0].title}"' + (f": {what}" if what else " (above)")
    if report.pending:
        return "nothing to fix in what is shown; the points still to be checked come later"
    return "nothing: every check passed"


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
