"""Bad input: a clear one-line reason and a non-zero exit when nothing can be graded, a clear
message and a graded report when the folder is merely wrong; and what the command's options print and
exit with."""

from __future__ import annotations

import json
import os
import shutil

from grader.config.paths import ASSIGNMENT, RUBRIC, SOLUTIONS
from tests.conftest import grade, run_grader

WIDE = os.environ | {"COLUMNS": "200"}  # no line of the report wrapped: what is on each line is what is tested


def test_missing_folder_exits_with_one_line(data_dir, tmp_path):
    done = run_grader(tmp_path / "nope", "--data-dir", data_dir)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "no such folder" in done.stderr


def test_missing_data_exits_with_one_line(tmp_path):
    done = run_grader(SOLUTIONS, "--data-dir", tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "MNIST not found" in done.stderr and "--data-dir" in done.stderr


def test_bad_rubric_exits_with_one_line(data_dir, tmp_path):
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(RUBRIC.read_text().replace("check_seconds = 60", "check_seconds = -1"))
    done = run_grader(SOLUTIONS, "--data-dir", data_dir, "--rubric", rubric)
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0
    assert "check_seconds" in done.stderr


def test_folder_that_is_not_a_submission(data_dir, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "cat.jpg").write_bytes(b"\xff\xd8")
    report = grade(folder, data_dir, tmp_path)
    assert report.score == 0
    assert "is this the submission folder?" in report.output
    assert all(outcome.output for outcome in report.checks.values())


def test_syntax_error_names_file_and_line(data_dir, tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(SOLUTIONS, folder)
    source = (folder / "model.py").read_text().replace("return self.layers(x)", "return self.layers(x")
    (folder / "model.py").write_text(source)
    line = source.splitlines().index("        return self.layers(x") + 1
    report = grade(folder, data_dir, tmp_path)
    assert f"model.py, line {line}: syntax error" in report.output
    mlp = report.checks["mlp_output"].output
    assert "SyntaxError" in mlp and f"model.py, line {line}" in mlp
    assert report.checks["train_gradients"].passed  # training checks use the grader's model
    assert report.checks["dataset_images"].passed


def test_wrong_signature_is_reported(data_dir, tmp_path):
    folder = tmp_path / "signature"
    shutil.copytree(SOLUTIONS, folder)
    source = (folder / "training.py").read_text().replace(
        "def train_epoch(model, optimizer, dataloader, criterion, device)", "def train_epoch(model, optimizer, "
                                                                            "dataloader)")
    (folder / "training.py").write_text(source)
    report = grade(folder, data_dir, tmp_path)
    assert "train_epoch(model, optimizer, dataloader) takes 3 parameter(s)" in report.output
    assert "TypeError" in report.checks["train_losses"].output
    assert report.checks["test_losses"].passed


def test_import_error_and_missing_name_are_reported(data_dir, tmp_path):
    folder = tmp_path / "imports"
    shutil.copytree(SOLUTIONS, folder)
    (folder / "model.py").write_text((folder / "model.py").read_text().replace("class MLP(", "class Net("))
    training = (folder / "training.py").read_text()
    (folder / "training.py").write_text(training.replace("import torch\n", "import torch\nimport torchfancy\n"))
    report = grade(folder, data_dir, tmp_path)
    assert "model.py defines no `MLP` at the top level" in report.output
    assert "model.py defines no `MLP`" in report.checks["mlp_output"].output
    assert "ModuleNotFoundError: No module named 'torchfancy'" in report.checks["train_losses"].output
    assert report.checks["dataset_images"].passed


def test_wrong_return_type_is_named(data_dir, tmp_path):
    folder = tmp_path / "returns"
    shutil.copytree(SOLUTIONS, folder)
    training = (folder / "training.py").read_text().replace("    return losses\n    ### END SOLUTION\n\n\ndef "
                                                            "test_epoch",
                                                            "    return None\n    ### END SOLUTION\n\n\ndef test_epoch")
    (folder / "training.py").write_text(training)
    report = grade(folder, data_dir, tmp_path)
    message = report.checks["train_losses"].output
    assert "train_epoch returned None" in message and "a list of 5 floats" in message


def test_messages_show_only_what_the_student_printed(data_dir, tmp_path):
    """Libraries set up in the sandbox (matplotlib's config, caches) say nothing; the student's prints do."""
    folder = shutil.copytree(SOLUTIONS, tmp_path / "plots")
    training = folder / "training.py"
    head, tail = training.read_text().rsplit("    return losses\n", 1)  # test_epoch's: one loss, not all
    training.write_text((head + "    return losses[:1]\n" + tail)
                        .replace("import torch\n", "import matplotlib.pyplot as plt\nimport torch\n", 1)
                        .replace("    model.eval()\n",
                                 "    print('evaluating')\n    plt.figure()\n    model.eval()\n", 1))
    report = grade(folder, data_dir, tmp_path)
    message = report.checks["test_losses"].output
    assert "Your code printed:\nevaluating" in message
    assert "matplotlib" not in message.lower() and "writable" not in message and "cache" not in message.lower()


def test_the_stubs_report_is_a_line_per_part_and_fail_under_exits_1(data_dir):
    """Also: the options a user's environment gives their own pytest runs change nothing of the checks."""
    own_pytest = {"PYTEST_ADDOPTS": "-x -k nothing -n 2 -p no:cacheprovider", "PYTEST_PLUGINS": "no_such_plugin"}
    done = run_grader(ASSIGNMENT, "--data-dir", data_dir, "--fail-under", "50", env=WIDE | own_pytest)
    assert done.returncode == 1 and done.stderr == "grader: the score, 0, is below --fail-under 50\n"
    lines = done.stdout.splitlines()
    assert len(lines) <= 12, done.stdout  # it was 200 lines: a block for each of the 25 checks
    assert sum(line.startswith(("  dataset.py:", "  model.py:", "  training.py:")) for line in lines) == 5
    assert lines[-2:] == ["Score: 0 / 100", "Next: write MNISTDataset.__init__, at dataset.py:31"]


def test_json_prints_the_results_and_nothing_else(data_dir, tmp_path):
    results = tmp_path / "results.json"
    done = run_grader(ASSIGNMENT, "--data-dir", data_dir, "--json", "--results", results, "--fail-under", "0")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(results.read_text())


def test_version_and_options_that_do_not_go_together():
    done = run_grader("--version")
    assert done.returncode == 0 and done.stdout.startswith("python -m grader ") and "mnist-mlp-kit" in done.stdout
    for options in (("--watch", "--json"), ("--watch", "--fail-under", "50"), ("--quiet", "--verbose")):
        done = run_grader(ASSIGNMENT, *options)
        assert done.returncode == 2 and "grader: error:" in done.stderr, options
