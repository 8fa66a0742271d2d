"""``python -m grader.batch SUBMISSIONS``: grade a whole class, in parallel, resumably.

Every entry of SUBMISSIONS (a sub-folder, an archive, a ``.py`` or a ``.ipynb``) is one student's
submission, named by its stem; or SUBMISSIONS is a Canvas or Moodle download (``intake.lms``), each
student named by the system's id. Warm graders (``warm``), one per core or one per worker of a Dask cluster, grade
them one after another, each submission exactly as ``python -m grader`` would and as isolated from the
others as in a process of its own. For each student the output folder gets
``<student>/results.json``, ``<student>/feedback.html`` (what the student may read now) and
``<student>/feedback-instructor.html`` (everything); for the class, ``grades.csv`` (student, total,
points per check, seconds, error, the rubric's hash), ``summary.txt``, the score histogram and
most-failed checks as ``summary.png``, ``leaderboard.csv`` when the rubric asks for a leaderboard, and
with ``--gradebook``, a copy of a Canvas or Moodle gradebook export with the scores, to import. A grade
is kept while the submission, the rubric and the kit are what it was made of (``grader.fingerprint``),
unless ``--force``.
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from grader.config.files import write_atomically
from grader.config.paths import DATA_DIR, RUBRIC
from grader.config.rubric import Rubric, RubricError, load
from grader.intake import classes, data, lms
from grader.intake.data import DataNotFound
from grader.intake.fingerprint import changed, fingerprint
from grader.integrations import gradebook, similarity, warm
from grader.integrations.warm import Graded
from grader.judge import checks
from grader.outputs.results import RESULTS_FILE, Results, ResultsError


def kept(student: str, out: Path) -> Results | None:
    """The results kept in ``out`` for ``student``, if there are complete ones."""
    try:
        return Results.read(out / student / RESULTS_FILE)
    except (OSError, ResultsError):
        return None


def previously(student: str, path: Path, out: Path, rubric: Path) -> Graded | None:
    """The grade kept in ``out``, if it is of the submission as it is now, under this rubric, by this kit."""
    results = kept(student, out)
    if results is None or results.fingerprint != fingerprint(path, rubric):
        return None
    return Graded(student, results, results.execution_time)


def rubric_hash(results: Results | None) -> str:
    """The rubric a grade was made under, as the start of its hash."""
    return results.fingerprint.get("rubric", "")[:12] if results else ""


def write_csv(graded: list[Graded], rubric: Rubric, path: Path, people: dict[str, lms.Student] | None = None,
              similar: dict[str, tuple[float, str]] | None = None) -> None:
    """One row per student; for a Canvas or Moodle download, "student" is the LMS's id and the last
    columns say the name the download gave, the system and whether Canvas marked the work late; with
    ``similar`` (``--similarity``), each student's highest similarity and with whom, last."""
    ids = list(rubric.checks)
    people = people or {}
    rows = [["student", "total", "max", *ids, "seconds", "error", "rubric", *lms.COLUMNS,
             *(["max_similarity", "most_similar_to"] if similar is not None else [])]]
    for g in sorted(graded, key=lambda g: g.student):
        points = {check: outcome.score for check, outcome in g.results.checks.items()} if g.results else {}
        total = g.results.score if g.results else 0
        closest = [] if similar is None else (
            [f"{similar[g.student][0]:.3f}", similar[g.student][1]] if g.student in similar else ["", ""])
        rows.append([g.student, f"{total:g}", f"{rubric.total:g}", *(f"{points.get(i, 0):g}" for i in ids),
                     f"{g.seconds:.1f}", g.error, rubric_hash(g.results), *lms.cells(people.get(g.student)),
                     *closest])
    with path.open("w", newline="") as file:
        csv.writer(file).writerows(rows)


def write_leaderboard(graded: list[Graded], path: Path) -> None:
    """The class's leaderboard, as Gradescope's: highest accuracy first, then fewest parameters."""
    boards = {g.student: {entry["name"]: entry["value"] for entry in g.results.leaderboard}
              for g in graded if g.results}
    ranked = sorted(boards.items(), key=lambda item: (-item[1].get("Accuracy", 0),
                                                      item[1].get("Parameters", float("inf")), item[0]))
    with path.open("w", newline="") as file:
        csv.writer(file).writerows([["rank", "student", "accuracy", "parameters"]] + [
            [rank, student, board.get("Accuracy", ""), board.get("Parameters", "")]
            for rank, (student, board) in enumerate(ranked, start=1)])


CHANGES_FILE = "changes.csv"


