"""A grade in the terminal: a table of every check, then each failed check's message, then the score."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.outputs.report import Report


def print_report(report: Report, console: Console | None = None) -> None:
    """The report as its reader sees it (whoever it was made for: see ``report.view``)."""
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
