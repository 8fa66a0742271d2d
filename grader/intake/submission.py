"""A submission as the grader sees it: a folder of modules made from what the student handed in (a folder,
an archive, a notebook, a single file), and what can be said of it without running it (files present,
syntax, public names and signatures). Parsing with ``ast`` runs none of the student's code."""

from __future__ import annotations

import ast
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from grader.intake import notebook
from grader.intake.archives import is_archive, unpack
from grader.intake.contract import CONTRACT, MAX_FILE_BYTES, ignored
from grader.intake.fingerprint import fingerprint
from grader.intake.notes import NOTES, REFUSED, NotASubmission, note, notes, refusals, refuse

OTHER_ARCHIVES = {".rar": "RAR", ".7z": "7-Zip", ".gz": "gzip (not tar)", ".bz2": "bzip2 (not tar)",
                  ".xz": "xz (not tar)"}


@dataclass(frozen=True)
class Submission:
    """What a student handed in, taken in: the folder of modules to grade, what to fix first, and the
    hashes of what is graded (the submission as read, the rubric, the kit)."""

    modules: Path
    problems: list[str]
    fingerprint: dict[str, str]


def take_in(path: Path, into: Path, rubric: Path, shown_as: Path | None = None) -> Submission:
    """The submission at ``path`` (named ``shown_as`` to the student) as modules in ``into``; raises
    ``NotASubmission`` with one line when there is nothing to grade."""
    graded = fingerprint(path, rubric)  # as read now, before anything is made of it
    modules = materialize(path, into)
    return Submission(modules, problems(modules, shown_as or path), graded)


def problems(folder: Path, shown_as: Path | None = None) -> list[str]:
    """Problems a student should fix first; the checks still run and report their own failures."""
    refused = refusals(folder)
    present = [name for name in CONTRACT if (folder / name).is_file()]
    if not present and not refused:
        return [f"{shown_as or folder} holds none of {', '.join(CONTRACT)}: is this the submission folder?"]
    found = notes(folder) + [f"{reason} (the checks that need it fail)" if name in CONTRACT else f"{reason} (not "
                                                                                                 f"graded)"
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
        try:
            cells = notebook.code_cells(path)
        except (ValueError, OSError) as error:
            raise NotASubmission(f"{path.name} is not a readable notebook: {error}") from None
        if not any(cell.strip() for cell in cells):
            raise NotASubmission(f"{path.name} holds no code: write the parts in its code cells, then submit it")
        return notebook.write_modules(cells, into)
    if path.suffix.lower() == ".py":  # one file for all three (e.g. a notebook saved as a script)
        note(into, f"{path.name} alone was graded as dataset.py, model.py and training.py together")
        return notebook.write_modules([_text(path, into)], into)
    if is_archive(path):
        unpacked = into.parent / ("unpacked-inner" if nested else "unpacked")
        modules = _from_folder(unpack(path, unpacked), into, nested)
        for extra in [*unpacked.glob(REFUSED.format("*")), *unpacked.glob(NOTES)]:
            with (modules / extra.name).open("a") as merged:
                merged.write(extra.read_text())
        return modules
    kind = OTHER_ARCHIVES.get(path.suffix.lower())
    if kind:
        raise NotASubmission(f"{path.name} is a {kind} archive, which the grader does not read: make a .zip (or a "
                             ".tar.gz) of the folder that holds dataset.py, model.py and training.py")
    raise NotASubmission(f"{path.name} is not a folder, a .ipynb notebook, a .py file or a .zip/.tar archive")


def _from_folder(folder: Path, into: Path, nested: bool) -> Path:
    chosen = locate(folder, into)  # e.g. a repository uploaded with its files in assignment/
    if not graded_as(chosen):
        notebooks = sorted(p.name for p in chosen.glob("*.ipynb") if _is_regular(p) and not ignored(p.name))
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


def locate(top: Path, into: Path) -> Path:
    """The folder within ``top`` (at any depth, links not followed) that holds the submission: of the folders
    holding the contract's modules (or one notebook), the one with the most of them, then the newest, then
    the shallowest; two that tie on all three are refused. The report names the others found."""
    found = []
    for root, folders, _ in os.walk(top):
        folders[:] = sorted(name for name in folders if not ignored(name))
        here = Path(root)
        modules = list(graded_as(here).values())
        notebooks = [p for p in here.glob("*.ipynb") if _is_regular(p) and not ignored(p.name)]
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
        files = sorted(p for p in folder.iterdir() if not ignored(p.name))
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
    for path in sorted(p for p in folder.iterdir() if not ignored(p.name)):
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