def write_changes(graded: list[Graded], before: dict[str, Results], path: Path) -> str:
    """``changes.csv``: for each student graded again whose total or any check changed, a row for the total
    and one per changed check (points before and after, and why); and the line that sums it up."""
    rows = [["student", "check", "before", "after", "why"]]
    up = down = same = 0
    for g in sorted(graded, key=lambda g: g.student):
        earlier = before.get(g.student)
        if earlier is None or g.results is None:
            continue
        now = g.results
        why = "; ".join(changed(earlier.fingerprint, now.fingerprint)) or "graded again (--force)"
        moved = [(check, _points(earlier, check), _points(now, check))
                 for check in dict.fromkeys([*earlier.checks, *now.checks])
                 if _points(earlier, check) != _points(now, check)]
        up, down, same = up + (now.score > earlier.score), down + (now.score < earlier.score), \
            same + (now.score == earlier.score)
        if moved or now.score != earlier.score:
            rows.append([g.student, "total", f"{earlier.score:g}", f"{now.score:g}", why])
            rows += [[g.student, check, old, new, why] for check, old, new in moved]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    write_atomically(path, buffer.getvalue())
    if not up + down + same:
        return ""
    return (f"Graded again {up + down + same} student(s) graded before: {up} went up, {down} went down, {same} "
            f"stayed the same (each change, and why: {path}).\n")


def _points(results: Results, check: str) -> str:
    """A check's points in ``results``, as changes.csv writes them ('' where the rubric did not have it)."""
    return f"{results.checks[check].score:g}" if check in results.checks else ""


