"""How a worker is shut in: one design in every place the kit runs, with bubblewrap where it works.

Everywhere: as root the worker's children run student code as a grading user of their own
(``users``), which file permissions keep from the kit's secrets and from everything it could change;
each check's whole process tree is bounded (``limits``); its temporary files go to a space of its own.
With bubblewrap, also: a read-only file system in which the kit and the real data folder are covered,
no network, its own PID namespace, and a sized tmpfs as its only writable place. Without it (Docker,
Gradescope), the report says what that leaves open.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from grader.paths import KIT_ROOT
from grader.sandbox import users
from grader.sandbox.users import GradingUser, readable_by_others

INSIDE = Path("/tmp/grader")  # where bubblewrap shows the submission and the data
SANDBOX_SUBMISSION = INSIDE / "submission"
SANDBOX_DATA = INSIDE / "data"
FORCE_FALLBACK = "GRADER_BUBBLEWRAP"  # =0: act as where bubblewrap cannot run (Docker, Gradescope)


@functools.cache
def bubblewrap() -> str | None:
    """The bwrap binary, if it is installed, allowed to make namespaces here, and not switched off."""
    path = shutil.which("bwrap")
    if path is None or os.environ.get(FORCE_FALLBACK) == "0":
        return None
    probe = [path, "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "--die-with-parent", "true"]
    try:
        ok = subprocess.run(probe, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return path if ok else None


@dataclass(frozen=True)
class Jail:
    """Where a worker runs, what it may see, and as whom its children run student code."""

    bubblewrap: bool
    submission: Path  # as the worker sees it
    data_root: Path
    prefix: tuple[str, ...] = ()  # the command that wraps the worker's Python
    user: GradingUser | None = None  # None: trusted code (the reference), run as the grader
    temp: Path | None = None  # the check's temporary space, as the worker sees it
    temp_outside: Path | None = None  # the same, seen from the grading process (None: a tmpfs)
    real_labels: Path | None = None  # the true test labels, to say whether student code could read them

    @property
    def untrusted(self) -> bool:
        return self.user is not None

    @property
    def mode(self) -> str:
        return "bubblewrap" if self.bubblewrap else "processes"

    @property
    def protections(self) -> str:
        """What holds in this mode, in a sentence or three, for the report."""
        who = (f"as uid {self.user.uid}, a user of its own" if self.user and self.user.uid is not None
               else "as the grader's own user (the grader is not root, so it cannot change user: student code "
                    "can read and change what you can)")
        limits = "time, memory, CPU, process and temporary-file limits for each check's whole process tree"
        if self.bubblewrap:
            return (f"bubblewrap: student code ran {who}, on a read-only file system with the kit's reference "
                    f"solutions, cached expectations and the real test labels hidden, no network, its own PID "
                    f"namespace; {limits}")
        labels = ""
        if self.user and self.user.uid is not None:
            hidden = "hidden by file permissions" if not (self.real_labels and readable_by_others(self.real_labels)) \
                else f"NOT hidden ({self.real_labels} is readable by every user: chmod o-r it)"
            labels = f"; the reference solutions and cached expectations are hidden by file permissions, the real " \
                     f"test labels {hidden}"
        return (f"processes (bubblewrap not available here): student code ran {who}{labels}; {limits}; the network "
                "stays reachable. Install bubblewrap (Debian: apt-get install bubblewrap) where it can run for "
                "full isolation.")


def trusted(submission: Path, data_root: Path) -> Jail:
    """No jail: for the reference, whose code the grader trusts."""
    return Jail(False, submission, data_root)


def jail(submission: Path, data_root: Path, temp: Path, user: GradingUser, disk_mb: int,
         hide: list[Path], real_labels: Path, isolate: bool = True) -> Jail:
    """Shut a worker in with ``submission`` and ``data_root`` (both readable by ``user``), hiding the
    kit and ``hide``; ``temp`` is the check's writable space where bubblewrap cannot make one."""
    bwrap = bubblewrap() if isolate else None
    if bwrap is None:
        return Jail(False, submission, data_root, (), user, temp, temp, real_labels)
    hidden = {KIT_ROOT, *(p.resolve() for p in hide)}
    environment = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    args = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--perms", "01777", "--size", str(disk_mb << 20), "--tmpfs", "/tmp"]
    for path in sorted(hidden):
        args += ["--tmpfs", str(path)]
    for path in sorted({KIT_ROOT / "grader", *environment}):  # put back what the worker needs from covered places
        if any(path.is_relative_to(h) for h in (*hidden, Path("/tmp"))):
            args += ["--ro-bind", str(path), str(path)]
    for folder in [INSIDE, SANDBOX_DATA, *(SANDBOX_DATA / p.relative_to(data_root) for p in data_root.rglob("*")
                                          if p.is_dir())]:
        args += ["--perms", "0755", "--dir", str(folder)]  # else made 0700: closed to the grading user
    for file in sorted(data_root.rglob("*")):  # file by file: staged data links into a hidden folder
        if file.is_file():
            args += ["--ro-bind", str(file.resolve()), str(SANDBOX_DATA / file.relative_to(data_root))]
    args += ["--ro-bind", str(submission), str(SANDBOX_SUBMISSION),
             "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
             "--die-with-parent", "--new-session", "--chdir", str(SANDBOX_SUBMISSION)]
    return Jail(True, SANDBOX_SUBMISSION, SANDBOX_DATA, tuple(args), user, Path("/tmp"), None, real_labels)


def shut_in(submission: Path, data_root: Path, scratch: Path, user: GradingUser, disk_mb: int,
            hide: list[Path], real_labels: Path, isolate: bool = True) -> Jail:
    """Ready one grade's files for its grading user, then its jail: the interpreter reachable, the
    kit's secrets root's alone, the submission and staged data readable, a temporary space its own."""
    if user.uid is not None:
        users.make_reachable([Path(sys.executable), Path(sys.prefix), Path(sys.base_prefix), KIT_ROOT / "grader"])
        users.keep_private([KIT_ROOT / "solutions", KIT_ROOT / ".cache", KIT_ROOT / "grader" / "reference.json"])
    os.chmod(scratch, 0o711)  # passable, not listable: the scratch folder's other entries stay unknown
    for top in (submission, data_root):
        for folder, _, files in os.walk(top):
            os.chmod(folder, 0o755)
            for name in files:
                path = Path(folder, name)
                if not path.is_symlink():
                    os.chmod(path, 0o644)
    temp = scratch / "temp"
    temp.mkdir(mode=0o700)
    if user.uid is not None:
        os.chown(temp, user.uid, user.uid)
    return jail(submission, data_root, temp, user, disk_mb, hide, real_labels, isolate)
