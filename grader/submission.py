"""A submission as the grader sees it: a folder of modules made from what the student handed in, and
what can be said of it without running it (files present, syntax, public names and signatures).
Parsing with ``ast`` runs none of the student's code."""

from __future__ import annotations

import ast
import lzma
import os
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

# The contract's public names, per file, with the positional parameters each callable takes.
CONTRACT: dict[str, dict[str, tuple[str, ...] | None]] = {
    "dataset.py": {"MNISTDataset": None, "make_dataloaders": ("root", "batch_size")},
    "model.py": {"MLP": None},
    "training.py": {
        "train_epoch": ("model", "optimizer", "dataloader", "criterion", "device"),
        "test_epoch": ("model", "dataloader", "criterion", "device"),
    },
}
MAX_FILE_BYTES = 1 << 20


def problems(folder: Path, shown_as: Path | None = None) -> list[str]:
    """Problems a student should fix first; the checks still run and report their own failures."""
    refused = refusals(folder)
    present = [name for name in CONTRACT if (folder / name).is_file()]
    if not present and not refused:
        return [f"{shown_as or folder} holds none of {', '.join(CONTRACT)}: is this the submission folder?"]
    found = notes(folder) + [f"{reason} (the checks that need it fail)" if name in CONTRACT else f"{reason} (not graded)"
                             for name, reason in refused.items()]
    for name, names in CONTRACT.items():
        path = folder / name
        if name not in present:
            if name not in refused:
                found.append(f"{name} is missing: the checks that need it fail")
            continue
        try:
            tree = ast.parse(path.read_bytes(), filename=name)
        except (SyntaxError, ValueError) as error:  # ValueError: NUL bytes, before Python 3.12
            where = f", line {error.lineno}" if getattr(error, "lineno", None) else ""
            found.append(f"{name}{where}: syntax error: {getattr(error, 'msg', None) or error}")
            continue
        defined = {node.name: node for node in tree.body
                   if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        for public, parameters in names.items():
            node = defined.get(public)
            if node is None:
                found.append(f"{name} defines no `{public}` at the top level")
            elif parameters and isinstance(node, ast.FunctionDef):
                given = [a.arg for a in node.args.posonlyargs + node.args.args]
                if len(given) < len(parameters) and node.args.vararg is None:
                    found.append(f"{name}: {public}({', '.join(given)}) takes {len(given)} parameter(s); "
                                 f"the grader calls {public}({', '.join(parameters)})")
    return found


MAX_ARCHIVE_BYTES = 64 << 20
REFUSED = ".refused-{}"  # beside the modules: why a file of the submission was not taken


class NotASubmission(ValueError):
    """A path that cannot be graded at all: a missing file, an unreadable notebook or archive."""


ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


def is_archive(path: Path) -> bool:
    return path.name.lower().endswith(ARCHIVES)


def materialize(path: Path, into: Path, nested: bool = False) -> Path:
    """The submission at ``path`` (a folder, a notebook, a single ``.py``, a zip or tar archive) as a
    folder of modules, for a worker to read.

    A folder holding no module but one notebook (or one archive) is graded as that notebook (or what
    the archive holds). Nothing is followed: a link, or anything else that is not a plain file or
    folder, is refused, and ``refusals`` says which and why; ``notes`` says what else was done.
    """
    if path.is_dir():
        return _from_folder(path, into, nested)
    if not path.exists():
        raise NotASubmission(f"no such folder: {path}")
    if path.suffix.lower() == ".ipynb":
        from grader import notebook
        try:
            cells = notebook.code_cells(path)
        except (ValueError, OSError) as error:
            raise NotASubmission(f"{path.name} is not a readable notebook: {error}") from None
        if not any(cell.strip() for cell in cells):
            raise NotASubmission(f"{path.name} holds no code: write the parts in its code cells, then submit it")
        return notebook.write_modules(cells, into)
    if path.suffix.lower() == ".py":  # one file for all three (e.g. a notebook saved as a script)
        from grader import notebook
        note(into, f"{path.name} alone was graded as dataset.py, model.py and training.py together")
        return notebook.write_modules([_text(path, into)], into)
    if is_archive(path):
        unpacked = into.parent / ("unpacked-inner" if nested else "unpacked")
        modules = _from_folder(unpack(path, unpacked), into, nested)
        for extra in [*unpacked.glob(REFUSED.format("*")), *unpacked.glob(NOTES)]:
            with (modules / extra.name).open("a") as merged:
                merged.write(extra.read_text())
        return modules
    raise NotASubmission(f"{path.name} is not a folder, a .ipynb notebook, a .py file or a .zip/.tar archive")


def _from_folder(folder: Path, into: Path, nested: bool) -> Path:
    chosen = locate(folder, into)  # e.g. a repository uploaded with its files in assignment/
    if not graded_as(chosen):
        notebooks = sorted(p.name for p in chosen.glob("*.ipynb") if _is_regular(p) and not _ignored(p.name))
        if len(notebooks) == 1:
            return materialize(chosen / notebooks[0], into)
        if len(notebooks) > 1:
            raise NotASubmission(f"the submission holds {len(notebooks)} notebooks ({', '.join(notebooks)}) and no "
                                 f"{', '.join(CONTRACT)}: submit only the notebook to grade")
        archives = sorted(p for p in chosen.iterdir() if _is_regular(p) and is_archive(p))
        if len(archives) == 1 and not nested:
            note(into, f"{archives[0].name}, found inside the submission, was unpacked and graded")
            return materialize(archives[0], into, nested=True)
        if not any(chosen.iterdir()):
            raise NotASubmission("the submission is empty: it must hold dataset.py, model.py and training.py "
                                 "(or one notebook)")
    return _copy_modules(chosen, into)


def _ignored(name: str) -> bool:
    """What tools add beside a student's files: macOS's ``__MACOSX/``, ``._name`` companions and ``.DS_Store``,
    Jupyter's ``.ipynb_checkpoints/``, Python's ``__pycache__/``, and every other hidden file."""
    return name.startswith((".", "__MACOSX", "__pycache__"))


def locate(top: Path, into: Path) -> Path:
    """The folder within ``top`` (at any depth, links not followed) that holds the submission: of the folders
    holding the contract's modules (or one notebook), the one with the most of them, then the newest, then
    the shallowest; two that tie on all three are refused. The report names the others found."""
    found = []
    for root, folders, _ in os.walk(top):
        folders[:] = sorted(name for name in folders if not _ignored(name))
        here = Path(root)
        modules = list(graded_as(here).values())
        notebooks = [p for p in here.glob("*.ipynb") if _is_regular(p) and not _ignored(p.name)]
        files = modules or notebooks
        if files:  # one notebook is all three parts; several are one too many
            count = len(modules) if modules else len(CONTRACT) if len(notebooks) == 1 else 0
            newest = max(p.lstat().st_mtime for p in files)
            found.append(((count, newest, -len(here.relative_to(top).parts)), here))
    if not found:
        return top
    found.sort(key=lambda candidate: candidate[0], reverse=True)
    (best, chosen), rest = found[0], [folder for _, folder in found[1:]]
    shown = {folder: f"{folder.relative_to(top).as_posix()}/" if folder != top else "its top folder"
             for _, folder in found}
    if len(found) > 1 and found[1][0] == best:
        raise NotASubmission(f"the submission holds the modules in {shown[chosen]} and in {shown[found[1][1]]}, "
                             "equally complete and as new: submit only the folder to grade")
    if rest:
        note(into, f"graded {shown[chosen]} (the most complete and newest copy of the modules); also found "
                   f"{', '.join(shown[folder] for folder in rest)}, not graded")
    return chosen


# A laptop's names for a module: Model.py, model.py.txt or model.txt (Windows hides known extensions),
# model (1).py (a second download), model copy.py (macOS's Duplicate), model.py.py.
NEAR_NAMES = r"{stem}(?: ?\(\d+\)| copy(?: \d+)?| - copy)?\.py|{stem}(?:\.py)?\.txt|{stem}\.py\.py"


def graded_as(folder: Path) -> dict[str, Path]:
    """The file of ``folder`` graded as each of the contract's modules it has: the module itself, else the same
    name in another case, else a name a laptop gave it (see ``NEAR_NAMES``)."""
    try:
        files = sorted(p for p in folder.iterdir() if not _ignored(p.name))
    except OSError:
        return {}
    taken = {}
    for name in CONTRACT:
        near = re.compile(NEAR_NAMES.format(stem=re.escape(name.removesuffix(".py"))), re.IGNORECASE)
        ranked = sorted((rank, p.name, p) for p in files
                        if (rank := 0 if p.name == name else 1 if p.name.lower() == name
                            else 2 if near.fullmatch(p.name) else None) is not None)
        if ranked:
            taken[name] = ranked[0][2]
    return taken


NOTES = ".notes"


def note(into: Path, text: str) -> None:
    into.mkdir(parents=True, exist_ok=True)
    with (into / NOTES).open("a") as notes:
        notes.write(text + "\n")


def notes(modules: Path) -> list[str]:
    path = modules / NOTES
    return path.read_text().splitlines() if path.is_file() else []


def _text(path: Path, into: Path) -> str:
    """A module's source as UTF-8; other encodings are read, converted, and noted."""
    raw = path.read_bytes()[: MAX_FILE_BYTES + 1]
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding, how = "utf-16", "UTF-16"
    elif raw.count(0) > len(raw) // 4:  # UTF-16 without a byte-order mark: every other byte of ASCII text is 0
        encoding = "utf-16-le" if raw[1::2].count(0) > raw[0::2].count(0) else "utf-16-be"
        how = f"{encoding.upper()}, without a byte-order mark"
    else:
        encoding, how = "cp1252", "CP1252"
    note(into, f"{path.name} is not UTF-8 text (read as {how}): save it as UTF-8")
    return raw.decode(encoding, errors="replace")


def refusals(modules: Path) -> dict[str, str]:
    """The submission's files that were not taken, and why."""
    prefix = REFUSED.format("")
    return {path.name.removeprefix(prefix): path.read_text() for path in sorted(modules.glob(REFUSED.format("*")))}


def refuse(into: Path, name: str, reason: str) -> None:
    into.mkdir(parents=True, exist_ok=True)
    (into / REFUSED.format(name)).write_text(reason)


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _copy_modules(folder: Path, into: Path) -> Path:
    """The contract's modules (by ``graded_as``) and every other ``.py`` beside them, each checked before it
    is taken: nothing followed, nothing over the size limit."""
    into.mkdir(parents=True, exist_ok=True)
    taken = {path: name for name, path in graded_as(folder).items()}
    for path in sorted(p for p in folder.iterdir() if not _ignored(p.name)):
        if path in taken:
            name = taken[path]
        elif path.name.lower() in CONTRACT:  # Model.py beside model.py
            note(into, f"{path.name} was not graded: {path.name.lower()} is there too (names differ only in case)")
            continue
        elif path.name.lower().endswith(".py"):  # a module of the student's own, imported by the others
            name = path.name
        else:
            continue
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            refuse(into, name, f"{path.name} is a symbolic link, which the grader does not follow: "
                               "submit the file itself")
        elif not stat.S_ISREG(mode):
            refuse(into, name, f"{path.name} is not a regular file: submit the file itself")
        elif path.lstat().st_size > MAX_FILE_BYTES:
            refuse(into, name, f"{path.name} is larger than the grader's limit of {MAX_FILE_BYTES >> 20} MiB "
                               "for a module: keep data out of your code")
        else:
            if name != path.name:
                note(into, f"{path.name} was graded as {name}: name it {name}"
                           + (", in lower case" if path.name.lower() == name else ""))
            (into / name).write_text(_text(path, into), encoding="utf-8")
    return into


# Zip's compression methods that Python reads; the one Windows' own zip uses for large files, which it does not.
READABLE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
METHOD_NAMES = {9: "Deflate64 (what Windows' own zip uses for large files)"}


def _graded_kind(name: str) -> bool:
    """Whether an archive entry could be graded: a module (or a laptop's name for one), a notebook, an archive."""
    lower = Path(name).name.lower()
    return not _ignored(Path(name).name) and (lower.endswith((".py", ".ipynb", ".txt")) or is_archive(Path(lower)))


def unpack(archive: Path, into: Path, limit: int = MAX_ARCHIVE_BYTES) -> Path:
    """Extract the entries that could be graded (modules, notebooks, archives) where it is safe (plain files,
    inside the archive, of sane sizes: ``limit`` bytes in all), keeping their times; refuse the rest by name.
    Everything else an archive holds (data, figures, what macOS adds) is left in it."""
    into.mkdir(parents=True, exist_ok=True)
    kind = "zip" if archive.suffix.lower() == ".zip" else "tar"
    try:
        entries = list(_zip_entries(archive) if kind == "zip" else _tar_entries(archive))
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, ValueError) as error:
        raise NotASubmission(f"{archive.name} is not a readable {kind} archive ({_reason(error)})") from None
    if not entries:
        raise NotASubmission(f"{archive.name} is an empty archive: archive the folder that holds dataset.py, "
                             "model.py and training.py")
    entries = [entry for entry in entries if _graded_kind(entry.name)]
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
        kind = "file" if mode in (0, stat.S_IFREG) else "a symbolic link" if mode == stat.S_IFLNK else "not a regular file"
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
