"""Process trees: make this process the reaper of its orphans, and kill everything below it.

Student code may fork, start new sessions and detach. Where the host can (Linux's subreaper) every
such orphan is re-parented to us instead of to init, so ``kill_descendants`` finds and ends them all;
elsewhere the host's tree walk (``psutil``) finds what is still below us. The host layer
(``grader.sandbox.host``) does the system's part.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable

from grader.sandbox import host
from grader.sandbox.host import Tree

__all__ = ["Tree", "become_subreaper", "describe_exit", "describe_status", "descendants", "die_with_parent",
           "kill_all", "kill_descendants", "kill_new_descendants", "reap", "tree"]


def become_subreaper() -> None:
    host.current().become_subreaper()


def die_with_parent() -> None:
    host.current().die_with_parent()


def tree() -> Tree:
    return host.current().tree()


def descendants(root: int) -> list[int]:
    """Every live process below ``root``."""
    return tree().descendants(root)


def kill_all(members: Callable[[], list[int]], rounds: int = 200) -> None:
    """Kill every process ``members`` names, again and again until it names none: a process may
    fork while we kill."""
    host.current().kill_all(members, rounds)


def kill_descendants() -> None:
    """Kill every process below this one until none is left, and reap them all."""
    kill_new_descendants(set())


def kill_new_descendants(before: set[int], seconds: float = 5.0) -> None:
    """Kill every process below this one that is not in ``before`` (those it had already started), and reap
    every child not in ``before``: also the orphans that died before we looked, which would otherwise pass to
    init as zombies when we exit (and an init that does not reap keeps them).

    Until it is reaped, a killed process counts against its user's processes (``RLIMIT_NPROC``), so the next
    check's child could start fewer than its limit allows: the reaping goes on until no such child is left (a
    killed process's orphans come to us as they die, and a process with many threads can be reaped only once
    its last thread has exited), for at most ``seconds``."""
    def new() -> list[int]:
        return [pid for pid in descendants(os.getpid()) if pid not in before]

    deadline = time.monotonic() + seconds
    while True:
        kill_all(new)
        if not hasattr(os, "WNOHANG"):
            return  # no zombies to collect on this system
        for pid in set(host.current().own_children(zombies=True)) - before:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        if not set(host.current().own_children(zombies=True)) - before or time.monotonic() > deadline:
            return
        time.sleep(0.002)


def reap() -> dict[int, int]:
    return host.current().reap()


def describe_status(status: int) -> str:
    """How a child ended, from its wait status (where the system has them)."""
    if os.WIFSIGNALED(status):
        return describe_exit(-os.WTERMSIG(status))
    return describe_exit(os.WEXITSTATUS(status))


def describe_exit(code: int) -> str:
    """How a child ended, from its exit code as ``subprocess`` gives it (negative: the signal that ended it)."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"exited with status {code}"
