"""Scores into an LMS gradebook: read the gradebook a course exported from Canvas or Moodle, match each
graded submission to a student, and write an import-ready copy with the scores in one column.

Canvas (Grades > Export > Export Entire Gradebook, lib/gradebook_exporter.rb): a header "Student" (or
"LastName", "FirstName"), "ID", ["SIS User ID"], "SIS Login ID", ["Integration ID"], ["Root
Account"], "Section", custom columns, one column per assignment titled "NAME (ASSIGNMENT ID)", then
totals; a "    Points Possible" row ("(read only)" under the totals), after a "Manual Posting" row when
an assignment posts grades manually; comma- or semicolon-separated, maybe after a byte-order mark.
Moodle (Export > Plain text file, grade/export/txt): a header of user fields ("First name", "Last
name", "ID number", "Institution", "Department", "Email address" by default), "Suspended" unless only
active enrolments are exported, "MODULE: NAME (Real)" per grade item, and "Last downloaded from this
course", named in the exporting user's language (export in English); comma, tab, colon or semicolon
separators. Moodle's assignment grading worksheet (View all submissions > Download grading worksheet,
mod/assign/gradingtable.php; uploaded back with "Upload grading worksheet", which reads "Identifier",
"Grade" and "Last modified (grade)", mod/assign/feedback/offline/importgradeslib.php): "Identifier"
("Participant N", N the participant id that names a student's files in Moodle's submissions download),
"Full name", the user identity fields ("Email address" by default), "Status", ["Group"], "Grade",
"Maximum Grade", ... The copy keeps every other cell, the separator, byte-order mark, line endings and
decimal comma as they were.

Matching never guesses: a submission goes to the one student whose login, SIS login, SIS user id,
Canvas user id ("ID", which names a student's files in Canvas's submissions download), e-mail address
or e-mail local part (Moodle: e-mail, its local part, ID number or username; in the grading worksheet
also the participant id) equals its name, ignoring case, or, with a roster, the name the roster gives it.
Moodle's gradebook export has no participant id: for a Moodle download use the worksheet, or a roster.
What matches no one, more than one student, or a student another submission also matched is listed and
left out.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

BOM = "\ufeff"
CANVAS_KEYS = ("SIS Login ID", "SIS User ID", "ID")  # the first that is filled in names the student to people
MOODLE_KEYS = ("Email address", "ID number", "Username")
WORKSHEET = "Moodle grading worksheet"
WORKSHEET_ID = "Identifier"  # "Participant 123456"
WORKSHEET_MAX = "Maximum Grade"
WORKSHEET_KEYS = (*MOODLE_KEYS, WORKSHEET_ID)
MOODLE_LAST = "Last downloaded from this course"
NAMES = ("Student", "FirstName", "LastName", "First name", "Last name", "Full name")
POINTS_POSSIBLE = "Points Possible"
READ_ONLY = "(read only)"


class GradebookError(ValueError):
    """The export or the roster cannot be used, in one line."""


@dataclass
class Gradebook:
    system: str            # "Canvas", "Moodle" or WORKSHEET
    rows: list[list[str]]  # as read, the header first
    delimiter: str
    bom: bool
    newline: str
    decimal_comma: bool    # numbers written "87,5", as in locales that separate cells with ";"

    @property
    def header(self) -> list[str]:
        return self.rows[0]

    def points_row(self) -> list[str] | None:
        return next((row for row in self.rows[1:] if row and row[0].strip() == POINTS_POSSIBLE), None)

    def students(self) -> list[int]:
        """The rows that are students: Canvas's Points Possible and Manual Posting rows are not."""
        return [i for i, row in enumerate(self.rows) if i and row and row[0].strip() not in ("", POINTS_POSSIBLE)]

    @property
    def keys(self) -> list[str]:
        """The columns that name a student."""
        keys = {"Canvas": CANVAS_KEYS, "Moodle": MOODLE_KEYS}.get(self.system, WORKSHEET_KEYS)
        return [key for key in keys if key in self.header]

    def cell(self, index: int, column: str) -> str:
        return self.rows[index][self.header.index(column)]

    def identifiers(self, index: int) -> set[str]:
        """What names this student, in lower case: each key column, and an e-mail address's local part."""
        values = {self.cell(index, key).strip().casefold() for key in self.keys}
        values |= {value.split("@")[0] for value in values if "@" in value}
        if WORKSHEET_ID in self.keys:  # "Participant 123456" (in the site's language): the participant id
            values.add(re.sub(r"^\D*", "", self.cell(index, WORKSHEET_ID).strip()))
        return values - {""}

    def name(self, index: int) -> str:
        """The student as the instructor knows them: name and login."""
        names = " ".join(self.cell(index, key) for key in NAMES if key in self.header)
        login = next((self.cell(index, key) for key in self.keys if self.cell(index, key)), "")
        return f"{names} ({login})" if login else names


