"""``python -m kit.classroom_template --out dist/classroom --data-dir DATA``: a GitHub Classroom template repository.

Students get ``assignment/`` (the stubs), the grader and what ``make grade`` needs, a README, and
``.github/workflows/classroom.yml``; not ``solutions/``. The grader in their copy compares with the
reference's observations shipped in ``grader/reference.json``, made here from MNIST in DATA.

The workflow grades once per push, then has one step per visible rubric check, worth the check's
points, with GitHub Classroom's actions (https://github.com/classroom-resources): the command grader
runs ``python -m grader.classroom`` on the saved results, and the grading reporter adds the steps up.
Both come from the rubric the template ships, so the points cannot disagree.

A student's repository can hide nothing: it holds the grader, its checks and the rubric, and the
student reads every step's log. So checks that are not visible are left out of the workflow (its total
is the visible checks' points), the README says which and why, and the instructor grades them, e.g.
with ``make grade-all`` on the students' repositories after the due date.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from grader.config.paths import DATA_DIR, KIT_ROOT, RUBRIC
from grader.config.rubric import Check, Rubric, RubricError, load
from grader.intake.data import DataNotFound, Labels
from grader.judge import checks, reference
from grader.outputs.results import RESULTS_FILE
from grader.sandbox import wire
from kit.dist import TEMPLATES, files

# kit/ for `make train` (and because pyproject.toml names the package); it holds no solutions.
CONTENTS = ("assignment", "grader", "kit", "pyproject.toml", "Makefile")

WORKFLOW_HEADER = "# Written by `make classroom` from grader/rubric.toml: change the rubric and regenerate.\n"


def whole_points(check: Check) -> int:
    """The command grader reads max-score with parseInt: a fraction of a point would be lost."""
    if check.points != int(check.points):
        raise RubricError(f"[checks.{check.id}] points = {check.points:g}: GitHub Classroom takes whole points")
    return int(check.points)


def graded(rubric: Rubric) -> list[Check]:
    """The checks the workflow grades: the visible ones, since nothing in a student's repository is hidden."""
    return [check for check in rubric.checks.values() if check.visibility == "visible"]


def workflow(rubric: Rubric) -> dict:
    graded_checks = graded(rubric)
    steps = [
        {"name": "Check out the repository", "uses": "actions/checkout@v4"},
        {"name": "Set up Python", "uses": "actions/setup-python@v5",
         "with": {"python-version": "3.11", "cache": "pip", "cache-dependency-path": "pyproject.toml"}},
        {"name": "Cache MNIST", "uses": "actions/cache@v4", "with": {"path": "data", "key": "mnist"}},
        # No GPU on the runner: the CPU build of torch spares a download of gigabytes of CUDA.
        {"name": "Install the grader and download MNIST", "run": "make data",
         "env": {"PIP_EXTRA_INDEX_URL": "https://download.pytorch.org/whl/cpu"}},
        # When the grader cannot grade, the checks below still run, fail, and each says why.
        {"name": "Grade", "run": f"make grade RESULTS={RESULTS_FILE}", "continue-on-error": True},
    ]
    steps += [{"name": check.title, "id": check.id, "uses": "classroom-resources/autograding-command-grader@v1",
               "with": {"test-name": check.title, "command": f".venv/bin/python -m grader.classroom {RESULTS_FILE} "
                                                             f"{check.id}",
                        "timeout": 1, "max-score": whole_points(check)}}
              for check in graded_checks]
    steps.append({
        "name": "Autograding Reporter", "uses": "classroom-resources/autograding-grading-reporter@v1",
        # The reporter reads each step's result from <STEP ID, upper case>_RESULTS.
        "env": {f"{check.id.upper()}_RESULTS": f"${{{{ steps.{check.id}.outputs.result }}}}"
                for check in graded_checks},
        "with": {"runners": ",".join(check.id for check in graded_checks)},
    })
    return {
        "name": "Autograding Tests",
        "on": ["push", "repository_dispatch"],
        "permissions": {"checks": "write", "actions": "read", "contents": "read"},
        # The reporter posts the points to the check run named after this job.
        "jobs": {"run-autograding-tests": {"runs-on": "ubuntu-latest",
                                           "if": "github.actor != 'github-classroom[bot]'",
                                           "timeout-minutes": 30, "steps": steps}},
    }


def readme(rubric: Rubric) -> str:
    shown = graded(rubric)
    rows = ["| check | points |", "| --- | ---: |"]
    rows += [f"| {check.title} | {check.points:g} |" for check in shown]
    rows.append(f"| **total** | **{sum(check.points for check in shown):g}** |")
    held = [check for check in rubric.checks.values() if check not in shown]
    if held:
        rows += ["", f"{sum(check.points for check in held):g} more points are graded by your instructor after the "
                 f"due date: {'; '.join(check.title for check in held)}. They are not in the workflow's score, and "
                 "`make grade` does not show them. They are not secret either: a repository of your own cannot hide "
                 "anything, and the grader and all its checks are here."]
    return (TEMPLATES / "classroom" / "README.md").read_text().replace("<!-- checks -->", "\n".join(rows))


def build(out: Path, data_dir: Path, rubric_path: Path = RUBRIC) -> Path:
    """Write the template repository to ``out`` (replacing it) and return it."""
    rubric = load(rubric_path, check_ids=checks.declared())
    actions = workflow(rubric)
    Labels.load(data_dir)  # a clear message now rather than a broken reference worker later
    observations = reference.observations(data_dir, rubric.limits)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    for path in files(*CONTENTS):
        (staging / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(KIT_ROOT / path, staging / path)
    shutil.copy(rubric_path, staging / "grader" / "rubric.toml")
    (staging / "grader" / "reference.json").write_bytes(wire.encode(observations))
    (staging / "README.md").write_text(readme(rubric))
    shutil.copy(TEMPLATES / "classroom" / "gitignore", staging / ".gitignore")
    (staging / ".github" / "workflows").mkdir(parents=True)
    (staging / ".github" / "workflows" / "classroom.yml").write_text(
        WORKFLOW_HEADER + yaml.safe_dump(actions, sort_keys=False, width=120))
    os.chmod(staging, 0o755)  # not mkdtemp's 0700
    shutil.rmtree(out, ignore_errors=True)
    os.replace(staging, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kit.classroom_template", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("dist/classroom"),
                        help="the template repository's folder (default: dist/classroom)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST/raw/ lives (default: data)")
    parser.add_argument("--rubric", type=Path, default=RUBRIC, help="the rubric to grade by (default: "
                                                                    "grader/rubric.toml)")
    args = parser.parse_args(argv)
    try:
        out = build(args.out, args.data_dir, args.rubric)
    except (RubricError, DataNotFound) as error:
        print(f"kit.classroom_template: {error}", file=sys.stderr)
        return 2
    print(f"wrote {out}: push it to a repository marked as a template, and use it for a GitHub Classroom assignment")
    rubric = load(args.rubric)
    held = [check.id for check in rubric.checks.values() if check not in graded(rubric)]
    if held:  # said in the students' README too
        print(f"left out of the workflow, since a student's repository hides nothing: {', '.join(held)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
