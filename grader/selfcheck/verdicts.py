"""Grading mutants the way a class is graded, and what each grade says of its mutant.

A mutant is *killed* when it scores below full marks (by the checks that lost points), *survived* when it
scores full marks, *equivalent* when it survived and the reviewed list (``equivalent_mutants.toml``) says no
grader could tell it from the reference, and an *error* when nothing of it could be graded: the grader
could not grade it, every check failed (it cannot even be imported), or a check ran out of time.
"""

from __future__ import annotations

import tempfile
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.integrations.warm import Graded, grade_locally
from grader.outputs.results import Results
from grader.selfcheck.mutants import Mutant, copy_reference

KILLED, SURVIVED, EQUIVALENT, ERROR = "killed", "survived", "equivalent", "error"
TIMED_OUT = "was stopped after"  # what a check says that ran out of time (grader.sandbox.session)
REFERENCE = "reference"


@dataclass(frozen=True)
class Verdict:
    """What grading one mutant said of it."""

    mutant: Mutant | None  # None for the reference itself
    status: str
    score: float
    max_score: float
    killed_by: tuple[str, ...] = ()  # the checks that lost points
    failed: tuple[str, ...] = ()  # every failed check, points or not
    note: str = ""  # why it is an error, or why it is equivalent

    @property
    def name(self) -> str:
        return self.mutant.id if self.mutant else REFERENCE


@dataclass(frozen=True)
class Equivalent:
    """A reviewed survivor: the module, operator and change it is known by, and why it is harmless."""

    module: str
    operator: str
    change: str
    reason: str

    def matches(self, mutant: Mutant) -> bool:
        return (mutant.module, mutant.operator.name, mutant.change) == (self.module, self.operator, self.change)


def read_equivalents(path: Path) -> list[Equivalent]:
    """The reviewed survivors listed in ``path`` (none where it does not exist)."""
    if not path.is_file():
        return []
    entries = tomllib.loads(path.read_text()).get("mutant", [])
    return [Equivalent(entry["module"], entry["operator"], entry["change"], entry["reason"]) for entry in entries]


def judge(mutant: Mutant | None, graded: Graded, equivalents: Iterable[Equivalent] = ()) -> Verdict:
    """The verdict of one grade."""
    results: Results | None = graded.results
    if results is None:
        return Verdict(mutant, ERROR, 0, 0, note=graded.error or "not graded")
    failed = tuple(check for check, outcome in results.checks.items() if not outcome.passed)
    killed_by = tuple(check for check in failed if results.checks[check].max_score > 0)
    timed_out = [check for check in failed if TIMED_OUT in results.checks[check].output]
    verdict = Verdict(mutant, KILLED if results.score < results.max_score else SURVIVED, results.score,
                      results.max_score, killed_by, failed)
    if results.checks and len(failed) == len(results.checks):
        return Verdict(mutant, ERROR, results.score, results.max_score, killed_by, failed,
                       "no check could run it (it cannot be imported, or breaks everything)")
    if timed_out:
        return Verdict(mutant, ERROR, results.score, results.max_score, killed_by, failed,
                       f"ran out of time in {', '.join(timed_out)}")
    if verdict.status == SURVIVED and mutant is not None:
        for known in equivalents:
            if known.matches(mutant):
                return Verdict(mutant, EQUIVALENT, results.score, results.max_score, note=known.reason)
    return verdict


def grade_mutants(mutants: list[Mutant], solutions: Path, data_dir: Path, rubric: Path, workers: int,
                  equivalents: Iterable[Equivalent] = (), repeat: int = 1,
                  each: Callable[[Verdict], None] = lambda verdict: None) -> list[list[Verdict]]:
    """Grade the reference and every mutant ``repeat`` times, with ``workers`` warm graders: the verdicts of
    each, the reference's first, in the order given."""
    equivalents = list(equivalents)
    by_name: dict[str, Mutant | None] = {REFERENCE: None} | {mutant.id: mutant for mutant in mutants}
    with tempfile.TemporaryDirectory(prefix="selfcheck-") as scratch:
        todo: dict[str, Path] = {}
        for name, mutant in by_name.items():
            folder = Path(scratch, "submissions", name)
            mutant.write(solutions, folder) if mutant else copy_reference(solutions, folder)
            todo |= {f"{name}~{run}": folder for run in range(repeat)}
        verdicts: dict[str, list[Verdict]] = {name: [] for name in by_name}

        def judged(graded: Graded) -> None:
            name = graded.student.rsplit("~", 1)[0]
            verdicts[name].append(verdict := judge(by_name[name], graded, equivalents))
            each(verdict)
        grade_locally(todo, Path(scratch, "graded"), data_dir, rubric, workers, each=judged)
    return [verdicts[name] for name in by_name]