@dataclass
class Matching:
    rows: dict[str, int]            # submission: its student's row
    unmatched: dict[str, str]       # submission: why it has no student
    students_without: list[int]     # rows of students no submission matched


def read(path: Path) -> Gradebook:
    """A Canvas or Moodle gradebook export, as exported."""
    try:
        raw = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise GradebookError(f"cannot read gradebook {path}: {error}") from None
    text = raw.removeprefix(BOM)
    for delimiter in (",", ";", "\t", ":"):
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        system = ("Canvas" if {"SIS Login ID", "Section"} <= set(header) else
                  "Moodle" if MOODLE_LAST in header else
                  WORKSHEET if {WORKSHEET_ID, "Grade"} <= set(header) else None)
        if system:
            break
    else:
        raise GradebookError(f"{path} is not a gradebook exported from Canvas (no \"SIS Login ID\" and \"Section\" "
                             f"columns) or Moodle (no \"{MOODLE_LAST}\" column; a grading worksheet has "
                             f"\"{WORKSHEET_ID}\" and \"Grade\")")
    read_rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = [row + [""] * (len(header) - len(row)) for row in read_rows if row]
    comma = delimiter != "," and any(re.fullmatch(r"-?\d+,\d+", cell) for row in rows for cell in row)
    gradebook = Gradebook(system, rows, delimiter, raw.startswith(BOM), "\r\n" if "\r\n" in text else "\n", comma)
    if not gradebook.keys:
        raise GradebookError(f"{path}: no column names the students (one of {', '.join(MOODLE_KEYS)})")
    return gradebook


def read_roster(path: Path) -> dict[str, str]:
    """The instructor's map, a CSV with the columns "submission" and "student" (a login or e-mail address)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            rows = list(csv.DictReader(file))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise GradebookError(f"cannot read roster {path}: {error}") from None
    if rows and not {"submission", "student"} <= set(rows[0]):
        raise GradebookError(f"roster {path} needs the columns \"submission\" and \"student\"")
    return {row["submission"].strip(): row["student"].strip() for row in rows if row["submission"] and row["student"]}


def match(gradebook: Gradebook, submissions: list[str], roster: dict[str, str] | None = None) -> Matching:
    """Each submission's student, by the roster if given, else by its own name; never a guess."""
    by_key = defaultdict(set)
    for index in gradebook.students():
        for key in gradebook.identifiers(index):
            by_key[key].add(index)
    rows, unmatched = {}, {}
    for submission in submissions:
        key = submission if roster is None else roster.get(submission)
        found = by_key.get(key.casefold(), set()) if key else set()
        if key is None:
            unmatched[submission] = "not in the roster"
        elif len(found) != 1:
            unmatched[submission] = f"{len(found)} students are {key!r}" if found else f"no student is {key!r}"
        else:
            rows[submission] = next(iter(found))
    claimed = defaultdict(list)
    for submission, index in rows.items():
        claimed[index].append(submission)
    for index, names in claimed.items():
        if len(names) > 1:  # two submissions for one student: which counts is the instructor's call
            for submission in names:
                unmatched[submission] = f"{gradebook.name(index)} is matched by {', '.join(names)}"
                del rows[submission]
    without = [index for index in gradebook.students() if index not in rows.values()]
    return Matching(rows, unmatched, without)


