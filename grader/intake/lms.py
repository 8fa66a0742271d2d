"""What learning-management systems hand over: a Canvas or Moodle "download all submissions" zip (or the
folder it was unzipped into), as one folder per student, named by the id the system's gradebook uses.

The layouts, as each system's source writes them:

Canvas, the assignment's "Download Submissions" (github.com/instructure/canvas-lms, lib/content_zipper.rb:
``zip_assignment``, ``add_submission``, ``get_filename``, ``add_upload_submission``): one flat zip, one
entry per uploaded file, ``<name>[_LATE]_<user id>_<attachment id>_<display name>``. ``<name>`` is the
sortable name ("Lovelace, Ada") in lower case, ``_<digits>_`` in it collapsed (``sanitize_user_name``,
so the ids are the first ``_<digits>_<digits>_``) and all but word characters dropped
(``sanitize_file_name``): ``lovelaceada_LATE_4101_90017_model.py``. With anonymous grading the name is
left out and the id is ``anon_`` and the submission's 5 base58 characters (lib/anonymity.rb):
``anon_Ab3xY_9001_model.py``, late ``LATE_anon_Ab3xY_9001_model.py``. A text entry is
``<name>_<user id>_text.html``, a website URL ``<name>_<user id>_link.html``. The display name has NUL
and ``/ \\ : * ? " < > |`` replaced by ``_`` (``sanitize_attachment_filename``). The user id is the
"ID" column of the gradebook export (lib/gradebook_exporter.rb, ``row << student.id``). Uploads live in the
student's "Submissions" folder, where a name already taken is always renamed (app/models/attachment.rb:
``handle_duplicates`` renames in folders ``for_submissions?``; ``Attachment.make_unique_filename``):
``model.py`` uploaded again is ``model-1.py``, then ``model-2.py``, the number before the whole extension
(``mnist-1.tar.gz``; before the last one in older versions, ``mnist.tar-1.gz``; a UUID after 8 tries).
Attachment ids grow with each upload. A group assignment gives one submission per group, named by a
member.

Moodle, the assignment's View all submissions > "Download all submissions" (github.com/moodle/moodle,
mod/assign/classes/downloader.php ``get_student_prefix``, ``load_submissionplugin_filelist`` since 4.1;
mod/assign/locallib.php ``download_submissions`` before): a prefix ``<Full name>_<participant id>``, the
full name with ``_`` turned into spaces ("Participant" under blind marking), through ``clean_filename``.
The participant id is ``get_uniqueid_for_user``, the number in the grading worksheet's "Identifier"
("Participant 123456": mod/assign/gradingtable.php ``col_recordid``, lang/en/assign.php ``hiddenuser``).
Each enabled plugin of ``get_submission_plugins`` adds its ``get_files``: ``assignsubmission_file`` the
uploads (mod/assign/submission/file/locallib.php), ``assignsubmission_onlinetext`` the text as
``onlinetext.html`` (its lang/en ``onlinetextfilename``) and the files embedded in it. With "Download
submissions in folders" off: ``<prefix>_assignsubmission_file_<file name>`` and
``<prefix>_assignsubmission_onlinetext_onlinetext.html``, sub-folders dropped. On (the default since
3.1): a folder ``<prefix>_assignsubmission_file`` (``..._file_``, with a trailing underscore, before 4.1)
holding the uploads at their paths, sub-folders kept ("files are not renamed", lang/en/assign.php
``downloadasfolders_help``), and ``<prefix>_assignsubmission_onlinetext/onlinetext.html``. Team
submissions are named by the group's name and id instead. Moodle's gradebook export has no participant
id: the grading worksheet has (mod/assign/feedback/offline/importgradeslib.php reads "Identifier",
"Grade", "Last modified (grade)"), or a roster maps ids to e-mail addresses (``grader.gradebook``).

Each student's files are written to ``OUT/.lms/<id>/`` under their original names and graded there by
intake's rules (``grader.submission``); a student who handed in one archive, one notebook, or one module
holding all three parts, is graded as that file alone. What the download holds that neither system would
have named a student's file is listed, not graded; links, absolute paths and ``..`` are refused and sizes
bounded by the code that unpacks a student's archive (``archives.unpack``), per student.
"""

from __future__ import annotations

import keyword
import os
import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from grader.intake.archives import unpack
from grader.intake.contract import CONTRACT, MAX_ARCHIVE_BYTES
from grader.intake.notes import NotASubmission, refusals

STAGING = ".lms"          # inside the output folder: one folder per student
REPORT = "lms.txt"        # inside the output folder: what the download held and what became of it
COLUMNS = ("name", "lms", "late")  # what grades.csv adds for a student of a download

