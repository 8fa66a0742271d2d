"""Process trees: make this process the reaper of its orphans, and kill everything below it.

Student code may fork, start new sessions and detach. With ``become_subreaper`` every such orphan
is re-parented to us instead of to init, so ``kill_descendants`` finds and ends them all.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
_libc = ctypes.CDLL(None, use_errno=True)


def become_subreaper() -> None:
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def die_with_parent() -> None:
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _parents(zombies: bool = False) -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if zombies or fields[0] != b"Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


@dataclass(frozen=True)
class Tree:
    """The live processes, by parent, as one read of ``/proc`` found them."""

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
        """The real uid ``pid`` runs as (read from ``status``: once a process changed its uid, its /proc folder
        belongs to root); None if it is gone."""
        try:
            with open(f"/proc/{pid}/status", "rb") as status:
                line = next(line for line in status if line.startswith(b"Uid:"))
            return int(line.split()[1])
        except (OSError, StopIteration, ValueError, IndexError):
            return None


def tree() -> Tree:
    return Tree(_parents())


def descendants(root: int) -> list[int]:
    """Every live process below ``root``."""
    return tree().descendants(root)


def kill_all(members: Callable[[], list[int]], rounds: int = 200) -> None:
    """SIGKILL every process ``members`` names, again and again until it names none: a process may
    fork while we kill."""
    for _ in range(rounds):
        alive = members()
        if not alive:
            return
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.005)


def kill_descendants(root: int | None = None) -> dict[int, int]:
    """SIGKILL every process below ``root`` until none is left, then reap our own children.

    Returns the wait status of each child reaped, by pid.
    """
    root = os.getpid() if root is None else root
    kill_all(lambda: descendants(root))
    return reap() if root == os.getpid() else {}


def kill_new_descendants(before: set[int]) -> None:
    """SIGKILL every process below this one that is not in ``before`` (those it had already started),
    then reap every child not in ``before``: also the orphans that died before we looked, which would
    otherwise pass to init as zombies when we exit (and an init that does not reap keeps them)."""
    kill_all(lambda: [pid for pid in descendants(os.getpid()) if pid not in before])
    for pid in set(_parents(zombies=True).get(os.getpid(), [])) - before:
        try:
            os.waitpid(pid, 0)  # dead or dying by now: this does not block for long
        except ChildProcessError:
            pass


def reap() -> dict[int, int]:
    statuses = {}
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        statuses[pid] = status
    return statuses


def describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"was killed by {name}"
    return f"exited with status {os.WEXITSTATUS(status)}"
