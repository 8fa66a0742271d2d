"""``python -m tests.snapshot OUT.json --data-dir DIR``: every public corpus graded, its verdicts in one file.

The bug zoo, the correct zoo (modules and notebooks), the malformed corpus and the hostile set (in both
sandbox modes, with the hostile tests' tighter limits) are each graded as a class by ``grade-all``; OUT.json
maps every entry to its total and each check's points and message (or the reason it could not be graded).
Two snapshots, taken before and after a change, say whether any verdict moved: ``--compare OLD.json``
prints every difference and exits 1 if there is one.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.config.paths import KIT_ROOT, SOLUTIONS
from grader.outputs.results import RESULTS_FILE, Results
from tests.correct_notebooks import NOTEBOOKS
from tests.correct_zoo import CORRECT
from tests.hostile import HOSTILE
from tests.malformed import CORPUS
from tests.zoo import ZOO

QUICK_LIMITS = (("check_seconds = 60", "check_seconds = 30"), ("memory_mb = 3072", "memory_mb = 2048"),
                ("tasks = 256", "tasks = 128"), ("disk_mb = 512", "disk_mb = 256"))


def build(corpus: str, into: Path) -> None:
    """Each entry of ``corpus`` as one student's submission in ``into``, named by the entry."""
    made = into.parent / f"{into.name}-made"
    into.mkdir(parents=True)
    if corpus == "bugs":
        entries = [(bug.name, bug.apply) for bug in ZOO]
    elif corpus == "correct":
        entries = [(entry.name, entry.write) for entry in CORRECT]
        entries += [(notebook.name, lambda folder, n=notebook: n.write(folder)) for notebook in NOTEBOOKS]
        entries += [("reference", lambda folder: Path(shutil.copytree(SOLUTIONS, folder)))]
    elif corpus == "malformed":
        entries = [(case.name, case.build) for case in CORPUS if case.name != "no_such_path"]
    else:
        entries = [(case.name, case.make) for case in HOSTILE]
    for name, make in entries:
        path = make(made / name)
        path.rename(into / (name + "".join(path.suffixes) if path.is_file() else name))


def grade_class(folder: Path, data_dir: Path, out: Path, rubric: Path | None, env: dict[str, str]) -> dict:
    command = [sys.executable, "-m", "grader.batch", str(folder), "--data-dir", str(data_dir), "--out", str(out)]
    if rubric is not None:
        command += ["--rubric", str(rubric)]
    subprocess.run(command, cwd=KIT_ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    verdicts = {}
    with (out / "grades.csv").open(newline="") as grades:
        rows = list(csv.DictReader(grades))
    for row in rows:
        student = row["student"]
        if row["error"]:
            verdicts[student] = {"error": row["error"]}
            continue
        results = Results.read(out / student / RESULTS_FILE)
        verdicts[student] = {"score": results.score,
                             "checks": {check: [o.score, o.output] for check, o in results.checks.items()}}
    return verdicts


def snapshot(data_dir: Path, corpora: list[str]) -> dict:
    taken = {}
    with tempfile.TemporaryDirectory(prefix="snapshot-") as scratch:
        scratch = Path(scratch)
        quick = scratch / "quick-rubric.toml"
        text = (KIT_ROOT / "grader" / "rubric.toml").read_text()
        for old, new in QUICK_LIMITS:
            text = text.replace(old, new)
        quick.write_text(text)
        for corpus in corpora:
            build(corpus, scratch / corpus)
            modes = {"bubblewrap": {}, "processes": {"GRADER_BUBBLEWRAP": "0"}} if corpus == "hostile" else {"": {}}
            for mode, extra in modes.items():
                name = f"{corpus}-{mode}" if mode else corpus
                taken[name] = grade_class(scratch / corpus, data_dir, scratch / f"{name}-out",
                                          quick if corpus == "hostile" else None, os.environ | extra)
                print(f"{name}: {len(taken[name])} graded", file=sys.stderr)
    return taken


def differences(old: dict, new: dict) -> list[str]:
    found = []
    for corpus in sorted(old.keys() & new.keys()):
        for entry in sorted(old[corpus].keys() & new[corpus].keys()):
            before, after = old[corpus][entry], new[corpus][entry]
            if before != after:
                found.append(f"{corpus}/{entry}:\n  before: {json.dumps(before)[:2000]}\n  after:  "
                             f"{json.dumps(after)[:2000]}")
        for entry in sorted(new[corpus].keys() - old[corpus].keys()):
            found.append(f"{corpus}/{entry}: new, {new[corpus][entry].get('score', new[corpus][entry].get('error'))}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.snapshot", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the snapshot to write (JSON)")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("DATA_DIR", KIT_ROOT / "data")),
                        help="where MNIST/raw/ lives (default: DATA_DIR, else data)")
    parser.add_argument("--corpora", nargs="+", default=["bugs", "correct", "malformed", "hostile"],
                        choices=["bugs", "correct", "malformed", "hostile"], help="the corpora to grade (default: all)")
    parser.add_argument("--compare", type=Path, metavar="OLD.json", help="print what differs from OLD.json")
    args = parser.parse_args(argv)
    taken = snapshot(args.data_dir.resolve(), args.corpora)
    args.out.write_text(json.dumps(taken, indent=1, sort_keys=True) + "\n")
    if args.compare:
        found = differences(json.loads(args.compare.read_text()), taken)
        print("\n".join(found) or "no verdict changed")
        return 1 if any("before:" in line for line in found) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
