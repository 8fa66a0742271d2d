"""How a worker is shut in: one design in every place the kit runs, with bubblewrap where it works.

Everywhere: as root the worker's children run student code as a grading user of their own
(``users``), which file permissions keep from the kit's secrets and from everything it could change;
each check's whole process tree is bounded (``limits``); its temporary files go to a space of its own.
With bubblewrap, also: a read-only file system in which the kit and the real data folder are covered,
no network, its own PID namespace, and a sized tmpfs as its only writable place. Without it (Docker,
Gradescope), the report says what that leaves open.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from grader.config.paths import CACHE, KIT_ROOT, SHIPPED_REFERENCE, SOLUTIONS
from grader.intake.data import readable_by_others
from grader.sandbox import host, users
from grader.sandbox.users import GradingUser

# Where bubblewrap shows the submissions and the data: names that say nothing of a grader, as a student's own
# paths would not (student code that looks for the grader in its paths finds nothing).
INSIDE = Path("/tmp/run")
SANDBOX_SUBMISSIONS = INSIDE / "work"
SANDBOX_DATA = INSIDE / "data"
TMPFS = (Path("/tmp"), Path("/dev/shm"))  # with bubblewrap, the writable places: sized and emptied
FORCE_FALLBACK = "GRADER_BUBBLEWRAP"  # =0: act as where bubblewrap cannot run (Docker, Gradescope)
FORCE_NO_NAMESPACES = "GRADER_NAMESPACES"  # =0: act as where no namespace can be made (Docker's seccomp)


def bubblewrap() -> str | None:
    """The bwrap binary, if the host is Linux and it is installed, allowed to make namespaces, and not switched off."""
    return None if os.environ.get(FORCE_FALLBACK) == "0" else host.current().bubblewrap()


def namespaces_wanted() -> bool:
    """Whether checks are to try namespaces of their own: unless switched off, as where none can be made."""
    return os.environ.get(FORCE_NO_NAMESPACES) != "0"


def namespaces_allowed() -> bool:
    """Whether a check's child can have a network and an IPC namespace of its own here (the host tries)."""
    return namespaces_wanted() and host.current().namespaces_allowed()


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
    submissions: Path | None = None  # the folder that holds each grade's submission, as the grader sees it
    host: str = "linux"  # the host layer's name (``grader.sandbox.host``): linux, or portable
    start: str = "fork"  # how the worker's children start: forked from the warm worker, or spawned fresh

    def inside(self, submission: Path) -> Path:
        """Where the worker sees ``submission``, a folder in ``submissions``."""
        if not self.bubblewrap:
            return submission
        return SANDBOX_SUBMISSIONS / submission.relative_to(self.submissions)

    @property
    def emptied(self) -> tuple[Path, ...]:
        """The folders emptied after every check: all a check's child may write to, as the worker sees them."""
        if self.temp is None:
            return ()
        return TMPFS if self.bubblewrap else (self.temp,)

    @property
    def untrusted(self) -> bool:
        return self.user is not None

    @property
    def mode(self) -> str:
        return "bubblewrap" if self.bubblewrap else "processes"

    @property
    def own_user(self) -> bool:
        """Whether student code runs as a user of its own (the grader is root), not as the grader's."""
        return bool(self.user and self.user.uid is not None)

    @property
    def in_brief(self) -> str:
        """The mode and whom student code ran as, in one line, for the terminal."""
        if self.host != "linux":
            return f"{self.mode} ({self.host} host, {self.start}), as you"
        who = f"uid {self.user.uid} (a user of its own)" if self.own_user else "as you (the grader is not root)"
        return f"{self.mode}, {who}" + ("" if self.start == "fork" else f", {self.start}")

    @property
    def protections(self) -> str:
        """What holds in this mode, in a sentence or three, for the report."""
        who = (f"as uid {self.user.uid}, a user of its own" if self.own_user
               else "as the grader's own user (the grader is not root, so it cannot change user: student code "
                    "can read and change what you can)")
        limits = "time, memory, CPU, process and temporary-file limits for each check's whole process tree"
        started = "" if self.start == "fork" else f" Each check's child started as a fresh interpreter ({self.start})."
        if self.host != "linux":
            return (f"processes on the {self.host} host (no Linux sandbox here: {host.named(self.host).lacks}): "
                    f"student code ran as the grader's own user and can read and change what you can; time, output, "
                    f"memory, process and thread limits for each check's whole process tree, held by the grader's "
                    f"watchdog; the network stays reachable.{started}")
        if self.bubblewrap:
            return (f"bubblewrap: student code ran {who}, on a read-only file system with the kit's reference "
                    f"solutions, cached expectations and the real test labels hidden, no network, its own PID "
                    f"namespace; {limits}{started and '.'}{started}")
        labels = ""
        if self.own_user:
            hidden = "hidden by file permissions" if not (self.real_labels and readable_by_others(self.real_labels)) \
                else f"NOT hidden ({self.real_labels} is readable by every user: chmod o-r it)"
            labels = f"; the reference solutions and cached expectations are hidden by file permissions, the real " \
                     f"test labels {hidden}"
        network = ("no network (each check in a network namespace of its own)" if namespaces_allowed()
                   else "the network stays reachable")
        return (f"processes (bubblewrap not available here): student code ran {who}{labels}; {limits}; {network}. "
                "Install bubblewrap (Debian: apt-get install bubblewrap) where it can run for full isolation."
                + started)


