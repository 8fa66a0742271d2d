"""The grader on every host: Linux-only calls stay in the host layer, and the other systems' code paths run here.

``GRADER_HOST=portable`` makes Linux act as macOS and Windows do (psutil and the grader's watchdog; no prctl,
/proc, rlimits, grading uids, namespaces, control groups or bubblewrap); ``GRADER_START=spawn`` starts every
check's child as a fresh interpreter, as Windows must. Under both, the reference, the stubs and the bug zoo
(a sample here; ``GRADER_ALL_HOSTS=1`` grades all of it, and the correct zoo) get exactly the verdicts the
default gets, and the hostile cases a laptop meets end in bounded time with nothing left running.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from grader.config.paths import KIT_ROOT, SOLUTIONS
from grader.outputs.results import RESULTS_FILE, Results
from grader.sandbox import host, jail
from grader.sandbox.host.cgroups import Group
from tests.conftest import Grade, grade_as_a_class, run_grader, verdicts
from tests.hostile import HOSTILE, TEST_BODY, TRAIN_BODY, hostile
from tests.zoo import ZOO

ELSEWHERE = {host.HOST_VARIABLE: "portable", host.START_VARIABLE: "spawn", jail.FORCE_FALLBACK: "0"}
DEFAULT = {jail.FORCE_FALLBACK: "0"}  # the Linux host without bubblewrap, which the portable host never has
EVERYTHING = os.environ.get("GRADER_ALL_HOSTS") == "1"
SAMPLE = ZOO if EVERYTHING else ZOO[::15]  # three bugs in CI; every bug with GRADER_ALL_HOSTS=1

# -- Linux-only calls outside the host layer --

HOST_LAYER = Path("grader") / "sandbox" / "host"
SCANNED = ("grader", "kit", "bench")
NAMES = {"prctl", "setresuid", "setresgid", "unshare"}  # called or named anywhere outside the host layer
PATHS = ("/proc", "/sys/fs/cgroup")  # Linux's pseudo-file systems, in any string but a docstring


def linux_only(source: str) -> list[str]:
    """What ``source`` names of Linux alone: prctl, /proc, os.fork, resource, setresuid, unshare, cgroup paths."""
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            found += [f"{line}: import {a.name}" for a in node.names if a.name.split(".")[0] == "resource"]
        elif isinstance(node, ast.ImportFrom):
            if (node.module or "").split(".")[0] == "resource":
                found.append(f"{line}: from resource import")
            if node.module == "os" and any(a.name == "fork" for a in node.names):
                found.append(f"{line}: from os import fork")
            found += [f"{line}: import {a.name}" for a in node.names if a.name in NAMES]
        elif isinstance(node, ast.Attribute):
            if node.attr in NAMES:
                found.append(f"{line}: .{node.attr}")
            elif node.attr == "fork" and isinstance(node.value, ast.Name) and node.value.id == "os":
                found.append(f"{line}: os.fork")
        elif isinstance(node, ast.Name) and node.id in NAMES:
            found.append(f"{line}: {node.id}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found += [f"{line}: {path!r}" for path in PATHS if path in node.value]
    return found


def sources(root: Path = KIT_ROOT) -> Iterator[Path]:
    for folder in SCANNED:
        for path in sorted((root / folder).rglob("*.py")):
            if not path.relative_to(root).is_relative_to(HOST_LAYER):
                yield path


def test_only_the_host_layer_calls_what_only_linux_has():
    found = {str(path.relative_to(KIT_ROOT)): hits for path in sources() if (hits := linux_only(path.read_text()))}
    assert found == {}, f"Linux-only calls outside {HOST_LAYER}/ (ask grader.sandbox.host instead): {found}"


def test_the_scan_sees_each_linux_only_call():
    source = '''
"""A docstring may say /proc."""
import ctypes, os, resource
from resource import setrlimit
libc = ctypes.CDLL(None)
libc.prctl(36, 1, 0, 0, 0)
os.setresuid(1, 1, 1)
libc.unshare(0)
pid = os.fork()
open(f"/proc/{pid}/status")
folder = "/sys/fs/cgroup/memory"
'''
    found = " ".join(linux_only(source))
    for name in ("import resource", "from resource", ".prctl", ".setresuid", ".unshare", "os.fork", "'/proc'",
                 "'/sys/fs/cgroup'"):
        assert name in found, found
    assert "2:" not in found, "a docstring is not a call"


def test_the_host_is_chosen_by_the_system_and_the_variables(monkeypatch):
    monkeypatch.delenv(host.HOST_VARIABLE, raising=False)
    monkeypatch.delenv(host.START_VARIABLE, raising=False)
    on_linux = sys.platform.startswith("linux")
    assert host.current().name == ("linux" if on_linux else "portable")
    assert host.start_method() == ("fork" if on_linux else "spawn")
    assert host.notes() == ([] if on_linux else host.notes())
    monkeypatch.setenv(host.HOST_VARIABLE, "portable")
    monkeypatch.setenv(host.START_VARIABLE, "spawn")
    assert (host.current().name, host.start_method()) == ("portable", "spawn")
    assert len(host.notes()) == 1 and "portable host" in host.notes()[0]
    monkeypatch.setenv(host.START_VARIABLE, "sideways")
    assert host.start_method() == ("fork" if on_linux else "spawn")
    assert any("GRADER_START=sideways cannot be used here" in note for note in host.notes())


def test_the_portable_host_walks_and_ends_a_tree():
    import subprocess
    portable = host.named("portable")
    sleeper = "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"
    parent = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; " + sleeper])
    try:
        deadline = time.monotonic() + 20
        while not portable.tree().descendants(parent.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        below = portable.tree().descendants(parent.pid)
        assert len(below) == 1 and portable.threads(parent.pid) >= 1 and portable.private_bytes(parent.pid) > 0
        portable.kill_all(lambda: [pid for pid in [parent.pid, *below] if psutil.pid_exists(pid)
                                   and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE])
        parent.wait(timeout=10)
    finally:
        parent.kill()
        parent.wait()
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in below)


# -- the same verdicts whichever way the grader runs --

def graded(folder: Path, data_dir: Path, out: Path, env: dict[str, str]) -> tuple[Grade, str]:
    results = out / f"{folder.name}-results.json"
    done = run_grader(folder, "--data-dir", data_dir, "--results", results, env=os.environ | env)
    assert done.returncode == 0, done.stderr
    return Grade(Results.read(results), done.stdout), done.stderr


@pytest.mark.parametrize("folder", [SOLUTIONS, KIT_ROOT / "assignment"], ids=["reference", "stubs"])
def test_portable_host_and_spawned_workers_judge_as_the_default(folder, data_dir, tmp_path):
    default, _ = graded(folder, data_dir, tmp_path, DEFAULT)
    (tmp_path / "elsewhere").mkdir()
    elsewhere, said = graded(folder, data_dir, tmp_path / "elsewhere", ELSEWHERE)
    assert verdicts(elsewhere) == verdicts(default)
    assert elsewhere.score == default.score == (100 if folder == SOLUTIONS else elsewhere.score)
    assert "Sandbox: processes on the portable host" in elsewhere.output and "(spawn)" in elsewhere.output
    notes = said.strip().splitlines()
    assert len(notes) == 1 and notes[0].startswith("grader: note: ") and "Traceback" not in said, said


def differences_elsewhere(submissions: dict[str, Path], data_dir: Path, out: Path, monkeypatch) -> dict:
    """Grade ``submissions`` as a class by one warm grader by default, then under the portable host with spawned
    workers: each submission whose checks' points or messages differ, with both verdicts."""
    graded = []
    for how, env in (("default", DEFAULT), ("elsewhere", ELSEWHERE)):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        graded.append(grade_as_a_class(submissions, data_dir, out / how))
    default, elsewhere = graded
    assert all(isinstance(grade, Grade) for grade in [*default.values(), *elsewhere.values()]), (default, elsewhere)
    return {name: (verdicts(elsewhere[name]), verdicts(default[name])) for name in submissions
            if verdicts(elsewhere[name]) != verdicts(default[name])}


