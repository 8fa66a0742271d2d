"""A grade in the terminal, at one of three levels of detail.

The default leads to the next thing to do: the parts still to write, one line each; the failed checks with
what to fix, each saying which other failure it probably follows from; the passed ones as a count; and,
last on screen, the score and the one next step. ``quiet`` is the score and the failed checks' names;
``verbose`` a table of every check, every failed check's message and everything the sandbox held.

Colours follow rich's reading of the environment: none when the output is not a terminal or ``NO_COLOR``
is set, always with ``FORCE_COLOR``.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.judge.result import Result
from grader.outputs.report import Report, gist, likely_cause, next_step, to_fix, unwritten

DETAILS = ("quiet", "normal", "verbose")
COLOURS = {"passed": "green", "partial": "yellow", "failed": "red"}


def print_report(report: Report, console: Console | None = None, detail: str = "normal") -> None:
    """The report as its reader sees it (whoever it was made for: see ``report.view``), at ``detail``, one
    of DETAILS."""
    console = console or Console()
    {"quiet": _quiet, "normal": _leading, "verbose": _everything}[detail](report, console)


def _quiet(report: Report, console: Console) -> None:
    console.print(_score(report))
    for r in report.results:
        if not r.passed:
            console.print(Text(f"Failed: {r.title} ({_points(r)})"))


def _leading(report: Report, console: Console) -> None:
    console.print(Text(f"Grading {report.submission}", style="bold"))  # a name is text, not markup
    if parts := unwritten(report):
        waiting = sum(len(checks) for checks in parts.values())
        which = "every check waits" if waiting == len(report.results) else f"{waiting} of {len(report.results)} " \
                                                                            "checks wait"
        console.print(Text(f"Still to write: {_count(len(parts), 'part')} raise NotImplementedError; {which} on "
                           "them:"))
        width = max(len(str(stub)) for stub in parts)
        for stub in parts:
            console.print(Text(f"  {str(stub):<{width}}  {stub.part}"))
    for r in to_fix(report):
        console.rule(Text.assemble((r.title, f"bold {COLOURS[r.status]}"), f" ({_points(r)})"), align="left")
        if (cause := likely_cause(report, r)) is not None:
            console.print(Text(f"Probably follows from: {gist(cause)}", style="italic"))
        console.print(r.message, markup=False, highlight=False)
    console.rule()
    passed = [r for r in report.results if r.passed]
    if passed:
        console.print(Text(f"Passed: {len(passed)} of {len(report.results)} checks, "
                           f"{sum(r.score for r in passed):g} points.", style="green"))
    for line in [*report.notes(), *(f"Problem: {problem}" for problem in report.problems)]:
        console.print(Text(line))
    console.print(Text(f"Sandbox: {report.sandbox or report.protections}; --verbose says more", style="dim"))
    console.print(_score(report))
    console.print(Text(f"Next: {next_step(report)}", style="bold"))


def _everything(report: Report, console: Console) -> None:
    table = Table(title=Text(f"Grading {report.submission}"), show_lines=False)
    table.add_column("Check")
    table.add_column("Points", justify="right")
    table.add_column("Status")
    for r in report.results:
        table.add_row(Text(r.title), _points(r), Text(r.status, style=COLOURS[r.status]))
    console.print(table)
    for r in report.results:
        if not r.passed:
            console.rule(Text.assemble((r.title, "bold"), f" ({_points(r)})"), align="left")
            console.print(r.message, markup=False, highlight=False)
    console.rule()
    console.print(report.overview(), markup=False, highlight=False)


def _score(report: Report) -> Text:
    share = report.score / report.max_score if report.max_score else 0
    colour = "green" if share >= 1 else ("yellow" if share > 0 else "red")
    return Text(f"Score: {report.score:g} / {report.max_score:g}", style=f"bold {colour}")


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def _points(result: Result) -> str:
    return f"{result.score:g} / {result.max_score:g}"
