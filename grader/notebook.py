"""A notebook as a submission: its code cells become the three modules the grader expects.

Only definitions are kept (imports, functions, classes, assignments), so that a cell that trains a
model or plots a curve does not run again in every check; IPython magics and shell lines are
dropped, and so are nbgrader's autograder test cells. A cell that does not parse is kept as it is,
so that the grader reports its syntax error.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from grader.submission import CONTRACT

KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign,
        ast.AnnAssign)


def definitions(cell: str) -> str:
    """The top-level definitions of one cell's code, in order."""
    lines = [line for line in cell.splitlines() if not line.lstrip().startswith(("%", "!"))]
    code = "\n".join(lines)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    kept = [node for node in tree.body if isinstance(node, KEPT)]
    if len(kept) == len(tree.body):
        return code
    return "\n\n".join(ast.get_source_segment(code, node, padded=True) or "" for node in kept)


def code_cells(path: Path) -> list[str]:
    notebook = nbformat.read(path, as_version=4)
    return [
        cell.source for cell in notebook.cells
        if cell.cell_type == "code" and not cell.get("metadata", {}).get("nbgrader", {}).get("grade", False)
    ]


def write_modules(cells: list[str], into: Path) -> Path:
    """One module of all the cells' definitions, saved under each of the contract's file names."""
    into.mkdir(parents=True, exist_ok=True)
    module = "\n\n\n".join(filter(None, (definitions(cell).strip() for cell in cells))) + "\n"
    for name in CONTRACT:
        (into / name).write_text(module)
    return into
