"""What a self-check found, for the instructor who reads it: the terminal (short), Markdown, HTML and JSON.

The mutation score is killed / (killed + survived): errors are counted apart, and reviewed equivalents are
out of both. The table of checks by operator shows which checks catch which mistakes, so that a check that
kills nothing, or a mistake only the accuracy run notices, stands out.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from rich.console import Console
from rich.table import Table

from grader.selfcheck.operators import GENERIC, PYTORCH
from grader.selfcheck.verdicts import EQUIVALENT, ERROR, KILLED, SURVIVED, Equivalent, Verdict

FAMILIES = (PYTORCH, GENERIC)


@dataclass(frozen=True)
class SelfCheck:
    """A finished self-check: the verdicts of the reference and each mutant (one per run), and its setting."""

    runs: list[list[Verdict]]  # the reference's first
    solutions: Path
    rubric: Path
    seconds: float
    workers: int
    kit_points: dict[str, float] | None = None  # the kit's own rubric's points, where another rubric was used
    unused_equivalents: list[Equivalent] = field(default_factory=list)  # reviewed, but no survivor matches

    @property
    def reference(self) -> Verdict:
        return self.runs[0][0]

    @property
    def verdicts(self) -> list[Verdict]:
        """Each mutant's (first) verdict."""
        return [runs[0] for runs in self.runs[1:]]

    def of(self, family: str | None = None, status: str | None = None) -> list[Verdict]:
        return [v for v in self.verdicts if (family is None or v.mutant.operator.family == family)
                and (status is None or v.status == status)]

    def score(self, family: str | None = None) -> float | None:
        """killed / (killed + survived), or None where there is neither."""
        killed, survived = len(self.of(family, KILLED)), len(self.of(family, SURVIVED))
        return killed / (killed + survived) if killed + survived else None

    def kills(self) -> dict[str, Counter]:
        """For each operator, how many of its mutants each check killed."""
        table: dict[str, Counter] = {}
        for verdict in self.verdicts:
            counts = table.setdefault(verdict.mutant.operator.name, Counter())
            counts.update(verdict.killed_by)
        return table

    def idle_checks(self, rubric_checks: list[str]) -> list[str]:
        """Checks of the rubric that killed no mutant."""
        killing = {check for verdict in self.verdicts for check in verdict.killed_by}
        return [check for check in rubric_checks if check not in killing]

    def only_by_accuracy(self) -> list[str]:
        """Operators whose killed mutants were all caught by the accuracy run alone."""
        found = []
        for name in self.kills():
            killed = [v for v in self.verdicts if v.mutant.operator.name == name and v.status == KILLED]
            if killed and all(v.killed_by == ("accuracy",) for v in killed):
                found.append(name)
        return found

    def flaky(self) -> list[tuple[str, list[Verdict]]]:
        """The reference or mutants whose verdict, score or killing checks varied between runs."""
        return [(runs[0].name, runs) for runs in self.runs
                if len({(v.status, v.score, v.killed_by) for v in runs}) > 1]

    def costs_of_the_rubric(self) -> list[Verdict]:
        """Survivors here that the kit's own rubric would have killed (a check they fail has points there)."""
        if self.kit_points is None:
            return []
        return [v for v in self.of(status=SURVIVED) if any(self.kit_points.get(check, 0) > 0 for check in v.failed)]


def _percent(score: float | None) -> str:
    return "-" if score is None else f"{score:.0%}"


def _counts(check: SelfCheck, family: str | None) -> list[str]:
    return [str(len(check.of(family)))] + [str(len(check.of(family, status)))
                                           for status in (KILLED, SURVIVED, EQUIVALENT, ERROR)]


def _heading(check: SelfCheck) -> str:
    minutes, seconds = divmod(round(check.seconds), 60)
    return (f"Self-check of {check.solutions} with {check.rubric}: {len(check.verdicts)} mutants, graded in "
            f"{minutes} min {seconds} s by {check.workers} warm grader(s). The reference scored "
            f"{check.reference.score:g}/{check.reference.max_score:g}.")


def terminal(check: SelfCheck, console: Console | None = None) -> None:
    """The short report: scores per family, survivors on a line each, and what the instructor should do."""
    console = console or Console()
    console.print(_heading(check))
    table = Table("family", "mutants", "killed", "survived", "equivalent", "error", "score")
    for family in FAMILIES:
        table.add_row(family, *_counts(check, family), _percent(check.score(family)))
    table.add_row("overall", *_counts(check, None), _percent(check.score()), style="bold")
    console.print(table)
    if check.reference.status != SURVIVED:
        console.print(f"[red]The reference itself did not get full marks ({check.reference.note or 'lost points in '}"
                      f"{', '.join(check.reference.killed_by)}): every verdict above is in doubt.[/red]")
    for verdict in check.of(status=SURVIVED):
        console.print(f"  survived: {verdict.mutant.module}:{verdict.mutant.line} {verdict.mutant.operator.name}: "
                      f"{verdict.mutant.change}", markup=False, highlight=False)
    for name, _ in check.flaky():
        console.print(f"  [yellow]varied between runs: {name}[/yellow]")
    for verdict in check.costs_of_the_rubric():
        console.print(f"  this rubric lets through what the kit's catches: {verdict.name} "
                      f"(fails {', '.join(verdict.failed)}, worth no points here)", markup=False)
    if check.of(status=SURVIVED):
        console.print("A survivor is a change to the reference the grader does not notice: strengthen a check "
                      "that should notice it, or, if no grader could, add it to equivalent_mutants.toml with "
                      "the reason.")


