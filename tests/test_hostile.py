"""Hostile submissions get their true score, in bounded time, in both sandbox modes, and leave nothing:
no forged file, no process, no temporary file, no change to the kit.

Each grade runs inside an outer limit of the test's own (a control group): if a submission ever
reaches it, the grader's own limits did not hold, and the test fails. Without control groups the
hostile tests are not run at all rather than run unprotected. Each case whose tricks are on the machine (processes,
memory, files, the kit) is graded from a cold start in both modes; every case, those that play tricks inside
the interpreter too, by warm graders in both modes, as a class."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

import tests.verdicts
from grader.config.paths import KIT_ROOT, RUBRIC, SOLUTIONS
from grader.outputs.results import RESULTS_FILE, Results
from grader.sandbox import jail, users
from grader.sandbox.host.cgroups import Group
from tests.conftest import run_grader
from tests.hostile import HOSTILE
from tests.zoo import Bug

MODES = {"bubblewrap": {}, "processes": {jail.FORCE_FALLBACK: "0"}}  # the second as on Gradescope
OUTER_MEMORY, OUTER_TASKS = 8 << 30, 3000


@pytest.fixture(scope="module")
def quick_rubric(tmp_path_factory):
    """The default rubric with tighter limits, so that hanging or hoarding code costs little time."""
    return tests.verdicts.quick_rubric(tmp_path_factory.mktemp("rubric"))


def environment(mode: str) -> dict[str, str]:
    if mode == "bubblewrap" and not jail.bubblewrap():
        pytest.skip("bubblewrap cannot run here")
    return os.environ | MODES[mode]


@contextmanager
def outer_limit():
    """A control group around one grade, bounding memory and tasks well above the grader's own limits."""
    group = Group.create("kit-test")
    if group is None:
        pytest.skip("no control group can be made here for an outer limit: hostile tests are not run unprotected")
    group.limit(OUTER_MEMORY, OUTER_TASKS)
    try:
        yield group
    finally:
        group.close()
    assert not any(folder.exists() for folder in group.folders.values()), "the grade left control groups behind"


def outer_reached(outer: Group) -> list[str]:
    """The outer limits the kernel enforced: its memory limit reached with an OOM kill, or a fork refused."""
    events = outer.events()
    return [name for name, hit in (("memory", events["oom_kill"] and events["memory_max"]),
                                   ("tasks", events["tasks_max"])) if hit]


def left_running(outer: Group, grace: float = 10.0) -> list[str]:
    """What is still in the outer group after ``grace`` seconds: a process killed as the grade ended may
    still be exiting (tearing down a worker's memory, its parent gone), and it is not left running."""
    deadline = time.monotonic() + grace
    while outer.members() and time.monotonic() < deadline:
        time.sleep(0.1)
    return [command(pid) for pid in outer.members()]


def command(pid: int) -> str:
    try:
        line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        state, parent = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:2]
        return f"{line or '(no command line: a zombie)'} [state {state}, parent {parent}]"
    except OSError:
        return f"{pid} (ended)"


def tampered() -> list[str]:
    """The kit's files a submission changed, added or replaced (tests.hostile.TAMPER marks what it touches)."""
    files = [*(KIT_ROOT / "grader").rglob("*"), *(KIT_ROOT / ".cache").rglob("*"), *(KIT_ROOT / "solutions").rglob("*")]
    return [str(path) for path in files if path.is_file() and "__pycache__" not in path.parts
            and (path.suffix == ".tampered" or "zz_tampered" in path.name or b"# tampered" in path.read_bytes())]


ON_THE_MACHINE = [case for case in HOSTILE if not case.in_the_interpreter]  # each also graded from a cold start


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", ON_THE_MACHINE, ids=[case.name for case in ON_THE_MACHINE])
def test_hostile_submission_gets_its_true_score(case, mode, data_dir, tmp_path, quick_rubric):
    env = environment(mode)
    submission = case.make(tmp_path / case.name)
    results = tmp_path / "results.json"
    started = time.monotonic()
    with outer_limit() as outer:
        done = run_grader(submission, "--data-dir", data_dir, "--results", results, "--rubric", quick_rubric,
                          timeout=400, env=env, preexec_fn=lambda: outer.join(os.getpid()))
        assert outer_reached(outer) == [], "the outer limit was reached: the grader's did not hold"
        assert left_running(outer) == [], "processes of the grade were left running"
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 300
    written = results.read_text()
    time.sleep(1 if case.name != "forge_results" else 3)  # anything left running would rewrite it now
    assert results.read_text() == written
    report = Results.from_json(json.loads(written))
    lost = [check for check, outcome in report.checks.items() if outcome.score < outcome.max_score]
    assert set(lost) == case.bug.loses, done.stdout
    assert report.score == sum(o.max_score for check, o in report.checks.items() if check not in case.bug.loses)
    assert case.message in case.says(report), done.stdout
    assert f"Sandbox: {mode}" in report.output
    assert tampered() == [], "the submission changed the kit"
    if users.is_root():
        uid = int(report.output.split("as uid ")[1].split(",")[0])
        claim = users.hold(uid)  # held while looked at: a grader beside this test may have taken it since
        if claim is not None:
            with claim:
                assert users.processes_of(uid) == [], "processes of the grading user were left running"
                assert users.GradingUser(uid).files_bytes() == 0, "temporary files were left behind"