def trusted(submission: Path, data_root: Path) -> Jail:
    """No jail: for the reference, whose code the grader trusts."""
    return Jail(False, submission, data_root, host=host.chosen_name(), start=host.start_method())


def jail(submissions: Path, data_root: Path, temp: Path, user: GradingUser, disk_mb: int,
         hide: list[Path], real_labels: Path, isolate: bool = True) -> Jail:
    """Shut a worker in with ``submissions`` (where each grade's submission will be) and ``data_root``,
    hiding the kit and ``hide``; ``temp`` is the check's writable space where bubblewrap cannot make one."""
    # Spawned workers (GRADER_START=spawn) run in the processes sandbox: bubblewrap's tmpfs accounting is
    # made for one warm worker per grade, not for a fresh jail per check.
    bwrap = bubblewrap() if isolate and host.start_method() == "fork" else None
    if bwrap is None:
        return Jail(False, submissions, data_root, (), user, temp, temp, real_labels, submissions,
                    host.chosen_name(), host.start_method())
    hidden = {KIT_ROOT, *(p.resolve() for p in hide)}
    environment = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    # What the worker needs from covered places is put back, read-only
    put_back = [path for path in sorted({KIT_ROOT / "grader", *environment})
                if any(path.is_relative_to(h) for h in (*hidden, Path("/tmp")))]
    args = host.current().bubblewrap_command(bwrap, TMPFS, disk_mb, sorted(hidden), put_back,
                                             [INSIDE, SANDBOX_DATA], data_root, SANDBOX_DATA,
                                             submissions, SANDBOX_SUBMISSIONS, INSIDE)
    return Jail(True, SANDBOX_SUBMISSIONS, SANDBOX_DATA, tuple(args), user, Path("/tmp"), None, real_labels,
                submissions, host.chosen_name(), host.start_method())


def shut_in(submissions: Path, data_root: Path, scratch: Path, user: GradingUser, disk_mb: int,
            hide: list[Path], real_labels: Path, isolate: bool = True) -> Jail:
    """Ready a grader's files for grading users, then its jail: the interpreter reachable, the kit's
    secrets root's alone, the staged data readable, a temporary space of the checks' own, and a folder
    ``submissions`` that each grade's submission will be put in (``admit``)."""
    if user.uid is not None:
        users.make_reachable([Path(sys.executable), Path(sys.prefix), Path(sys.base_prefix), KIT_ROOT / "grader"])
        users.keep_private([SOLUTIONS, CACHE, SHIPPED_REFERENCE])
    os.chmod(scratch, 0o711)  # passable, not listable: the scratch folder's other entries stay unknown
    submissions.mkdir(mode=0o711, exist_ok=True)
    os.chmod(submissions, 0o711)
    _readable(data_root)
    temp = scratch / "temp"
    temp.mkdir(mode=0o700)
    return jail(submissions, data_root, temp, user, disk_mb, hide, real_labels, isolate)


def admit(jail: Jail, submission: Path, user: GradingUser) -> Jail:
    """The jail for one grade: ``submission`` (a folder in the jail's ``submissions``) readable by
    ``user`` alone, and the checks' temporary space its own; the worker's children then run as ``user``."""
    for folder in submission.parents:
        if folder == jail.submissions:
            break
        os.chmod(folder, 0o711)
    # Group-readable by the grading user's own group (its gid is its uid): not by other graders' users.
    _readable(submission, group=user.uid)
    if jail.temp_outside is not None and user.uid is not None:
        os.chown(jail.temp_outside, user.uid, user.uid)
    return replace(jail, submission=jail.inside(submission), user=user)


def _readable(top: Path, group: int | None = None) -> None:
    """Every folder and file under ``top`` readable: by everyone, or by root and ``group`` only."""
    folders, files = (0o755, 0o644) if group is None else (0o750, 0o640)
    for folder, _, names in os.walk(top):
        if group is not None:
            os.chown(folder, 0, group)
        os.chmod(folder, folders)
        for name in names:
            path = Path(folder, name)
            if not path.is_symlink():
                if group is not None:
                    os.chown(path, 0, group)
                os.chmod(path, files)
