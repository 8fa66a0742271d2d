"""Code similarity across a class: every pair of submissions compared as the code the grader keeps of them.

Each submission is taken in as a grade takes it in (a folder, an archive, a notebook: ``intake.submission``),
so a notebook and a folder of the same code compare alike, and what the grader drops of a notebook (printing,
plotting, markdown) hides nothing. The comparison is copydetect's (MOSS-style winnowed fingerprints of the
tokens, names abstracted away); the starter code students received is boilerplate that never counts.

A pair's similarity is the larger of the two shares: the part of one submission's code that is found in the
other. It is a reason to look, never proof: the same assignment, the same API and the same lectures make
independent work alike in places.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import html
import io
import itertools
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import copydetect.utils
import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import highlight_overlap

from grader.config.files import write_atomically
from grader.config.paths import ASSIGNMENT
from grader.intake import classes, lms
from grader.intake.contract import MODULES
from grader.intake.notes import NotASubmission
from grader.intake.submission import materialize

THRESHOLD = 0.75  # default: a pair above it is flagged (see docs/similarity.md for how it was chosen)
NOISE = 25  # tokens: shorter matches are not counted (copydetect's noise threshold)
GUARANTEE = 30  # tokens: every match this long is found (copydetect's guarantee threshold)
SIMILARITY_FILE = "similarity.csv"
SIMILARITY_PAGE = "similarity.html"
SHOWN_SIDE_BY_SIDE = 40  # pairs shown in full on the page, the most similar first (every pair is in the .csv)


@dataclass(frozen=True)
class Pair:
    """Two submissions compared: the share of each one's code found in the other, and where."""

    student_a: str
    student_b: str
    share_a: float
    share_b: float
    tokens: int  # how many of a's tokens are in passages shared with b

    @property
    def similarity(self) -> float:
        return max(self.share_a, self.share_b)


def code_of(submission: Path) -> str:
    """The code the grader keeps of ``submission``, as one text: each top-level statement of its modules once
    (a notebook's module is saved under every module name; imports repeat across modules), without comments,
    docstrings, ``if __name__ == "__main__":`` blocks or the guards intake puts around a notebook's cells."""
    with tempfile.TemporaryDirectory(prefix="similarity-") as scratch:
        folder = materialize(submission, Path(scratch) / "modules")
        statements: dict[str, None] = {}
        for name in MODULES:
            path = folder / name
            if path.is_file() and not path.is_symlink():
                statements |= dict.fromkeys(_statements(path.read_text(errors="replace")))
        return "\n\n".join(statements) + "\n"


def _statements(source: str) -> list[str]:
    """The top-level statements of ``source``, each as ``ast.unparse`` writes it (the source itself where it
    does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return [source]
    kept = []
    for node in tree.body:
        if _is_cell_guard(node):
            kept += node.body  # intake's: as in a notebook, a failed cell leaves its names undefined
        elif not _is_main_guard(node) and not _is_docstring(node):
            kept.append(node)
    for node in kept:
        for inner in ast.walk(node):
            if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and len(inner.body) > 1 \
                    and _is_docstring(inner.body[0]):
                inner.body = inner.body[1:]
    return [ast.unparse(node) for node in kept]


def _is_cell_guard(node: ast.stmt) -> bool:
    return (isinstance(node, ast.Try) and len(node.handlers) == 1 and not node.orelse and not node.finalbody
            and [type(s) for s in node.handlers[0].body] == [ast.Pass])


def _is_main_guard(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def starter_code(assignment: Path = ASSIGNMENT) -> str:
    """What every student received, read as a submission is: the stubs (the released notebook's given cells
    are the same code)."""
    return code_of(assignment) if assignment.is_dir() else ""


def _kgram_hashes(text: str, k: int) -> np.ndarray:
    """copydetect's hashes of every k-gram, made with a fixed hash: copydetect's own (``hash()`` of a string)
    changes with every process, and so would every similarity."""
    return np.array([int.from_bytes(hashlib.blake2b(text[i:i + k].encode(), digest_size=8).digest(), "little",
                                    signed=True) for i in range(len(text) - k + 1)], dtype=np.int64)


copydetect.utils.hashed_kgrams = _kgram_hashes  # the same submissions, the same similarity, every time


def boilerplate_of(starter: str) -> np.ndarray | None:
    """The fingerprints of the starter code, which never count as similarity."""
    return np.array(sorted(fingerprint(starter).hashes), dtype=np.int64) if starter else None


def fingerprint(code: str, boilerplate: np.ndarray | None = None) -> CodeFingerprint:
    return CodeFingerprint("submission.py", NOISE, GUARANTEE - NOISE + 1, boilerplate=boilerplate,
                           language="python", fp=io.StringIO(code))


def compare(codes: dict[str, str], starter: str = "") -> list[Pair]:
    """Every pair of ``codes`` (student: code), most similar first; ``starter`` never counts."""
    boilerplate = boilerplate_of(starter)
    prints = {student: fingerprint(code, boilerplate) for student, code in codes.items()}
    pairs = [_pair(a, b, prints[a], prints[b]) for a, b in itertools.combinations(sorted(prints), 2)]
    return sorted(pairs, key=lambda pair: (-pair.similarity, pair.student_a, pair.student_b))


def _pair(a: str, b: str, print_a: CodeFingerprint, print_b: CodeFingerprint) -> Pair:
    if not len(print_a.hashes) or not len(print_b.hashes):  # nothing of its own (the starter code alone)
        return Pair(a, b, 0.0, 0.0, 0)
    tokens, (share_a, share_b), _ = compare_files(print_a, print_b)
    return Pair(a, b, float(share_a), float(share_b), int(tokens))


def highest(pairs: Iterable[Pair]) -> dict[str, tuple[float, str]]:
    """Each student's highest similarity, and with whom."""
    best: dict[str, tuple[float, str]] = {}
    for pair in pairs:
        for one, other in ((pair.student_a, pair.student_b), (pair.student_b, pair.student_a)):
            if pair.similarity > best.get(one, (-1.0, ""))[0]:
                best[one] = (pair.similarity, other)
    return best


