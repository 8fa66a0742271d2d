"""A warm grader grades submission after submission: nothing of one grade may reach the next.

One submission (``leaver``) leaves behind everything a process can: a module in ``sys.modules``, a
patched torch function, a changed global seed, a thread, files in every writable place, a detached
process and a System V shared-memory segment. The next (``detector``) is the reference plus code that
looks for each of these and breaks every check if it finds one. Graded one after the other by the same
warm grader, the detector must get full marks; a ``control`` that leaves and looks in the same process
proves the detector sees what it looks for. With bubblewrap, without it, and without namespaces at all
(Docker, Gradescope).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from grader.config.paths import RUBRIC, SOLUTIONS
from grader.integrations import warm
from grader.integrations.warm import FEEDBACK_PAGE, INSTRUCTOR_PAGE
from grader.outputs.results import RESULTS_FILE, Results
from grader.sandbox import jail, users

MARK = "LEFT_BEHIND_BY_AN_EARLIER_GRADE"
SHM_KEY = 0x4C454654

LEAVE = f'''
# -- what this submission leaves behind for whoever is graded next --------------------------------
import ctypes as _ctypes, os as _os, random as _random, subprocess as _subprocess, sys as _sys
import tempfile as _tempfile, threading as _threading, time as _time
_sys.modules["left_behind"] = _sys
torch.nn.functional.gelu = lambda *args, **kwargs: None
torch.manual_seed(1234)
_random.seed(1234)
_threading.Thread(target=_time.sleep, args=(3600,), name="left-behind").start()
for _folder in ("/tmp", "/var/tmp", "/dev/shm", _os.environ.get("HOME", "/tmp"), _tempfile.gettempdir(), _os.getcwd()):
    try:
        with open(_os.path.join(_folder, "left-behind-" + str(_os.getpid())), "w") as _file:
            _file.write("{MARK}")
        _os.chmod(_os.path.join(_folder, "left-behind-" + str(_os.getpid())), 0o666)
    except OSError:
        pass
_subprocess.Popen([_sys.executable, "-c", "import time; {MARK} = 1\\nwhile True: time.sleep(1)"],
                  start_new_session=True, stdout=_subprocess.DEVNULL, stderr=_subprocess.DEVNULL)
_ctypes.CDLL(None).shmget({SHM_KEY}, 4096, 0o1666)
'''

DETECT = f'''
# -- what this submission looks for -------------------------------------------------------------
import ctypes as _ctypes, glob as _glob, os as _os, sys as _sys, tempfile as _tempfile, threading as _threading


def _traces():
    found = []
    if "left_behind" in _sys.modules:
        found.append("a module")
    if getattr(torch.nn.functional.gelu, "__name__", "") == "<lambda>":
        found.append("a patched torch function")
    if torch.initial_seed() == 1234:
        found.append("a changed global seed")
    if any(thread.name == "left-behind" for thread in _threading.enumerate()):
        found.append("a thread")
    for folder in ("/tmp", "/var/tmp", "/dev/shm", _os.environ.get("HOME", "/tmp"), _tempfile.gettempdir(),
                   _os.getcwd()):
        if _glob.glob(_os.path.join(folder, "left-behind-*")):
            found.append("a file in " + folder)
    for pid in filter(str.isdigit, _os.listdir("/proc")):
        try:
            with open("/proc/" + pid + "/cmdline", "rb") as cmdline:
                if b"{MARK}" in cmdline.read():
                    found.append("a process")
                    break
        except OSError:
            pass
    if _ctypes.CDLL(None).shmget({SHM_KEY}, 0, 0) != -1:
        found.append("a System V segment")
    return found


if _traces():
    raise RuntimeError("found what an earlier grade left: " + ", ".join(sorted(set(_traces()))))
'''


def submission(folder: Path, *extra: str) -> Path:
    shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    model = folder / "model.py"
    model.write_text(model.read_text() + "".join(extra))
    return folder


def own(source: str) -> str:
    """``source`` leaving and looking for traces of this test process's own: another test beside it (xdist)
    may leave its own traces in the places every user shares, /var/tmp and System V IPC among them."""
    token = os.getpid() % 4096
    return (source.replace(MARK, f"{MARK}_{token}").replace("left-behind-", f"left-behind-{token}-")
            .replace(str(SHM_KEY), str(SHM_KEY + token)))


MODES = [pytest.param(True, "1", id="bubblewrap"), pytest.param(False, "1", id="processes"),
         pytest.param(False, "0", id="processes-without-namespaces")]  # as in Docker: seccomp refuses unshare


@pytest.mark.skipif(not users.is_root(), reason="grades run as users of their own only when the grader is root")
@pytest.mark.parametrize(("isolate", "namespaces"), MODES)
def test_nothing_of_one_grade_reaches_the_next(isolate, namespaces, data_dir, tmp_path, monkeypatch):
    if isolate and jail.bubblewrap() is None:
        pytest.skip("bubblewrap cannot run here")
    monkeypatch.setenv(jail.FORCE_NO_NAMESPACES, namespaces)
    todo = {  # graded in this order by one warm grader
        "leaver": submission(tmp_path / "leaver", own(LEAVE)),
        "detector": submission(tmp_path / "detector", own(DETECT)),
        "control": submission(tmp_path / "control", own(LEAVE), own(DETECT)),
    }
    out = tmp_path / "out"
    graded = {g.student: g for g in warm.grade_locally(todo, out, data_dir, RUBRIC, workers=1, isolate=isolate)}
    detector = graded["detector"].results
    assert detector.score == 100, json.dumps(detector.to_json(), indent=1)[:3000]
    control = graded["control"].results
    assert control.score < 100
    message = "\n".join(outcome.output for outcome in control.checks.values())
    for trace in ("a module", "a patched torch function", "a changed global seed", "a thread", "a file in /tmp",
                  "a process", "a System V segment"):
        assert trace in message, message[:2000]
    assert graded["leaver"].results is not None
    assert Results.read(out / "detector" / RESULTS_FILE).score == 100


def test_a_class_on_a_dask_cluster_is_graded_as_on_this_machine(data_dir, tmp_path, capsys):
    """grade-all --scheduler: Dask workers hold warm graders; results and feedback land where a local run
    puts them, with the same verdicts."""
    distributed = pytest.importorskip("distributed")
    import dask

    from grader.integrations import batch
    from tests.zoo import ZOO

    folder = tmp_path / "class"
    shutil.copytree(SOLUTIONS, folder / "ada", ignore=shutil.ignore_patterns("__pycache__"))
    next(bug for bug in ZOO if bug.name == "squeeze").apply(folder / "bob")
    shutil.make_archive(str(folder / "cyd"), "zip", SOLUTIONS)
    (folder / "dee").mkdir()
    (folder / "dee" / "model.py").symlink_to(SOLUTIONS / "model.py")  # refused by name, wherever it is graded
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert batch.main([str(folder), "--data-dir", str(data_dir), "--out", str(local), "--workers", "2"]) == 0
    with dask.config.set({"temporary-directory": str(tmp_path / "dask")}), distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert batch.main([str(folder), "--data-dir", str(data_dir), "--out", str(remote),
                           "--scheduler", cluster.scheduler_address]) == 0
    for student in ("ada", "bob", "cyd", "dee"):
        ours, theirs = (Results.read(out / student / RESULTS_FILE) for out in (local, remote))
        assert ours.checks == theirs.checks, student
        assert (remote / student / FEEDBACK_PAGE).is_file() and (remote / student / INSTRUCTOR_PAGE).is_file()
    rows = {row[0]: row[:-4] for row in (line.split(",") for line in (remote / "grades.csv").read_text().splitlines())}
    assert rows["ada"][1] == "100" and rows["cyd"][1] == "100" and rows["bob"][1] != "100"
    assert "model.py" in Results.read(remote / "dee" / RESULTS_FILE).output


def test_a_scheduler_that_does_not_answer_is_one_line(tmp_path, capsys):
    pytest.importorskip("distributed")
    from grader.integrations import batch

    (tmp_path / "class" / "ada").mkdir(parents=True)
    assert batch.main([str(tmp_path / "class"), "--scheduler", "tcp://127.0.0.1:9",
                       "--out", str(tmp_path / "out")]) == 2
    assert "no Dask scheduler answered at tcp://127.0.0.1:9" in capsys.readouterr().err
