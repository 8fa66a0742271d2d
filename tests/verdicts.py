"""Every verdict of the kit's corpora, recorded, so that two versions of the grader can be compared.

    .venv/bin/python -m tests.verdicts OUT.json --data-dir DIR [--mode bubblewrap|processes]
    .venv/bin/python -m tests.verdicts --compare BEFORE.json AFTER.json

The first grades, in one ``grade-all`` class (warm graders, two at a time, the hostile tests' quick rubric,
inside an outer control group as the hostile tests are), every entry of the bug zoo, the correct zoo, the
malformed corpus that grades, and the hostile set; then writes each submission's points and message per
check. ``--compare`` prints every difference and exits 1 if there is one. Used to prove that a change to how
checks run (``grader/sandbox``) leaves every verdict as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.config.paths import KIT_ROOT, RUBRIC
from grader.outputs.results import RESULTS_FILE, Results
from grader.sandbox import jail
from grader.sandbox.host.cgroups import Group
from tests.correct_zoo import CORRECT
from tests.hostile import HOSTILE
from tests.malformed import CORPUS
from tests.zoo import ZOO

MODES = {"bubblewrap": {}, "processes": {jail.FORCE_FALLBACK: "0"}}
# What differs between two grades of the same submission by nature: the grading uid, pids, times, temp paths.
VARIES = [(re.compile(r"uid \d+"), "uid N"), (re.compile(r"\b(pid|process) \d+"), r"\1 N"),
          (re.compile(r"\d+(\.\d+)? s\b"), "N s"), (re.compile(r"/tmp/\S+"), "/tmp/…")]


def quick_rubric(folder: Path) -> Path:
    """The hostile tests' rubric: tighter limits, so that hanging or hoarding code costs little time."""
    path = folder / "rubric.toml"
    path.write_text(RUBRIC.read_text().replace("check_seconds = 60", "check_seconds = 30")
                    .replace("memory_mb = 3072", "memory_mb = 2048").replace("tasks = 256", "tasks = 128")
                    .replace("disk_mb = 512", "disk_mb = 256"))
    return path


def make_class(folder: Path, scratch: Path) -> None:
    """Every entry of the four corpora, each under a name that says where it comes from."""
    folder.mkdir()
    made: list[tuple[str, Path]] = []
    made += [(f"zoo-{bug.name}", bug.apply(scratch / "zoo" / bug.name)) for bug in ZOO]
    made += [(f"correct-{index:02d}", case.write(scratch / "correct" / str(index)))
             for index, case in enumerate(CORRECT)]
    made += [(f"malformed-{case.name}", case.build(scratch / "malformed" / case.name))
             for case in CORPUS if not case.exit]
    made += [(f"hostile-{case.name}", case.make(scratch / "hostile" / case.name)) for case in HOSTILE]
    for name, path in made:
        path.rename(folder / (name + path.suffix if path.is_file() else name))


def record(out: Path, data_dir: Path, mode: str) -> None:
    with tempfile.TemporaryDirectory(prefix="verdicts-") as scratch:
        scratch = Path(scratch)
        make_class(scratch / "class", scratch / "made")
        graded = scratch / "out"
        group = Group.create("kit-verdicts")
        if group is None:
            sys.exit("no control group can be made here for an outer limit: hostile code is not run unprotected")
        group.limit(8 << 30, 3000)
        try:
            subprocess.run([sys.executable, "-m", "grader.batch", scratch / "class", "--data-dir", data_dir, "--out",
                            graded, "--rubric", quick_rubric(scratch), "--workers", "2"], cwd=KIT_ROOT, check=False,
                           env=os.environ | MODES[mode], preexec_fn=lambda: group.join(os.getpid()),
                           stdout=subprocess.DEVNULL)
        finally:
            group.close()
        verdicts = {}
        for folder in sorted(path for path in graded.iterdir() if (path / RESULTS_FILE).is_file()):
            results = Results.read(folder / RESULTS_FILE)
            verdicts[folder.name] = {check: [outcome.score, normalised(outcome.output)]
                                     for check, outcome in results.checks.items()}
        out.write_text(json.dumps(verdicts, indent=1, sort_keys=True))
        print(f"{len(verdicts)} submissions graded ({mode}): {out}")


def normalised(text: str) -> str:
    for pattern, replacement in VARIES:
        text = pattern.sub(replacement, text)
    return text


def compare(before: Path, after: Path) -> int:
    old, new = json.loads(before.read_text()), json.loads(after.read_text())
    differences = [f"{name}: only in {'before' if name in old else 'after'}" for name in sorted(set(old) ^ set(new))]
    for name in sorted(set(old) & set(new)):
        for check in sorted(set(old[name]) | set(new[name])):
            if old[name].get(check) != new[name].get(check):
                differences.append(f"{name} {check}:\n  before {old[name].get(check)}\n  after  {new[name].get(check)}")
    print("\n".join(differences) or f"the same verdicts: {len(old)} submissions, every check")
    return 1 if differences else 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.verdicts", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?", help="where to record every verdict (JSON)")
    parser.add_argument("--data-dir", type=Path, help="where MNIST/raw/ lives")
    parser.add_argument("--mode", choices=MODES, default="bubblewrap", help="the sandbox mode to grade in")
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("BEFORE", "AFTER"),
                        help="print every difference between two records (exit 1 if any) instead")
    args = parser.parse_args()
    if args.compare:
        sys.exit(compare(*args.compare))
    if args.out is None or args.data_dir is None:
        parser.error("give OUT.json and --data-dir to record, or --compare BEFORE AFTER")
    record(args.out.resolve(), args.data_dir.resolve(), args.mode)


if __name__ == "__main__":
    main()
