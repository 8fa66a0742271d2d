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

from grader.config.paths import SOLUTIONS
from grader.intake.contract import MODULES

MODEL_CHECKS = 5 + 3 + 2 + 4 + 3 + 3 + 20  # every check that needs model.py: the mlp_* checks and accuracy


@dataclass(frozen=True)
class Malformed:
    name: str
    build: Callable[[Path], Path]  # makes the submission under the given folder and returns its path
    says: str  # on stderr (exit 2), or in the report's problems (exit 0)
    exit: int = 0
    score: float | None = None  # what the rest earns, when it grades
    never_says: str | None = None  # what must not be in the report (an alarm for nothing)


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


def dated(entries: dict[str, bytes], dates: dict[str, tuple[int, ...]]) -> dict[str, tuple[bytes, tuple[int, ...]]]:
    return {name: (data, next((d for prefix, d in dates.items() if name.startswith(prefix)), (2026, 11, 2, 10, 0, 0)))
            for name, data in entries.items()}


def zipped_dated(path: Path, entries: dict[str, tuple[bytes, tuple[int, ...]]]) -> Path:
    """A zip whose entries carry the times their files had: the newest copy is the one to grade."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (data, when) in entries.items():
            info = zipfile.ZipInfo(name, date_time=when)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, data, zipfile.ZIP_DEFLATED)
    return path


def with_flags(path: Path, method: int | None = None, encrypted: bool = False) -> Path:
    """A stored zip of the reference whose headers say what Windows' zip (Deflate64, method 9) or a zip with a
    password (flag bit 0) would: Python's zipfile writes neither, and reads neither."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in reference_entries("lab3/").items():
            archive.writestr(name, data)
    raw = bytearray(path.read_bytes())
    for signature, flags_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        start = 0
        while (start := raw.find(signature, start)) >= 0:
            if encrypted:
                raw[start + flags_at] |= 0x1
            if method is not None:
                raw[start + method_at : start + method_at + 2] = method.to_bytes(2, "little")
            start += 4
    path.write_bytes(bytes(raw))
    return path


def damaged(path: Path) -> Path:
    """A stored zip of the reference with one byte of model.py changed, as a broken download leaves it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in reference_entries("lab3/").items():
            archive.writestr(name, data)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("lab3/model.py")
    raw = bytearray(path.read_bytes())
    data_at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 40
    raw[data_at] ^= 0xFF
    path.write_bytes(bytes(raw))
    return path


APPLE_DOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x02" + bytes(range(256)) * 4


def macos_tar(path: Path) -> Path:
    """What macOS's tar (bsdtar) makes of a folder: an AppleDouble ``._name`` beside every file, and .DS_Store."""
    entries = {}
    for name, data in reference_entries("lab3/").items():
        entries[name] = data
        entries[name.replace("lab3/", "lab3/._")] = APPLE_DOUBLE
    entries["lab3/.DS_Store"] = b"\x00\x00\x00\x01Bud1" + bytes(64)
    return tarred(path, entries)


def finder_zip(path: Path) -> Path:
    """What the Finder's Compress makes: the folder, and __MACOSX/ with a ._ companion of each file."""
    entries = reference_entries("lab3/")
    entries |= {f"__MACOSX/lab3/._{name}": APPLE_DOUBLE for name in MODULES}
    return zipped(path, entries)


