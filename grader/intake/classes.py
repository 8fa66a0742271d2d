"""A class's submissions, as ``grade-all`` and the similarity check read them: a folder holding one entry per
student (a sub-folder, an archive, a notebook or a single module, named by its stem), or a Canvas or Moodle
download (``intake.lms``), each student named by the system's id."""

from __future__ import annotations

from pathlib import Path

from grader.intake import lms
from grader.intake.archives import ARCHIVES, is_archive


def submissions(folder: Path) -> dict[str, Path]:
    """Each student's submission, by name: sub-folders, zip and tar archives, notebooks and single modules."""
    found = {}
    for path in sorted(folder.iterdir()):
        graded = path.is_dir() or path.suffix in (".ipynb", ".py") or is_archive(path)
        if path.name.startswith(".") or path.is_symlink() or not graded:  # a link is not followed
            continue
        found.setdefault(student_name(path), path)
    return found


def student_name(path: Path) -> str:
    """A submission's name without what makes it a notebook or an archive: ada.tar.gz is ada."""
    suffix = next((s for s in (*ARCHIVES, ".ipynb", ".py") if path.is_file() and path.name.lower().endswith(s)), "")
    return path.name[: len(path.name) - len(suffix)]


def default_out(source: Path) -> Path:
    """Where a class's results go unless told: beside it, as SUBMISSIONS-graded."""
    return source.with_name(source.name.removesuffix(".zip") + "-graded")


def read(source: Path, out: Path) -> tuple[dict[str, Path], lms.Download | None]:
    """Each student's submission in ``source``, and the Canvas or Moodle download they came from, if any
    (staged in ``out``)."""
    download = lms.read(source, out)
    return (download.submissions if download else submissions(source)), download