def test_the_bug_zoo_is_judged_alike_elsewhere(data_dir, tmp_path, monkeypatch):
    """A sample of the bug zoo (all of it with ``GRADER_ALL_HOSTS=1``): each check's points and message are the
    same whichever way the grader runs."""
    submissions = {bug.name: bug.apply(tmp_path / "made" / bug.name) for bug in SAMPLE}
    differ = differences_elsewhere(submissions, data_dir, tmp_path, monkeypatch)
    assert differ == {}, json.dumps(differ, indent=1)[:4000]


@pytest.mark.skipif(not EVERYTHING, reason="the whole correct zoo under spawn takes half an hour: GRADER_ALL_HOSTS=1")
def test_the_correct_zoo_is_judged_alike_elsewhere(data_dir, tmp_path, monkeypatch):
    from tests.test_correct_zoo import ENTRIES, made
    submissions = {entry.name: made(entry, tmp_path / "made") for entry in ENTRIES}
    differ = differences_elsewhere(submissions, data_dir, tmp_path, monkeypatch)
    assert differ == {}, json.dumps(differ, indent=1)[:4000]


# -- what a laptop meets: ended in bounded time, nothing left running --

RUNAWAY_CHILDREN = ("    import subprocess, sys\n    subprocess.Popen([sys.executable, '-c', 'while True: pass'])\n"
                    "    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3600)'])\n")
