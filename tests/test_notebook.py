"""A notebook or a zip of a submission gets the same result as the folder."""

from __future__ import annotations

import zipfile

import nbformat

from grader.config.paths import SOLUTIONS
from grader.intake.notebook import extract, module_source
from kit.nbgrader_course import build_notebook
from tests.conftest import grade
from tests.zoo import ZOO


def bug_notebook(bug, path):
    """The course notebook with ``bug``'s edits made in the cell that holds its file."""
    notebook = build_notebook(SOLUTIONS)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == bug.file[:-3])
    for old, new in bug.edits:
        assert cell.source.count(old) == 1
        cell.source = cell.source.replace(old, new)
    nbformat.write(notebook, path)
    return path


def scores(report):
    return {check: outcome.score for check, outcome in report.checks.items()}


def test_notebook_and_zip_grade_like_the_folder(data_dir, tmp_path):
    bug = next(b for b in ZOO if b.name == "no_activation")
    folder = bug.apply(tmp_path / "folder")
    archive = tmp_path / "submission.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in folder.glob("*.py"):
            zipped.write(path, f"my-work/{path.name}")
    by_folder = grade(folder, data_dir, tmp_path)
    by_notebook = grade(bug_notebook(bug, tmp_path / "work.ipynb"), data_dir, tmp_path)
    by_zip = grade(archive, data_dir, tmp_path)
    assert scores(by_folder) == scores(by_notebook) == scores(by_zip)
    assert by_folder.score == 100 - 4 - 20


def test_only_what_the_parts_need_is_kept():
    cells = [
        "%matplotlib inline\n!pip install tqdm\nimport torch\nimport matplotlib.pyplot as plt\n"
        "from google.colab import drive\ndrive.mount('/content/drive')\nHIDDEN = 64\nUNUSED = 1",
        "class MLP(torch.nn.Module):\n    pass",  # replaced below, as the kernel would
        "def make_dataloaders(root, batch_size=64):\n    train_loader = load(root)\n    return train_loader, None",
        "def load(root):\n    return root",
        "train_loader, test_loader = make_dataloaders('./data')\nmodel = MLP()\nmodel\nplt.plot([1])",
        "class MLP(torch.nn.Module):\n    def __init__(self, hidden=HIDDEN):\n        super().__init__()",
        "if __name__ == '__main__':\n    MLP()",
        "%%bash\nls",
        "def broken(:\n    pass",
        "torch.nn.Linear?",
    ]
    source = module_source(cells)
    for kept in ("import torch", "HIDDEN = 64", "def make_dataloaders", "def load", "hidden=HIDDEN"):
        assert kept in source, kept
    for dropped in ("plt", "drive", "UNUSED", "train_loader, test_loader =", "model = MLP()", "__main__", "ls",
                    "broken", "Linear?"):
        assert dropped not in source, dropped
    assert source.count("class MLP") == 1
    compile(source, "notebook", "exec")


def test_a_cell_that_does_not_compile_defines_nothing_as_in_the_kernel():
    good = "def train_epoch(model, optimizer, dataloader, criterion, device):\n    return []"
    broken = "def train_epoch(model, optimizer:\n    pass"
    for cells in (["import torch", broken, good], ["import torch", good, broken]):  # before the fix, and after
        source, notes = extract(cells)
        assert "def train_epoch(model, optimizer, dataloader" in source and "optimizer:" not in source
        assert notes == []
    source, notes = extract(["import torch", "def helper(:\n    pass", good, "return 1"])  # never needed
    assert "helper" not in source and "return 1" not in source and notes == []


def test_a_part_whose_only_cell_does_not_compile_is_missing_and_the_student_told_why():
    source, notes = extract(["import torch", "class MLP(torch.nn.Module:\n    pass", "def test_epoch(m, d, c, v):\n"
                                                                                   "    return []"])
    assert "class MLP" not in source and "def test_epoch" in source
    compile(source, "notebook", "exec")
    (note,) = notes
    assert note.startswith("code cell 2 (`class MLP(torch.nn.Module:`) does not compile (line 1: ") and "MLP" in note


def test_writefile_cells_are_the_python_they_write():
    cells = ["%%writefile model.py\nimport torch\n\nclass MLP(torch.nn.Module):\n    pass",
             "%%writefile -a model.py\nHIDDEN = 3", "%%writefile notes.txt\nclass MLP: not python",
             "from model import MLP"]
    source = module_source(cells)
    assert "class MLP(torch.nn.Module)" in source and "not python" not in source
    compile(source, "notebook", "exec")


def test_decorators_stay_with_their_part():
    source = module_source(["import torch", "@torch.no_grad()\ndef test_epoch(model, loader, criterion, device):\n"
                                            "    return []"])
    assert "@torch.no_grad()\ndef test_epoch" in source
