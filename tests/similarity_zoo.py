"""Copies, disguised the ways students disguise them, of the correct zoo's submissions: the set the similarity
check is measured on (``tests/test_similarity.py``, ``make bench``).

Each disguise takes a submission's three modules (name: source) and gives what a student who copied it might
hand in: names changed, definitions reordered, comments and blank lines changed, a loop made a comprehension,
or the code moved into a notebook (with printing, plotting and markdown around it).
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Callable
from pathlib import Path

import nbformat

from tests.correct_zoo import CORRECT, Correct

Modules = dict[str, str]


def modules_of(entry: Correct) -> Modules:
    return {"dataset.py": entry.dataset, "model.py": entry.model, "training.py": entry.training}


def independent_pairs() -> list[tuple[Correct, Correct]]:
    """Pairs of correct submissions written apart: no module of one is a module of the other."""
    return [(a, b) for a, b in itertools.combinations(CORRECT, 2)
            if not set(modules_of(a).values()) & set(modules_of(b).values())]


def _renamed_names(source: str) -> dict[str, str]:
    tree = ast.parse(source)
    keywords = {node.arg for node in ast.walk(tree) if isinstance(node, ast.keyword) and node.arg}
    public = {"MNISTDataset", "make_dataloaders", "MLP", "train_epoch", "test_epoch", "forward", "self"}
    found = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    found |= {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)}
    found |= {node.name for node in ast.walk(tree)
              if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")}
    return {name: f"my_{name[::-1]}" for name in sorted(found - keywords - public)}


def renamed(modules: Modules) -> Modules:
    """Variables, parameters and helper functions renamed (the public names stay: the grader calls them)."""
    out = {}
    for name, source in modules.items():
        for old, new in _renamed_names(source).items():
            source = re.sub(rf"(?<![\w.]){re.escape(old)}\b", new, source)
        out[name] = source
    return out


def reordered(modules: Modules) -> Modules:
    """The top-level definitions of each module in the opposite order."""
    out = {}
    for name, source in modules.items():
        lines = source.splitlines(keepends=True)
        body = ast.parse(source).body
        spans = [(node.lineno - 1 - len(getattr(node, "decorator_list", [])), node.end_lineno) for node in body]
        defined = [i for i, node in enumerate(body) if isinstance(node, ast.FunctionDef | ast.ClassDef)]
        chunks = ["".join(lines[start:end]) for start, end in spans]
        order = [i for i in range(len(body)) if i not in defined] + defined[::-1]
        out[name] = "\n\n".join(chunks[i].strip("\n") for i in order) + "\n"
    return out


def recommented(modules: Modules) -> Modules:
    """Comments and docstrings gone, new comments and blank lines put in."""
    out = {}
    for name, source in modules.items():
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) and ast.get_docstring(node) \
                    and len(node.body) > 1:
                node.body = node.body[1:]
        lines = []
        for line in ast.unparse(tree).splitlines():
            if line.lstrip().startswith(("def ", "class ")):
                lines += ["", f"{line[: len(line) - len(line.lstrip())]}# my own work, see the lecture notes"]
            lines.append(line)
            if line.rstrip().endswith(":"):
                lines.append("")
        out[name] = "\n".join(lines) + "\n"
    return out


LOOP = re.compile(r"^(?P<indent>[ \t]+)(?P<list>\w+) = \[\]\n(?P=indent)for (?P<vars>[^\n]+) in (?P<iter>[^\n]+):\n"
                  r"(?P<body>(?:(?P=indent)[ \t]+[^\n]*\n)*?)(?P=indent)[ \t]+(?P=list)\.append\((?P<value>[^\n]+)\)\n",
                  re.M)


def comprehended(modules: Modules) -> Modules | None:
    """A loop that appends to a list made a list comprehension, its other statements a helper it calls (None
    where no module has such a loop over plain names)."""
    out, changed = {}, False
    for name, source in modules.items():
        def as_comprehension(match: re.Match) -> str:
            nonlocal changed
            names, indent = match["vars"], match["indent"]
            if not re.fullmatch(r"\w+(, \w+)*", names):
                return match[0]
            changed = True
            made = f"{indent}{match['list']} = [one_batch({names}) for {names} in {match['iter']}]\n"
            body = "".join(line[4:] + "\n" for line in match["body"].splitlines())
            return (f"{indent}def one_batch({names}):\n{body}{indent}    return {match['value']}\n\n" + made)
        out[name] = LOOP.sub(as_comprehension, source)
    return out if changed else None


def in_a_notebook(modules: Modules, path: Path) -> Path:
    """The modules as a notebook's cells, one definition a cell, with markdown, printing and a plot."""
    cells = [nbformat.v4.new_markdown_cell("# Lab: an MLP on MNIST\nMy solution.")]
    for name, source in modules.items():
        cells.append(nbformat.v4.new_markdown_cell(f"## {name}"))
        body = ast.parse(source).body
        lines = source.splitlines(keepends=True)
        for node in body:
            start = node.lineno - 1 - len(getattr(node, "decorator_list", []))
            cells.append(nbformat.v4.new_code_cell("".join(lines[start:node.end_lineno])))
    cells += [nbformat.v4.new_code_cell("print('done')\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3])")]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def write_folder(modules: Modules, path: Path) -> Path:
    path.mkdir(parents=True)
    for name, source in modules.items():
        (path / name).write_text(source)
    return path


Disguise = Callable[[Modules], Modules | None]
DISGUISES: dict[str, Disguise] = {
    "renamed": renamed,
    "reordered": reordered,
    "recommented": recommented,
    "comprehension": comprehended,
    "all of these": lambda m: comprehended(recommented(reordered(renamed(m)))) or recommented(reordered(renamed(m))),
}
NOTEBOOK = "moved into a notebook"
