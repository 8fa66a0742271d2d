"""Code similarity across a class (``grader.integrations.similarity``), measured on the correct zoo and on
copies of it disguised the ways students disguise them (``tests/similarity_zoo.py``). Pure: nothing is graded."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import zipfile

import pytest

from grader.config.paths import ASSIGNMENT, KIT_ROOT, SOLUTIONS
from grader.integrations import similarity
from tests.correct_zoo import CORRECT
from tests.similarity_zoo import DISGUISES, NOTEBOOK, in_a_notebook, independent_pairs, modules_of, write_folder

MAX_FALSE_POSITIVES = 0.05  # of independent pairs, at the default threshold
MIN_DETECTED = 0.9  # of disguised copies, for each disguise


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """The similarity of every independent pair of the correct zoo, and of every original and its disguised
    copy, by disguise."""
    scratch = tmp_path_factory.mktemp("similarity")
    starter = similarity.boilerplate_of(similarity.starter_code())

    def alike(a: str, b: str) -> float:
        pa, pb = similarity.fingerprint(a, starter), similarity.fingerprint(b, starter)
        return similarity._pair("a", "b", pa, pb).similarity

    code = {e.name: similarity.code_of(write_folder(modules_of(e), scratch / "original" / e.name)) for e in CORRECT}
    independent = [alike(code[a.name], code[b.name]) for a, b in independent_pairs()]
    copies: dict[str, list[float]] = {}
    for name, disguise in DISGUISES.items():
        for entry in CORRECT:
            if (disguised := disguise(modules_of(entry))) is not None:
                folder = write_folder(disguised, scratch / name.replace(" ", "-") / entry.name)
                copies.setdefault(name, []).append(alike(code[entry.name], similarity.code_of(folder)))
    copies[NOTEBOOK] = [alike(code[e.name], similarity.code_of(
        in_a_notebook(modules_of(e), scratch / f"{e.name}.ipynb"))) for e in CORRECT]
    return independent, copies


def test_independent_correct_submissions_are_not_flagged(measured):
    independent, _ = measured
    flagged = sum(score >= similarity.THRESHOLD for score in independent)
    assert len(independent) >= 100 and flagged / len(independent) <= MAX_FALSE_POSITIVES
    print(f"independent correct pairs: {flagged}/{len(independent)} flagged at {similarity.THRESHOLD}, "
          f"highest {max(independent):.2f}, median {sorted(independent)[len(independent) // 2]:.2f}")


@pytest.mark.parametrize("disguise", [*DISGUISES, NOTEBOOK])
def test_disguised_copies_are_found(measured, disguise):
    _, copies = measured
    scores = copies[disguise]
    found = sum(score >= similarity.THRESHOLD for score in scores)
    assert len(scores) >= 5 and found / len(scores) >= MIN_DETECTED, sorted(scores)
    print(f"{disguise}: {found}/{len(scores)} found, lowest {min(scores):.2f}")


def test_the_score_separates_copies_from_independent_work(measured):
    independent, copies = measured
    assert max(independent) < similarity.THRESHOLD <= min(min(scores) for scores in copies.values())


def test_a_notebook_and_a_folder_of_the_same_code_are_one_code(tmp_path):
    entry = CORRECT[0]
    folder = similarity.code_of(write_folder(modules_of(entry), tmp_path / "folder"))
    notebook = similarity.code_of(in_a_notebook(modules_of(entry), tmp_path / "work.ipynb"))
    assert folder == notebook


def test_the_starter_code_never_counts(tmp_path):
    pairs = similarity.compare({"ann": similarity.code_of(ASSIGNMENT), "ben": similarity.code_of(ASSIGNMENT)},
                               similarity.starter_code())
    assert [(p.student_a, p.student_b, p.similarity) for p in pairs] == [("ann", "ben", 0.0)]


def cli(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.similarity", *map(str, args)], cwd=KIT_ROOT,
                          capture_output=True, text=True, timeout=300, env=env)


def test_a_class_folder_gives_every_pair_the_same_every_time(tmp_path):
    """Folders, an archive, a notebook and a file that is no submission; twice, with Python's string hashes
    seeded differently: the same rows."""
    folder = tmp_path / "class"
    write_folder(modules_of(CORRECT[0]), folder / "ann")
    copy = DISGUISES["all of these"](modules_of(CORRECT[0]))
    with zipfile.ZipFile(folder / "ben.zip", "w") as archive:
        for name, source in copy.items():
            archive.writestr(name, source)
    in_a_notebook(modules_of(CORRECT[5]), folder / "cat.ipynb")
    write_folder(modules_of(CORRECT[9]), folder / "dan")
    (folder / "eve.zip").write_bytes(b"not a zip")
    runs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out-{seed}"
        done = cli(folder, "--out", out, env=os.environ | {"PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        assert "Similarity: 4 submissions compared, 1 pair(s) at or above 75%" in " ".join(done.stdout.split())
        with (out / "similarity.csv").open(newline="") as file:
            runs.append(list(csv.DictReader(file)))
    assert runs[0] == runs[1] and len(runs[0]) == 6
    assert {runs[0][0]["student_a"], runs[0][0]["student_b"]} == {"ann", "ben"} and runs[0][0]["flagged"] == "yes"
    assert [float(row["similarity"]) for row in runs[0]] == sorted((float(row["similarity"]) for row in runs[0]),
                                                                   reverse=True)
    assert {row["flagged"] for row in runs[0][1:]} == {"no"}
    page = (tmp_path / "out-1" / "similarity.html").read_text()
    assert "Similarity is a reason to look, not proof." in page and "<mark>" in page
    assert "eve" in page.split("Not compared")[1]


def test_bad_input_is_one_line(tmp_path):
    done = cli(tmp_path / "nowhere")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "no such folder" in done.stderr
    done = cli(SOLUTIONS, "--similarity-threshold", "7")
    assert done.returncode == 2 and "from 0 to 1" in done.stderr
