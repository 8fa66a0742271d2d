"""The public corpus of malformed submissions: what students and course systems really hand over when
something is off. Each entry builds its submission in a folder and names the exit status and the
words the grader must say (on stderr when it cannot grade; as a problem in the report when it can),
and, when it grades, the score the rest still earns."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import SOLUTIONS

MODULES = ("dataset.py", "model.py", "training.py")
MODEL_CHECKS = 5 + 3 + 2 + 4 + 3 + 3 + 20  # every check that needs model.py: the mlp_* checks and accuracy


@dataclass(frozen=True)
class Malformed:
    name: str
    build: Callable[[Path], Path]  # makes the submission under the given folder and returns its path
    says: str  # on stderr (exit 2), or in the report's problems (exit 0)
    exit: int = 0
    score: float | None = None  # what the rest earns, when it grades


def reference_files(folder: Path, rename: Callable[[str], str] = str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in MODULES:
        shutil.copy(SOLUTIONS / name, folder / rename(name))
    return folder


def zipped(path: Path, entries: dict[str, bytes], modes: dict[str, int] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (modes or {}).get(name, stat.S_IFREG | 0o644) << 16
            archive.writestr(info, data)
    return path


def reference_entries(prefix: str = "") -> dict[str, bytes]:
    return {f"{prefix}{name}": (SOLUTIONS / name).read_bytes() for name in MODULES}


def tarred(path: Path, entries: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return path


def notebook(path: Path, cells: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def reencoded(folder: Path, name: str, encoding: str) -> Path:
    reference_files(folder)
    text = (folder / name).read_text().replace('"""', '"""Café: ', 1)
    (folder / name).write_bytes(text.encode(encoding))
    return folder


def with_model(folder: Path, change: Callable[[Path], None]) -> Path:
    reference_files(folder)
    (folder / "model.py").unlink()
    change(folder / "model.py")
    return folder


CORPUS = [
    # Nothing to grade: exit 2 and one line on stderr.
    Malformed("empty_zip", lambda f: zipped(f / "work.zip", {}), "work.zip is an empty archive", 2),
    Malformed("not_a_zip", lambda f: (f.mkdir(), (f / "work.zip").write_bytes(b"PK not really"), f / "work.zip")[2],
              "work.zip is not a readable zip archive", 2),
    Malformed("empty_tar", lambda f: tarred(f / "work.tar.gz", {}), "work.tar.gz is an empty archive", 2),
    Malformed("not_a_tar", lambda f: (f.mkdir(), (f / "work.tar.gz").write_bytes(gzip.compress(b"junk" * 100)),
                                      f / "work.tar.gz")[2], "work.tar.gz is not a readable tar archive", 2),
    Malformed("zip_bomb", lambda f: zipped(f / "work.zip", {**reference_entries(), "data.bin": bytes(65 << 20)}),
              "work.zip unpacks to more than 64 MiB", 2),
    Malformed("two_notebooks", lambda f: (notebook(f / "a.ipynb", []), notebook(f / "b.ipynb", []), f)[2],
              "the submission holds 2 notebooks (a.ipynb, b.ipynb)", 2),
    Malformed("notebook_without_code",
              lambda f: notebook(f / "lab.ipynb", [{"cell_type": "markdown", "metadata": {}, "source": "# Notes"}]),
              "lab.ipynb holds no code", 2),
    Malformed("notebook_not_json", lambda f: (f.mkdir(), (f / "lab.ipynb").write_text("{not json"), f / "lab.ipynb")[2],
              "lab.ipynb is not a readable notebook", 2),
    Malformed("empty_folder", lambda f: (f.mkdir(), f)[1], "the submission is empty", 2),
    Malformed("no_such_path", lambda f: f / "missing", "no such folder", 2),
    Malformed("a_pdf", lambda f: (f.mkdir(), (f / "report.pdf").write_bytes(b"%PDF-1.4"), f / "report.pdf")[2],
              "report.pdf is not a folder, a .ipynb notebook, a .py file or a .zip/.tar archive", 2),
    # Something to grade: exit 0, the problem named in the report, the rest graded.
    Malformed("capitalised_names", lambda f: reference_files(f, str.capitalize),
              "Dataset.py was graded as dataset.py: name it dataset.py, in lower case", score=100),
    Malformed("zip_in_a_zip", lambda f: zipped(f / "outer.zip", {"inner.zip": zipped(f / "x" / "inner.zip",
                                                                                     reference_entries()).read_bytes()}),
              "inner.zip, found inside the submission, was unpacked and graded", score=100),
    Malformed("tar_gz", lambda f: tarred(f / "work.tar.gz", reference_entries("work/")), "", score=100),
    Malformed("link_in_tar", lambda f: tarred(f / "work.tar.gz", {k: v for k, v in reference_entries("w/").items()
                                                                  if "model" not in k}, {"w/model.py": "/etc/passwd"}),
              "w/model.py in the archive is a symbolic link", score=100 - MODEL_CHECKS),
    Malformed("path_outside_zip", lambda f: zipped(f / "work.zip", {**{k: v for k, v in reference_entries().items()
                                                                       if "model" not in k},
                                                                    "../model.py": (SOLUTIONS / "model.py").read_bytes()}),
              "../model.py in the archive points outside it", score=100 - MODEL_CHECKS),
    Malformed("huge_module", lambda f: with_model(f, lambda p: p.write_text((SOLUTIONS / "model.py").read_text()
                                                                            + "# " + "x" * (1 << 20) + "\n")),
              "model.py is larger than the grader's limit of 1 MiB", score=100 - MODEL_CHECKS),
    Malformed("model_is_a_fifo", lambda f: with_model(f, lambda p: os.mkfifo(p)),
              "model.py is not a regular file", score=100 - MODEL_CHECKS),
    Malformed("latin_1", lambda f: reencoded(f, "model.py", "cp1252"),
              "model.py is not UTF-8 text (read as CP1252): save it as UTF-8", score=100),
    Malformed("utf_16", lambda f: reencoded(f, "training.py", "utf-16"),
              "training.py is not UTF-8 text (read as UTF-16): save it as UTF-8", score=100),
    Malformed("one_py_file", lambda f: (f.mkdir(), (f / "lab.py").write_text(
        "\n\n".join((SOLUTIONS / name).read_text() for name in MODULES)), f / "lab.py")[2],
              "lab.py alone was graded as dataset.py, model.py and training.py together", score=100),
    Malformed("syntax_error", lambda f: with_model(f, lambda p: p.write_text("class MLP(:\n    pass\n")),
              "model.py, line 1: syntax error", score=100 - MODEL_CHECKS),
]
