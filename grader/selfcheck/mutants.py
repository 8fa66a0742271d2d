"""Mutants of the reference: each operator applied to each node of a solution region, one change a mutant.

A mutant changes only lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION``; one that does not
compile, or that is the same text as another of its family, is not made.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from grader.config.regions import Region, solution_regions
from grader.intake.contract import MODULES
from grader.selfcheck.operators import Operator


@dataclass(frozen=True)
class Mutant:
    """One change to one module of the reference, made by one operator."""

    module: str  # dataset.py, model.py or training.py
    line: int  # the first line it changes
    operator: Operator
    source: str  # the whole mutated module
    diff: str  # unified, against the reference

    @property
    def change(self) -> str:
        """The change on one line: the lines it takes out, then ``->`` and those it puts in."""
        taken = [line[1:].strip() for line in self.diff.splitlines()[2:] if line.startswith("-")]
        put = [line[1:].strip() for line in self.diff.splitlines()[2:] if line.startswith("+")]
        if sorted(taken) == sorted(put):
            return f"{' / '.join(taken)} moved"
        return f"{' / '.join(taken) or '(nothing)'} -> {' / '.join(put) or '(nothing)'}"

    @property
    def id(self) -> str:
        """A name for its folder and its rows: module, line, operator and a digest of the change."""
        digest = hashlib.sha256(self.source.encode()).hexdigest()[:6]
        return f"{Path(self.module).stem}-{self.line}-{self.operator.name}-{digest}"

    def write(self, solutions: Path, folder: Path) -> Path:
        """The reference with this module mutated, as a submission folder at ``folder``."""
        copy_reference(solutions, folder)
        (folder / self.module).write_text(self.source)
        return folder


def copy_reference(solutions: Path, folder: Path) -> Path:
    """The reference as a submission folder at ``folder``."""
    shutil.copytree(solutions, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def mutants(solutions: Path, operators: Iterable[Operator], modules: Iterable[str] = MODULES) -> list[Mutant]:
    """Every mutant ``operators`` make of the solution regions of ``modules`` in ``solutions``."""
    made: list[Mutant] = []
    for module in modules:
        source = (solutions / module).read_text()
        seen: set[tuple[str, str]] = set()
        for mutant in _of_module(module, source, list(operators)):
            if (mutant.operator.family, mutant.source) not in seen:
                seen.add((mutant.operator.family, mutant.source))
                made.append(mutant)
    return made


def _of_module(module: str, source: str, operators: list[Operator]) -> Iterator[Mutant]:
    regions = solution_regions(source)
    wrapper = MetadataWrapper(cst.parse_module(source))
    positions = wrapper.resolve(PositionProvider)
    nodes = sorted(positions.items(), key=lambda item: (item[1].start.line, item[1].start.column))
    for node, where in nodes:
        if not any(region.begin < where.end.line and where.start.line < region.end for region in regions):
            continue
        for operator in operators:
            if not isinstance(node, operator.node):
                continue
            for replacement in operator.mutate(node):
                mutated = wrapper.module.deep_replace(node, replacement).code
                changed = _changed_lines(source, mutated)
                if changed and all(_inside(regions, line) for line in changed) and _compiles(mutated):
                    diff = "".join(difflib.unified_diff(source.splitlines(keepends=True),
                                                        mutated.splitlines(keepends=True), module, module, n=1))
                    yield Mutant(module, math.ceil(min(changed)), operator, mutated, diff)


def _changed_lines(old: str, new: str) -> list[float]:
    """The lines of ``old`` (from 1) that ``new`` changes or removes; ``n + 0.5`` for an insertion after line n."""
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    changed: list[float] = []
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            changed += range(i1 + 1, i2 + 1)
        elif tag == "insert":
            changed.append(i1 + 0.5)
    return changed


def _inside(regions: list[Region], line: float) -> bool:
    return any(region.begin < line < region.end for region in regions)


def _compiles(source: str) -> bool:
    try:
        compile(source, "<mutant>", "exec")
    except (SyntaxError, ValueError):
        return False
    return True
