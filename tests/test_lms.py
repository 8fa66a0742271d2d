"""Canvas and Moodle submission downloads (``grader.lms``): archives laid out as each system writes them
(lib/content_zipper.rb; mod/assign/classes/downloader.php and, before Moodle 4.1, locallib.php), read as
one folder per student named by the LMS's id, with the student's own file names; and one download graded
end to end, its rows named so that they line up with Canvas's gradebook export."""

from __future__ import annotations

import csv
import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from grader.config.paths import KIT_ROOT, RUBRIC, SOLUTIONS
from grader.config.rubric import load
from grader.intake import lms
from grader.intake.lms import NotADownload, newest_uploads, original, parse, read
from grader.integrations import batch
from grader.integrations.batch import write_csv
from grader.integrations.warm import Graded
from grader.outputs.results import Results
from tests.zoo import ZOO

REFERENCE = {name: (SOLUTIONS / name).read_bytes() for name in ("dataset.py", "model.py", "training.py")}
SQUEEZED = next(bug for bug in ZOO if bug.name == "squeeze")  # model.py: loses mlp_output (5 points) only


def zipped(files: dict[str, bytes | str]) -> bytes:
    """A zip holding ``files`` (name: content) in that order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def download(tmp_path: Path, files: dict[str, bytes | str], name: str = "submissions.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(zipped(files))
    return path


def squeezed_model() -> bytes:
    source = REFERENCE["model.py"].decode()
    for old, new in SQUEEZED.edits:
        source = source.replace(old, new)
    return source.encode()


NOTEBOOK = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
CANVAS = {  # as ContentZipper names them: <name>[_LATE]_<user id>_<attachment id>_<display name>
    "lovelaceada_LATE_4101_90011_dataset.py": REFERENCE["dataset.py"],
    "lovelaceada_LATE_4101_90012_model.py": b"# first try\n",
    "lovelaceada_LATE_4101_90013_training.py": REFERENCE["training.py"],
    "lovelaceada_LATE_4101_90017_model-1.py": REFERENCE["model.py"],  # uploaded again: Canvas renamed it
    "babbagebob_4102_90021_mnist-2.zip": zipped({"mnist/" + name: content for name, content in REFERENCE.items()}),
    "núñezjosé_4103_90031_lab.ipynb": NOTEBOOK,
    "turingdee_4104_text.html": "<p>my code is on GitHub</p>",
    "hoppercy_4105_90051_my-model.py": b"# a student's own name, not Canvas's rename\n",
    "hoppercy_4105_90052_notes-1.txt": b"",
    "README.txt": "not a submission",
}


def test_canvas_names_are_read_as_content_zipper_writes_them():
    late = parse("lovelaceada_LATE_4101_90011_dataset.py")
    assert (late.system, late.student, late.name, late.file, late.order, late.late) == (
        "Canvas", "4101", "lovelaceada", "dataset.py", 90011, True)
    own = parse("smith_4106_9001_lab_1_2_final.py")  # the first _<digits>_<digits>_ are the ids
    assert (own.student, own.name, own.file, own.late) == ("4106", "smith", "lab_1_2_final.py", False)
    text, link = parse("turingdee_4104_text.html"), parse("turingdee_LATE_4104_link.html")
    assert (text.student, text.file, text.text) == ("4104", "text.html", True)
    assert (link.file, link.late) == ("link.html", True)
    anonymous = parse("anon_Ab3xY_9001_model.py")
    assert (anonymous.student, anonymous.name, anonymous.file) == ("anon_Ab3xY", "", "model.py")
    late_anonymous = parse("LATE_anon_Zq7Kp_9002_lab.ipynb")
    assert (late_anonymous.student, late_anonymous.late, late_anonymous.file) == ("anon_Zq7Kp", True, "lab.ipynb")
    assert parse("núñezjosé_4103_90031_lab.ipynb").name == "núñezjosé"
    for stray in ("README.txt", "model.py", "ada/model.py", "lovelace ada_4101_9_x.py", "lovelaceada_4101_model.py"):
        assert parse(stray) is None, stray


def test_a_zip_without_the_utf8_flag_is_read_as_canvas_wrote_it():
    info = zipfile.ZipInfo("müllerjan_12_34_model.py".encode().decode("cp437"))  # rubyzip sets no UTF-8 flag
    assert lms._decoded(info)[1] == "müllerjan_12_34_model.py"


def test_canvas_renames_are_undone_only_where_they_are_canvas_s():
    assert [original(n) for n in ("model-1.py", "model-12.py", "mnist-2.tar.gz", "mnist.tar-1.gz", "v1.2-3.py")] == [
        "model.py", "model.py", "mnist.tar.gz", "mnist.tar.gz", "v1.2.py"]
    assert original("model-0b7c6f1e-3a2d-4c5b-9e8f-1a2b3c4d5e6f.py") == "model.py"  # after 8 tries, a UUID
    assert original("model.py") is None and original("my-model") is None
    entries = [parse(f"ada_1_{order}_{name}") for order, name in (
        (5, "model.py"), (9, "model-1.py"), (7, "model-2.py"), (6, "train-1.py"), (8, "my-model.py"), (4, "a-1.zip"))]
    kept, notes = newest_uploads(entries)
    assert {e.file: e.order for e in kept} == {"model.py": 9, "train.py": 6, "my-model.py": 8, "a-1.zip": 4}
    assert ("model-1.py, the newest upload of model.py, is graded as model.py; not graded (uploaded before): "
            "model-2.py, model.py") in notes
    assert "train-1.py is graded as train.py (Canvas renames a file uploaded again)" in notes


def test_a_canvas_download_becomes_one_folder_per_student_named_by_the_user_id(tmp_path):
    got = read(download(tmp_path, CANVAS), tmp_path / "out")
    staging = tmp_path / "out" / ".lms"
    assert got.system == "Canvas" and sorted(got.students) == ["4101", "4102", "4103", "4104", "4105"]
    ada = got.students["4101"]
    assert (ada.name, ada.late, sorted(ada.files)) == ("lovelaceada", True, ["dataset.py", "model.py", "training.py"])
    assert (staging / "4101" / "model.py").read_bytes() == REFERENCE["model.py"]  # the newest upload
    assert ada.submission == staging / "4101" and not got.students["4102"].late
    renamed = "model-1.py, the newest upload of model.py, is graded as model.py"
    assert any(note.startswith(renamed) for note in ada.notes)
    # graded as it would be alone; its name matters to no one, so a "-2" that may be the student's is kept
    assert got.students["4102"].submission == staging / "4102" / "mnist-2.zip"
    assert got.students["4103"].submission == staging / "4103" / "lab.ipynb"
    assert got.students["4103"].name == "núñezjosé"
    assert got.students["4104"].submission == staging / "4104" / "text.html"  # the grader refuses it by name
    assert sorted(got.students["4105"].files) == ["my-model.py", "notes-1.txt"]  # not surely Canvas's renames
    assert got.stray == ["README.txt"]
    report = (tmp_path / "out" / lms.REPORT).read_text()
    assert "Not graded: README.txt is not named as Canvas names a student's file" in report
    assert "4101 (lovelaceada), late: " in report and got.submissions == {
        id: student.submission for id, student in got.students.items()}


def test_an_anonymous_canvas_download_is_named_by_anonymous_ids(tmp_path):
    got = read(download(tmp_path, {
        "anon_Ab3xY_9001_model.py": REFERENCE["model.py"], "anon_Ab3xY_9002_dataset.py": REFERENCE["dataset.py"],
        "LATE_anon_Zq7Kp_9003_lab.ipynb": NOTEBOOK}), tmp_path / "out")
    assert sorted(got.students) == ["anon_Ab3xY", "anon_Zq7Kp"]
    assert [(s.name, s.late) for _, s in sorted(got.students.items())] == [("", False), ("", True)]
    assert lms.cells(got.students["anon_Zq7Kp"]) == ["", "Canvas", "late"]


MOODLE_FLAT = {  # "Download submissions in folders" off: <Full name>_<participant id>_assignsubmission_<plugin>_<file>
    "Ada Lovelace_123456_assignsubmission_file_dataset.py": REFERENCE["dataset.py"],
    "Ada Lovelace_123456_assignsubmission_file_model.py": REFERENCE["model.py"],
    "Ada Lovelace_123456_assignsubmission_file_training.py": REFERENCE["training.py"],
    "José Núñez_123457_assignsubmission_file_mnist.zip": zipped(REFERENCE),
    "Eve Adams_123458_assignsubmission_onlinetext_onlinetext.html": "<!DOCTYPE html><html><body>hi</body></html>",
}


def moodle_in_folders(underscore: str) -> dict[str, bytes | str]:
    """Moodle 4.1+ (``underscore`` "") or 3.1-4.0 ("_"): a folder per student and plugin, paths kept."""
    return {
        f"Ada Lovelace_123456_assignsubmission_file{underscore}/mnist/{name}": content
        for name, content in REFERENCE.items()} | {
        f"José Núñez_123457_assignsubmission_file{underscore}/mnist.zip": zipped(REFERENCE),
        f"Eve Adams_123458_assignsubmission_onlinetext{underscore}/onlinetext.html": "<p>hi</p>",
        f"Eve Adams_123458_assignsubmission_onlinetext{underscore}/diagram.png": b"\x89PNG",
        "Participant_123460_assignsubmission_file/solution.py": b"# blind marking names nobody\n",
    }


def test_moodle_names_are_read_as_moodle_writes_them():
    flat = parse("José Núñez_123457_assignsubmission_file_my_lab_2.zip")
    assert (flat.system, flat.student, flat.name, flat.file, flat.text) == (
        "Moodle", "123457", "José Núñez", "my_lab_2.zip", False)
    text = parse("Eve Adams_123458_assignsubmission_onlinetext_onlinetext.html")
    assert text.text and text.file == "onlinetext.html"
    for folder in ("Ada Lovelace_123456_assignsubmission_file", "Ada Lovelace_123456_assignsubmission_file_"):
        nested = parse(f"{folder}/mnist/model.py")
        assert (nested.student, nested.name, nested.file) == ("123456", "Ada Lovelace", "mnist/model.py")
    assert parse("Participant_123460_assignsubmission_file_model.py").name == "Participant"
    assert parse("Ada Lovelace_123456_assignsubmission_file_") is None  # a folder's name, not a file's


@pytest.mark.parametrize("layout", ["flat", "folders", "folders before 4.1"])
def test_a_moodle_download_becomes_one_folder_per_participant(layout, tmp_path):
    files = {"flat": MOODLE_FLAT, "folders": moodle_in_folders(""),
             "folders before 4.1": moodle_in_folders("_")}[layout]
    got = read(download(tmp_path, files, "MNIST-101-MNIST MLP-42.zip"), tmp_path / "out")
    staging = tmp_path / "out" / ".lms"
    assert got.system == "Moodle" and got.stray == [] and got.refused == {}
    ada, jose, eve = (got.students[id] for id in ("123456", "123457", "123458"))
    assert (ada.name, jose.name, eve.name) == ("Ada Lovelace", "José Núñez", "Eve Adams")
    modules = ["dataset.py", "model.py", "training.py"]
    assert sorted(ada.files) == (modules if layout == "flat" else [f"mnist/{m}" for m in modules])
    assert ada.submission == staging / "123456"
    assert (ada.submission / ada.files[0]).read_bytes() in REFERENCE.values()
    assert jose.submission == staging / "123457" / "mnist.zip"
    assert eve.uploads == [] and eve.submission == staging / "123458" / "onlinetext.html"  # nothing to grade
    assert lms.cells(eve) == ["Eve Adams", "Moodle", ""]
    if layout != "flat":
        assert got.students["123460"].name == "Participant"


def test_an_unzipped_download_is_read_like_the_zip_and_a_class_folder_is_left_as_it_was(tmp_path):
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(download(tmp_path, moodle_in_folders(""))) as archive:
        archive.extractall(folder)
    (folder / "Bob Babbage_123459_assignsubmission_file").mkdir()
    os.symlink("/etc/passwd", folder / "Bob Babbage_123459_assignsubmission_file" / "model.py")
    (folder / ".DS_Store").write_bytes(b"")
    got = read(folder, tmp_path / "out")
    assert sorted(got.students) == ["123456", "123457", "123458", "123460"]
    assert got.stray == [".DS_Store"]
    assert "Bob Babbage_123459_assignsubmission_file/model.py" in got.refused  # a link: not followed
    assert not (tmp_path / "out" / ".lms" / "123459").exists()

    again = read(folder, tmp_path / "out")  # written afresh, the same
    assert {id: s.files for id, s in again.students.items()} == {id: s.files for id, s in got.students.items()}

    classroom = tmp_path / "class"
    (classroom / "ada").mkdir(parents=True)
    (classroom / "bob.zip").write_bytes(zipped(REFERENCE))
    assert read(classroom, tmp_path / "out2") is None  # a folder of submissions, graded as before


def test_what_is_not_a_download_gets_one_line_naming_it(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    cases = {
        "class.zip": (zipped({"ada/model.py": "", "bob.zip": b""}), "class.zip is neither a Canvas nor a Moodle"),
        "broken.zip": (b"not a zip", "broken.zip is not a readable zip archive"),
        "both.zip": (zipped({"ada_1_2_model.py": "", "Ada Lovelace_1_assignsubmission_file_model.py": ""}),
                     "both.zip holds files named as both Canvas and Moodle name them"),
        "notes.txt": (b"", "notes.txt is not a folder or a .zip"),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(NotADownload, match=message) as raised:
            read(tmp_path / name, out)
        assert "\n" not in str(raised.value)


def test_links_absolute_paths_and_dot_dot_in_a_download_are_refused_and_listed(tmp_path):
    path = tmp_path / "submissions.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in REFERENCE.items():
            archive.writestr(f"lovelaceada_4101_9{len(name)}_{name}", content)
        link = zipfile.ZipInfo("babbagebob_4102_901_model.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("../hoppercy_4103_902_model.py", "escape")
        archive.writestr("/hoppercy_4103_903_dataset.py", "absolute")
    got = read(path, tmp_path / "out")
    assert sorted(got.students) == ["4101"] and sorted(got.students["4101"].files) == sorted(REFERENCE)
    assert "symbolic link" in got.refused["babbagebob_4102_901_model.py"]
    assert "outside it" in got.refused["../hoppercy_4103_902_model.py"]
    assert not (tmp_path / "hoppercy_4103_902_model.py").exists() and not (tmp_path / "out" / ".lms" / "4102").exists()
    assert "Not graded: babbagebob_4102_901_model.py in the archive is a symbolic link" in got.report()


def test_grades_csv_ends_each_row_with_the_name_the_system_and_lateness(tmp_path):
    got = read(download(tmp_path, CANVAS), tmp_path / "out")
    rubric = load(RUBRIC)
    graded = [Graded("4101", Results(100, "", {}), 12.0),
              Graded("4104", None, 0.5, "grader: text.html is not a folder")]
    write_csv(graded, rubric, tmp_path / "grades.csv", got.students)
    with (tmp_path / "grades.csv").open() as file:
        header, *rows = list(csv.reader(file))
    assert header[0] == "student" and header[-3:] == ["name", "lms", "late"]
    assert [row[:2] + row[-3:] for row in rows] == [["4101", "100", "lovelaceada", "Canvas", "late"],
                                                     ["4104", "0", "turingdee", "Canvas", ""]]
    write_csv(graded, rubric, tmp_path / "plain.csv")  # a class folder: the same columns, empty
    with (tmp_path / "plain.csv").open() as file:
        assert next(csv.DictReader(file))["name"] == ""


def test_batch_refuses_a_zip_that_is_no_download_in_one_line(data_dir, tmp_path, capsys):
    zip_path = download(tmp_path, {"ada/model.py": REFERENCE["model.py"]}, "ada.zip")
    assert batch.main([str(zip_path), "--data-dir", str(data_dir), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("grader.batch: ada.zip is neither a Canvas nor a Moodle") and "\n" not in error
    assert batch.main([str(tmp_path / "missing.zip")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_a_canvas_download_is_graded_once_per_student_and_lines_up_with_the_gradebook(data_dir, tmp_path, capsys):
    """Ada hands in the reference, late; Bob his model again with a bug, which Canvas renamed model-1.py."""
    path = download(tmp_path, {
        **{f"lovelaceada_LATE_4101_{90010 + i}_{name}": content for i, (name, content) in enumerate(REFERENCE.items())},
        "babbagebob_4102_90021_dataset.py": REFERENCE["dataset.py"],
        "babbagebob_4102_90022_model.py": REFERENCE["model.py"],
        "babbagebob_4102_90023_training.py": REFERENCE["training.py"],
        "babbagebob_4102_90029_model-1.py": squeezed_model(),
        "notes.txt": "from the TA",
    })
    out = tmp_path / "graded"
    code = batch.main([str(path), "--data-dir", str(data_dir), "--out", str(out), "--workers", "2",
                       "--gradebook", str(KIT_ROOT / "tests" / "gradebooks" / "canvas.csv"), "--column", "MNIST MLP"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    with (out / "grades.csv").open() as file:
        grades = {row["student"]: row for row in csv.DictReader(file)}
    assert set(grades) == {"4101", "4102"}
    assert grades["4101"]["total"] == "100"
    assert (grades["4101"]["name"], grades["4101"]["lms"], grades["4101"]["late"]) == ("lovelaceada", "Canvas", "late")
    assert grades["4102"]["total"] == "95" and grades["4102"]["mlp_output"] == "0"  # the newest model.py: squeezed
    assert grades["4102"]["lms"] == "Canvas" and grades["4102"]["late"] == ""
    assert (out / "4101" / "results.json").is_file()
    assert (out / ".lms" / "4102" / "model.py").read_bytes() == squeezed_model()
    assert "Not graded: notes.txt is not named as Canvas names a student's file" in printed
    imported = {row[1]: row[6] for row in csv.reader((out / "import-canvas.csv").open())}  # "ID": the user id
    assert imported["4101"] == "100" and imported["4102"] == "95"
