"""What intake says of a submission besides its modules: notes on what was done (a file graded under
another name, an archive unpacked), files refused and why, both kept beside the modules for the report;
and the one-line reason when there is nothing to grade at all."""

from __future__ import annotations

from pathlib import Path

REFUSED = ".refused-{}"  # beside the modules: why a file of the submission was not taken
NOTES = ".notes"  # beside the modules: what was done, one line each


def note(into: Path, text: str) -> None:
    into.mkdir(parents=True, exist_ok=True)
    with (into / NOTES).open("a") as notes:
        notes.write(text + "\n")


def notes(modules: Path) -> list[str]:
    path = modules / NOTES
    return path.read_text().splitlines() if path.is_file() else []


def refusals(modules: Path) -> dict[str, str]:
    """The submission's files that were not taken, and why."""
    prefix = REFUSED.format("")
    return {path.name.removeprefix(prefix): path.read_text() for path in sorted(modules.glob(REFUSED.format("*")))}


def refuse(into: Path, name: str, reason: str) -> None:
    into.mkdir(parents=True, exist_ok=True)
    (into / REFUSED.format(name)).write_text(reason)


class NotASubmission(ValueError):
    """A path that cannot be graded at all: a missing file, an unreadable notebook or archive."""
