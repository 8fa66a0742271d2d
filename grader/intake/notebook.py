"""A notebook as a submission: the definitions in its code cells become the three modules the grader
expects, whatever else its cells do.

Students' notebooks train, plot, print, mount drives and run shell lines between the parts they
define. None of that runs at grading. What is kept is what the parts need: the contract's functions
and classes (the last definition of each, as in the kernel), and, following the names they use, the
imports, functions, classes and module-level values (``NUM_CLASSES = 10``, a ``transform``, a
``device``) they depend on. A kept statement that is not a definition runs guarded, so that one
failing module-level value breaks only the parts that use it. IPython's magics, shell lines and
help syntax are dropped; a ``%%writefile name.py`` cell is read as the Python it writes. A cell that
still does not compile defined nothing in the kernel, and defines nothing here: where it was the only
attempt at a part, the student is told which cell and why.
"""

from __future__ import annotations

import ast
import json
import re
import symtable
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from grader.intake.contract import CONTRACT, PARTS
from grader.intake.notes import note

# Cell magics whose body is Python (run as it is); any other cell magic makes a cell of another language.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug", "pypy", "python", "python3"}
WRITEFILE = {"writefile", "file"}  # %%writefile [-a] name
DEFINES_A_PART = re.compile(rf"^\s*(?:async\s+def|def|class)\s+({'|'.join(sorted(PARTS))})\b", re.MULTILINE)
# A magic (%time x), a shell line (!pip install), its value taken (files = !ls), or help (torch.nn.Linear?).
IPYTHON_LINE = re.compile(r"^(\s*)(?:[%!]|\w[\w.,\s]*=\s*[%!]|\?{1,2}[\w.]+\s*$|[\w.]+\?{1,2}\s*$)")


def python_of(cell: str) -> str | None:
    """A cell's code without IPython's own syntax; None for a cell in another language (%%bash, ...).
    A ``%%writefile name.py`` cell is the Python it writes: the kernel imports it from there."""
    lines = cell.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        magic, *arguments = lines[0].lstrip()[2:].split() or [""]
        writes_python = magic in WRITEFILE and bool(arguments) and arguments[-1].lower().endswith(".py")
        if magic not in PYTHON_CELL_MAGICS and not writes_python:
            return None
        lines = lines[1:]
    return "\n".join(_plain(line) for line in lines)


def _plain(line: str) -> str:
    match = IPYTHON_LINE.match(line)
    return f"{match.group(1)}pass" if match else line


@dataclass
class Statement:
    """One top-level statement of the notebook, the names it binds and the names it reads."""

    cell: int
    source: str
    node: ast.stmt
    binds: set[str] = field(default_factory=set)
    reads: set[str] = field(default_factory=set)

    @property
    def is_definition(self) -> bool:
        return isinstance(self.node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))

    @property
    def is_future(self) -> bool:
        return isinstance(self.node, ast.ImportFrom) and self.node.module == "__future__"


KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign,
        ast.AugAssign, ast.If, ast.Try, ast.With)


def _is_main_guard(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) and "__name__" in ast.unparse(node.test)


def _bound(node: ast.AST) -> set[str]:
    """Names a top-level statement binds at module level (nested function bodies bind locals only)."""
    names = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(current.name)
            continue
        if isinstance(current, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in current.names)
            continue
        if isinstance(current, ast.Name) and isinstance(current.ctx, ast.Store):
            names.add(current.id)
        stack.extend(ast.iter_child_nodes(current))
    return names


def _reads(source: str) -> set[str]:
    """Module-level names a statement uses: read at the top level, or global inside its functions and
    classes (a function's parameters and locals are not the module's)."""
    table = symtable.symtable(source, "<cell>", "exec")
    names = {symbol.get_name() for symbol in table.get_symbols() if symbol.is_referenced()}
    inner = list(table.get_children())
    while inner:
        scope = inner.pop()
        inner.extend(scope.get_children())
        names |= {symbol.get_name() for symbol in scope.get_symbols() if symbol.is_referenced() and symbol.is_global()}
    return names


def _source(code: str, node: ast.stmt) -> str:
    """A top-level statement's text, decorators included (its node starts at ``def``/``class``)."""
    decorators = getattr(node, "decorator_list", None)
    if decorators:
        return "\n".join(code.splitlines()[decorators[0].lineno - 1 : node.end_lineno])
    return ast.get_source_segment(code, node) or ast.unparse(node)


@dataclass
class Broken:
    """A cell that does not compile: in the kernel it failed and defined nothing."""

    cell: int
    first_line: str
    error: SyntaxError
    parts: set[str]  # the parts it looks as if it defines

    def describe(self) -> str:
        where = f"line {self.error.lineno}: " if self.error.lineno else ""
        return f"code cell {self.cell} (`{self.first_line.strip()[:60]}`) does not compile ({where}{self.error.msg})"


