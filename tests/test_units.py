"""The pieces on their own: the stub generator, the rubric's validation, the wire format."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from grader.config import rubric
from grader.config.paths import ASSIGNMENT, KIT_ROOT, RUBRIC, SOLUTIONS
from grader.config.regions import SolutionRegionError
from grader.intake.contract import MODULES
from grader.judge import checks
from grader.sandbox import wire
from kit import stubs


def test_assignment_is_what_the_generator_makes():
    assert stubs.main(["--solutions", str(SOLUTIONS), "--assignment", str(ASSIGNMENT), "--check"]) == 0


def test_solution_region_becomes_a_stub_with_its_hint():
    source = "def f():\n    ### BEGIN SOLUTION hint: add one\n    return 1 + 1\n    ### END SOLUTION\n"
    assert stubs.ClearSolutions()(source) == (
        "def f():\n    # Hint: add one\n    raise NotImplementedError('YOUR CODE HERE')\n"
    )


@pytest.mark.parametrize("source", [
    "### BEGIN SOLUTION\nx = 1\n",
    "x = 1\n### END SOLUTION\n",
    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n",
])
def test_unbalanced_markers_are_refused(source):
    with pytest.raises(SolutionRegionError):
        stubs.ClearSolutions()(source)


def test_stubs_keep_signatures_and_docstrings():
    for name in MODULES:
        stub = (KIT_ROOT / "assignment" / name).read_text()
        assert "### BEGIN SOLUTION" not in stub and "NotImplementedError" in stub
        for line in (KIT_ROOT / "solutions" / name).read_text().splitlines():
            if line.lstrip().startswith(("def ", "class ", '"""')):
                assert line in stub


def test_default_rubric_is_valid_and_totals_100():
    loaded = rubric.load(check_ids=checks.declared())
    assert len(loaded.checks) == 25
    assert loaded.total == 100
    assert loaded.accuracy.credit(loaded.accuracy.full_credit_at) == 1
    assert loaded.accuracy.credit(loaded.accuracy.zero_credit_below) == 0


@pytest.mark.parametrize(("edit", "message"), [
    (lambda r: r.replace("points = 5", "points = -5", 1), "out of range"),
    (lambda r: r.replace("[accuracy]", "[accuracy]\nepochz = 3"), "unknown key(s) epochz"),
    (lambda r: r.replace("max_epochs = 3", 'max_epochs = "3"'), "must be a number"),
    (lambda r: r.replace("full_credit_at = 0.935", "full_credit_at = 0.5"), "above zero_credit_below"),
    (lambda r: r + "\n[checks.extra]\npoints = 1\ntitle = 'x'\n", "does not have: extra"),
    (lambda r: r.replace("[checks.accuracy]", "[checks.accuracy_typo]"), "no points for check(s): accuracy"),
    (lambda r: r + "\n[[[", "not valid TOML"),
    (lambda r: r.replace("[checks.accuracy]\n", '[checks.accuracy]\nvisibility = "later"\n'),
     "[checks.accuracy].visibility = 'later' is not one of 'visible', 'after_due_date'"),
    (lambda r: r.replace("[checks.accuracy]\n", '[checks.accuracy]\nfeedback = "hints"\n'),
     "[checks.accuracy].feedback = 'hints' is not one of 'full', 'observed', 'score'"),
    (lambda r: r.replace("leaderboard = false", 'leaderboard = "yes"'), "leaderboard must be a bool"),
    (lambda r: r.replace("leaderboard = false", "leaderboard = true").replace(
        "[checks.accuracy]\n", '[checks.accuracy]\nvisibility = "hidden"\n'), "[checks.accuracy] must be visible"),
])
def test_rubric_mistakes_are_named(tmp_path, edit, message):
    path = tmp_path / "rubric.toml"
    path.write_text(edit(RUBRIC.read_text()))
    ids = checks.declared()
    with pytest.raises(rubric.RubricError, match=re.escape(message)):
        rubric.load(path, check_ids=ids)


def test_wire_round_trips_arrays_and_plain_data():
    message = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": [1, 2.5, None, "x"], "c": np.int64(3)}
    back = wire.decode(wire.encode(message))
    assert back["a"].dtype == np.float32 and np.array_equal(back["a"], message["a"])
    assert back["b"] == [1, 2.5, None, "x"] and back["c"] == 3


@pytest.mark.parametrize("payload", [
    {"__ndarray__": "object", "shape": [1], "data": ""},
    {"__ndarray__": "float32", "shape": [3], "data": "AAAA"},
    {"__ndarray__": "float32", "shape": [-1], "data": ""},
])
def test_wire_refuses_what_a_worker_should_not_send(payload):
    with pytest.raises(wire.WireError):
        wire.decode(json.dumps(payload).encode())


ORPHANS = """
import os, sys, time
from grader.sandbox import processes
processes.become_subreaper()
before = set(processes.descendants(os.getpid()))
if os.fork() == 0:  # a child that leaves an orphan that dies at once and one that lives on, then exits
    if os.fork() == 0:
        os._exit(0)
    if os.fork() == 0:
        os.setsid()
        time.sleep(60)
        os._exit(0)
    os._exit(0)
time.sleep(0.5)  # the short-lived orphan is our zombie by now
processes.kill_new_descendants(before)
def parent(pid):  # None for a process that ended while we looked
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1]
    except OSError:
        return None
left = [entry for entry in os.listdir("/proc") if entry.isdigit() and parent(entry) == str(os.getpid())]
sys.exit(f"left: {left}" if left else 0)
"""