# Canvas: the name has no spaces (only word characters survive ``sanitize_file_name``); anonymous ids are
# base58 (no 0, O, I, l).
_ANON = r"anon_[1-9A-HJ-NP-Za-km-z]{5}"
_CANVAS_FILE = r"(?:(?P<attachment>\d+)_(?P<file>.+)|(?P<text>text|link)\.html)"  # an upload, or a text or URL
CANVAS_ANONYMOUS = re.compile(rf"(?P<late>LATE_)?(?P<id>{_ANON})_{_CANVAS_FILE}")
CANVAS_NAMED = re.compile(rf"(?P<name>[^\s/]+?)(?P<late>_LATE)?_(?P<id>\d+)_{_CANVAS_FILE}")
# Moodle: the prefix has no "_" (turned into spaces), so the first "_<digits>_assignsubmission_" ends it.
MOODLE_FLAT = re.compile(r"(?P<name>[^_/]+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_(?P<file>[^/]+)")
MOODLE_FOLDER = re.compile(r"(?P<name>[^_/]+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_?")
TEXT_PLUGINS = ("onlinetext",)
# Attachment.make_unique_filename: "-N" (or "-<uuid>") before the extension, as Canvas's regex finds it.
_UNIQUE = r"-(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
CANVAS_EXTENSION = re.compile(r"(?:\.[A-Za-z][A-Za-z0-9]*)*\.[A-Za-z0-9]*$")


class NotADownload(ValueError):
    """A download that cannot be read as Canvas's or Moodle's, in one line naming the file."""


@dataclass
class Entry:
    """One file of a download, as the system named it."""
    path: str          # where it is in the download (POSIX)
    system: str        # "Canvas" or "Moodle"
    student: str       # the system's id: Canvas user id (or anon_...), Moodle participant id
    name: str          # the student's name as the file name gives it ("" when anonymous)
    file: str          # the student's own name for it (a path in Moodle's folders)
    text: bool = False  # an online text or link, not an upload
    order: int = 0     # Canvas's attachment id: the later upload has the larger
    late: bool = False


@dataclass
class Student:
    id: str
    name: str
    system: str
    late: bool = False
    files: list[str] = field(default_factory=list)     # as written to the student's folder
    uploads: list[str] = field(default_factory=list)   # of those, what the student uploaded (not online text)
    notes: list[str] = field(default_factory=list)
    submission: Path | None = None                     # what is graded: the folder, or its one file


@dataclass
class Download:
    system: str
    source: Path
    students: dict[str, Student]
    stray: list[str]           # named as neither system names a student's file: not graded
    refused: dict[str, str]    # not taken (a link, outside the archive, too large), and why

    @property
    def submissions(self) -> dict[str, Path]:
        return {id: student.submission for id, student in sorted(self.students.items()) if student.submission}

    def report(self) -> str:
        lines = [f"{self.system} download {self.source.name}: {len(self.students)} student(s), "
                 f"one folder each in {STAGING}/"]
        for id, student in sorted(self.students.items()):
            shown = f"{id} ({student.name})" if student.name else id
            late = ", late" if student.late else ""
            lines.append(f"  {shown}{late}: {', '.join(student.files) or 'nothing'}")
            lines += [f"    {note}" for note in student.notes]
        lines += [f"Not graded: {path} is not named as {self.system} names a student's file" for path in self.stray]
        lines += [f"Not graded: {reason}" for reason in self.refused.values()]
        return "\n".join(lines) + "\n"


def is_zip(path: Path) -> bool:
    """Whether ``path`` could be a download: both systems hand over one .zip."""
    return path.is_file() and path.suffix.lower() == ".zip"


def cells(student: Student | None) -> list[str]:
    """A student's cells in grades.csv's ``COLUMNS``; empty for a submission that is not from a download."""
    if student is None:
        return ["", "", ""]
    return [student.name, student.system, "late" if student.late else ""]


