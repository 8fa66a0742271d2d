"""The host layer: what this machine lets the grader do, chosen once, and the only place that knows.

Two hosts. ``linux`` is Linux as the kit has always used it (``host.linux``: ``prctl``, ``/proc``,
``resource`` limits, grading uids, namespaces, control groups, bubblewrap). ``portable`` is what every
system the grader runs on has (macOS, Windows, and Linux too): ``psutil`` for process trees, memory,
threads and killing a tree, and the grader's own watchdog for each check's limits. Linux gets ``linux``;
every other system gets ``portable``; ``GRADER_HOST=portable`` makes Linux act as the others do (CI
runs the other systems' code paths that way).

How workers start is chosen here too: ``fork`` (a warm zygote forks a child per check) where the
system has ``fork`` and it is safe with torch (Linux), ``spawn`` (a fresh interpreter per check)
elsewhere (Windows has no ``fork``; on macOS forking after torch's import is unsafe), or as
``GRADER_START=fork|spawn`` says.

The rest of the grader asks ``current()`` and never names a Linux-only call itself
(``tests/test_hosts.py`` fails if it does).
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

HOST_VARIABLE = "GRADER_HOST"  # =portable: act as on macOS or Windows (psutil and a watchdog, nothing Linux-only)
START_VARIABLE = "GRADER_START"  # =fork or =spawn: how workers start (default: fork on Linux, spawn elsewhere)
HOSTS = ("linux", "portable")
STARTS = ("fork", "spawn")


@dataclass(frozen=True)
class Tree:
    """The live processes, by parent, as one look at the system found them."""

    children: dict[int, list[int]]

    def descendants(self, root: int) -> list[int]:
        """Every live process below ``root``."""
        found, todo = [], [root]
        while todo:
            for child in self.children.get(todo.pop(), []):
                found.append(child)
                todo.append(child)
        return found

    @staticmethod
    def uid(pid: int) -> int | None:
        """The real uid ``pid`` runs as; None if it is gone, or the system has no uids."""
        try:
            return psutil.Process(pid).uids().real
        except (psutil.Error, AttributeError):
            return None


class Host:
    """The portable host: what psutil and the Python standard library give on every system."""

    name = "portable"
    grading_users = False  # whether student code can run as a user of its own (Linux, as root)

    # -- process trees --
    def become_subreaper(self) -> None:
        """Adopt the orphans of what this process starts: only Linux can; elsewhere nothing changes."""

    def die_with_parent(self, parent: int | None = None) -> None:
        """End this process when its parent ends (``parent``: the pid it must be, where the caller knows it): a
        thread that watches the parent (Linux: the kernel). A parent already gone ends it now."""
        try:
            me = psutil.Process()
            watched = psutil.Process(parent) if parent is not None else me.parent()
            orphaned = watched is None or watched.create_time() > me.create_time()
        except psutil.Error:
            orphaned = True
        if orphaned or not _still_parent(watched):
            os._exit(1)

        def watch() -> None:
            while _still_parent(watched):
                time.sleep(0.5)
            os._exit(1)

        threading.Thread(target=watch, daemon=True, name="Thread-0").start()

    def tree(self) -> Tree:
        children: dict[int, list[int]] = {}
        for process in psutil.process_iter(["ppid", "status"]):
            info = process.info
            if info["status"] != psutil.STATUS_ZOMBIE and info["ppid"] is not None:
                children.setdefault(info["ppid"], []).append(process.pid)
        return Tree(children)

    def kill_all(self, members: Callable[[], list[int]], rounds: int = 200) -> None:
        kill_all(members, self.kill, rounds)

    @staticmethod
    def kill(pid: int) -> None:
        try:
            psutil.Process(pid).kill()
        except psutil.Error:
            pass

    def reap(self) -> dict[int, int]:
        return reap()

    def own_children(self, zombies: bool = True) -> list[int]:
        try:
            return [child.pid for child in psutil.Process(os.getpid()).children()]
        except psutil.Error:
            return []

    # -- what a process holds --
    def private_bytes(self, pid: int) -> int:
        """Memory a process holds that no other does (psutil's unique set size; resident where unreadable)."""
        try:
            process = psutil.Process(pid)
            try:
                return process.memory_full_info().uss
            except psutil.AccessDenied:
                return process.memory_info().rss
        except psutil.Error:
            return 0

    def threads(self, pid: int) -> int:
        try:
            return psutil.Process(pid).num_threads()
        except psutil.Error:
            return 0

    def memory_for_this_process(self) -> int:
        return psutil.virtual_memory().total

    # -- isolation --
    def control_group(self, prefix: str = "grader"):
        """A control group for a worker's tree, where one can be made (Linux, as root); else None."""
        return None

    def is_root(self) -> bool:
        """Whether the grader may run student code as users of its own (Linux, as root)."""
        return False

    def network_identity(self) -> int:
        return 0

    def mapped_uids(self) -> int:
        return 65_536

    def processes_of(self, uid: int) -> list[int]:
        return []

    def remove_ipc(self, uid: int) -> None:
        """Remove the System V objects ``uid`` owns (only where grading users exist)."""

    def bubblewrap(self) -> str | None:
        """The bwrap binary where it can run (Linux only)."""
        return None

    def bubblewrap_command(self, *args: object) -> list[str]:
        raise OSError("bubblewrap runs only on Linux")

    def namespaces_allowed(self) -> bool:
        return False

    def tmpfs_bytes(self, pid: int, folders: tuple[Path, ...]) -> int:
        return 0

    def fork(self) -> int:
        if not hasattr(os, "fork"):
            raise OSError("this system cannot fork a process (start workers with GRADER_START=spawn)")
        return os.fork()

    def confine(self, limits: dict) -> None:
        """Per-process limits on a check's child before student code runs (Linux: ``resource``); elsewhere
        the grader's watchdog holds the check's limits for its whole tree."""

    def become(self, uid: int | None, limits: dict, namespaces: bool) -> None:
        """Become the grading user ``uid`` for good (Linux, as root); elsewhere student code runs as you."""

    def peak_child_rss_mb(self) -> float | None:
        """The most memory any ended child of this process held, in MiB, where the system says."""
        return None

    # -- what the report says --
    @property
    def lacks(self) -> str:
        """One line: what this host lacks, and how grading proceeds without it."""
        return ("this host cannot adopt orphaned processes, set per-process limits or change user: "
                "each check's processes are found and ended with psutil's tree walk, a watchdog holds its "
                "memory, processes and time, and student code runs as you")


def kill_all(members: Callable[[], list[int]], kill: Callable[[int], None], rounds: int = 200) -> None:
    """``kill`` every process ``members`` names, again and again until it names none: a process may start
    another while we kill."""
    for _ in range(rounds):
        alive = members()
        if not alive:
            return
        for pid in alive:
            kill(pid)
        time.sleep(0.005)


def sigkill(pid: int) -> None:
    """SIGKILL ``pid`` if it is still there (POSIX: the Linux host's way to kill)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def reap() -> dict[int, int]:
    """The wait status of every child of this process that has ended (none to collect on Windows)."""
    statuses: dict[int, int] = {}
    if not hasattr(os, "WNOHANG"):
        return statuses
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        statuses[pid] = status
    return statuses


def _still_parent(process: psutil.Process) -> bool:
    """Whether ``process`` still runs as this process's parent: not ended, not a zombie waiting for its own
    parent to reap it, and (where orphans are handed to another process) still the parent. psutil compares
    start times, so a reused pid is not the parent."""
    try:
        running = process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
    return running and (sys.platform == "win32" or os.getppid() == process.pid)  # Windows never re-parents


def bind_to_grader(argv: list[str]) -> None:
    """A spawned check's child, first thing (before torch's import): end with the grading process that started
    it, ``--parent`` where it can see that pid (not from inside bubblewrap's PID namespace), on the ``--host``."""
    def value(flag: str) -> str | None:
        return argv[argv.index(flag) + 1] if flag in argv else None
    parent = value("--parent")
    named(value("--host") or chosen_name()).die_with_parent(int(parent) if parent else None)


@functools.cache
def named(name: str) -> Host:
    """The host called ``name`` (``linux`` only on Linux; anything else is the portable host)."""
    if name == "linux" and sys.platform.startswith("linux"):
        from grader.sandbox.host.linux import LinuxHost
        return LinuxHost()
    return Host()


def chosen_name() -> str:
    """``linux`` on Linux unless ``GRADER_HOST=portable``; ``portable`` on every other system."""
    forced = os.environ.get(HOST_VARIABLE, "").strip().lower()
    if sys.platform.startswith("linux") and forced != "portable":
        return "linux"
    return "portable"


_used: list[str] = []  # the host a worker was told to use (``use``), over what its environment says


def use(name: str) -> None:
    """Make ``name`` this process's host: a worker uses the host its grader chose, whatever its environment."""
    _used[:] = [name]


def current() -> Host:
    return named(_used[0] if _used else chosen_name())


def start_method() -> str:
    """How workers start: ``GRADER_START`` if it names one this system has; else fork on Linux, spawn elsewhere."""
    forced = os.environ.get(START_VARIABLE, "").strip().lower()
    if forced == "spawn" or (forced == "fork" and hasattr(os, "fork")):
        return forced
    return "fork" if sys.platform.startswith("linux") else "spawn"


def notes() -> list[str]:
    """What a user reads, in a line each, where the host lacks something or a setting was not understood."""
    said = []
    forced_host = os.environ.get(HOST_VARIABLE, "").strip().lower()
    if forced_host and forced_host not in HOSTS:
        said.append(f"{HOST_VARIABLE}={forced_host} is not a host ({' or '.join(HOSTS)}): grading proceeds "
                    f"as the {chosen_name()} host")
    forced_start = os.environ.get(START_VARIABLE, "").strip().lower()
    if forced_start and (forced_start not in STARTS or start_method() != forced_start):
        said.append(f"{START_VARIABLE}={forced_start} cannot be used here: workers start by {start_method()}")
    host = current()
    if host.name == "linux" and start_method() == "spawn":
        said.append(f"{START_VARIABLE}=spawn on Linux: checks run in the processes sandbox, without bubblewrap")
    if host.name != "linux":
        system = {"darwin": "macOS", "win32": "Windows", "linux": f"Linux with {HOST_VARIABLE}=portable"}.get(
            sys.platform, sys.platform)
        said.append(f"{system} (the portable host): {host.lacks}")
    return said
