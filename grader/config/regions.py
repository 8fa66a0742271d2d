"""The solution regions of the reference: the code between ``### BEGIN SOLUTION`` and ``### END SOLUTION``.

Read here once, for the stubs and notebooks made from ``solutions/`` (``kit/``) and for the mutants the
self-check makes of it (``grader.selfcheck``).
"""

from __future__ import annotations

from dataclasses import dataclass

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
HINT_PREFIX = "hint:"


class SolutionRegionError(ValueError):
    """A ``### BEGIN SOLUTION`` without its ``### END SOLUTION``, or the other way round."""


@dataclass(frozen=True)
class Region:
    """One solution region: the line numbers (from 1) of its two markers, its indent and its hint."""

    begin: int
    end: int
    indent: str
    hint: str

    def holds(self, line: int) -> bool:
        """Whether ``line`` is code of the region (between its markers)."""
        return self.begin < line < self.end


def hint_of(marker_line: str) -> str:
    """The hint a ``### BEGIN SOLUTION hint: ...`` line gives ('' for a bare marker)."""
    return marker_line.strip()[len(BEGIN):].strip().removeprefix(HINT_PREFIX).strip()


def solution_regions(source: str) -> list[Region]:
    """Every solution region of ``source``, in order."""
    regions: list[Region] = []
    opened: tuple[int, str, str] | None = None  # the open region's marker line, indent and hint
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            if opened is not None:
                raise SolutionRegionError(f"line {number}: {BEGIN} inside another solution region")
            opened = (number, line[: len(line) - len(line.lstrip())], hint_of(line))
        elif stripped.startswith(END):
            if opened is None:
                raise SolutionRegionError(f"line {number}: {END} without {BEGIN}")
            regions.append(Region(opened[0], number, opened[1], opened[2]))
            opened = None
    if opened is not None:
        raise SolutionRegionError(f"{BEGIN} is never closed by {END}")
    return regions