CANARY = "grader-canary-7f3a9c1e"  # a value of the grader's environment, as an instructor's key or a CI token is


@pytest.mark.parametrize("mode", MODES)
def test_nothing_of_the_graders_environment_reaches_a_report_and_printed_escapes_are_text(mode, data_dir, tmp_path,
                                                                                           quick_rubric):
    """Code that prints its whole environment and terminal escapes at import: no value of the grader's
    environment is in anything the grade writes, and every escape is shown as text, not sent to a terminal."""
    case = next(case for case in HOSTILE if case.name == "prints_environment_and_escapes")
    outputs = {name: tmp_path / name for name in ("results.json", "junit.xml", "feedback.html", "feedback.md",
                                                  "instructor.html", "instructor.md")}
    done = run_grader(case.make(tmp_path / case.name), "--data-dir", data_dir, "--rubric", quick_rubric,
                      "--results", outputs["results.json"], "--junit", outputs["junit.xml"],
                      "--feedback", outputs["feedback.html"], "--feedback", outputs["feedback.md"],
                      "--instructor-feedback", outputs["instructor.html"],
                      "--instructor-feedback", outputs["instructor.md"], "--audience", "instructor",
                      env=environment(mode) | {"GRADER_TEST_SECRET": CANARY, "AWS_SECRET_ACCESS_KEY": CANARY})
    assert done.returncode == 0, done.stderr
    written = {name: path.read_text() for name, path in outputs.items()} | {"stdout": done.stdout,
                                                                          "stderr": done.stderr}
    assert [name for name, text in written.items() if CANARY in text] == []
    assert [name for name, text in written.items() if "\x1b" in text or "\u202e" in text] == []
    assert "PYTHONHASHSEED" in written["results.json"]  # it did print its environment: the worker's own
    assert "\\x1b[2J" in written["stdout"] and "\\u202eevil" in written["stdout"]


def test_a_whole_run_is_bounded(data_dir, tmp_path):
    """An endless __len__ and a 20 s run: the run ends on time and says what it could not grade."""
    bug = Bug("endless_len", "hostile", "dataset.py", (("return len(self.labels)", "while True:\n            pass"),),
              frozenset())
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(RUBRIC.read_text().replace("run_seconds = 600", "run_seconds = 20"))
    results = tmp_path / "results.json"
    started = time.monotonic()
    done = run_grader(bug.apply(tmp_path / bug.name), "--data-dir", data_dir, "--results", results, "--rubric", rubric)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 60
    graded = Results.read(results)
    assert "was stopped after" in graded.checks["accuracy"].output  # the first check, cut short by the run's limit
    assert "reached its time limit before this check" in graded.checks["train_losses"].output
    assert graded.score == 0


@pytest.mark.parametrize("mode", MODES)
def test_hostile_class_in_warm_graders(mode, data_dir, tmp_path, quick_rubric):
    """The hostile submissions one after another in grade-all's warm graders, the reference among them:
    each gets the score it gets alone, and none spoils a grade that comes after it."""
    env = environment(mode)
    folder = tmp_path / "class"
    folder.mkdir()
    for index, case in enumerate(HOSTILE):
        made = case.make(tmp_path / "made" / case.name)
        made.rename(folder / (case.name + made.suffix))
        if index % 5 == 4:  # a correct submission after every few hostile ones, graded by the same grader
            shutil.copytree(SOLUTIONS, folder / f"reference{index}", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "out"
    with outer_limit() as outer:
        done = subprocess.run([sys.executable, "-m", "grader.batch", folder, "--data-dir", data_dir, "--out", out,
                               "--rubric", quick_rubric, "--workers", "2"], cwd=KIT_ROOT, capture_output=True,
                              text=True, timeout=1200, env=env, preexec_fn=lambda: outer.join(os.getpid()))
        assert outer_reached(outer) == [], "the outer limit was reached: the grader's did not hold"
        assert left_running(outer) == [], "processes of the grades were left running"
    assert done.returncode == 0, done.stderr[-3000:]
    uids = set()
    for case in HOSTILE:
        report = Results.read(out / case.name / RESULTS_FILE)
        if users.is_root():
            uids.add(int(report.output.split("as uid ")[1].split(",")[0]))
        lost = {check for check, outcome in report.checks.items() if outcome.score < outcome.max_score}
        assert lost == case.bug.loses, (case.name, report.output)
        assert case.message in case.says(report), case.name
    for reference in folder.glob("reference*"):
        assert Results.read(out / reference.name / RESULTS_FILE).score == 100, reference.name
    assert tampered() == [], "a submission changed the kit"
    for uid in uids:  # each uid held while it is looked at: a grader beside this test may have it in use since
        claim = users.hold(uid)
        if claim is not None:
            with claim:
                assert not users.processes_of(uid), f"processes of grading user {uid} were left running"
                assert not users.GradingUser(uid).files_bytes(), f"grading user {uid} left temporary files behind"
