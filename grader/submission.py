"""A submission as the grader sees it: a folder of modules made from what the student handed in, and
what can be said of it without running it (files present, syntax, public names and signatures).
Parsing with ``ast`` runs none of the student's code."""

from __future__ import annotations

import ast
import os
import shutil
import stat
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
    found = [f"{reason} (the checks that need it fail)" if name in CONTRACT else f"{reason} (not graded)"
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


def materialize(path: Path, into: Path) -> Path:
    """The submission at ``path`` (a folder, a ``.ipynb`` or a ``.zip``) as a folder of modules.

    The folder holds the submission's Python files and nothing else, for a worker to read. A folder
    holding no module but one notebook is graded as that notebook (e.g. a Gradescope upload). Nothing
    is followed: a link, or anything else that is not a plain file or folder, is refused, and
    ``refusals`` says which and why.
    """
    if path.is_dir():
        if not any(_entry_exists(path / name) for name in CONTRACT):
            notebooks = [p for p in path.glob("*.ipynb") if _is_regular(p)]
            if len(notebooks) == 1:
                return materialize(notebooks[0], into)
            inner = _shallowest(path)  # e.g. a repository uploaded with its files in assignment/
            if inner != path:
                return materialize(inner, into)
        return _copy_modules(path, into)
    if not path.exists():
        raise NotASubmission(f"no such folder: {path}")
    if path.suffix == ".ipynb":
        from grader import notebook  # nbformat is needed for notebooks only
        try:
            return notebook.write_modules(notebook.code_cells(path), into)
        except (ValueError, OSError) as error:
            raise NotASubmission(f"{path} is not a readable notebook: {error}") from None
    if path.suffix == ".zip":
        unzipped = into.with_name("unzipped")
        inner = _unzip(path, unzipped)
        modules = materialize(inner, into)
        for refused in unzipped.glob(REFUSED.format("*")):
            shutil.copyfile(refused, modules / refused.name)
        return modules
    raise NotASubmission(f"{path} is not a folder, a .ipynb notebook or a .zip archive")


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


def _entry_exists(path: Path) -> bool:
    return os.path.lexists(path)


def _copy_modules(folder: Path, into: Path) -> Path:
    into.mkdir(parents=True)
    for path in sorted(folder.glob("*.py")):
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            refuse(into, path.name, f"{path.name} is a symbolic link, which the grader does not follow: "
                                    "submit the file itself")
        elif not stat.S_ISREG(mode):
            refuse(into, path.name, f"{path.name} is not a regular file: submit the file itself")
        elif path.lstat().st_size > MAX_FILE_BYTES:
            refuse(into, path.name, f"{path.name} is larger than the grader's limit of "
                                    f"{MAX_FILE_BYTES >> 20} MiB for a module: keep data out of your code")
        else:
            with open(path, "rb", opener=lambda p, flags: os.open(p, flags | os.O_NOFOLLOW)) as source:
                (into / path.name).write_bytes(source.read(MAX_FILE_BYTES + 1))
    return into


def _unzip(archive: Path, into: Path) -> Path:
    """Extract what is safe (plain files, inside the archive, of sane sizes); refuse the rest by name."""
    into.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = [m for m in zipped.infolist() if not m.is_dir() and "__MACOSX" not in m.filename]
            if sum(m.file_size for m in members) > MAX_ARCHIVE_BYTES:
                raise NotASubmission(f"{archive} unpacks to more than {MAX_ARCHIVE_BYTES >> 20} MiB")
            for member in members:
                name = Path(member.filename).name
                kind = stat.S_IFMT(member.external_attr >> 16)
                target = (into / member.filename).resolve()
                if kind not in (0, stat.S_IFREG):
                    what = "a symbolic link" if kind == stat.S_IFLNK else "not a regular file"
                    refuse(into, name, f"{member.filename} in the archive is {what}, which the grader does not "
                                       "follow: put the file itself in the archive")
                elif member.filename.startswith(("/", "\\")) or not target.is_relative_to(into.resolve()):
                    refuse(into, name, f"{member.filename} in the archive points outside it (an absolute path "
                                       "or ..): archive your folder from inside it")
                elif name.endswith(".py") and member.file_size > MAX_FILE_BYTES:
                    refuse(into, name, f"{member.filename} in the archive is larger than the grader's limit of "
                                       f"{MAX_FILE_BYTES >> 20} MiB for a module: keep data out of your code")
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(zipped.read(member))
    except zipfile.BadZipFile as error:
        raise NotASubmission(f"{archive} is not a readable zip archive: {error}") from None
    return _shallowest(into)


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
