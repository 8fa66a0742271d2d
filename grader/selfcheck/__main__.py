"""``python -m grader.selfcheck``: mutate the reference, grade every mutant, report what the grader missed."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from tqdm import tqdm

from grader.config.files import write_atomically
from grader.config.paths import DATA_DIR, RUBRIC, SOLUTIONS
from grader.config.regions import SolutionRegionError
from grader.config.rubric import RubricError, load
from grader.intake import data
from grader.intake.contract import MODULES
from grader.intake.data import DataNotFound
from grader.judge import checks
from grader.selfcheck import report
from grader.selfcheck.generic import GENERIC_OPERATORS
from grader.selfcheck.mutants import mutants
from grader.selfcheck.operators import CATALOGUE, GENERIC, PYTORCH
from grader.selfcheck.verdicts import EQUIVALENT, SURVIVED, Equivalent, Verdict, grade_mutants, read_equivalents

EQUIVALENTS = RUBRIC.with_name("equivalent_mutants.toml")  # beside the rubric: reviewed survivors, with reasons
MIN_GENERIC_SCORE = 0.9  # the kit's own bar: every PyTorch-aware mutant killed, 90% of the generic ones


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader.selfcheck", description=__doc__.splitlines()[0])
    parser.add_argument("--solutions", type=Path, default=SOLUTIONS,
                        help="the reference to mutate (default: solutions)")
    parser.add_argument("--rubric", type=Path, default=RUBRIC, help="the rubric to grade with (default: the kit's)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST/raw/ lives (default: data)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="warm graders (default: one per core)")
    parser.add_argument("--family", choices=(PYTORCH, GENERIC), help="only this family of operators")
    parser.add_argument("--module", choices=MODULES, action="append", help="only mutate this module (repeatable)")
    parser.add_argument("--operator", action="append", help="only this operator, by name (repeatable)")
    parser.add_argument("--repeat", type=int, default=1, help="grade the reference and a sample of mutants N times, "
                                                                   "and report any verdict that varies")
    parser.add_argument("--sample", type=int, default=8, help="with --repeat: how many mutants (0: all)")
    parser.add_argument("--equivalents", type=Path, default=EQUIVALENTS,
                        help="reviewed survivors that no grader could tell from the reference "
                             "(default: grader/equivalent_mutants.toml)")
    parser.add_argument("--out", type=Path, default=Path("dist/selfcheck"),
                        help="where selfcheck.md and selfcheck.html go (default: dist/selfcheck)")
    parser.add_argument("--json", type=Path, help="also write every mutant and its verdict as JSON here")
    parser.add_argument("--list", action="store_true", help="only list the mutants, with their diffs")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = arguments().parse_args(argv)
    operators = [op for op in (*CATALOGUE, *GENERIC_OPERATORS) if (args.family in (None, op.family))
                 and (not args.operator or op.name in args.operator)]
    try:
        rubric = load(args.rubric, check_ids=checks.declared())
        made = mutants(args.solutions, operators, args.module or MODULES)
        if args.list:
            for mutant in made:
                print(f"{mutant.id}  ({mutant.operator.family}: {mutant.operator.mistake})\n{mutant.diff}")
            return 0
        data.require(args.data_dir)
    except (RubricError, SolutionRegionError, DataNotFound, OSError) as error:
        print(f"grader.selfcheck: {error}", file=sys.stderr)
        return 2
    if args.repeat > 1 and args.sample:
        made = made[:: max(1, len(made) // args.sample)][: args.sample]  # spread over the modules and operators
    whole = args.family is None and not args.operator and not args.module and args.repeat == 1
    equivalents = read_equivalents(args.equivalents)
    started = time.monotonic()
    with tqdm(total=(len(made) + 1) * args.repeat, unit="mutant", file=sys.stderr) as bar:
        runs = grade_mutants(made, args.solutions.resolve(), args.data_dir.resolve(), args.rubric.resolve(),
                             args.workers, equivalents, args.repeat, each=lambda v: bar.update())
    found = report.SelfCheck(runs, args.solutions, args.rubric, time.monotonic() - started, args.workers,
                             kit_points=None if args.rubric.resolve() == RUBRIC.resolve()
                             else {c.id: c.points for c in load(RUBRIC).checks.values()},
                             unused_equivalents=unused(runs, equivalents) if whole else [])
    text = report.markdown(found, list(rubric.checks))
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomically(args.out / "selfcheck.md", text)
    write_atomically(args.out / "selfcheck.html", report.page(text))
    if args.json:
        write_atomically(args.json, report.to_json(found))
    report.terminal(found)
    print(f"Wrote {args.out / 'selfcheck.md'} and {args.out / 'selfcheck.html'}"
          + (f" and {args.json}" if args.json else "") + ".")
    return 0 if holds(found) else 1


def unused(runs: list[list[Verdict]], equivalents: list[Equivalent]) -> list[Equivalent]:
    """The reviewed survivors that no mutant of a whole self-check matched: stale, to be removed."""
    matched = [runs[0].mutant for runs in runs[1:] if runs[0].status == EQUIVALENT]
    return [known for known in equivalents if not any(known.matches(mutant) for mutant in matched)]


def holds(found: report.SelfCheck) -> bool:
    """The kit's bar: the reference at full marks, every PyTorch-aware mutant killed, the generic score at least
    MIN_GENERIC_SCORE, and nothing that varied between runs."""
    generic = found.score(GENERIC)
    return (found.reference.status == SURVIVED and not found.of(PYTORCH, SURVIVED) and not found.flaky()
            and (generic is None or generic >= MIN_GENERIC_SCORE))


if __name__ == "__main__":
    sys.exit(main())