def find_column(header: list[str], name: str) -> int | None:
    """The column of assignment ``name``: as named, Canvas's "NAME (ID)" or Moodle's "MODULE: NAME (Real)"."""
    pattern = re.compile(rf"(?:[^:]+: )?{re.escape(name)}(?: \((?:\d+|Real)\))?")
    found = [i for i, title in enumerate(header) if pattern.fullmatch(title.strip())]
    if len(found) > 1:
        raise GradebookError(f"{len(found)} columns are assignment {name!r}: {', '.join(header[i] for i in found)}")
    return found[0] if found else None


def fill(gradebook: Gradebook, column: str, scores: dict[int, float], points: float) -> list[str]:
    """Write ``scores`` (by row) into ``column``, made where the system puts assignments if absent; other
    cells are kept. Returns notes for the instructor."""
    notes = []
    if gradebook.system == WORKSHEET:  # one assignment's worksheet: Moodle reads its scores from "Grade" only
        if column != "Grade":
            notes.append(f"A grading worksheet takes the scores in its \"Grade\" column, not {column!r}")
        column = "Grade"
        most = {worth(gradebook.cell(i, WORKSHEET_MAX)) for i in gradebook.students()
                if WORKSHEET_MAX in gradebook.header} - {None, points}
        if most:
            notes.append(f"The assignment is graded out of {', '.join(f'{m:g}' for m in sorted(most))} in Moodle; "
                         f"the scores are out of {points:g}")
    index = find_column(gradebook.header, column)
    points_row = gradebook.points_row()
    if index is None:
        last = (MOODLE_LAST,) if gradebook.system == "Moodle" else ()
        index = next((i for i, title in enumerate(gradebook.header)
                      if title in last or (points_row is not None and points_row[i].strip() == READ_ONLY)),
                     len(gradebook.header))  # before Canvas's read-only totals, or Moodle's export time
        for row in gradebook.rows:
            row.insert(index, "")
        gradebook.header[index] = column
        if points_row is not None:
            points_row[index] = number(points, gradebook)
        notes.append(f"Added the column {column!r}: import it as a new assignment")
    elif points_row is not None and worth(points_row[index]) not in (None, points):
        notes.append(f"{gradebook.header[index]!r} is worth {points_row[index]} points in {gradebook.system}; "
                     f"the scores are out of {points:g}")
    for row, score in scores.items():
        gradebook.rows[row][index] = number(score, gradebook)
    return notes


def number(value: float, gradebook: Gradebook) -> str:
    """``value`` as the export writes numbers: with a decimal comma where its cells have one."""
    text = f"{value:g}"
    return text.replace(".", ",") if gradebook.decimal_comma else text


def worth(cell: str) -> float | None:
    """A Points Possible cell as a number ("100.00", "100,00"); None when it is not one."""
    try:
        return float(cell.strip().replace(",", "."))
    except ValueError:
        return None


def write(gradebook: Gradebook, path: Path) -> None:
    text = io.StringIO()
    csv.writer(text, delimiter=gradebook.delimiter, lineterminator=gradebook.newline).writerows(gradebook.rows)
    path.write_text((BOM if gradebook.bom else "") + text.getvalue(), encoding="utf-8", newline="")


def export(source: Path, column: str, scores: dict[str, float | None], points: float, out: Path,
           roster: Path | None = None) -> str:
    """Write ``out``: ``source`` with ``scores`` (by submission; None: not graded, the cell is left as it
    was) in ``column``. Returns what was matched and what was not, for the instructor."""
    gradebook = read(source)
    matching = match(gradebook, sorted(scores), read_roster(roster) if roster else None)
    graded = {row: scores[s] for s, row in matching.rows.items() if scores[s] is not None}
    notes = fill(gradebook, column, graded, points)
    write(gradebook, out)
    lines = [f"Wrote {out}: {len(graded)} scores in {column!r} of the {gradebook.system} gradebook {source.name}"]
    lines += notes
    lines += [f"Not graded, its cell left as it was: {s} ({gradebook.name(row)})"
              for s, row in matching.rows.items() if scores[s] is None]
    lines += [f"Submission without a student: {name} ({why})" for name, why in sorted(matching.unmatched.items())]
    lines += [f"Student without a submission: {gradebook.name(i)}" for i in matching.students_without]
    return "\n".join(lines) + "\n"