def parse(path: str) -> Entry | None:
    """The student, and the student's own file name, in a download's entry ``path``; None if neither
    Canvas nor Moodle would have named a student's file so."""
    parts = PurePosixPath(path).parts
    if not parts:
        return None
    if len(parts) == 1 and (moodle := MOODLE_FLAT.fullmatch(parts[0])):
        return Entry(path, "Moodle", moodle["id"], moodle["name"].strip(), moodle["file"],
                     text=moodle["plugin"] in TEXT_PLUGINS)
    if len(parts) > 1 and (moodle := MOODLE_FOLDER.fullmatch(parts[0])):
        return Entry(path, "Moodle", moodle["id"], moodle["name"].strip(), "/".join(parts[1:]),
                     text=moodle["plugin"] in TEXT_PLUGINS)
    if len(parts) == 1:  # Canvas's zip is flat; an anonymous name first, since "anon" could be a name
        canvas = CANVAS_ANONYMOUS.fullmatch(parts[0]) or CANVAS_NAMED.fullmatch(parts[0])
        if canvas:
            name = canvas.groupdict().get("name") or ""
            text = canvas["text"]
            return Entry(path, "Canvas", canvas["id"], name, f"{text}.html" if text else canvas["file"],
                         text=bool(text), order=int(canvas["attachment"] or 0), late=bool(canvas["late"]))
    return None


def original(name: str) -> str | None:
    """``name`` without the "-N" Canvas adds to a name already taken, or None if it has none."""
    for extension in (CANVAS_EXTENSION.search(name), re.search(r"\.[^.]*$", name)):
        suffix = extension.group() if extension else ""
        stem = re.fullmatch(rf"(.+?){_UNIQUE}", name[: len(name) - len(suffix)])
        if stem:
            return stem[1] + suffix
    return None


def newest_uploads(entries: list[Entry]) -> tuple[list[Entry], list[str]]:
    """One Canvas student's uploads with Canvas's renames undone: of the files that were one name, the
    last uploaded (largest attachment id). A "-N" is undone only where it is surely Canvas's: the plain
    name is among the uploads too, or the file is a module no ``import`` could name (``model-1.py``)."""
    names = {entry.file for entry in entries}
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        plain = original(entry.file)
        key = plain if plain and (plain in names or _importable(plain)) else entry.file
        groups.setdefault(key, []).append(entry)
    kept, notes = [], []
    for key, group in sorted(groups.items()):
        newest = max(group, key=lambda entry: entry.order)
        older = ", ".join(sorted(entry.file for entry in group if entry is not newest))
        if older and newest.file == key:
            notes.append(f"{key} is the newest upload of {key}; not graded (uploaded before): {older}")
        elif older:
            notes.append(f"{newest.file}, the newest upload of {key}, is graded as {key}; not graded (uploaded "
                         f"before): {older}")
        elif newest.file != key:
            notes.append(f"{newest.file} is graded as {key} (Canvas renames a file uploaded again)")
        kept.append(replace(newest, file=key))
    return kept, notes


def _importable(name: str) -> bool:
    return name.endswith(".py") and name[:-3].isidentifier() and not keyword.iskeyword(name[:-3])


def read(source: Path, out: Path) -> Download | None:
    """The Canvas or Moodle download at ``source`` (a .zip, or the folder it was unzipped into), written
    to ``out/.lms/<id>/`` per student, with ``out/lms.txt`` saying what was found. None when ``source``
    is a folder of submissions that is no download; ``NotADownload`` when a zip is none, or is unreadable."""
    if source.is_dir():
        top = [path.name for path in source.iterdir()]
        if not any(parse(name) or MOODLE_FOLDER.fullmatch(name) for name in top):
            return None  # a class folder as before: one submission per entry
        return _stage(source, source, _files(source, skip=out), {}, out)
    if not is_zip(source):
        raise NotADownload(f"{source.name} is not a folder or a .zip downloaded from Canvas or Moodle")
    try:
        with zipfile.ZipFile(source) as zipped:
            names = [_decoded(info) for info in zipped.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError) as error:
        raise NotADownload(f"{source.name} is not a readable zip archive ({error})") from None
    entries = {raw: shown for raw, shown in names if "__MACOSX" not in raw}
    students = {entry.student for shown in entries.values() if (entry := parse(shown))}
    if not students:
        raise NotADownload(_neither(source.name, list(entries.values())))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".lms-", dir=out) as scratch:  # beside the staging: one disk
        unpacked = Path(scratch) / "download"
        try:  # the same safe extraction as a student's archive, with room for each student's share
            unpack(source, unpacked, limit=MAX_ARCHIVE_BYTES * len(students), everything=True)
        except NotASubmission as error:
            raise NotADownload(str(error)) from None
        reasons = refusals(unpacked)
        refused = {shown: next((r for r in reasons.values() if r.startswith(raw)), f"{raw} was not taken")
                   for raw, shown in entries.items() if not _is_file(unpacked / raw)}
        files = {shown: raw for raw, shown in entries.items() if shown not in refused}
        return _stage(source, unpacked, files, refused, out)