def statements(cells: list[str]) -> tuple[list[Statement], list[Broken]]:
    """The top-level statements of the cells that compile, and the cells that do not."""
    found, broken = [], []
    for number, cell in enumerate(cells, start=1):
        code = python_of(cell)
        if code is None:
            continue
        try:
            tree = ast.parse(code)
            # What parses may still not compile (`return` outside a function); IPython allows a top-level await.
            compile(tree, f"<cell {number}>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        except (SyntaxError, ValueError) as error:
            if not isinstance(error, SyntaxError):
                error = SyntaxError(str(error))
            first = next((line for line in code.splitlines() if line.strip()), "")
            broken.append(Broken(number, first, error, set(DEFINES_A_PART.findall(code))))
            continue
        for node in tree.body:
            if isinstance(node, KEPT) and not _is_main_guard(node):
                source = _source(code, node)
                found.append(Statement(number, source, node, _bound(node), _reads(source)))
    return found, broken


def needed(found: list[Statement]) -> list[Statement]:
    """The statements the parts depend on, in notebook order; of a function or class defined more than
    once, only the last definition."""
    last_definition = {}
    for index, statement in enumerate(found):
        if statement.is_definition:
            last_definition[next(iter(statement.binds))] = index
    candidates = [s for i, s in enumerate(found)
                  if not s.is_definition or last_definition.get(next(iter(s.binds))) == i]
    wanted, kept = set(PARTS), set()
    changed = True
    while changed:
        changed = False
        for index, statement in enumerate(candidates):
            if index not in kept and (statement.binds & wanted or statement.is_future):
                kept.add(index)
                new = statement.reads - wanted
                if new:
                    wanted |= new
                    changed = True
    return [statement for index, statement in enumerate(candidates) if index in kept]


def module_source(cells: list[str]) -> str:
    """One module holding what the parts need of ``cells``."""
    return extract(cells)[0]


def extract(cells: list[str]) -> tuple[str, list[str]]:
    """The module holding what the parts need of ``cells``, and what to tell the student: the cells that did
    not compile where they were the only attempt at a part."""
    found, broken = statements(cells)
    kept = needed(found)
    parts = [s.source for s in kept if s.is_future]
    for statement in kept:
        if statement.is_future:
            continue
        header = f"# cell {statement.cell}"
        if statement.is_definition:
            parts.append(f"{header}\n{statement.source}")
        else:  # a module-level value or import: if it fails here, only what uses it fails
            parts.append(f"{header}\ntry:\n{textwrap.indent(statement.source, '    ')}\n"
                         "except Exception:  # as in a notebook, a failed cell leaves its names undefined\n    pass")
    defined = set().union(*(s.binds for s in kept)) if kept else set()
    notes = [f"{cell.describe()}, so it defined nothing, as in the kernel: {', '.join(sorted(missing))} "
             "is defined in no other cell; fix that cell"
             for cell in broken if (missing := cell.parts - defined)]
    return "\n\n\n".join(parts) + "\n", notes


def code_cells(path: Path) -> list[str]:
    """The source of each code cell of the notebook at ``path``, but nbgrader's test cells.

    Read as JSON, as leniently as Jupyter reads it: a notebook of any nbformat from 3 on, with or without
    metadata, ids and outputs, is read for its code; ``ValueError`` says why one cannot be."""
    try:
        book = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"it is not JSON ({error})") from None
    cells = book.get("cells") if isinstance(book, dict) else None
    if cells is None and isinstance(book, dict) and isinstance(book.get("worksheets"), list):  # nbformat 3
        cells = [cell for sheet in book["worksheets"] if isinstance(sheet, dict) for cell in sheet.get("cells", [])]
    if not isinstance(cells, list):
        raise ValueError("it holds no list of cells")
    sources = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        nbgrader = metadata.get("nbgrader") if isinstance(metadata.get("nbgrader"), dict) else {}
        source = cell.get("source", cell.get("input", ""))  # nbformat 3 called it "input"
        if isinstance(source, list):
            source = "".join(line for line in source if isinstance(line, str))
        if isinstance(source, str) and not nbgrader.get("grade", False):
            sources.append(source)
    return sources


def write_modules(cells: list[str], into: Path) -> Path:
    """The notebook's module, saved under each of the contract's file names; what the student should know
    of it, noted beside."""
    into.mkdir(parents=True, exist_ok=True)
    module, notes = extract(cells)
    for name in CONTRACT:
        (into / name).write_text(module)
    for text in notes:
        note(into, text)
    return into
