"""The Linux host: every mechanism of the kit that only Linux has, and the one place that names them.

``prctl`` (a subreaper, death with the parent, no new privileges), ``/proc`` (process trees, memory maps,
uids, System V objects, namespaces), ``resource`` limits, ``setresuid`` to a grading user, ``unshare``
into namespaces of a check's own, and control groups (``cgroups``, which this module's functions serve).
Imported only on Linux, and only by ``grader.sandbox.host``.
"""

from __future__ import annotations

import ctypes
import functools
import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from grader.sandbox.host import Host, Tree, sigkill

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
CLONE_NEWIPC, CLONE_NEWNET = 0x08000000, 0x40000000


@functools.cache
def libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


# -- process trees, read from /proc --

def parents(zombies: bool = False) -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat_file:
                fields = stat_file.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if zombies or fields[0] != b"Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


class ProcTree(Tree):
    """The live processes, by parent, as one read of ``/proc`` found them."""

    @staticmethod
    def uid(pid: int) -> int | None:
        """The real uid ``pid`` runs as (read from ``status``: once a process changed its uid, its /proc folder
        belongs to root); None if it is gone."""
        try:
            with open(f"/proc/{pid}/status", "rb") as status:
                line = next(line for line in status if line.startswith(b"Uid:"))
            return int(line.split()[1])
        except (OSError, StopIteration, ValueError, IndexError):
            return None


# -- what a process holds --

def private_bytes(pid: int) -> int:
    """Memory a process holds that no other does (what forking from the warm worker added)."""
    try:
        return _private_bytes(pid)
    except PermissionError:  # root without CAP_SYS_PTRACE (a Docker container): read as the process's own user
        owner = _owner(pid)
        if owner is None:
            return 0
        with _filesystem_user(*owner):
            try:
                return _private_bytes(pid)
            except (OSError, ValueError, IndexError):
                return 0
    except (OSError, ValueError, IndexError):
        return 0


def _private_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
        return 1024 * sum(int(line.split()[1]) for line in rollup
                          if line.startswith((b"Private_Clean:", b"Private_Dirty:", b"Swap:")))


def _owner(pid: int) -> tuple[int, int] | None:
    """The uid and gid ``pid`` runs as, from its ``status`` (which anyone may read)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            found = {line[:3]: int(line.split()[1]) for line in status if line.startswith((b"Uid:", b"Gid:"))}
        return found[b"Uid"], found[b"Gid"]
    except (OSError, ValueError, IndexError, KeyError):
        return None


@contextmanager
def _filesystem_user(uid: int, gid: int) -> Iterator[None]:
    """This thread's file system uid and gid set to ``uid`` and ``gid`` for a while: the kernel lets a process's
    own user read its memory maps where it is dumpable (``become`` keeps it so). Other threads are untouched."""
    old_gid = libc().setfsgid(gid)
    old_uid = libc().setfsuid(uid)
    try:
        yield
    finally:
        libc().setfsuid(old_uid)
        libc().setfsgid(old_gid)


def threads(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(b"Threads:"))
    except (OSError, ValueError, StopIteration):
        return 0


# -- grading users --

def is_root() -> bool:
    return os.geteuid() == 0


def network_identity() -> int:
    try:
        return os.stat("/proc/self/ns/net").st_ino
    except OSError:
        return 0


def mapped_uids() -> int:
    """One past the highest uid this user namespace maps (in the initial one, 2**32 - 1)."""
    try:
        rows = [line.split() for line in Path("/proc/self/uid_map").read_text().splitlines()]
        return max(int(inside) + int(count) for inside, _, count in rows)
    except (OSError, ValueError):
        return 65_536


def processes_of(uid: int) -> list[int]:
    """The live processes whose real uid is ``uid`` (read from ``status``: once a process changed its
    uid, its /proc folder belongs to root)."""
    found, wanted = [], f"\nUid:\t{uid}\t".encode()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/status", "rb") as status:
                    text = status.read()
            except OSError:
                continue
            state = text.find(b"\nState:\t")
            if wanted in text and state >= 0 and text[state + 8:state + 9] != b"Z":
                found.append(int(entry))
    return found


# /proc/sysvipc/<kind>: the id's column, the owner's column, and how to remove one (IPC_RMID is 0).
IPC_KINDS = {"shm": (1, 7, lambda lib, ipc: lib.shmctl(ipc, 0, None)),
             "msg": (1, 7, lambda lib, ipc: lib.msgctl(ipc, 0, None)),
             "sem": (1, 4, lambda lib, ipc: lib.semctl(ipc, 0, 0))}


def remove_ipc(uid: int) -> None:
    """Remove the System V shared memory, message queues and semaphores that ``uid`` owns."""
    for kind, (id_column, uid_column, remove) in IPC_KINDS.items():
        try:
            rows = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > uid_column and fields[uid_column] == str(uid):
                remove(libc(), int(fields[id_column]))


def become(uid: int) -> None:
    """Drop every privilege for good: groups, gid, uid; and no setuid program can give them back."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    # Changing uid made the process undumpable, and root without CAP_SYS_PTRACE (Docker's default) could then
    # not read its memory maps: dumpable, its own user (the grader's reading thread, ``private_bytes``) may.
    libc().prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)


