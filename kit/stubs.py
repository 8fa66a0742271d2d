"""Turn the reference modules into student stubs, one small transformation at a time.

Each transformation takes a module's source and returns new source, like nbgrader's preprocessors;
``STUB_PIPELINE`` composes them. ``python -m kit.stubs`` writes ``assignment/`` from ``solutions/``,
and ``--check`` only reports whether ``assignment/`` is what it would write.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from grader.config.regions import BEGIN, hint_of, solution_regions
from grader.intake.contract import MODULES

Transformation = Callable[[str], str]


class ClearSolutions:
    """Replace each solution region with ``raise NotImplementedError``, keeping its hint as a comment."""

    def __call__(self, source: str) -> str:
        lines = source.splitlines(keepends=True)
        out: list[str] = []
        kept_from = 0  # the first line not yet copied (from 0)
        for region in solution_regions(source):
            out += lines[kept_from: region.begin - 1]
            if region.hint:
                out.append(f"{region.indent}# Hint: {region.hint}\n")
            out.append(f"{region.indent}raise NotImplementedError({'YOUR CODE HERE'!r})\n")
            kept_from = region.end
        return "".join(out + lines[kept_from:])


class HintsAsComments:
    """Move each region's hint into a comment above a bare ``### BEGIN SOLUTION``, as nbgrader wants it."""

    def __call__(self, source: str) -> str:
        out = []
        for line in source.splitlines(keepends=True):
            stripped = line.strip()
            if stripped.startswith(BEGIN) and stripped != BEGIN:
                indent = line[: len(line) - len(line.lstrip())]
                out += [f"{indent}# Hint: {hint_of(line)}\n", f"{indent}{BEGIN}\n"]
            else:
                out.append(line)
        return "".join(out)


class AddGeneratedHeader:
    """Say at the top of a stub where it came from and what to do with it."""

    HEADER = (
        "# Generated from solutions/ by `make assignment`: do not edit this header.\n"
        "# Replace every `raise NotImplementedError` with your code, then run `make grade`.\n"
    )

    def __call__(self, source: str) -> str:
        return self.HEADER + source


STUB_PIPELINE: tuple[Transformation, ...] = (ClearSolutions(), AddGeneratedHeader())


def run_pipeline(source: str, pipeline: Iterable[Transformation] = STUB_PIPELINE) -> str:
    for transform in pipeline:
        source = transform(source)
    return source


def collapse_blank_runs(source: str) -> str:
    """Keep at most two blank lines in a row, as a formatter would."""
    return re.sub(r"\n{4,}", "\n\n\n", source)


def generate(solutions: Path, assignment: Path) -> dict[Path, str]:
    """The stub text of every module, keyed by where it belongs in ``assignment``."""
    return {
        assignment / name: collapse_blank_runs(run_pipeline((solutions / name).read_text()))
        for name in MODULES
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kit.stubs", description=__doc__.splitlines()[0])
    parser.add_argument("--solutions", type=Path, default=Path("solutions"),
                        help="the reference modules to make stubs of (default: solutions)")
    parser.add_argument("--assignment", type=Path, default=Path("assignment"),
                        help="where the stubs go (default: assignment)")
    parser.add_argument("--check", action="store_true", help="fail if assignment/ is out of date")
    args = parser.parse_args(argv)
    stubs = generate(args.solutions, args.assignment)
    stale = [path for path, text in stubs.items() if not path.is_file() or path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"{path} is not what `make assignment` generates from {args.solutions}/", file=sys.stderr)
        return 1 if stale else 0
    args.assignment.mkdir(parents=True, exist_ok=True)
    for path in stale:
        path.write_text(stubs[path])
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