DETACHED = ("    import os, time\n    if hasattr(os, 'fork') and os.fork() == 0:\n        os.setsid()\n"
            "        if os.fork() == 0:\n            time.sleep(3600)\n        os._exit(0)\n")
FLOOD = "    for _ in range(200):\n        print('x' * 1_000_000)\n"
TOUCHED_MEMORY = "    hog = [b'x' * (1 << 28) for _ in range(64)]\n"  # written, so resident: 16 GiB
RETURN_ZEROS = ("            losses.append(criterion(model(inputs), targets).item())\n    return losses\n",
                "            losses.append(criterion(model(inputs), targets).item())\n    return [0.0] * len(losses)\n")
TRAINING = ("train_losses", "train_gradients", "train_device", "train_mode", "train_reference", "accuracy")
TESTING = ("test_eval_mode", "test_no_grad", "test_device", "test_side_effects", "test_losses")
# What a laptop meets, three submissions' worth (each spawned check costs a torch import): a hang, a memory bomb,
# an output flood, runaway child processes and one that detaches, exits. Each also wrong where it plays its trick,
# so that a fooled grader would show marks it should not. The message each check must say, by check.
LAPTOP = {
    hostile("hang_and_memory_bomb", "training.py", [(TRAIN_BODY, TOUCHED_MEMORY + TRAIN_BODY),
                                                    (TEST_BODY, "    while True:\n        pass\n")],
            (*TRAINING, *TESTING), ""): {"train_losses": "of memory for all of the check's processes together",
                                         "test_eval_mode": "was stopped after"},
    hostile("children_flood_and_exit", "training.py", [(TRAIN_BODY, "    import os\n    os._exit(3)\n"),
                                                       (TEST_BODY, RUNAWAY_CHILDREN + DETACHED + FLOOD + TEST_BODY),
                                                       RETURN_ZEROS],
            (*TRAINING, "test_losses"), ""): {"train_losses": "exited with status 3", "test_losses": "more bytes cut"},
    next(case for case in HOSTILE if case.name == "exit_at_import"): {"train_losses": "SystemExit"},
}


@pytest.fixture(scope="module")
def quick_rubric(tmp_path_factory):
    """The hostile tests' rubric (``tests.snapshot.QUICK_LIMITS``), with 10 s a check: a hang costs little."""
    from tests.snapshot import QUICK_LIMITS
    text = (KIT_ROOT / "grader" / "rubric.toml").read_text()
    for old, new in (*QUICK_LIMITS, ("check_seconds = 30", "check_seconds = 10")):
        text = text.replace(old, new)
    path = tmp_path_factory.mktemp("rubric") / "rubric.toml"
    path.write_text(text)
    return path