# -- namespaces --

def own_namespaces() -> bool:
    """Move this process (a check's child, before it runs student code) into a network and an IPC
    namespace of its own, where the kernel lets it: no network, and no System V object that another
    check made or could find. Docker's default seccomp profile refuses; then nothing changes (and the
    grader removes the grading user's System V objects after each check)."""
    return libc().unshare(CLONE_NEWIPC | CLONE_NEWNET) == 0


@functools.cache
def namespaces_work() -> bool:
    """Whether ``own_namespaces`` works here (tried in a child process, which then exits)."""
    pid = os.fork()
    if pid == 0:
        os._exit(0 if own_namespaces() else 1)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


@functools.cache
def bubblewrap() -> str | None:
    """The bwrap binary, if it is installed and allowed to make namespaces here."""
    path = shutil.which("bwrap")
    if path is None:
        return None
    probe = [path, "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "--die-with-parent", "true"]
    try:
        ok = subprocess.run(probe, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return path if ok else None


class LinuxHost(Host):
    """Linux: the kernel's own mechanisms, as the kit has always used them."""

    name = "linux"
    grading_users = True

    def become_subreaper(self) -> None:
        libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    def die_with_parent(self, parent: int | None = None) -> None:
        libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if parent is not None and os.getppid() != parent:  # the parent ended before the kernel was told
            os._exit(1)

    def tree(self) -> Tree:
        return ProcTree(parents())

    @staticmethod
    def kill(pid: int) -> None:
        sigkill(pid)

    def own_children(self, zombies: bool = True) -> list[int]:
        return parents(zombies=zombies).get(os.getpid(), [])

    def private_bytes(self, pid: int) -> int:
        return private_bytes(pid)

    def threads(self, pid: int) -> int:
        return threads(pid)

    def memory_for_this_process(self) -> int:
        from grader.sandbox.host import cgroups
        return cgroups.memory_for_this_process()

    def control_group(self, prefix: str = "grader"):
        from grader.sandbox.host.cgroups import Group
        return Group.create(prefix) if is_root() else None

    def is_root(self) -> bool:
        return is_root()

    def network_identity(self) -> int:
        return network_identity()

    def mapped_uids(self) -> int:
        return mapped_uids()

    def processes_of(self, uid: int) -> list[int]:
        return processes_of(uid)

    def remove_ipc(self, uid: int) -> None:
        remove_ipc(uid)

    def bubblewrap(self) -> str | None:
        return bubblewrap()

    def bubblewrap_command(self, bwrap: str, writable: tuple[Path, ...], disk_mb: int, hidden: list[Path],
                           put_back: list[Path], made: list[Path], data_root: Path, data_inside: Path,
                           submissions: Path, submissions_inside: Path, chdir: Path) -> list[str]:
        """bubblewrap's command line: a read-only file system; ``writable`` places as tmpfs of ``disk_mb``;
        ``hidden`` covered, but ``put_back``; ``made`` (and the data's folders) made passable; the data file by
        file and the submissions folder bound where the worker sees them; no network, a PID namespace of its own."""
        # /tmp and /dev/shm (where DataLoader workers share their batches) are the only writable places: sized tmpfs
        args = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        for place in writable:
            args += ["--perms", "01777", "--size", str(disk_mb << 20), "--tmpfs", str(place)]
        for path in hidden:
            args += ["--tmpfs", str(path)]
        for path in put_back:
            args += ["--ro-bind", str(path), str(path)]
        for folder in [*made, *(data_inside / p.relative_to(data_root) for p in data_root.rglob("*") if p.is_dir())]:
            args += ["--perms", "0755", "--dir", str(folder)]  # else made 0700: closed to the grading user
        for file in sorted(data_root.rglob("*")):  # file by file: staged data links into a hidden folder
            if file.is_file():
                args += ["--ro-bind", str(file.resolve()), str(data_inside / file.relative_to(data_root))]
        return args + ["--ro-bind", str(submissions), str(submissions_inside),
                       "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                       "--die-with-parent", "--new-session", "--chdir", str(chdir)]

    def namespaces_allowed(self) -> bool:
        return namespaces_work()

    def tmpfs_bytes(self, pid: int, folders: tuple[Path, ...]) -> int:
        return sum(_used(f"/proc/{pid}/root{folder}") for folder in folders)

    def fork(self) -> int:
        return os.fork()

    def confine(self, limits: dict) -> None:
        with open("/proc/self/oom_score_adj", "w") as score:
            score.write("1000")  # past the memory limit, the kernel ends this child, not the zygote
        memory, disk = limits["memory_mb"] << 20, limits["disk_mb"] << 20
        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (disk, disk))

    def become(self, uid: int | None, limits: dict, namespaces: bool) -> None:
        if uid is not None:
            if namespaces:
                own_namespaces()  # as root, while it may; where it may not, the report says what that leaves
            resource.setrlimit(resource.RLIMIT_NPROC, (limits["tasks"], limits["tasks"]))
            become(uid)

    def peak_child_rss_mb(self) -> float:
        return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _used(folder: str) -> int:
    fs = os.statvfs(folder)
    return (fs.f_blocks - fs.f_bfree) * fs.f_frsize