def _decoded(info: zipfile.ZipInfo) -> tuple[str, str]:
    """An entry's name as stored, and as the student wrote it: a zip without the UTF-8 flag (rubyzip's
    default, so Canvas's) holds UTF-8 that Python reads as code page 437."""
    if info.flag_bits & 0x800 or info.filename.isascii():
        return info.filename, info.filename
    try:
        return info.filename, info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename, info.filename


def _neither(name: str, entries: list[str]) -> str:
    shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "") if entries else "nothing"
    return (f"{name} is neither a Canvas nor a Moodle submissions download: it holds {shown}, none named "
            "<name>_<user id>_<file id>_<file> (Canvas) or <Full name>_<participant id>_assignsubmission_"
            "file_<file> (Moodle)")


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _files(folder: Path, skip: Path) -> dict[str, str]:
    """Every file under ``folder`` (but ``skip``, the output) by its POSIX path, links included to be
    refused: ``os.walk`` does not descend into a linked folder, and nothing here follows one."""
    found = {}
    for root, folders, files in os.walk(folder):
        folders[:] = [f for f in folders if Path(root, f).absolute() != skip.absolute()]
        for name in files + [f for f in folders if os.path.islink(os.path.join(root, f))]:
            path = Path(root, name).relative_to(folder).as_posix()
            found[path] = path
    return found


def _stage(source: Path, root: Path, files: dict[str, str], refused: dict[str, str], out: Path) -> Download:
    """Write each student's files (``files``: as shown, to where they are under ``root``) to a folder of
    their own; say what became of each file."""
    entries, stray = [], []
    for shown in sorted(files):
        entry = parse(shown)
        if entry is None:
            stray.append(shown)
        elif not _is_file(root / files[shown]):
            refused[shown] = f"{shown} is not a regular file (a link?), which the grader does not follow"
        else:
            entries.append(entry)
    systems = sorted({entry.system for entry in entries})
    if not systems:
        raise NotADownload(_neither(source.name, stray))
    if len(systems) > 1:
        raise NotADownload(f"{source.name} holds files named as both Canvas and Moodle name them: grade each "
                           "system's download on its own")
    size = sum((root / files[entry.path]).lstat().st_size for entry in entries)
    by_student: dict[str, list[Entry]] = {}
    for entry in entries:
        by_student.setdefault(entry.student, []).append(entry)
    if size > MAX_ARCHIVE_BYTES * len(by_student):
        raise NotADownload(f"{source.name} holds more than {MAX_ARCHIVE_BYTES >> 20} MiB per student")
    staging = out / STAGING
    out.mkdir(parents=True, exist_ok=True)
    if staging.is_symlink() or (staging.exists() and not staging.is_dir()):
        raise NotADownload(f"{staging} is in the way (not a folder): remove it")
    shutil.rmtree(staging, ignore_errors=True)  # written afresh each run; grades are kept by content
    students: dict[str, Student] = {}
    for id, mine in sorted(by_student.items()):
        student = students[id] = _student(id, mine)
        folder = staging / id
        uploads = [e for e in mine if not e.text]
        if systems == ["Canvas"]:
            uploads, notes = newest_uploads(uploads)
            student.notes += notes
        for entry in [*uploads, *(e for e in mine if e.text)]:
            target = folder / entry.file
            if entry.file in student.files:  # e.g. an upload named onlinetext.html, beside the online text
                student.notes.append(f"{entry.path} was not graded: {entry.file} is there already")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / files[entry.path], target, follow_symlinks=False)
            student.files.append(entry.file)
            if not entry.text:
                student.uploads.append(entry.file)
        student.submission = _graded(folder, student)
        if not student.uploads:
            student.notes.append("no file uploaded, only online text: nothing the grader reads")
    download = Download(systems[0], source, students, stray, refused)
    (out / REPORT).write_text(download.report())
    return download


def _student(id: str, entries: list[Entry]) -> Student:
    names = sorted({entry.name for entry in entries if entry.name})
    student = Student(id, names[0] if names else "", entries[0].system, late=any(e.late for e in entries))
    if len(names) > 1:
        student.notes.append(f"named {' and '.join(names)} in the download: the id decides")
    return student


def _graded(folder: Path, student: Student) -> Path:
    """What to grade: a lone archive, notebook or module that is not one of the contract's files, as it
    would be graded alone; an online text alone, which the grader refuses by its name; else the folder."""
    if len(student.uploads) == 1 and PurePosixPath(student.uploads[0]).name.lower() not in CONTRACT:
        return folder / student.uploads[0]
    if not student.uploads and student.files:
        return folder / next((f for f in student.files if f.endswith(".html")), student.files[0])
    return folder
