"""``python -m kit.gradescope_zip --out dist/gradescope/autograder.zip``: the autograder for Gradescope.

Gradescope's spec (https://gradescope-autograders.readthedocs.io/en/latest/specs/) wants a zip with
``setup.sh`` and an executable ``run_autograder`` at its root; it unzips it into /autograder/source.
Both scripts live in ``kit/templates/gradescope/``; beside them go the grader, the reference
solutions and the rubric, so that the zip grades on its own.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import zipfile
from pathlib import Path

from grader.config.files import replacing
from grader.config.paths import KIT_ROOT
from kit.dist import TEMPLATES, files

CONTENTS = ("grader", "kit", "solutions", "pyproject.toml", "README.md", "Makefile")
SCRIPTS = ("setup.sh", "run_autograder")
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same kit makes the same zip


def _entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ZIP_EPOCH)
    info.external_attr = (stat.S_IFREG | mode) << 16  # unzip restores the executable bit from here
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def unzip(archive_path: Path, into: Path) -> Path:
    """As Gradescope does: the zip's files into ``into``, with the modes it records."""
    with zipfile.ZipFile(archive_path) as archive:
        for info in archive.infolist():
            os.chmod(archive.extract(info, into), stat.S_IMODE(info.external_attr >> 16))
    return into


def build(out: Path) -> Path:
    """Write the autograder zip to ``out`` (atomically) and return it."""
    entries = [(TEMPLATES / "gradescope" / name, _entry(name, 0o755)) for name in SCRIPTS]
    entries += [(KIT_ROOT / path, _entry(path.as_posix(), 0o644)) for path in files(*CONTENTS)]
    with replacing(out) as file, zipfile.ZipFile(file, "w") as archive:
        for source, info in entries:
            archive.writestr(info, source.read_bytes())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kit.gradescope_zip", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("dist/gradescope/autograder.zip"),
                        help="the zip to write (default: dist/gradescope/autograder.zip)")
    args = parser.parse_args(argv)
    print(f"wrote {build(args.out)}: upload it as the assignment's autograder (see README.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
