"""What the distributions (``make gradescope``, ``make classroom``) take from the kit: its own files,
without caches, and the templates they are made from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from grader.config.paths import KIT_ROOT

TEMPLATES = Path(__file__).with_name("templates")
LEFTOVERS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".hypothesis"}


def files(*names: str) -> Iterator[Path]:
    """The files under the kit's ``names`` (files or folders), relative to the kit, in a stable order."""
    for name in names:
        path = KIT_ROOT / name
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            relative = file.relative_to(KIT_ROOT)
            if file.is_file() and not LEFTOVERS & set(relative.parts) and file.suffix != ".pyc":
                yield relative
