"""Killing and reaping on Linux: what both the Linux host and its control groups use."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable


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
