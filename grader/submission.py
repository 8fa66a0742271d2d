"""What can be said of a submission folder without running it: files present, syntax, public names
and signatures. Parsing with ``ast`` runs none of the student's code."""

from __future__ import annotations

import ast
import shutil
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


def problems(folder: Path) -> list[str]:
    """Problems a student should fix first; the checks still run and report their own failures."""
    present = [name for name in CONTRACT if (folder / name).is_file()]
    if not present:
        return [f"{folder} holds none of {', '.join(CONTRACT)}: is this the submission folder?"]
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


def copy(folder: Path, into: Path) -> Path:
    """The submission's Python files, copied for a worker to read (and nothing else of the folder)."""
    into.mkdir(parents=True)
    for path in folder.glob("*.py"):
        if path.is_file() and path.stat().st_size <= MAX_FILE_BYTES:
            shutil.copyfile(path, into / path.name)
    return into
