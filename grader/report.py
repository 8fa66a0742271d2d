"""The outputs of a grading run: a table in the terminal, and Gradescope's ``results.json``."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from grader.plugin import Result

# results.json settings (https://gradescope-autograders.readthedocs.io/en/latest/specs/): messages are
# preformatted plain text, shown to students at once; stdout (the instructor's log) stays hidden.
GRADESCOPE_SETTINGS = {"output_format": "text", "test_output_format": "text", "test_name_format": "text",
                       "visibility": "visible", "stdout_visibility": "hidden"}


@dataclass
class Report:
    submission: str
    results: list[Result]
    problems: list[str]
    protections: str
    seconds: float

    @property
    def score(self) -> float:
        return round(sum(r.score for r in self.results), 2)

    @property
    def max_score(self) -> float:
        return sum(r.max_score for r in self.results)

    def overview(self) -> str:
        lines = [f"Score: {self.score:g} / {self.max_score:g}"]
        lines += [f"Problem: {problem}" for problem in self.problems]
        lines.append(f"Sandbox: {self.protections}")
        return "\n".join(lines)

    def gradescope(self) -> dict:
        """Gradescope's results.json: https://gradescope-autograders.readthedocs.io/en/latest/specs/"""
        return {
            "score": self.score,
            "execution_time": round(self.seconds, 1),
            "output": self.overview(),
            **GRADESCOPE_SETTINGS,
            "tests": [
                {"name": r.title, "number": str(number), "score": r.score, "max_score": r.max_score,
                 "status": "passed" if r.passed else "failed", "output": r.message or "Passed.",
                 "visibility": "visible", "tags": [r.id]}
                for number, r in enumerate(self.results, start=1)
            ],
        }


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it over: no reader sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.", delete=False) as file:
        file.write(text)
    os.chmod(file.name, 0o644)  # as an ordinary file would be: instructors may serve reports from a web server
    os.replace(file.name, path)


def write_results(report: Report, path: Path) -> None:
    write_atomically(path, json.dumps(report.gradescope(), indent=2) + "\n")


def print_report(report: Report, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title=f"Grading {report.submission}", show_lines=False)
    table.add_column("Check")
    table.add_column("Points", justify="right")
    table.add_column("Status")
    for r in report.results:
        colour = {"passed": "green", "partial": "yellow", "failed": "red"}[r.status]
        table.add_row(r.title, f"{r.score:g} / {r.max_score:g}", f"[{colour}]{r.status}[/]")
    console.print(table)
    for r in report.results:
        if not r.passed:
            console.rule(f"[bold]{r.title}[/] ({r.score:g} / {r.max_score:g})", align="left")
            console.print(r.message, markup=False, highlight=False)
    console.rule()
    console.print(report.overview(), markup=False, highlight=False)
