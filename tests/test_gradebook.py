"""Scores into gradebooks exported from Canvas and Moodle (tests/gradebooks/, laid out as each system
writes its export): matching by name and by roster, never a guess, and an import-ready copy that
changes nothing but the scores' column."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from grader.integrations import gradebook
from grader.integrations.gradebook import GradebookError, export, match, read

EXPORTS = Path(__file__).with_name("gradebooks")


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_canvas_scores_go_into_the_existing_column_and_nothing_else_changes(tmp_path):
    out = tmp_path / "import.csv"
    said = export(EXPORTS / "canvas.csv", "MNIST MLP", {"ada": 87.5, "bob": 100, "cy": 40, "zed": 12}, 100, out)
    before, after = lines(EXPORTS / "canvas.csv"), lines(out)
    assert after[:2] == before[:2]  # the header with "MNIST MLP (1202)", and the Points Possible row
    assert after[2] == before[2].replace("9.00,,9.00", "9.00,87.5,9.00")  # ada: her login
    assert after[3] == before[3].replace("7.50,,7.50", "7.50,100,7.50")  # bob: the local part of his login
    assert after[4:] == before[4:]  # cy is not anyone's login: no score, and nothing else touched
    assert out.read_bytes().count(b"\r") == 0  # Canvas's line endings
    assert "2 scores in 'MNIST MLP'" in said
    assert "Submission without a student: cy (no student is 'cy')" in said
    assert "Submission without a student: zed (no student is 'zed')" in said
    for student in ("Hopper, Cy (cyh)", "Turing, Dee (dee)", "Student, Test (3f1c9a7e52d04b6f)"):
        assert f"Student without a submission: {student}" in said


def test_a_roster_decides_and_two_submissions_for_one_student_are_refused(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("submission,student\nada,ada\nada-resubmitted,ADA\ncy,cyh\nzed,S0004\n")
    out = tmp_path / "import.csv"
    said = export(EXPORTS / "canvas.csv", "MNIST MLP", {"ada": 90, "ada-resubmitted": 95, "bob": 80, "cy": 70,
                                                        "zed": 60, "eve": None}, 100, out, roster)
    scores = {row[3]: row[6] for row in csv.reader(out.open())}
    assert scores["cyh"] == "70" and scores["dee"] == "60"  # by login and by SIS user id
    assert scores["ada"] == "" and scores["bob@uni.example"] == ""  # no guess: one student, two submissions; no entry
    assert "ada-resubmitted (Lovelace, Ada (ada) is matched by ada, ada-resubmitted)" in said
    assert "Submission without a student: bob (not in the roster)" in said


def test_canvas_column_is_made_before_the_totals_with_its_points_and_the_export_s_own_format(tmp_path):
    out = tmp_path / "import.csv"
    said = export(EXPORTS / "canvas-semicolon.csv", "MNIST MLP", {"ada": 87.5, "bob": None}, 100, out)
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode()) and raw.count(b"\r") == 0
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    header, posting, points, ada, bob = rows
    at = header.index("MNIST MLP")
    assert header[at - 1] == "Lab 1: Tensors (1201)" and header[at + 1] == "Assignments Current Points"
    assert points[at] == "100" and points[at - 1] == "10,00" and points[at + 1] == "(read only)"
    assert posting[at] == "" and posting[at - 1] == "Manual Posting"
    assert ada[at] == "87,5" and ada[0] == "Lovelace, Ada"  # the export's decimal comma
    assert bob[at] == ""  # not graded: left as it was
    assert "Added the column 'MNIST MLP'" in said and "Not graded, its cell left as it was: bob" in said
    assert [row[:at] + row[at + 1:] for row in rows] == list(
        csv.reader((EXPORTS / "canvas-semicolon.csv").read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))


def test_moodle_matches_by_e_mail_and_id_number_and_refuses_an_ambiguous_name(tmp_path):
    out = tmp_path / "import.csv"
    said = export(EXPORTS / "moodle.csv", "MNIST MLP", {"ada": 91, "S0002": 82, "chopper": 73, "eve": 64}, 100, out)
    before, after = lines(EXPORTS / "moodle.csv"), lines(out)
    assert after[0] == before[0]  # "Assignment: MNIST MLP (Real)" was there
    assert after[1] == before[1].replace("9.00,-,9.00", "9.00,91,9.00")
    assert after[2] == before[2].replace("7.50,-,7.50", "7.50,82,7.50")
    assert after[3] == before[3].replace("10.00,-,10.00", "10.00,73,10.00")
    assert after[4:] == before[4:]
    assert "Submission without a student: eve (2 students are 'eve')" in said
    assert "Student without a submission: Eve Adams (eve@uni.example)" in said


def test_moodle_column_is_made_before_the_export_time(tmp_path):
    out = tmp_path / "import.csv"
    export(EXPORTS / "moodle.csv", "Lab 2", {"ada": 5}, 10, out)
    header, ada = list(csv.reader(out.open()))[:2]
    assert header[-2:] == ["Lab 2", "Last downloaded from this course"] and ada[-2:] == ["5", "1767225600"]


def test_what_is_not_an_export_or_says_an_assignment_twice_is_refused(tmp_path):
    other = tmp_path / "grades.csv"
    other.write_text("student,total\nada,100\n")
    with pytest.raises(GradebookError, match="not a gradebook exported from Canvas"):
        read(other)
    twice = tmp_path / "twice.csv"
    twice.write_text((EXPORTS / "canvas.csv").read_text().replace("Lab 1: Tensors (1201)", "MNIST MLP (1200)"))
    with pytest.raises(GradebookError, match="2 columns are assignment 'MNIST MLP'"):
        export(twice, "MNIST MLP", {"ada": 1}, 100, tmp_path / "out.csv")
    roster = tmp_path / "roster.csv"
    roster.write_text("name,login\nada,ada\n")
    with pytest.raises(GradebookError, match='"submission" and "student"'):
        gradebook.read_roster(roster)


def test_matching_ignores_case_and_never_matches_an_empty_name():
    book = read(EXPORTS / "canvas.csv")
    matching = match(book, ["ADA", "S0002", ""])
    assert matching.rows == {"ADA": 2, "S0002": 3} and set(matching.unmatched) == {""}


def test_canvas_user_ids_match_as_canvas_s_submissions_download_names_students(tmp_path):
    out = tmp_path / "import.csv"
    said = export(EXPORTS / "canvas.csv", "MNIST MLP", {"4101": 87.5, "4103": 70, "S0002": 60}, 100, out)
    scores = {row[1]: row[6] for row in csv.reader(out.open())}  # "ID": the user id that names files in the zip
    assert scores["4101"] == "87.5" and scores["4103"] == "70" and scores["4102"] == "60"
    assert "Student without a submission: Turing, Dee (dee)" in said  # still named by login


def test_moodle_grading_worksheet_takes_the_scores_by_participant_id(tmp_path):
    out = tmp_path / "worksheet.csv"
    said = export(EXPORTS / "moodle-worksheet.csv", "MNIST MLP", {"123456": 91, "123457": 82.5, "eve": 64,
                                                                  "123460": 10}, 50, out)
    before = list(csv.reader((EXPORTS / "moodle-worksheet.csv").open(encoding="utf-8")))
    after = list(csv.reader(out.open(encoding="utf-8")))
    grade = before[0].index("Grade")
    assert [row[grade] for row in after[1:]] == ["91", "82.5", "64", ""]  # Eve by the local part of her e-mail
    assert [row[:grade] + row[grade + 1:] for row in after] == [row[:grade] + row[grade + 1:] for row in before]
    assert "A grading worksheet takes the scores in its \"Grade\" column, not 'MNIST MLP'" in said
    assert "graded out of 100 in Moodle; the scores are out of 50" in said
    assert "Submission without a student: 123460 (no student is '123460')" in said
    assert "Student without a submission: Bob Babbage (bob@uni.example)" in said
