"""How workers are shut in: bubblewrap where it works, plain processes with limits where it does not.

With bubblewrap the worker sees a read-only file system in which the kit (reference solutions,
cached expectations) and the real data folder are covered by empty folders, only the grader's
worker code, the Python environment, the submission and the staged data are put back, and it has
no network and its own PID namespace. Without it, say plainly what is not protected.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

KIT_ROOT = Path(__file__).resolve().parent.parent
SANDBOX_SUBMISSION = Path("/tmp/submission")
SANDBOX_DATA = Path("/tmp/data")


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


@dataclass(frozen=True)
class Jail:
    """Where a worker runs and what it may see."""

    isolated: bool
    submission: Path  # as the worker sees it
    data_root: Path
    prefix: tuple[str, ...]  # the command that wraps the worker's Python

    @property
    def protections(self) -> str:
        if self.isolated:
            return ("bubblewrap: read-only file system, reference solutions and real test labels hidden, "
                    "no network, own PID namespace; per-check time, memory and CPU limits")
        return ("plain worker processes (bubblewrap not available): per-check time, memory and CPU limits "
                "and process-tree clean-up only; the reference solutions stay readable and the network "
                "reachable. Install bubblewrap (Debian: apt-get install bubblewrap) for full isolation.")


def trusted(submission: Path, data_root: Path) -> Jail:
    """No jail: for the reference, whose code the grader trusts."""
    return Jail(False, submission, data_root, ())


def jail(submission: Path, data_root: Path, hide: list[Path], isolate: bool = True) -> Jail:
    """Shut a worker in with ``submission`` and ``data_root``, hiding the kit and ``hide``."""
    bwrap = bubblewrap() if isolate else None
    if bwrap is None:
        return Jail(False, submission, data_root, ())
    hidden = {KIT_ROOT, *(p.resolve() for p in hide)}
    environment = Path(sys.prefix).resolve()
    args = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for path in sorted(hidden):
        args += ["--tmpfs", str(path)]
    for path in (KIT_ROOT / "grader", environment):  # put back what the worker needs from covered places
        if any(path.is_relative_to(h) for h in (*hidden, Path("/tmp"))):
            args += ["--ro-bind", str(path), str(path)]
    for file in sorted(data_root.rglob("*")):  # file by file: staged data links into a hidden folder
        if file.is_file():
            args += ["--ro-bind", str(file.resolve()), str(SANDBOX_DATA / file.relative_to(data_root))]
    args += ["--ro-bind", str(submission), str(SANDBOX_SUBMISSION),
             "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
             "--die-with-parent", "--new-session", "--chdir", str(SANDBOX_SUBMISSION)]
    return Jail(True, SANDBOX_SUBMISSION, SANDBOX_DATA, tuple(args))