def notebook_of_reference(path: Path, drop: tuple[str, ...] = (), nbformat: int = 4) -> Path:
    """The reference's three files as the code cells of a notebook, saved without the keys in ``drop``; or in
    nbformat 3's layout (cells in worksheets, code in "input")."""
    cells = [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": (SOLUTIONS / name).read_text()} for name in MODULES]
    if nbformat == 3:
        book = {"metadata": {"name": ""}, "nbformat": 3, "nbformat_minor": 0,
                "worksheets": [{"cells": [{"cell_type": "code", "collapsed": False, "input": c["source"],
                                           "language": "python", "metadata": {}, "outputs": []} for c in cells]}]}
    else:
        book = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    for key in drop:
        book.pop(key, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(book))
    return path


def renamed(folder: Path, old: str, new: str) -> Path:
    reference_files(folder)
    (folder / old).rename(folder / new)
    return folder


MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


CORPUS = [
    # Nothing to grade: exit 2 and one line on stderr.
    Malformed("empty_zip", lambda f: zipped(f / "work.zip", {}), "work.zip is an empty archive", 2),
    Malformed("not_a_zip", lambda f: (f.mkdir(), (f / "work.zip").write_bytes(b"PK not really"), f / "work.zip")[2],
              "work.zip is not a readable zip archive", 2),
    Malformed("empty_tar", lambda f: tarred(f / "work.tar.gz", {}), "work.tar.gz is an empty archive", 2),
    Malformed("not_a_tar", lambda f: (f.mkdir(), (f / "work.tar.gz").write_bytes(gzip.compress(b"junk" * 100)),
                                      f / "work.tar.gz")[2], "work.tar.gz is not a readable tar archive", 2),
    Malformed("zip_bomb", lambda f: zipped(f / "work.zip", {**reference_entries(), "notes.ipynb": bytes(65 << 20)}),
              "work.zip unpacks to more than 64 MiB", 2),
    Malformed("encrypted_zip", lambda f: with_flags(f / "lab3.zip", encrypted=True),
              "lab3.zip is encrypted (lab3/dataset.py asks for a password): make the archive again without one", 2),
    Malformed("deflate64_zip", lambda f: with_flags(f / "lab3.zip", method=9),
              "lab3.zip compresses lab3/dataset.py with Deflate64", 2),
    Malformed("damaged_zip", lambda f: damaged(f / "lab3.zip"),
              "lab3.zip is damaged: lab3/model.py in it cannot be read (Bad CRC-32", 2),
    Malformed("two_copies_as_new", lambda f: zipped_dated(f / "lab3.zip", dated(
        {**reference_entries("v1/"), **reference_entries("final/")}, {})),
              "the submission holds the modules in final/ and in v1/, equally complete and as new", 2),
    Malformed("two_notebooks", lambda f: (notebook(f / "a.ipynb", []), notebook(f / "b.ipynb", []), f)[2],
              "the submission holds 2 notebooks (a.ipynb, b.ipynb)", 2),
    Malformed("notebook_without_code",
              lambda f: notebook(f / "lab.ipynb", [{"cell_type": "markdown", "metadata": {}, "source": "# Notes"}]),
              "lab.ipynb holds no code", 2),
    Malformed("notebook_not_json", lambda f: (f.mkdir(), (f / "lab.ipynb").write_text("{not json"), f / "lab.ipynb")[2],
              "lab.ipynb is not a readable notebook", 2),
    Malformed("empty_folder", lambda f: (f.mkdir(), f)[1], "the submission is empty", 2),
    Malformed("no_such_path", lambda f: f / "missing", "no such folder", 2),
    Malformed("a_rar", lambda f: (f.mkdir(), (f / "lab3.rar").write_bytes(b"Rar!\x1a\x07\x01\x00"), f / "lab3.rar")[2],
              "lab3.rar is a RAR archive, which the grader does not read: make a .zip", 2),
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
                                                                    "../model.py": (SOLUTIONS / "model.py")
                                                                    .read_bytes()}),
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
    # Archives and files as laptops make them: graded, with what was done said where it matters.
    Malformed("deep_zip", lambda f: zipped(f / "lab3.zip", reference_entries("home/ada/Documents/CS4501/lab3/")),
              "", score=100),
    Malformed("two_copies_newest_graded", lambda f: zipped_dated(f / "lab3.zip", dated(
        {**reference_entries("v1/"), **reference_entries("final/")}, {"v1/": (2026, 10, 1, 9, 0, 0)})),
              "graded final/ (the most complete and newest copy of the modules); also found v1/, not graded",
              score=100),
    Malformed("macos_tar", lambda f: macos_tar(f / "lab3.tar.gz"), "", score=100, never_says="._"),
    Malformed("finder_zip", lambda f: finder_zip(f / "lab3.zip"), "", score=100, never_says="._"),
    Malformed("powershell_backslashes", lambda f: zipped(f / "lab3.zip", {k.replace("/", "\\"): v for k, v in
                                                                          reference_entries("lab3/").items()}),
              "", score=100),
    Malformed("project_with_data", lambda f: zipped(f / "lab3.zip", {**reference_entries("lab3/"), **{
        f"lab3/data/MNIST/raw/{name}": bytes(24 << 20) for name in MNIST_FILES}}), "", score=100),
    Malformed("utf_16_without_bom", lambda f: reencoded(f, "training.py", "utf-16-le"),
              "training.py is not UTF-8 text (read as UTF-16-LE, without a byte-order mark): save it as UTF-8",
              score=100),
    Malformed("py_txt_from_windows", lambda f: renamed(f, "dataset.py", "dataset.py.txt"),
              "dataset.py.txt was graded as dataset.py: name it dataset.py", score=100),
    Malformed("second_download", lambda f: renamed(f, "model.py", "model (1).py"),
              "model (1).py was graded as model.py: name it model.py", score=100),
    Malformed("notebook_without_metadata", lambda f: notebook_of_reference(f / "lab3.ipynb", drop=("metadata",)),
              "", score=100),
    Malformed("notebook_nbformat_3", lambda f: notebook_of_reference(f / "lab3.ipynb", nbformat=3), "", score=100),
]
