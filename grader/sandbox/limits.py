"""A check's limits, for its whole process tree: time, memory, CPU, processes and threads, temporary
space, and how much of its output is shown.

The kernel enforces what it can where it can: a control group (``cgroups``) bounds memory and tasks,
``RLIMIT_NPROC`` bounds the tasks of a grading user, ``RLIMIT_DATA``/``RLIMIT_CPU``/``RLIMIT_FSIZE``
bound each process, bubblewrap's sized tmpfs bounds temporary files. The ``Guard`` watches the same
limits over the whole tree where none of that is available, and is the one that says which limit a
check went over, so the student reads which and its value.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from grader.config.limits import Limits
from grader.sandbox import host, processes


def private_bytes(pid: int) -> int:
    """Memory a process holds that no other does (what forking from the warm worker added)."""
    return host.current().private_bytes(pid)


def threads(pid: int) -> int:
    return host.current().threads(pid)


class Guard(threading.Thread):
    """Watches the processes of the check in progress; ends them all when together they go over a
    limit, and remembers which. ``members`` lists a check's processes; ``temp_bytes`` measures its
    temporary files; ``group``, if any, is the control group the worker runs in."""

    INTERVAL = 0.1  # seconds between measurements where the watchdog is what holds the limits
    BACKSTOP = 0.25  # where the kernel holds them all (a control group, and bubblewrap's sized tmpfs)
    # Processes whose memory map one measurement reads afresh. A map costs milliseconds of CPU to read, and a
    # fork bomb's hundred processes, starving the guard of CPU, once made a single measurement last 28 s, in
    # which its tasks went uncounted: a measurement counts every process's tasks, and reads the maps of those
    # read longest ago (the new first), the rest as last read.
    MEMORY_READS = 8

    def __init__(self, members: Callable[[], list[int]], temp_bytes: Callable[[], int],
                 group: Any, interval: float = INTERVAL) -> None:
        super().__init__(daemon=True, name="sandbox-guard")
        self.members, self.temp_bytes, self.group, self.interval = members, temp_bytes, group, interval
        self.limits: Limits | None = None
        self.hit: str | None = None
        self.baseline_events: dict[str, int] = {}
        self.own: tuple[int, int] = (0, 0)  # what a freshly started check's child holds before student code runs
        self.memory: dict[int, tuple[int, int]] = {}  # pid: (the measurement that last read its map, private bytes)
        self.measurements = 0
        self.lock = threading.Lock()
        self.closed = threading.Event()
        self.start()

    def watch(self, limits: Limits, baseline_memory: int = 0, baseline_tasks: int = 0,
              own: tuple[int, int] = (0, 0)) -> None:
        """Watch a new check; ``own`` is the private memory and threads its child held before any student code
        ran, where it started as a fresh interpreter (spawn) rather than forked from the warm worker."""
        with self.lock:
            self.limits, self.hit, self.own, self.memory = limits, None, own, {}
            if self.group is not None:
                self.group.limit(baseline_memory + (limits.memory_mb << 20), baseline_tasks + limits.tasks)
                self.baseline_events = self.group.events()

    def over(self) -> str | None:
        """Which limit the check has gone over, if any, measured now; its processes end when it has."""
        with self.lock:
            if self.limits is not None and self.hit is None:
                self.hit = self._measure(self.limits)
                if self.hit is not None:
                    processes.kill_all(self.members)
            return self.hit

    def _measure(self, limits: Limits) -> str | None:
        kernel_holds = self.group is not None and bool(self.baseline_events)
        if kernel_holds:  # what the kernel enforced: an OOM kill, of the group's own making
            events = self.group.events()
            if all(events[key] > self.baseline_events[key] for key in ("oom_kill", "memory_max")):
                return "memory"
            if events["tasks_max"] > self.baseline_events["tasks_max"]:
                return "tasks"
        pids = self.members()
        # RLIMIT_NPROC may refuse before the group does
        if sum(threads(pid) for pid in pids) - self.own[1] >= limits.tasks:
            return "tasks"
        if not kernel_holds and self._private_bytes(pids) - self.own[0] > limits.memory_mb << 20:
            return "memory"  # memory maps: only where nothing else holds the limit
        if self.temp_bytes() >= limits.disk_mb << 20:
            return "disk"
        return None

    def _private_bytes(self, pids: list[int]) -> int:
        """The private memory of ``pids`` together: at most ``MEMORY_READS`` maps read now, the rest as last read."""
        self.measurements += 1
        known = {pid: self.memory.get(pid, (-1, 0)) for pid in pids}
        for pid in sorted(pids, key=lambda pid: known[pid][0])[:self.MEMORY_READS]:
            known[pid] = (self.measurements, private_bytes(pid))
        self.memory = known
        return sum(size for _, size in known.values())

    def unwatch(self) -> str | None:
        hit = self.over()
        with self.lock:
            self.limits = None
        return hit

    def close(self) -> None:
        self.closed.set()

    def run(self) -> None:
        while not self.closed.wait(self.interval):
            self.over()
