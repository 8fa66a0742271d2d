"""A notebook as a submission: the definitions in its code cells become the three modules the grader
expects, whatever else its cells do.

Students' notebooks train, plot, print, mount drives and run shell lines between the parts they
define. None of that runs at grading. What is kept is what the parts need: the contract's functions
and classes (the last definition of each, as in the kernel), and, following the names they use, the
imports, functions, classes and module-level values (``NUM_CLASSES = 10``, a ``transform``, a
``device``) they depend on. A kept statement that is not a definition runs guarded, so that one
failing module-level value breaks only the parts that use it. IPython's magics, shell lines and
help syntax are dropped; a cell that still does not parse is dropped too, unless it defines a part,
in which case its syntax error is what the student reads.
"""

from __future__ import annotations

import ast
import re
import symtable
import textwrap
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.submission import CONTRACT

PARTS = frozenset(name for names in CONTRACT.values() for name in names)
# Cell magics whose body is Python (run as it is); any other cell magic makes a cell of another language.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug", "pypy", "python", "python3"}
DEFINES_A_PART = re.compile(rf"^\s*(?:async\s+def|def|class)\s+({'|'.join(sorted(PARTS))})\b", re.MULTILINE)
# A magic (%time x), a shell line (!pip install), its value taken (files = !ls), or help (torch.nn.Linear?).
IPYTHON_LINE = re.compile(r"^(\s*)(?:[%!]|\w[\w.,\s]*=\s*[%!]|\?{1,2}[\w.]+\s*$|[\w.]+\?{1,2}\s*$)")


def python_of(cell: str) -> str | None:
    """A cell's code without IPython's own syntax; None for a cell in another language (%%bash, ...)."""
    lines = cell.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split(maxsplit=1)[0] if lines[0].strip() != "%%" else ""
        if magic not in PYTHON_CELL_MAGICS:
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


def statements(cells: list[str]) -> list[Statement]:
    found = []
    for number, cell in enumerate(cells, start=1):
        code = python_of(cell)
        if code is None:
            continue
        try:
            tree = ast.parse(code)
        except SyntaxError:
            if DEFINES_A_PART.search(code):  # keep it whole, so that the student reads its syntax error
                found.append(Statement(number, code, ast.Pass(), set(DEFINES_A_PART.findall(code)), set()))
            continue
        for node in tree.body:
            if isinstance(node, KEPT) and not _is_main_guard(node):
                source = _source(code, node)
                found.append(Statement(number, source, node, _bound(node), _reads(source)))
    return found


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
    kept = needed(statements(cells))
    parts = [s.source for s in kept if s.is_future]
    for statement in kept:
        if statement.is_future:
            continue
        header = f"# cell {statement.cell}"
        if statement.is_definition or isinstance(statement.node, ast.Pass):
            parts.append(f"{header}\n{statement.source}")
        else:  # a module-level value or import: if it fails here, only what uses it fails
            parts.append(f"{header}\ntry:\n{textwrap.indent(statement.source, '    ')}\n"
                         "except Exception:  # as in a notebook, a failed cell leaves its names undefined\n    pass")
    return "\n\n\n".join(parts) + "\n"


def code_cells(path: Path) -> list[str]:
    with warnings.catch_warnings():  # editors write slightly off metadata (no cell ids): nothing to grade by
        warnings.simplefilter("ignore")
        notebook = nbformat.read(path, as_version=4)
    return [
        cell.source for cell in notebook.cells
        if cell.cell_type == "code" and not cell.get("metadata", {}).get("nbgrader", {}).get("grade", False)
    ]


def write_modules(cells: list[str], into: Path) -> Path:
    """The notebook's module, saved under each of the contract's file names."""
    into.mkdir(parents=True, exist_ok=True)
    module = module_source(cells)
    for name in CONTRACT:
        (into / name).write_text(module)
    return into
