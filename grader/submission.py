"""A submission as the grader sees it: a folder of modules made from what the student handed in, and
what can be said of it without running it (files present, syntax, public names and signatures).
Parsing with ``ast`` runs none of the student's code."""

from __future__ import annotations

import ast
import shutil
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
    present = [name for name in CONTRACT if (folder / name).is_file()]
    if not present:
        return [f"{shown_as or folder} holds none of {', '.join(CONTRACT)}: is this the submission folder?"]
    found = []
    for name, names in CONTRACT.items():
        path = folder / name
        if name not in present:
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


class NotASubmission(ValueError):
    """A path that cannot be graded at all: a missing file, an unreadable notebook or archive."""


def materialize(path: Path, into: Path) -> Path:
    """The submission at ``path`` (a folder, a ``.ipynb`` or a ``.zip``) as a folder of modules.

    The folder holds the submission's Python files and nothing else, for a worker to read. A folder
    holding no module but one notebook is graded as that notebook (e.g. a Gradescope upload).
    """
    if path.is_dir():
        if not any((path / name).is_file() for name in CONTRACT):
            notebooks = list(path.glob("*.ipynb"))
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
        return materialize(_unzip(path, into.with_name("unzipped")), into)
    raise NotASubmission(f"{path} is not a folder, a .ipynb notebook or a .zip archive")


def _copy_modules(folder: Path, into: Path) -> Path:
    into.mkdir(parents=True)
    for path in folder.glob("*.py"):
        if path.is_file() and path.stat().st_size <= MAX_FILE_BYTES:
            shutil.copyfile(path, into / path.name)
    return into


def _unzip(archive: Path, into: Path) -> Path:
    """Extract safely (no absolute paths, no ``..``, bounded size); the submission folder inside."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = [m for m in zipped.infolist() if not m.is_dir() and "__MACOSX" not in m.filename]
            if sum(m.file_size for m in members) > MAX_ARCHIVE_BYTES:
                raise NotASubmission(f"{archive} unpacks to more than {MAX_ARCHIVE_BYTES >> 20} MiB")
            for member in members:
                target = (into / member.filename).resolve()
                if not target.is_relative_to(into.resolve()):
                    raise NotASubmission(f"{archive} holds a path outside the archive: {member.filename}")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zipped.read(member))
    except zipfile.BadZipFile as error:
        raise NotASubmission(f"{archive} is not a readable zip archive: {error}") from None
    return _shallowest(into)


def _shallowest(folder: Path, depth: int = 3) -> Path:
    """The shallowest folder within ``folder`` holding one of the contract's files (or a notebook)."""
    candidates = sorted((p.parent for p in folder.rglob("*")
                         if (p.name in CONTRACT or p.suffix == ".ipynb") and len(p.relative_to(folder).parts) <= depth),
                        key=lambda p: len(p.parts))
    return candidates[0] if candidates else folder