def markdown(check: SelfCheck, rubric_checks: list[str]) -> str:
    """The whole report in Markdown."""
    lines = ["# Self-check of the grader", "", _heading(check), "",
             "| family | mutants | killed | survived | equivalent | error | score |", "|---|---|---|---|---|---|---|"]
    for family in (*FAMILIES, None):
        lines.append(f"| {family or '**overall**'} | {' | '.join(_counts(check, family))} | "
                     f"{_percent(check.score(family))} |")
    lines += ["", "The score is killed / (killed + survived): errors are counted apart, reviewed equivalents "
              "left out.", ""]
    if check.reference.status != SURVIVED:
        lines += [f"**The reference itself did not get full marks** ({', '.join(check.reference.killed_by)}).", ""]
    lines += _kills_table(check, rubric_checks)
    lines += ["", "## Survivors", ""]
    lines += [_described(v) for v in check.of(status=SURVIVED)] or ["None: every mutant was killed or is reviewed."]
    if check.costs_of_the_rubric():
        lines += ["", "## What this rubric costs", "",
                  "These survive here, and the kit's own rubric kills them: a check they fail gives no points "
                  "in this rubric.", ""]
        lines += [_described(v) for v in check.costs_of_the_rubric()]
    if len(check.runs[0]) > 1:
        lines += ["", f"## Repeated runs ({len(check.runs[0])} each)", ""]
        lines += [f"- **{name}**: " + "; ".join(f"{v.status} {v.score:g} ({', '.join(v.killed_by) or '-'})"
                                                  for v in runs) for name, runs in check.flaky()] \
            or ["Every verdict and score was the same in every run."]
    lines += ["", "## Equivalent (reviewed)", ""]
    lines += [f"- `{v.mutant.module}:{v.mutant.line}` {v.mutant.operator.name}: `{v.mutant.change}`: {v.note}"
              for v in check.of(status=EQUIVALENT)] or ["None."]
    lines += [f"- not made any more, or killed now (remove it from the list): `{e.module}` {e.operator}: "
              f"`{e.change}`" for e in check.unused_equivalents]
    lines += ["", "## Errors", ""]
    lines += [f"- `{v.name}`: {v.note}" for v in check.of(status=ERROR)] or ["None."]
    return "\n".join(lines) + "\n"


def _kills_table(check: SelfCheck, rubric_checks: list[str]) -> list[str]:
    kills = check.kills()
    used = [c for c in rubric_checks if any(counts[c] for counts in kills.values())]
    lines = ["## Which checks kill which operators", "",
             "Each cell: how many mutants of the operator the check took points from.", "",
             "| operator | family | mistake | " + " | ".join(used) + " | survived |",
             "|---|---|---|" + "---|" * (len(used) + 1)]
    operators = {v.mutant.operator.name: v.mutant.operator for v in check.verdicts}
    for name, operator in sorted(operators.items(), key=lambda item: (FAMILIES.index(item[1].family), item[0])):
        survived = sum(1 for v in check.of(status=SURVIVED) if v.mutant.operator.name == name)
        cells = [str(kills[name][c] or "") for c in used]
        lines.append(f"| {name} | {operator.family} | {operator.mistake} | {' | '.join(cells)} | {survived or ''} |")
    idle = check.idle_checks(rubric_checks)
    lines += ["", f"Checks that killed no mutant: {', '.join(idle) if idle else 'none'}.",
              f"Operators only the accuracy run catches: {', '.join(check.only_by_accuracy()) or 'none'}."]
    return lines


def _described(verdict: Verdict) -> str:
    mutant = verdict.mutant
    return (f"- `{mutant.module}:{mutant.line}` **{mutant.operator.name}** ({mutant.operator.family}: "
            f"{mutant.operator.mistake})\n\n```diff\n{mutant.diff.rstrip()}\n```\n")


def page(markdown_text: str) -> str:
    """The Markdown report as one HTML page."""
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown_text)
    style = ("body{font-family:system-ui,sans-serif;max-width:1600px;margin:2em auto;padding:0 1em}"
             "table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;padding:2px 6px}"
             "pre{background:#f6f6f6;padding:.5em;overflow-x:auto}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape('Self-check')}</title>"
            f"<style>{style}</style></head><body>{body}</body></html>\n")


def to_json(check: SelfCheck) -> str:
    """Every mutant, for tools: its operator, family, status, the checks that killed it, and its diff."""
    return json.dumps({
        "solutions": str(check.solutions), "rubric": str(check.rubric), "seconds": round(check.seconds, 1),
        "reference": {"status": check.reference.status, "score": check.reference.score,
                      "max_score": check.reference.max_score},
        "scores": {family or "overall": check.score(family) for family in (*FAMILIES, None)},
        "mutants": [{"id": v.name, "module": v.mutant.module, "line": v.mutant.line,
                     "operator": v.mutant.operator.name, "family": v.mutant.operator.family,
                     "mistake": v.mutant.operator.mistake, "status": v.status, "score": v.score,
                     "max_score": v.max_score, "killed_by": list(v.killed_by), "note": v.note,
                     "change": v.mutant.change, "diff": v.mutant.diff} for v in check.verdicts],
        "varied": [name for name, _ in check.flaky()],
    }, indent=2) + "\n"
