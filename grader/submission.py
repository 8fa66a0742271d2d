"""A submission as the grader sees it: a folder of modules made from what the student handed in, and
what can be said of it without running it (files present, syntax, public names and signatures).
Parsing with ``ast`` runs none of the student's code."""

from __future__ import annotations

import ast
import os
import stat
import tarfile
import zipfile
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
        except SyntaxError as error:
            found.append(f"{name}, line {error.lineno}: syntax error: {error.msg}")
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
    if path.suffix == ".ipynb":
        from grader import notebook  # nbformat is needed for notebooks only
        try:
            cells = notebook.code_cells(path)
        except (ValueError, OSError) as error:
            raise NotASubmission(f"{path.name} is not a readable notebook: {error}") from None
        if not any(cell.strip() for cell in cells):
            raise NotASubmission(f"{path.name} holds no code: write the parts in its code cells, then submit it")
        return notebook.write_modules(cells, into)
    if path.suffix == ".py":  # one file for all three (e.g. a notebook saved as a script)
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
    names = {p.name.lower(): p for p in folder.iterdir()} if folder.is_dir() else {}
    if not any(name in names for name in CONTRACT):
        notebooks = sorted(p.name for p in folder.glob("*.ipynb") if _is_regular(p))
        if len(notebooks) == 1:
            return materialize(folder / notebooks[0], into)
        if len(notebooks) > 1:
            raise NotASubmission(f"the submission holds {len(notebooks)} notebooks ({', '.join(notebooks)}) and no "
                                 f"{', '.join(CONTRACT)}: submit only the notebook to grade")
        archives = sorted(p for p in folder.iterdir() if _is_regular(p) and is_archive(p))
        if len(archives) == 1 and not nested:
            note(into, f"{archives[0].name}, found inside the submission, was unpacked and graded")
            return materialize(archives[0], into, nested=True)
        inner = _shallowest(folder)  # e.g. a repository uploaded with its files in assignment/
        if inner != folder:
            return _from_folder(inner, into, nested)
        if not any(folder.iterdir()):
            raise NotASubmission("the submission is empty: it must hold dataset.py, model.py and training.py "
                                 "(or one notebook)")
    return _copy_modules(folder, into)


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
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "cp1252"
    note(into, f"{path.name} is not UTF-8 text (read as {encoding.upper()}): save it as UTF-8")
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
    into.mkdir(parents=True, exist_ok=True)
    for path in sorted(p for p in folder.iterdir() if p.name.lower().endswith(".py")):
        name = path.name.lower() if path.name.lower() in CONTRACT else path.name
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            refuse(into, name, f"{path.name} is a symbolic link, which the grader does not follow: "
                               "submit the file itself")
        elif not stat.S_ISREG(mode):
            refuse(into, name, f"{path.name} is not a regular file: submit the file itself")
        elif path.lstat().st_size > MAX_FILE_BYTES:
            refuse(into, name, f"{path.name} is larger than the grader's limit of {MAX_FILE_BYTES >> 20} MiB "
                               "for a module: keep data out of your code")
        elif (into / name).exists():
            note(into, f"{path.name} was not graded: {name} is there too (names differ only in case)")
        else:
            if name != path.name:
                note(into, f"{path.name} was graded as {name}: name it {name}, in lower case")
            (into / name).write_text(_text(path, into), encoding="utf-8")
    return into


def unpack(archive: Path, into: Path, limit: int = MAX_ARCHIVE_BYTES) -> Path:
    """Extract what is safe (plain files, inside the archive, of sane sizes: ``limit`` bytes in all); refuse
    the rest by name."""
    into.mkdir(parents=True, exist_ok=True)
    try:
        entries = list(_zip_entries(archive) if archive.suffix.lower() == ".zip" else _tar_entries(archive))
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as error:
        kind = "zip" if archive.suffix.lower() == ".zip" else "tar"
        reason = (str(error).splitlines() or [type(error).__name__])[0].rstrip(":")
        raise NotASubmission(f"{archive.name} is not a readable {kind} archive ({reason})") from None
    entries = [e for e in entries if "__MACOSX" not in e[0]]
    if not entries:
        raise NotASubmission(f"{archive.name} is an empty archive: archive the folder that holds dataset.py, "
                             "model.py and training.py")
    if sum(size for _, _, size, _ in entries) > limit:
        raise NotASubmission(f"{archive.name} unpacks to more than {limit >> 20} MiB")
    for filename, kind, size, read in entries:
        name = Path(filename).name
        target = (into / filename).resolve()
        if kind != "file":
            refuse(into, name, f"{filename} in the archive is {kind}, which the grader does not follow: put the "
                               "file itself in the archive")
        elif filename.startswith(("/", "\\")) or not target.is_relative_to(into.resolve()):
            refuse(into, name, f"{filename} in the archive points outside it (an absolute path or ..): archive "
                               "your folder from inside it")
        elif name.lower().endswith(".py") and size > MAX_FILE_BYTES:
            refuse(into, name, f"{filename} in the archive is larger than the grader's limit of "
                               f"{MAX_FILE_BYTES >> 20} MiB for a module: keep data out of your code")
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(read())
    return _shallowest(into)


def _zip_entries(archive: Path):
    """(name, kind, size, read) of every entry but folders."""
    zipped = zipfile.ZipFile(archive)
    for member in zipped.infolist():
        if member.is_dir():
            continue
        mode = stat.S_IFMT(member.external_attr >> 16)
        kind = "file" if mode in (0, stat.S_IFREG) else "a symbolic link" if mode == stat.S_IFLNK else "not a regular file"
        yield member.filename, kind, member.file_size, lambda m=member: zipped.read(m)


def _tar_entries(archive: Path):
    tarred = tarfile.open(archive)
    for member in tarred.getmembers():
        if member.isdir():
            continue
        kind = ("file" if member.isreg() else "a symbolic link" if member.issym() or member.islnk()
                else "not a regular file")
        yield member.name, kind, member.size, lambda m=member: tarred.extractfile(m).read()


def _shallowest(folder: Path, depth: int = 3) -> Path:
    """The shallowest folder within ``folder`` holding one of the contract's files (or a notebook);
    links are not followed."""
    for root, folders, files in sorted(os.walk(folder), key=lambda entry: len(Path(entry[0]).parts)):
        if len(Path(root).relative_to(folder).parts) > depth:
            continue
        folders[:] = [f for f in folders if not f.startswith("__MACOSX")]
        if any(name in CONTRACT or name.endswith(".ipynb") for name in files):
            return Path(root)
    return folder
