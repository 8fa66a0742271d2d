"""Limits for a whole process tree with Linux control groups, where this process may create them.

Both layouts are handled: cgroup v2 (one hierarchy) and v1 (a ``memory`` and a ``pids`` hierarchy).
A group is made below the group this process is in, so that a grader run inside a limited test
nests inside that test's limit. Where no group can be made (no root, a read-only /sys, a container
without delegation), ``Group.create`` returns None and the watchdog in ``limits`` stands alone.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from grader.sandbox.host import kill_all, reap, sigkill

ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids")


def _own_paths() -> dict[str, Path] | None:
    """Where this process's groups are: per controller (v1), or one folder for all (v2)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    found = {}
    for line in lines:
        _, names, where = line.split(":", 2)
        for name in names.split(","):
            if name in CONTROLLERS:
                found[name] = ROOT / name / where.lstrip("/")
        if names == "" and (ROOT / "cgroup.controllers").is_file():
            v2 = ROOT / where.lstrip("/")
            return {name: v2 for name in CONTROLLERS}
    return found if set(found) == set(CONTROLLERS) else None


def memory_for_this_process() -> int:
    """The memory this process and all it starts may use together, in bytes: the machine's, or less where
    a control group it is in (a container's, a CI job's) is limited; a container sees its own group as the
    root of the hierarchy, so every folder from the group to the root is read."""
    limits = []
    try:
        limits.append(int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                               if line.startswith("MemTotal:")).split()[1]) << 10)
    except (OSError, StopIteration, ValueError, IndexError):
        pass
    own = _own_paths()
    if own is not None:
        v2 = own["memory"] == own["pids"]
        folder, name = own["memory"], "memory.max" if v2 else "memory.limit_in_bytes"
        for place in [folder, *folder.parents]:
            try:
                value = (place / name).read_text().strip()
            except OSError:
                continue
            if value.isdigit():
                limits.append(int(value))
            if place == ROOT or place == ROOT / "memory":
                break
    return min(limits, default=1 << 62)


class Group:
    """One control group (per controller on v1) bounding memory and tasks of what joins it."""

    def __init__(self, folders: dict[str, Path], v2: bool) -> None:
        self.folders, self.v2 = folders, v2

    @classmethod
    def create(cls, prefix: str = "grader") -> Group | None:
        own = _own_paths()
        if own is None:
            return None
        v2 = own["memory"] == own["pids"]
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        folders = {controller: parent / name for controller, parent in own.items()}
        try:
            if v2:  # v2 delegates controllers to children only when the parent's subtree enables them
                (own["memory"] / "cgroup.subtree_control").write_text("+memory +pids")
            for folder in set(folders.values()):
                folder.mkdir()
        except OSError:
            for folder in set(folders.values()):
                _rmdir(folder)
            return None
        return cls(folders, v2)

    def _file(self, controller: str, v1: str, v2: str) -> Path:
        return self.folders[controller] / (v2 if self.v2 else v1)

    def limit(self, memory_bytes: int, tasks: int) -> None:
        self._file("memory", "memory.limit_in_bytes", "memory.max").write_text(str(memory_bytes))
        self._file("pids", "pids.max", "pids.max").write_text(str(tasks))

    def join(self, pid: int) -> None:
        for folder in set(self.folders.values()):
            (folder / "cgroup.procs").write_text(str(pid))

    def memory(self) -> int:
        return int(self._file("memory", "memory.usage_in_bytes", "memory.current").read_text())

    def tasks(self) -> int:
        return int(self._file("pids", "pids.current", "pids.current").read_text())

    def events(self) -> dict[str, int]:
        """How often the kernel enforced a limit: OOM kills, refused forks (tasks); and how often the group's
        memory reached its own limit, which tells an OOM kill of the group's own making from one the whole
        machine's shortage caused (the kernel kills a check's child first there too)."""
        memory = _counters(self._file("memory", "memory.oom_control", "memory.events"))
        pids = _counters(self._file("pids", "pids.events", "pids.events"))
        if self.v2:
            at_limit = memory.get("max", 0)
        else:
            try:
                at_limit = int(self._file("memory", "memory.failcnt", "").read_text())
            except (OSError, ValueError):
                at_limit = 0
        return {"oom_kill": memory.get("oom_kill", 0), "tasks_max": pids.get("max", 0), "memory_max": at_limit}

    def members(self) -> list[int]:
        pids = set()
        for folder in set(self.folders.values()):
            try:
                pids.update(int(p) for p in (folder / "cgroup.procs").read_text().split())
            except OSError:
                pass
        return sorted(pids)

    def close(self) -> None:
        """Kill whatever is still in the group, then remove it, with any group left below it."""
        kill_all(self.members, sigkill)
        for folder in set(self.folders.values()):
            for below in sorted(folder.rglob("*/"), key=lambda p: len(p.parts), reverse=True):
                _rmdir(below)
            _rmdir(folder)


def _counters(path: Path) -> dict[str, int]:
    try:
        pairs = (line.split() for line in path.read_text().splitlines())
        return {pair[0]: int(pair[1]) for pair in pairs if len(pair) == 2 and pair[1].isdigit()}
    except OSError:
        return {}


def _rmdir(folder: Path) -> None:
    for _ in range(250):  # a killed task counts until it is reaped, and the kernel lets a group go a moment after
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            reap()  # our own killed children, if they are what keeps the group busy
            time.sleep(0.02)
