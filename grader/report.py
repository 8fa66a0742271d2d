"""The outputs of a grading run: a table in the terminal, and Gradescope's ``results.json``; and what
each audience reads of a run: instructors everything, students the checks visible now, each message
at its check's feedback level (the one place where the rubric's visibility and feedback are applied)."""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.feedback import HINT
from grader.plugin import Result

# results.json settings (https://gradescope-autograders.readthedocs.io/en/latest/specs/): messages are
# preformatted plain text, shown to students at once; stdout (the instructor's log) stays hidden.
GRADESCOPE_SETTINGS = {"output_format": "text", "test_output_format": "text", "test_name_format": "text",
                       "visibility": "visible", "stdout_visibility": "hidden"}
AUDIENCES = ("student", "instructor")
SCORE_ONLY = "Not passed in full. This check shows its points only."


@dataclass
class Report:
    submission: str
    results: list[Result]
    problems: list[str]
    protections: str
    seconds: float
    pending: float = 0.0  # points of checks left out of this view (students: not visible yet)
    fingerprint: dict[str, str] = field(default_factory=dict)  # what was graded, by what (grader.fingerprint)
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

    def gradescope(self) -> dict:
        """Gradescope's results.json: https://gradescope-autograders.readthedocs.io/en/latest/specs/

        Every check is a test with the rubric's visibility, which Gradescope applies; what any test or
        the overview says is what students may read. Gradescope hides a student's total while any test
        is held back; the top-level visibility says the same of the whole submission (see ``release``).
        """
        results = {
            "score": self.score,
            "execution_time": round(self.seconds, 1),
            "output": for_students(self).overview(),
            **GRADESCOPE_SETTINGS,
            "visibility": release(self.results),
            "tests": [
                {"name": r.title, "number": str(number), "score": r.score, "max_score": r.max_score,
                 "status": "passed" if r.passed else "failed", "output": student_message(r) or "Passed.",
                 "visibility": r.visibility, "tags": [r.id]}
                for number, r in enumerate(self.results, start=1)
            ],
        }
        if self.fingerprint:
            results["extra_data"] = {"fingerprint": self.fingerprint}
        if self.leaderboard:
            results["leaderboard"] = leaderboard(self.results)
        return results


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


def release(results: list[Result]) -> str:
    """When the whole submission, its total included, may be shown: when the last held-back check may be.
    A hidden check's points are in the total, which students see once grades are published."""
    held = {r.visibility for r in results} - {"visible"}
    if not held:
        return "visible"
    return "after_due_date" if held == {"after_due_date"} else "after_published"


def leaderboard(results: list[Result]) -> list[dict]:
    """Gradescope's leaderboard: the accuracy run's last test accuracy, and the MLP's parameter count
    (fewer ranks higher); each left out when its check recorded none."""
    recorded = {r.id: r.extra or {} for r in results}
    board = []
    if recorded.get("accuracy", {}).get("accuracy"):
        board.append({"name": "Accuracy", "value": round(recorded["accuracy"]["accuracy"][-1], 4)})
    if "parameters" in recorded.get("mlp_input_features", {}):
        board.append({"name": "Parameters", "value": recorded["mlp_input_features"]["parameters"], "order": "asc"})
    return board


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it over: no reader sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.", delete=False) as file:
        file.write(text)
    os.chmod(file.name, 0o644)  # as an ordinary file would be: instructors may serve reports from a web server
    os.replace(file.name, path)


def write_results(report: Report, path: Path) -> None:
    write_gradescope(report.gradescope(), path)


def write_gradescope(results: dict, path: Path) -> None:
    """Gradescope's ``results.json``, from ``Report.gradescope()`` (made here, or by a grader elsewhere)."""
    write_atomically(path, json.dumps(results, indent=2) + "\n")


def print_report(report: Report, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title=Text(f"Grading {report.submission}"), show_lines=False)  # a name is text, not markup
    table.add_column("Check")
    table.add_column("Points", justify="right")
    table.add_column("Status")
    for r in report.results:
        colour = {"passed": "green", "partial": "yellow", "failed": "red"}[r.status]
        table.add_row(r.title, f"{r.score:g} / {r.max_score:g}", f"[{colour}]{r.status}[/]")
    console.print(table)
    for r in report.results:
        if not r.passed:
            console.rule(Text.assemble((r.title, "bold"), f" ({r.score:g} / {r.max_score:g})"), align="left")
            console.print(r.message, markup=False, highlight=False)
    console.rule()
    console.print(report.overview(), markup=False, highlight=False)