def test_killing_what_a_grade_started_leaves_no_zombie_for_init():
    """An orphan that died before the sweep is a zombie of ours: unreaped, it passes to init when we
    exit, and an init that does not reap (a container's) keeps it in the test's control group."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", ORPHANS], cwd=KIT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


THREADS_AND_FORKS = """
import os, sys, threading, time
from grader.sandbox import processes
processes.become_subreaper()
for _ in range(3):  # a child with many threads, and a chain of processes below it
    if os.fork() == 0:
        for _ in range(200):
            threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
        for _ in range(20):
            if os.fork() != 0:
                break
        time.sleep(60)
    time.sleep(0.5)
    processes.kill_descendants()
    left = processes.host.current().own_children(zombies=True)
    if left:
        sys.exit(f"not reaped: {left}")
"""


def test_killing_a_check_reaps_all_it_started_before_the_next_starts():
    """A killed process counts against its user's processes until it is reaped, and one with many threads can
    be reaped only once they have all exited: a zombie left by one check would make the next one's
    ``RLIMIT_NPROC`` refuse early, and its thread bomb go unnamed."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", THREADS_AND_FORKS], cwd=KIT_ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr


def test_what_student_code_wrote_is_shown_as_text():
    from grader.outputs.printable import printable

    shown = printable("ok\x1b[2J\x1b]0;title\x07 \x9b31m \u202eevil\u2066\tkept\r\nline\rredrawn")
    assert shown == "ok\\x1b[2J\\x1b]0;title\\x07 \\x9b31m \\u202eevil\\u2066\tkept\nline\nredrawn"
    assert printable(shown) == shown


def test_a_name_the_student_chose_is_text_in_the_terminal_and_in_markdown():
    from rich.console import Console

    from grader.outputs.pages import markdown_report
    from grader.outputs.report import Report
    from grader.outputs.terminal import print_report

    name = "lab3 [v2] (final) [bold]*x*[/bold] `y`"
    report = Report(name, [], [f"{name}.py was graded as model.py"], "processes", 1.0)
    console = Console(record=True, width=200)
    print_report(report, console)
    shown = console.export_text()
    assert "Grading lab3 [v2] (final)" in shown and "[bold]*x*[/bold] `y`" in shown
    markdown = markdown_report(report)
    assert "# Feedback on `` lab3 [v2] (final) [bold]*x*[/bold] `y` ``" in markdown
    assert "lab3 \\[v2\\] \\(final\\) \\[bold\\]\\*x\\*\\[/bold\\] \\`y\\`.py" in markdown


def test_the_seal_names_what_student_code_replaced():
    import torch

    from grader.observe import probes, seal

    sealed = seal.Seal([probes])
    assert sealed.broken() == []
    original, torch.is_grad_enabled = torch.is_grad_enabled, lambda: False
    probes_is_moved, probes.is_moved = probes.is_moved, lambda tensor: True
    try:
        assert sealed.broken() == ["torch.is_grad_enabled", "the grader's is_moved"]
    finally:
        torch.is_grad_enabled, probes.is_moved = original, probes_is_moved
    assert sealed.broken() == []


def test_a_check_at_zero_points_that_finds_a_bug_still_fails():
    """It costs nothing, and says so (Gradescope shows a failed test worth 0); the self-check reads it."""
    from grader.judge.result import Result
    assert not Result("train_mode", "t", 0, 0, "Observed: ...", 0.1).passed
    assert Result("train_mode", "t", 0, 0, "", 0.1).passed
    assert Result("train_mode", "t", 2, 2, "", 0.1).passed and not Result("train_mode", "t", 2, 1, "x", 0.1).passed


def test_the_guard_counts_tasks_every_time_and_reads_few_memory_maps(monkeypatch):
    """A memory map costs milliseconds to read: a fork bomb's hundred processes would make a measurement that
    reads them all last long enough, where CPU is short, for the bomb to run out its time uncounted."""
    from grader.config.limits import Limits
    from grader.sandbox import limits as sandbox_limits

    read: list[int] = []
    monkeypatch.setattr(sandbox_limits, "private_bytes", lambda pid: read.append(pid) or 1 << 20)
    monkeypatch.setattr(sandbox_limits, "threads", lambda pid: 1)
    pids = list(range(1000, 1100))
    guard = sandbox_limits.Guard(lambda: pids, lambda: 0, None, interval=3600)
    try:
        guard.watch(Limits(tasks=200, memory_mb=1024))
        for measurement in range(1, 14):
            assert guard.over() is None
            assert len(read) == 8 * measurement
        assert sorted(read[:100]) == pids  # each map is read once before any is read again
        assert guard._private_bytes(pids) == 100 << 20
        pids.extend(range(1100, 1200))  # tasks are counted in full every time
        assert guard.over() == "tasks"
    finally:
        guard.close()
