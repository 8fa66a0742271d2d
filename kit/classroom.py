"""``python -m kit.classroom --out dist/classroom --data-dir DATA``: a GitHub Classroom template repository.

Students get ``assignment/`` (the stubs), the grader and what ``make grade`` needs, a README, and
``.github/workflows/classroom.yml``; not ``solutions/``. The grader in their copy compares with the
reference's observations shipped in ``grader/reference.json``, made here from MNIST in DATA.

The workflow grades once per push, then has one step per rubric check, worth the check's points,
with GitHub Classroom's actions (https://github.com/classroom-resources): the command grader runs
``python -m grader.classroom`` on the saved results, and the grading reporter adds the steps up.
Both come from the rubric the template ships, so the points cannot disagree.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from grader import checks, reference
from grader.data import DataNotFound, Labels
from grader.rubric import DEFAULT, Check, Rubric, RubricError, load
from grader.sandbox import wire
from kit.dist import KIT, TEMPLATES, files

# kit/ for `make train` (and because pyproject.toml names the package); it holds no solutions.
CONTENTS = ("assignment", "grader", "kit", "pyproject.toml", "Makefile")
RESULTS = "results.json"
WORKFLOW_HEADER = "# Written by `make classroom` from grader/rubric.toml: change the rubric and regenerate.\n"


def whole_points(check: Check) -> int:
    """The command grader reads max-score with parseInt: a fraction of a point would be lost."""
    if check.points != int(check.points):
        raise RubricError(f"[checks.{check.id}] points = {check.points:g}: GitHub Classroom takes whole points")
    return int(check.points)


def workflow(rubric: Rubric) -> dict:
    graded = list(rubric.checks.values())
    steps = [
        {"name": "Check out the repository", "uses": "actions/checkout@v4"},
        {"name": "Set up Python", "uses": "actions/setup-python@v5",
         "with": {"python-version": "3.11", "cache": "pip", "cache-dependency-path": "pyproject.toml"}},
        {"name": "Cache MNIST", "uses": "actions/cache@v4", "with": {"path": "data", "key": "mnist"}},
        # No GPU on the runner: the CPU build of torch spares a download of gigabytes of CUDA.
        {"name": "Install the grader and download MNIST", "run": "make data",
         "env": {"PIP_EXTRA_INDEX_URL": "https://download.pytorch.org/whl/cpu"}},
        # When the grader cannot grade, the checks below still run, fail, and each says why.
        {"name": "Grade", "run": f"make grade RESULTS={RESULTS}", "continue-on-error": True},
    ]
    steps += [{"name": check.title, "id": check.id, "uses": "classroom-resources/autograding-command-grader@v1",
               "with": {"test-name": check.title, "command": f".venv/bin/python -m grader.classroom {RESULTS} {check.id}",
                        "timeout": 1, "max-score": whole_points(check)}}
              for check in graded]
    steps.append({
        "name": "Autograding Reporter", "uses": "classroom-resources/autograding-grading-reporter@v1",
        # The reporter reads each step's result from <STEP ID, upper case>_RESULTS.
        "env": {f"{check.id.upper()}_RESULTS": f"${{{{ steps.{check.id}.outputs.result }}}}" for check in graded},
        "with": {"runners": ",".join(check.id for check in graded)},
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
    rows = ["| check | points |", "| --- | ---: |"]
    rows += [f"| {check.title} | {check.points:g} |" for check in rubric.checks.values()]
    rows.append(f"| **total** | **{rubric.total:g}** |")
    return (TEMPLATES / "classroom" / "README.md").read_text().replace("<!-- checks -->", "\n".join(rows))


def build(out: Path, data_dir: Path, rubric_path: Path = DEFAULT) -> Path:
    """Write the template repository to ``out`` (replacing it) and return it."""
    rubric = load(rubric_path, check_ids=checks.declared())
    actions = workflow(rubric)
    Labels.load(data_dir)  # a clear message now rather than a broken reference worker later
    observations = reference.observations(data_dir, rubric.limits)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    for path in files(*CONTENTS):
        (staging / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(KIT / path, staging / path)
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
    parser = argparse.ArgumentParser(prog="python -m kit.classroom", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("dist/classroom"))
    parser.add_argument("--data-dir", type=Path, default=Path("data"), help="where MNIST/raw/ lives (default: data)")
    parser.add_argument("--rubric", type=Path, default=DEFAULT, help="the rubric to grade by (default: grader/rubric.toml)")
    args = parser.parse_args(argv)
    try:
        out = build(args.out, args.data_dir, args.rubric)
    except (RubricError, DataNotFound) as error:
        print(f"kit.classroom: {error}", file=sys.stderr)
        return 2
    print(f"wrote {out}: push it to a repository marked as a template, and use it for a GitHub Classroom assignment")
    return 0


if __name__ == "__main__":
    sys.exit(main())