def summarize(graded: list[Graded], rubric: Rubric) -> tuple[str, list[float], list[tuple[str, int]]]:
    scores = [g.results.score if g.results else 0.0 for g in graded]
    failed = Counter(check for g in graded if g.results for check, outcome in g.results.checks.items()
                     if not outcome.passed)
    errors = [g for g in graded if g.results is None]
    lines = [f"{len(graded)} submissions, mean {sum(scores) / max(1, len(scores)):.1f} / {rubric.total:g}, "
             f"median {sorted(scores)[len(scores) // 2] if scores else 0:g}"]
    bins = Counter(min(int(s // 10) * 10, 90) for s in scores)
    lines += [f"  {low:3d}-{low + 9 if low < 90 else 100:3d}: {'#' * bins[low]} {bins[low]}"
              for low in range(0, 100, 10)]
    lines.append("Most failed checks:")
    lines += [f"  {count:4d}  {rubric.checks[check].title}" for check, count in failed.most_common(10)]
    lines += [f"Not graded: {g.student}: {g.error}" for g in errors]
    return "\n".join(lines) + "\n", scores, failed.most_common(10)


def plot_summary(scores: list[float], failed: list[tuple[str, int]], rubric: Rubric, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
    left.hist(scores, bins=range(0, int(rubric.total) + 10, 10), color="#4c72b0", edgecolor="white")
    left.set(title="Scores", xlabel="points", ylabel="submissions")
    names = [rubric.checks[check].title for check, _ in failed][::-1]
    right.barh(names, [count for _, count in failed][::-1], color="#dd8452")
    right.set(title="Most failed checks", xlabel="submissions that lost points")
    right.tick_params(axis="y", labelsize=8)
    figure.savefig(path, dpi=100)
    plt.close(figure)


class CannotGradeClass(Exception):
    """Why a class cannot be graded (a missing folder, a broken rubric or gradebook), in one line."""


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader.batch", description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=Path,
                        help="a folder of submissions (sub-folders, archives, .py, .ipynb), or a Canvas or Moodle "
                             "download")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where MNIST/raw/ lives (default: data)")
    parser.add_argument("--out", type=Path, help="where results go (default: SUBMISSIONS-graded)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="warm graders on this machine (default: one per core)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="grade on this Dask cluster instead, a warm grader in every Dask worker")
    parser.add_argument("--no-bubblewrap", "--no-sandbox", dest="no_bubblewrap", action="store_true",
                        help="act as where bubblewrap cannot run, as on Gradescope (also: GRADER_BUBBLEWRAP=0)")
    parser.add_argument("--rubric", type=Path, default=RUBRIC, help="the rubric TOML (default: grader/rubric.toml)")
    parser.add_argument("--force", action="store_true", help="grade again what was graded before")
    parser.add_argument("--gradebook", type=Path, metavar="EXPORT.csv",
                        help="a gradebook exported from Canvas or Moodle: write OUT/import-EXPORT.csv with the scores")
    parser.add_argument("--column", metavar="NAME",
                        help="the gradebook's assignment that gets the scores (made if absent)")
    parser.add_argument("--similarity", action="store_true",
                        help="also compare every pair of submissions' code: similarity.csv and similarity.html, and "
                             "each student's closest match in grades.csv")
    parser.add_argument("--similarity-threshold", type=float, default=similarity.THRESHOLD, metavar="T",
                        help=f"with --similarity: flag pairs at or above this similarity, 0-1 "
                             f"(default: {similarity.THRESHOLD})")
    parser.add_argument("--roster", type=Path, metavar="MAP.csv",
                        help='which student each submission is: columns "submission" and "student" (a login or '
                             "e-mail); without it, a submission's name must be the student's login or e-mail name")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = arguments()
    args = parser.parse_args(argv)
    if args.gradebook and not args.column:
        parser.error("--gradebook needs --column NAME")
    try:
        rubric = check_before_grading(args)
        out = (args.out or classes.default_out(args.submissions)).resolve()
        out.mkdir(parents=True, exist_ok=True)
        run = grade_class(args, out)
        similar = similarity.run(run.submissions, out, args.similarity_threshold) if args.similarity else None
        write_class_files(run.graded, rubric, out, run.download, similar)
        print(f"Kept {run.kept} earlier grade(s); graded {len(run.graded) - run.kept}.")
        print(write_changes(run.graded, run.before, out / CHANGES_FILE), end="")
        print(f"Wrote {out / 'grades.csv'}, {out / 'summary.txt'}, {out / 'summary.png'} and one folder per student.")
        if args.gradebook:
            totals = {g.student: g.results.score if g.results else None for g in run.graded}
            print(gradebook.export(args.gradebook, args.column, totals, rubric.total,
                                   out / f"import-{args.gradebook.name}", args.roster), end="")
    except (CannotGradeClass, RubricError, gradebook.GradebookError, DataNotFound, lms.NotADownload,
            warm.ClusterError) as error:
        print(f"grader.batch: {error}", file=sys.stderr)
        return 2
    return 0


def check_before_grading(args: argparse.Namespace) -> Rubric:
    """The rubric, and every file the class's grading needs, read before grading: a wrong file should cost
    seconds, not a class's grading."""
    if not args.submissions.is_dir() and not lms.is_zip(args.submissions):  # a Canvas or Moodle download
        raise CannotGradeClass(f"no such folder (or Canvas or Moodle .zip): {args.submissions}")
    rubric = load(args.rubric, check_ids=checks.declared())
    if args.gradebook:
        gradebook.read(args.gradebook)
    if args.roster:
        gradebook.read_roster(args.roster)
    if not args.scheduler:  # a Dask cluster's workers read MNIST where they are
        data.require(args.data_dir)
    return rubric


@dataclass(frozen=True)
class ClassRun:
    """A class graded: every grade (kept or made now), how many were kept, the Canvas or Moodle download they
    came from, each student's submission, and the earlier grades of those graded again."""

    graded: list[Graded]
    kept: int
    download: lms.Download | None
    submissions: dict[str, Path]
    before: dict[str, Results]


def grade_class(args: argparse.Namespace, out: Path) -> ClassRun:
    """Every submission graded, or kept from before where nothing it depends on changed."""
    everyone, download = classes.read(args.submissions, out)  # a download: one folder per student, by its id
    if download:
        print(download.report(), end="")
    graded = [] if args.force else [g for s, p in everyone.items() if (g := previously(s, p, out, args.rubric))]
    done = {g.student for g in graded}
    todo = {s: p.resolve() for s, p in everyone.items() if s not in done}
    before = {student: results for student in todo if (results := kept(student, out))}
    with tqdm(total=len(todo) + len(done), initial=len(done), unit="submission") as bar:
        where = (functools.partial(warm.grade_on_cluster, args.scheduler) if args.scheduler
                 else functools.partial(warm.grade_locally, workers=args.workers))
        graded += where(todo, out, args.data_dir.resolve(), args.rubric.resolve(), isolate=not args.no_bubblewrap,
                        each=lambda g: bar.update(), earlier=before)
    return ClassRun(graded, len(done), download, everyone, before)


def write_class_files(graded: list[Graded], rubric: Rubric, out: Path, download: lms.Download | None,
                      similar: dict[str, tuple[float, str]] | None = None) -> None:
    """grades.csv, the summary (text and figure), and the leaderboard where the rubric asks for one."""
    write_csv(graded, rubric, out / "grades.csv", download.students if download else None, similar)
    text, scores, failed = summarize(graded, rubric)
    write_atomically(out / "summary.txt", text)
    plot_summary(scores, failed, rubric, out / "summary.png")
    if rubric.leaderboard:
        write_leaderboard(graded, out / "leaderboard.csv")
    print(text, end="")
