"""A feedback report to keep or hand back: the score, every check, what to fix, and the accuracy run's
training curves, as Markdown, or as one self-contained HTML page when the file ends in .html or .htm."""

from __future__ import annotations

import base64
import re
from html import escape
from pathlib import Path

from grader.config.files import write_atomically
from grader.judge.result import Result
from grader.outputs.report import Report

NO_CURVES = "No training curves: the accuracy run never got to score the model (see its message above)."
CURVES_ALT = "Training loss per batch and test accuracy per epoch of the accuracy run"


def write_feedback(report: Report, path: Path) -> None:
    """Write the report to ``path``: HTML if it ends in .html or .htm, Markdown otherwise."""
    render = html_report if path.suffix.lower() in (".html", ".htm") else markdown_report
    write_atomically(path, render(report))


def accuracy_run(report: Report) -> dict | None:
    """What the accuracy run recorded, where this report may show it (a student's view of a held-back or
    points-only accuracy check has none)."""
    return next((r.extra for r in report.results if r.id == "accuracy" and r.extra is not None), None)


def curves_uri(run: dict) -> str | None:
    """The accuracy run's curves as a base64 PNG data URI; None when it scored the model not once."""
    if not run.get("accuracy"):
        return None
    from grader.outputs.curves import plot_curves  # matplotlib takes a noticeable time to import: only when needed

    png = plot_curves(run["accuracy"], run["train_loss"], bounds=(run["zero_credit_below"], run["full_credit_at"]),
                      epochs=run.get("epochs"))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def failed(report: Report) -> list[Result]:
    return [r for r in report.results if not r.passed]


def points(result: Result) -> str:
    return f"{result.score:g} / {result.max_score:g}"


def markdown_report(report: Report) -> str:
    lines = [f"# Feedback on {code_span(report.submission)}", "", f"**Score: {report.score:g} / {report.max_score:g}**",
             ""]
    for note in report.notes():
        lines += [note, ""]
    if report.problems:
        lines += [f"- Problem: {markdown_text(problem)}" for problem in report.problems] + [""]
    lines += ["| Check | Points | Status |", "| --- | ---: | --- |"]
    lines += [f"| {r.title.replace('|', '&#124;')} | {points(r)} | {r.status} |" for r in report.results]
    if failed(report):
        lines += ["", "## What to fix"]
        for r in failed(report):
            lines += ["", f"### {r.title} ({points(r)})", "", fenced(r.message)]
    if (run := accuracy_run(report)) is not None:
        uri = curves_uri(run)
        lines += ["", "## Training curves", "", f"![{CURVES_ALT}]({uri})" if uri else NO_CURVES]
    lines += ["", f"*Graded in {report.seconds:.1f} s. Sandbox: {report.protections}*", ""]
    return "\n".join(lines)


def markdown_text(text: str) -> str:
    """``text`` with Markdown's punctuation escaped, so that it shows as written (`*x*` is no emphasis)."""
    return re.sub(r"([\\`*_{}\[\]()#|<>~])", r"\\\1", text)  # what acts inside a line


def code_span(text: str) -> str:
    """``text`` as inline code, whatever backticks it holds: a name the student chose is text, not Markdown."""
    fence = "`" * (1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{fence} {text} {fence}"


def fenced(text: str) -> str:
    """``text`` in a code block whose fence is longer than any run of backticks inside it."""
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{fence}text\n{text}\n{fence}"


def html_report(report: Report) -> str:
    rows = "\n".join(
        f'<tr><td>{_check_title(r)}</td><td class="points">{points(r)}</td>'
        f'<td><span class="status {r.status}">{r.status}</span></td></tr>'
        for r in report.results
    )
    fixes = "\n".join(
        f'<section id="{escape(r.id)}"><h3>{escape(r.title)} <span class="points">{points(r)}</span></h3>'
        f"<pre>{escape(r.message)}</pre></section>"
        for r in failed(report)
    )
    problems = "".join(f"<li>{escape(problem)}</li>" for problem in report.problems)
    curves = ""
    if (run := accuracy_run(report)) is not None:
        uri = curves_uri(run)
        curves = "<h2>Training curves</h2>\n" + (f'<img src="{uri}" alt="{CURVES_ALT}">' if uri
                                                 else f"<p>{escape(NO_CURVES)}</p>")
    notes = "".join(f'<p class="note">{escape(note)}</p>' for note in report.notes())
    share = 100 * report.score / report.max_score if report.max_score else 0
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Feedback on {escape(report.submission)}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>Feedback on <code>{escape(report.submission)}</code></h1>
<p class="score"><strong>{report.score:g}</strong> / {report.max_score:g} points</p>
<div class="bar"><div style="width: {share:.1f}%"></div></div>
{notes}
{f'<ul class="problems">{problems}</ul>' if problems else ""}
<table>
<thead><tr><th>Check</th><th class="points">Points</th><th>Status</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
{f"<h2>What to fix</h2>{fixes}" if fixes else ""}
{curves}
<footer>Graded in {report.seconds:.1f} s. Sandbox: {escape(report.protections)}</footer>
</main>
</body>
</html>
"""


def _check_title(result: Result) -> str:
    title = escape(result.title)
    return title if result.passed else f'<a href="#{escape(result.id)}">{title}</a>'


STYLE = """
body { margin: 0; background: #f6f7f9; color: #1d2330;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 32px 40px; background: #fff; min-height: 100vh;
       box-sizing: border-box; }
h1 { font-size: 1.6em; margin: 0 0 8px; }
h2 { font-size: 1.25em; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid #e3e6eb; }
h3 { font-size: 1em; margin: 20px 0 6px; }
h3 .points { color: #667085; font-weight: normal; margin-left: 8px; }
a { color: #1d4ed8; }
.score { font-size: 1.3em; margin: 0 0 8px; }
.score strong { font-size: 1.6em; }
.bar { height: 10px; background: #e3e6eb; border-radius: 5px; overflow: hidden; margin-bottom: 20px; }
.bar div { height: 100%; background: #16a34a; }
.problems { color: #9a3412; }
.note { color: #667085; margin: -12px 0 20px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid #eef0f3; }
th { background: #f2f4f7; }
.points { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.status { display: inline-block; min-width: 4.5em; text-align: center; padding: 0 8px; border-radius: 10px;
          font-size: 0.85em; font-weight: 600; }
.status.passed { background: #dcfce7; color: #166534; }
.status.partial { background: #fef3c7; color: #92400e; }
.status.failed { background: #fee2e2; color: #991b1b; }
pre { background: #f6f8fa; border: 1px solid #e3e6eb; border-radius: 6px; padding: 10px 12px; margin: 0;
      font: 13px/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
      white-space: pre-wrap; overflow-wrap: anywhere; }
img { max-width: 100%; height: auto; }
footer { margin-top: 32px; color: #667085; font-size: 0.85em; }
"""
