"""What a grade depends on, as hashes: the submission's content, the rubric, and the kit that grades.

A kept grade is reused only while all three are unchanged, so a class is regraded exactly when a
submission, the rubric or the kit's checks changed, and file times decide nothing. The rubric is
hashed as parsed (a comment or a blank line is not a change); the kit is every Python module of the
grader (checks, observers, scoring, messages and reports) and the reference in ``solutions/``.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from functools import cache
from pathlib import Path

from grader.config.paths import KIT_ROOT

KIT_SOURCES = (KIT_ROOT / "grader", KIT_ROOT / "solutions")
KIT_SUFFIXES = (".py", ".ini")


def digest(path: Path, suffixes: tuple[str, ...] | None = None) -> str:
    """A hash of a file's bytes, or of a folder's files (with ``suffixes`` only, if given): names and
    bytes in name order, links and caches left out, as a submission is read."""
    hashed = hashlib.sha256()
    files = [path] if not path.is_dir() else sorted(
        p for p in path.rglob("*")
        if p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts
        and (suffixes is None or p.suffix in suffixes))
    for file in files:
        if file != path:
            hashed.update(file.relative_to(path).as_posix().encode() + b"\0")
        try:
            with file.open("rb") as content:
                hashed.update(hashlib.file_digest(content, "sha256").digest())
        except OSError:  # unreadable: graded as such, and hashed as such
            hashed.update(b"unreadable")
    return hashed.hexdigest()


def rubric_digest(rubric: Path) -> str:
    """A hash of what the rubric says, not of how it is written."""
    parsed = tomllib.loads(rubric.read_text())
    return hashlib.sha256(json.dumps(parsed, sort_keys=True).encode()).hexdigest()


@cache  # one kit for a whole batch
def kit_digest() -> str:
    hashed = hashlib.sha256()
    for source in KIT_SOURCES:
        hashed.update(digest(source, KIT_SUFFIXES).encode())
    return hashed.hexdigest()


def fingerprint(submission: Path, rubric: Path) -> dict[str, str]:
    """The hashes a grade of ``submission`` under ``rubric`` by this kit is kept with."""
    return {"submission": digest(submission), "rubric": rubric_digest(rubric), "kit": kit_digest()}


# What a change of each hash means, for a regrade's reader.
CHANGED = {"submission": "the submission changed", "rubric": "the rubric changed",
           "kit": "the grader changed (a new version of the kit)"}


def changed(earlier: dict[str, str], now: dict[str, str]) -> list[str]:
    """Why a grade made of ``now`` differs in what it was made of from one made of ``earlier``."""
    return [reason for key, reason in CHANGED.items() if earlier.get(key) != now.get(key)]