def read_class(todo: dict[str, Path]) -> tuple[dict[str, str], dict[str, str]]:
    """The code of each submission, and, for those with none to compare, why."""
    codes, unread = {}, {}
    for student, path in todo.items():
        try:
            codes[student] = code_of(path)
        except (NotASubmission, OSError, ValueError) as error:
            unread[student] = str(error)
    return codes, unread


def write_csv(pairs: list[Pair], threshold: float, path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student_a", "student_b", "similarity", "flagged", "share_of_a", "share_of_b", "shared_tokens"])
    for pair in pairs:
        writer.writerow([pair.student_a, pair.student_b, f"{pair.similarity:.3f}",
                         "yes" if pair.similarity >= threshold else "no", f"{pair.share_a:.3f}",
                         f"{pair.share_b:.3f}", pair.tokens])
    write_atomically(path, buffer.getvalue())


PAGE_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1500px; padding: 0 1em; color: #222 }
.caution { background: #fff7e0; border-left: 4px solid #e0a000; padding: .6em 1em }
table.pairs { border-collapse: collapse } .pairs td, .pairs th { border: 1px solid #ccc; padding: 2px 8px }
.flagged { color: #b00; font-weight: bold }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 1em }
.side pre { background: #f7f7f7; border: 1px solid #ddd; padding: .5em; overflow-x: auto; font-size: 12px }
mark { background: #ffd86b }
"""


def page(pairs: list[Pair], codes: dict[str, str], threshold: float, unread: dict[str, str], starter: str = "") -> str:
    """The class's similarity page: what it means, the pairs, and the closest pairs side by side with the
    shared passages marked."""
    flagged = sum(1 for pair in pairs if pair.similarity >= threshold)
    shown = pairs[:SHOWN_SIDE_BY_SIDE]  # most similar first
    rows = "".join(
        f"<tr><td><a href='#pair-{n}'>{html.escape(p.student_a)}</a></td><td>{html.escape(p.student_b)}</td>"
        f"<td class='{'flagged' if p.similarity >= threshold else ''}'>{p.similarity:.0%}</td>"
        f"<td>{p.share_a:.0%}</td><td>{p.share_b:.0%}</td><td>{p.tokens}</td></tr>"
        for n, p in enumerate(shown))
    boilerplate = boilerplate_of(starter)
    sections = "".join(_side_by_side(n, p, codes, boilerplate) for n, p in enumerate(shown))
    skipped = "".join(f"<li>{html.escape(s)}: {html.escape(why)}</li>" for s, why in sorted(unread.items()))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Code similarity</title><style>{PAGE_STYLE}</style></head>
<body>
<h1>Code similarity across the class</h1>
<p class="caution"><strong>Similarity is a reason to look, not proof.</strong> Students of one assignment
write alike: the same API, the same lectures, the same hints. A high score says where to read both
submissions side by side; only a person who reads them, and talks with the students, can say what happened.
The starter code every student received is never counted.</p>
<p>{len(codes)} submissions, {len(pairs)} pairs; {flagged} at or above the threshold of
{threshold:.0%}. A pair's similarity is the larger of the two shares: the part of one's code found in the
other. The {len(shown)} most similar pairs are below, side by side, as the grader reads the code (comments and
docstrings left out), with the shared passages marked; every pair is in <code>{SIMILARITY_FILE}</code>.</p>
<table class="pairs"><thead><tr><th>student</th><th>student</th><th>similarity</th><th>share of the first</th>
<th>share of the second</th><th>shared tokens</th></tr></thead><tbody>{rows}</tbody></table>
{f"<h2>Not compared</h2><ul>{skipped}</ul>" if skipped else ""}
{sections}
</body></html>
"""


def _side_by_side(n: int, pair: Pair, codes: dict[str, str], boilerplate: np.ndarray | None) -> str:
    print_a = fingerprint(codes[pair.student_a], boilerplate)
    print_b = fingerprint(codes[pair.student_b], boilerplate)
    columns = []
    if len(print_a.hashes) and len(print_b.hashes):
        _, _, (slices_a, slices_b) = compare_files(print_a, print_b)
    else:
        slices_a = slices_b = np.zeros((2, 0), dtype=int)
    for student, code, slices in ((pair.student_a, codes[pair.student_a], slices_a),
                                  (pair.student_b, codes[pair.student_b], slices_b)):
        marked = (highlight_overlap(code, slices, "<mark>", "</mark>", escape_html=True)[0]
                  if slices.shape[1] else html.escape(code))
        columns.append(f"<div><h3>{html.escape(student)}</h3><pre>{marked}</pre></div>")
    return (f"<h2 id='pair-{n}'>{html.escape(pair.student_a)} and {html.escape(pair.student_b)}: "
            f"{pair.similarity:.0%}</h2><div class='side'>{''.join(columns)}</div>")


def write_reports(pairs: list[Pair], codes: dict[str, str], threshold: float, out: Path,
                  unread: dict[str, str] | None = None, starter: str = "") -> None:
    """``similarity.csv`` and ``similarity.html`` in ``out``."""
    write_csv(pairs, threshold, out / SIMILARITY_FILE)
    write_atomically(out / SIMILARITY_PAGE, page(pairs, codes, threshold, unread or {}, starter))


def run(todo: dict[str, Path], out: Path, threshold: float = THRESHOLD) -> dict[str, tuple[float, str]]:
    """Compare a class (student: submission), write its reports in ``out``, say what was found in a line;
    each student's highest similarity, and with whom."""
    codes, unread = read_class(todo)
    starter = starter_code()
    pairs = compare(codes, starter)
    write_reports(pairs, codes, threshold, out, unread, starter)
    flagged = sum(1 for pair in pairs if pair.similarity >= threshold)
    print(f"Similarity: {len(codes)} submissions compared, {flagged} pair(s) at or above {threshold:.0%} "
          f"(a reason to look, not proof): {out / SIMILARITY_PAGE}")
    return highest(pairs)


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader.similarity", description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=Path,
                        help="a folder of submissions (sub-folders, archives, .py, .ipynb), or a Canvas or Moodle "
                             "download, as grade-all reads it")
    parser.add_argument("--out", type=Path, help="where similarity.csv and similarity.html go "
                                                 "(default: SUBMISSIONS-graded)")
    parser.add_argument("--similarity-threshold", type=float, default=THRESHOLD, metavar="T",
                        help=f"flag pairs at or above this similarity, 0-1 (default: {THRESHOLD})")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = arguments().parse_args(argv)
    if not 0 <= args.similarity_threshold <= 1:
        print("grader.similarity: --similarity-threshold is a share, from 0 to 1", file=sys.stderr)
        return 2
    if not args.submissions.is_dir() and not lms.is_zip(args.submissions):
        print(f"grader.similarity: no such folder (or Canvas or Moodle .zip): {args.submissions}", file=sys.stderr)
        return 2
    out = (args.out or classes.default_out(args.submissions)).resolve()
    out.mkdir(parents=True, exist_ok=True)
    try:
        todo, _ = classes.read(args.submissions, out)
    except lms.NotADownload as error:
        print(f"grader.similarity: {error}", file=sys.stderr)
        return 2
    run(todo, out, args.similarity_threshold)
    return 0
