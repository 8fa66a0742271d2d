"""A notebook or a zip of a submission gets the same result as the folder."""

from __future__ import annotations

import zipfile

import nbformat

from grader.notebook import definitions
from kit.nbgrader import build_notebook
from tests.conftest import SOLUTIONS, grade
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
    return {check: test["score"] for check, test in report["by_id"].items()}


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
    assert by_folder["score"] == 100 - 4 - 20


def test_only_definitions_of_a_cell_are_kept():
    cell = "%matplotlib inline\nimport torch\nmodel = MLP()\ntrain(model)\ndef f():\n    return 1\n"
    assert definitions(cell) == "import torch\n\nmodel = MLP()\n\ndef f():\n    return 1"
