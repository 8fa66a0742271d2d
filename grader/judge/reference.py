"""What the reference does on the grader's fixed inputs, computed once and cached on disk.

The checks compare a submission's observations with the reference's. The reference runs in a
worker of its own (never in the grading process, never beside student code), and its observations
are cached under ``.cache/`` in the kit, keyed by everything they depend on; the student's jail
hides that folder, so these expectations stay hidden from student code.

A copy of the kit without ``solutions/`` (a student's repository, made by ``make classroom``)
grades against the observations shipped with it in ``grader/reference.json`` instead.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from pathlib import Path
from typing import Any

from grader.config import paths
from grader.config.files import write_atomically
from grader.config.limits import Limits
from grader.config.paths import KIT_ROOT, SHIPPED_REFERENCE, SOLUTIONS
from grader.sandbox import jail, wire
from grader.sandbox.session import Worker

CACHE = paths.CACHE / "reference"
# The observations the checks compare against, with their arguments.
CALLS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("train_instrumented", {"seed": 0}),
    ("train_sgd", {"seed": 0}),
    ("test_instrumented", {"seed": 0}),
)


def key(observer: str, args: dict[str, Any]) -> str:
    return observer + "".join(f",{name}={args[name]}" for name in sorted(args))


def fingerprint(data_root: Path) -> str:
    """A hash of all the reference observations depend on: code, library versions and data."""
    digest = hashlib.sha256()
    for path in sorted([*SOLUTIONS.glob("*.py"), *(KIT_ROOT / "grader" / "observe").glob("*.py")]):
        digest.update(path.name.encode() + path.read_bytes())
    for package in ("torch", "numpy"):
        digest.update(importlib.metadata.version(package).encode())
    for path in sorted((data_root / "MNIST" / "raw").glob("train-*")):
        with path.open("rb") as file:
            digest.update(file.read(1 << 16))
    digest.update(repr(CALLS).encode())
    return digest.hexdigest()[:20]


def observations(data_root: Path, limits: Limits) -> dict[str, Any]:
    """The reference's observations for ``CALLS``, from the cache or computed now."""
    if not SOLUTIONS.is_dir():
        return wire.decode(SHIPPED_REFERENCE.read_bytes())
    cached = CACHE / f"{fingerprint(data_root)}.json"
    if cached.is_file():
        return wire.decode(cached.read_bytes())
    results = {}
    with Worker(jail.trusted(SOLUTIONS, data_root)) as worker:
        for observer, args in CALLS:
            with worker.session(limits) as session:
                results[key(observer, args)] = session.call(observer, **args)
    write_atomically(cached, wire.encode(results), mode=0o600)  # the grader's alone, as the reference is
    return results
