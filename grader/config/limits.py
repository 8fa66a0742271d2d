"""A check's limits, for its whole process tree, as the rubric sets them: what the sandbox enforces
(``grader.sandbox.limits``) and what a student reads when a check goes over one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    seconds: float = 60.0  # wall clock
    memory_mb: int = 3072  # all of the check's processes together
    cpu_seconds: int = 120  # per process
    output_chars: int = 2000  # what is shown of the check's printed output
    tasks: int = 256  # processes and threads, all together
    disk_mb: int = 512  # temporary files

    def describe(self, which: str) -> str:
        return {
            "memory": f"{self.memory_mb:,} MiB of memory for all of the check's processes together",
            "tasks": f"{self.tasks:,} processes and threads for the whole check",
            "disk": f"{self.disk_mb:,} MiB of temporary files",
        }[which]
