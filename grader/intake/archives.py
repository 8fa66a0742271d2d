"""Archives as laptops make them: zip and tar, read without following anything, and only for what could be
graded; an archive that cannot be read gets one line saying why and what to do."""

from __future__ import annotations

import lzma
import os
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from grader.intake.contract import MAX_ARCHIVE_BYTES, MAX_FILE_BYTES, ignored
from grader.intake.notes import NotASubmission, refuse

ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


def is_archive(path: Path) -> bool:
    return path.name.lower().endswith(ARCHIVES)


# Zip's compression methods that Python reads; the one Windows' own zip uses for large files, which it does not.
READABLE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
METHOD_NAMES = {9: "Deflate64 (what Windows' own zip uses for large files)"}


def _graded_kind(name: str) -> bool:
    """Whether an archive entry could be graded: a module (or a laptop's name for one), a notebook, an archive."""
    lower = Path(name).name.lower()
    return not ignored(Path(name).name) and (lower.endswith((".py", ".ipynb", ".txt")) or is_archive(Path(lower)))


def unpack(archive: Path, into: Path, limit: int = MAX_ARCHIVE_BYTES, everything: bool = False) -> Path:
    """Extract the entries that could be graded (modules, notebooks, archives; with ``everything``, all) where
    it is safe (plain files, inside the archive, of sane sizes: ``limit`` bytes in all), keeping their times;
    refuse the rest by name. Whatever else a student's archive holds (data, figures, what macOS adds) is
    left in it."""
    into.mkdir(parents=True, exist_ok=True)
    kind = "zip" if archive.suffix.lower() == ".zip" else "tar"
    try:
        entries = list(_zip_entries(archive) if kind == "zip" else _tar_entries(archive))
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, ValueError) as error:
        raise NotASubmission(f"{archive.name} is not a readable {kind} archive ({_reason(error)})") from None
    if not entries:
        raise NotASubmission(f"{archive.name} is an empty archive: archive the folder that holds dataset.py, "
                             "model.py and training.py")
    entries = [entry for entry in entries if everything or _graded_kind(entry.name)]
    if sum(entry.size for entry in entries) > limit:
        raise NotASubmission(f"{archive.name} unpacks to more than {limit >> 20} MiB")
    for entry in entries:
        name = Path(entry.name).name
        target = (into / entry.name).resolve()
        if entry.kind != "file":
            refuse(into, name, f"{entry.name} in the archive is {entry.kind}, which the grader does not follow: put "
                               "the file itself in the archive")
        elif entry.name.startswith(("/", "\\")) or not target.is_relative_to(into.resolve()):
            refuse(into, name, f"{entry.name} in the archive points outside it (an absolute path or ..): archive "
                               "your folder from inside it")
        elif name.lower().endswith(".py") and entry.size > MAX_FILE_BYTES:
            refuse(into, name, f"{entry.name} in the archive is larger than the grader's limit of "
                               f"{MAX_FILE_BYTES >> 20} MiB for a module: keep data out of your code")
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_read(archive, entry))
            if entry.mtime is not None:
                os.utime(target, (entry.mtime, entry.mtime))
    return into


@dataclass(frozen=True)
class Entry:
    """A file in an archive: its name, what it is, its size and time, and how to read it."""

    name: str
    kind: str  # "file", "a symbolic link", "not a regular file"
    size: int
    mtime: float | None
    read: Callable[[], bytes]
    cannot: str | None = None  # why it cannot be read at all (a password, a method Python lacks)


def _read(archive: Path, entry: Entry) -> bytes:
    if entry.cannot:
        raise NotASubmission(f"{archive.name} {entry.cannot}")
    try:
        return entry.read()
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, RuntimeError, NotImplementedError,
            ValueError, zlib.error, lzma.LZMAError) as error:
        raise NotASubmission(f"{archive.name} is damaged: {entry.name} in it cannot be read ({_reason(error)}); "
                             "make the archive again") from None


def _reason(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0].rstrip(":") or type(error).__name__


def _zip_entries(archive: Path) -> Iterator[Entry]:
    """Every entry but folders."""
    zipped = zipfile.ZipFile(archive)
    for member in zipped.infolist():
        if member.is_dir():
            continue
        mode = stat.S_IFMT(member.external_attr >> 16)
        kind = ("file" if mode in (0, stat.S_IFREG) else "a symbolic link" if mode == stat.S_IFLNK
                else "not a regular file")
        cannot = None
        if member.flag_bits & 0x1:
            cannot = f"is encrypted ({member.filename} asks for a password): make the archive again without one"
        elif member.compress_type not in READABLE_METHODS:
            method = METHOD_NAMES.get(member.compress_type, f"compression method {member.compress_type}")
            cannot = (f"compresses {member.filename} with {method}, which the grader cannot read: make the archive "
                      "again with another tool (zip -r, 7-Zip with Deflate, macOS's Compress) or submit the files")
        try:
            mtime = datetime(*member.date_time).timestamp()
        except ValueError:  # a date of 1980-00-00, as some tools write
            mtime = None
        # Windows PowerShell's Compress-Archive writes its folders with backslashes
        name = member.filename.replace("\\", "/")
        yield Entry(name, kind, member.file_size, mtime, lambda m=member: zipped.read(m), cannot)


def _tar_entries(archive: Path) -> Iterator[Entry]:
    tarred = tarfile.open(archive)
    for member in tarred.getmembers():
        if member.isdir():
            continue
        kind = ("file" if member.isreg() else "a symbolic link" if member.issym() or member.islnk()
                else "not a regular file")
        yield Entry(member.name, kind, member.size, float(member.mtime),
                    lambda m=member: tarred.extractfile(m).read())