# On Linux, under a subreaper of its own, as a desktop's systemd user manager is (and a test runner that graded
# a class in its own process): what a check detaches is handed to it, not to init, whatever the grader does.
UNDER_A_SUBREAPER = [sys.executable, "-c", "import ctypes, subprocess, sys; ctypes.CDLL(None).prctl(36, 1, 0, 0, 0); "
                     "sys.exit(subprocess.call(sys.argv[1:]))"] if sys.platform.startswith("linux") else []


def test_laptop_cases_end_in_time_with_nothing_left(data_dir, tmp_path, quick_rubric):
    """Every case in one warm grader (as grade-all grades), under the portable host with spawned workers, in an
    outer control group of the test's own: its limit is never reached, and nothing in it outlives the grade."""
    from tests.test_hostile import OUTER_MEMORY, OUTER_TASKS, left_running, outer_reached
    folder = tmp_path / "laptop"
    folder.mkdir()
    for case in LAPTOP:
        shutil.move(case.make(tmp_path / "made" / case.name), folder / case.name)
    outer = Group.create("kit-test")
    if outer is None:
        pytest.skip("no control group can be made here for an outer limit: hostile tests are not run unprotected")
    outer.limit(OUTER_MEMORY, OUTER_TASKS)
    started = time.monotonic()
    try:
        import subprocess
        done = subprocess.run([*UNDER_A_SUBREAPER, sys.executable, "-m", "grader.batch", str(folder), "--data-dir",
                               str(data_dir), "--out", str(tmp_path / "out"), "--rubric", str(quick_rubric),
                               "--workers", "1"],
                              cwd=KIT_ROOT, env=os.environ | ELSEWHERE, capture_output=True, text=True, timeout=900,
                              preexec_fn=lambda: outer.join(os.getpid()))
        took = time.monotonic() - started
        assert outer_reached(outer) == [], "the outer limit was reached: the grader's did not hold"
        assert left_running(outer) == [], "processes of the grade were left running"
    finally:
        outer.close()
    assert done.returncode == 0, done.stderr
    print(f"laptop cases: {len(LAPTOP)} submissions graded in {took:.0f} s, nothing left running")
    for case, says in LAPTOP.items():
        report = Results.read(tmp_path / "out" / case.name / RESULTS_FILE)
        lost = {check for check, outcome in report.checks.items() if outcome.score < outcome.max_score}
        assert lost == case.bug.loses, (case.name, lost)
        for check, message in says.items():
            assert message in report.checks[check].output, (case.name, check, report.checks[check].output)
    assert took < 400


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0,
                    reason="a grading user needs Linux and root")
def test_a_grading_users_memory_is_read_as_that_user():
    """Where root lacks CAP_SYS_PTRACE (Docker's default) it may not read the memory maps of the grading user's
    processes: those stay dumpable, and the grader reads them with the user's file system ids
    (``tests/test_containers.py`` shows it in a real container)."""
    import subprocess

    from grader.sandbox.host import linux
    child = subprocess.Popen([sys.executable, "-c", "import ctypes, sys, time\nfrom grader.sandbox.host import linux\n"
                              "linux.become(62998)\nhog = bytearray(64 << 20)\nhog[::4096] = b'x' * len(hog[::4096])\n"
                              "print(ctypes.CDLL(None).prctl(3, 0, 0, 0, 0), flush=True)\ntime.sleep(30)"],
                             cwd=KIT_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "1", "a grading user's process must stay dumpable"
        assert linux._owner(child.pid) == (62998, 62998)
        with linux._filesystem_user(62998, 62998):
            assert linux._private_bytes(child.pid) >= 64 << 20
        assert linux.private_bytes(child.pid) >= 64 << 20
    finally:
        child.kill()
        child.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's host")
def test_spawned_workers_on_linux_leave_bubblewrap_out_and_say_so(monkeypatch):
    monkeypatch.delenv(host.HOST_VARIABLE, raising=False)
    monkeypatch.setenv(host.START_VARIABLE, "spawn")
    assert any("without bubblewrap" in note for note in host.notes())
    assert not jail.jail(KIT_ROOT, KIT_ROOT, KIT_ROOT, None, 64, [], KIT_ROOT).bubblewrap
