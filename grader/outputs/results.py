"""Gradescope's ``results.json`` (https://gradescope-autograders.readthedocs.io/en/latest/specs/): the one
place it is made, written and read. A grade's file for a class (``grade-all``), the Classroom and nbgrader
steps and the tests all read it back through ``Results``, by check id, not by reaching into its JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from grader.config.files import write_atomically
from grader.judge.result import Result
from grader.outputs.report import Report, for_students, student_message

RESULTS_FILE = "results.json"  # its name wherever the kit writes one (Gradescope's own, a class's folders)
# Messages are preformatted plain text, shown to students at once; stdout (the instructor's log) stays hidden.
SETTINGS = {"output_format": "text", "test_output_format": "text", "test_name_format": "text",
            "visibility": "visible", "stdout_visibility": "hidden"}


class ResultsError(ValueError):
    """A file that is not a readable ``results.json``."""


@dataclass(frozen=True)
class Outcome:
    """One check as ``results.json`` holds it: a Gradescope test, whose tag is the check's id."""

    id: str
    name: str
    score: float
    max_score: float
    status: str  # "passed" or "failed"
    output: str  # what a student reads of it
    visibility: str = "visible"

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass(frozen=True)
class Results:
    """A grade as ``results.json`` says it: its total, its overview and each check, by id."""

    score: float
    output: str
    checks: dict[str, Outcome]
    execution_time: float = 0.0
    visibility: str = "visible"
    fingerprint: dict[str, str] = field(default_factory=dict)
    leaderboard: list[dict] = field(default_factory=list)

    @property
    def max_score(self) -> float:
        return sum(outcome.max_score for outcome in self.checks.values())

    @classmethod
    def of(cls, report: Report) -> Results:
        """The results of a grade, as Gradescope shows them. Every check is a test with the rubric's
        visibility, which Gradescope applies; what any test or the overview says is what students may read.
        Gradescope hides a student's total while any test is held back; the top-level visibility says the
        same of the whole submission (see ``release``)."""
        checks = {r.id: Outcome(r.id, r.title, r.score, r.max_score, "passed" if r.passed else "failed",
                                student_message(r) or "Passed.", r.visibility) for r in report.results}
        return cls(report.score, for_students(report).overview(), checks, round(report.seconds, 1),
                   release(report.results), report.fingerprint,
                   leaderboard(report.results) if report.leaderboard else [])

    @classmethod
    def not_graded(cls, reason: str, seconds: float) -> Results:
        """What Gradescope shows when the grader could not grade: no points, and why."""
        return cls(0, f"Not graded: {reason}", {}, round(seconds, 1))

    def to_json(self) -> dict:
        results = {"score": self.score, "execution_time": self.execution_time, "output": self.output, **SETTINGS,
                   "visibility": self.visibility,
                   "tests": [{"name": o.name, "number": str(number), "score": o.score, "max_score": o.max_score,
                              "status": o.status, "output": o.output, "visibility": o.visibility, "tags": [o.id]}
                             for number, o in enumerate(self.checks.values(), start=1)]}
        if self.fingerprint:
            results["extra_data"] = {"fingerprint": self.fingerprint}
        if self.leaderboard:
            results["leaderboard"] = self.leaderboard
        return results

    def write(self, path: Path) -> None:
        write_atomically(path, json.dumps(self.to_json(), indent=2) + "\n")

    @classmethod
    def from_json(cls, data: dict) -> Results:
        try:
            checks = {}
            for test in data["tests"]:
                outcome = Outcome(test["tags"][0], test["name"], float(test["score"]), float(test["max_score"]),
                                  test["status"], test.get("output", ""), test.get("visibility", "visible"))
                checks[outcome.id] = outcome
            score = float(data["score"]) if "score" in data else sum(outcome.score for outcome in checks.values())
            return cls(score, data.get("output", ""), checks, float(data.get("execution_time", 0)),
                       data.get("visibility", "visible"), data.get("extra_data", {}).get("fingerprint", {}),
                       data.get("leaderboard", []))
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as error:
            raise ResultsError(f"not the results of a grade ({type(error).__name__}: {error})") from None

    @classmethod
    def read(cls, path: Path) -> Results:
        """The results in ``path``; ``ResultsError`` (or ``OSError``) if there are none to read."""
        try:
            data = json.loads(path.read_text())
        except ValueError as error:
            raise ResultsError(f"{path} is not JSON ({error})") from None
        return cls.from_json(data)


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
