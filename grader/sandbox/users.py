"""Student code never runs as root: each grade's workers run as an unprivileged user of their own.

A grader that runs as root (Gradescope, Docker, CI) claims a free uid that needs no ``/etc/passwd`` entry,
one per concurrent grade. Graders in one network namespace coordinate by an abstract Unix socket bound in
the uid's name, which the kernel releases when the grade ends, however it ends; graders in different
network namespaces (a host and its containers) cannot see each other's sockets, so each namespace takes
its uids from a block of its own, chosen by the namespace's identity, and no uid is claimed while any
process visible here runs as it. File permissions then keep that user from the kit's secrets and from
anything it must not change, with bubblewrap or without it. A grader that is not root cannot change
user: student code runs as the grader's user. Whose processes a grader ends is ``session``'s: its own,
never every process of a uid.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from grader.sandbox import host

FIRST_UID = 100_000  # above the human and system ranges and nobody (65534): no account has these
SMALL_FIRST_UID = 62_000  # where the user namespace maps only 65,536 uids (Podman, Docker's userns-remap)
SLOTS = 1_000  # the uids of one network namespace's graders
SHARED_TEMP = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))  # writable by every user


def is_root() -> bool:
    """Whether grades get users of their own: the grader is root on a host that has grading users (Linux)."""
    return host.current().is_root()


@dataclass
class GradingUser:
    """The uid a grade's student code runs as (None: the grader's own, when it is not root)."""

    uid: int | None
    _claim: socket.socket | None = field(default=None, repr=False)

    @classmethod
    def claim(cls, after: GradingUser | None = None) -> GradingUser:
        """A free uid of this namespace's block; with ``after``, the first free one after its uid, so that
        grades in turn get different users. A uid that any visible process runs as is not free, whoever's
        it is: a grader elsewhere uses it, or a grade left it behind; neither is this grader's to end."""
        if not is_root():
            return cls(None)
        uids = uid_block()
        first = (after.uid - uids.start + 1) if after is not None and after.uid in uids else 0
        for uid in (uids[(first + i) % len(uids)] for i in range(len(uids))):
            claim = hold(uid)
            if claim is not None and not processes_of(uid):
                return cls(uid, claim)
            if claim is not None:
                claim.close()
        raise RuntimeError(f"all {len(uids)} grading uids from {uids.start} are in use")

    def release(self) -> None:
        """Give the uid back, with what its code left in the folders every user may write to."""
        if self.uid is not None:
            self.remove_files()
        if self._claim is not None:
            self._claim.close()
            self._claim = None

    def remove_files(self) -> int:
        """Remove what this uid left in the folders every user may write to, and its System V IPC
        objects (where checks could not have namespaces of their own); the bytes its files held."""
        if self.uid is None:
            return 0
        remove_ipc(self.uid)
        return sum(_owned(top, self.uid, remove=True) for top in SHARED_TEMP)

    def files_bytes(self) -> int:
        return sum(_owned(top, self.uid, remove=False) for top in SHARED_TEMP) if self.uid is not None else 0

    def files(self) -> set[str]:
        """The entries this uid owns in the folders every user may write to (their paths)."""
        if self.uid is None:
            return set()
        return {path for top in SHARED_TEMP for path, _ in _owned_entries(top, self.uid)}


def uid_block() -> range:
    """The uids this network namespace's graders take: ``SLOTS`` of them, at a place chosen by the namespace's
    identity among the uids this user namespace maps, so that graders in two namespaces (a grader on a host
    and one in a container) take different uids though they cannot see each other's claims."""
    mapped = host.current().mapped_uids()
    first = FIRST_UID if mapped >= FIRST_UID + SLOTS else SMALL_FIRST_UID
    blocks = max(1, (min(mapped, 2**31 - 1) - first) // SLOTS)
    identity = host.current().network_identity()
    start = first + (identity % blocks) * SLOTS
    return range(start, start + SLOTS)


def hold(uid: int) -> socket.socket | None:
    """The claim on ``uid`` for as long as the socket is open (by any grader on this machine, and released
    when its process ends however it ends); None if another holds it."""
    claim = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        claim.bind(f"\0mnist-mlp-grader-uid-{uid}")
    except OSError:
        claim.close()
        return None
    return claim


def processes_of(uid: int) -> list[int]:
    """The live processes whose real uid is ``uid`` (none where the host has no grading users)."""
    return host.current().processes_of(uid)


def remove_ipc(uid: int) -> None:
    """Remove the System V shared memory, message queues and semaphores that ``uid`` owns."""
    host.current().remove_ipc(uid)


def _owned_entries(top: Path, uid: int) -> list[tuple[str, os.stat_result]]:
    """The entries of ``top`` that ``uid`` owns: their paths, and what ``stat`` says of them."""
    try:
        entries = list(os.scandir(top))
    except OSError:
        return []
    owned = []
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if info.st_uid == uid:
            owned.append((entry.path, info))
    return owned


def _owned(top: Path, uid: int, remove: bool) -> int:
    """Bytes in the entries of ``top`` that ``uid`` owns (a folder with all it holds), removing them if
    asked. In a sticky folder such as /tmp a user can add entries only at the top or in its own."""
    total = 0
    for path, info in _owned_entries(top, uid):
        folder = stat.S_ISDIR(info.st_mode)
        total += folder_bytes(Path(path)) if folder else _bytes(info)
        if remove and folder:
            shutil.rmtree(path, ignore_errors=True)
        elif remove:
            try:
                os.unlink(path)
            except OSError:
                pass
    return total


def make_reachable(paths: Iterable[Path]) -> list[Path]:
    """Let every user pass through (not list) the folders above ``paths``: the grading user must
    start Python from the interpreter and the environment, which may lie under root's home (0700).
    Returns the folders changed."""
    changed = []
    for path in paths:
        for folder in [*reversed(Path(path).resolve().parents), Path(path).resolve()]:
            mode = folder.stat().st_mode
            if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
                os.chmod(folder, stat.S_IMODE(mode) | stat.S_IXOTH)
                changed.append(folder)
    return changed


def keep_private(paths: Iterable[Path]) -> None:
    """Make the kit's secrets (reference solutions, cached observations) root's alone."""
    for path in paths:
        if path.exists() and not path.is_symlink():
            os.chmod(path, 0o700 if path.is_dir() else 0o600)


def folder_bytes(folder: Path, stop_at: int = 1 << 40) -> int:
    """Bytes in the files under ``folder``, counting no further than ``stop_at``."""
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += _bytes(os.lstat(os.path.join(root, name)))
            except OSError:
                pass
            if total >= stop_at:
                return total
    return total


def _bytes(info: os.stat_result) -> int:
    """The space a file takes: its blocks where the system counts them (not Windows), else its size."""
    blocks = getattr(info, "st_blocks", None)
    return info.st_size if blocks is None else blocks * 512
