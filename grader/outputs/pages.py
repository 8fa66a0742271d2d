"""A feedback report to keep or hand back, leading with what to do: the score, the parts still to write,
what to fix, the accuracy run's training curves, and then every check; as Markdown, or as one
self-contained HTML page when the file ends in .html or .htm."""

from __future__ import annotations

import base64
import re
from html import escape
from pathlib import Path

from grader.config.files import write_atomically
from grader.judge.result import Result
from grader.outputs.report import Report, gist, likely_cause, to_fix, unwritten

NO_CURVES = "No training curves: the accuracy run never got to score the model (see its message above)."
CURVES_ALT = "Training loss per batch and test accuracy per epoch of the accuracy run"
STILL_TO_WRITE = "still-to-write"  # the anchor of the parts still to write, where their checks link to


def write_feedback(report: Report, path: Path) -> None:
    """Write the report to ``path``: HTML if it ends in .html or .htm, Markdown otherwise."""
    render = html_report if path.suffix.lower() in (".html", ".htm") else markdown_report
    write_atomically(path, render(report))


def accuracy_run(report: Report) -> dict | None:
    """What the accuracy run recorded, where this report may show it (a student's view of a held-back or
    points-only accuracy check has none, nor has a run that waits on a part still to write)."""
    return next((r.extra for r in report.results if r.id == "accuracy" and r.extra is not None and r.stub is None),
                None)


def curves_uri(run: dict) -> str | None:
    """The accuracy run's curves as a base64 PNG data URI; None when it scored the model not once."""
    if not run.get("accuracy"):
        return None
    from grader.outputs.curves import plot_curves  # matplotlib takes a noticeable time to import: only when needed

    png = plot_curves(run["accuracy"], run["train_loss"], bounds=(run["zero_credit_below"], run["full_credit_at"]),
                      epochs=run.get("epochs"))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def points(result: Result) -> str:
    return f"{result.score:g} / {result.max_score:g}"


def markdown_report(report: Report) -> str:
    lines = [f"# Feedback on {code_span(report.name)}", "", f"*Graded {report.date}*", "",
             f"**Score: {report.score:g} / {report.max_score:g}**", ""]
    for note in report.notes():
        lines += [note, ""]
    if report.problems:
        lines += [f"- Problem: {markdown_text(problem)}" for problem in report.problems] + [""]
    if parts := unwritten(report):
        lines += ["## Still to write", "", "Each still raises `NotImplementedError`; the checks wait on them.", ""]
        lines += [f"- `{stub}` {markdown_text(stub.part)}: {len(checks)} check(s)" for stub, checks in parts.items()]
        lines.append("")
    if fixes := to_fix(report):
        lines += ["## What to fix"]
        for r in fixes:
            lines += ["", f"### {r.title} ({points(r)})", ""]
            if (cause := likely_cause(report, r)) is not None:
                lines += [f"*Probably follows from: {markdown_text(gist(cause))}*", ""]
            lines.append(fenced(r.message))
        lines.append("")
    if (run := accuracy_run(report)) is not None:
        uri = curves_uri(run)
        lines += ["## Training curves", "", f"![{CURVES_ALT}]({uri})" if uri else NO_CURVES, ""]
    lines += ["## Every check", "", "| Check | Points | Status |", "| --- | ---: | --- |"]
    lines += [f"| {r.title.replace('|', '&#124;')} | {points(r)} | {r.status} |" for r in report.results]
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
    """One self-contained page that leads with what to do: the score, the parts still to write, what to fix,
    the training curves, and only then every check."""
    share = 100 * report.score / report.max_score if report.max_score else 0
    notes = "".join(f'<p class="note">{escape(note)}</p>' for note in report.notes())
    problems = "".join(f"<li>{escape(problem)}</li>" for problem in report.problems)
    when = report.graded_at.isoformat(timespec="seconds")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Feedback on {escape(report.name)}: {report.score:g} / {report.max_score:g}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>Feedback on <code>{escape(report.name)}</code></h1>
<p class="meta">Graded <time datetime="{when}">{escape(report.date)}</time></p>
<p class="score"><strong>{report.score:g}</strong> / {report.max_score:g} points</p>
<div class="bar"><div style="width: {share:.1f}%"></div></div>
{notes}
{f'<ul class="problems">{problems}</ul>' if problems else ""}
{_html_unwritten(report)}
{_html_fixes(report)}
{_html_curves(report)}
<h2>Every check</h2>
<table>
<thead><tr><th>Check</th><th class="points">Points</th><th>Status</th></tr></thead>
<tbody>
{_html_rows(report)}
</tbody>
</table>
<footer>Graded in {report.seconds:.1f} s. Sandbox: {escape(report.protections)}</footer>
</main>
</body>
</html>
"""


def _html_unwritten(report: Report) -> str:
    if not (parts := unwritten(report)):
        return ""
    rows = "\n".join(f"<tr><td><code>{escape(str(stub))}</code></td><td>{escape(stub.part)}</td>"
                     f'<td class="points">{len(checks)}</td></tr>' for stub, checks in parts.items())
    return (f'<h2 id="{STILL_TO_WRITE}">Still to write</h2>\n<p>Each of these parts still raises '
            "<code>NotImplementedError</code>: replace it with your code. The checks that call it wait on it.</p>\n"
            '<table>\n<thead><tr><th>Where</th><th>Part</th><th class="points">Checks</th></tr></thead>\n'
            f"<tbody>\n{rows}\n</tbody>\n</table>")


def _html_fixes(report: Report) -> str:
    sections = []
    for r in to_fix(report):
        cause = likely_cause(report, r)
        follows = (f'<p class="follows">Probably follows from <a href="#{escape(cause.id)}">{escape(gist(cause))}</a>'
                   "</p>" if cause is not None else "")
        sections.append(f'<section id="{escape(r.id)}"><h3>{escape(r.title)} <span class="points">{points(r)}</span>'
                        f' <span class="status {r.status}">{r.status}</span></h3>{follows}'
                        f"<pre>{escape(r.message)}</pre></section>")
    return "<h2>What to fix</h2>\n" + "\n".join(sections) if sections else ""


def _html_curves(report: Report) -> str:
    if (run := accuracy_run(report)) is None:
        return ""
    uri = curves_uri(run)
    return "<h2>Training curves</h2>\n" + (f'<img src="{uri}" alt="{CURVES_ALT}">' if uri
                                            else f"<p>{escape(NO_CURVES)}</p>")


def _html_rows(report: Report) -> str:
    return "\n".join(f'<tr><td>{_check_title(r)}</td><td class="points">{points(r)}</td>'
                     f'<td><span class="status {r.status}">{r.status}</span></td></tr>' for r in report.results)


def _check_title(result: Result) -> str:
    title = escape(result.title)
    if result.passed:
        return title
    return f'<a href="#{STILL_TO_WRITE if result.stub else escape(result.id)}">{title}</a>'


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
.meta { color: #667085; margin: 0 0 12px; }
.follows { font-style: italic; margin: 0 0 6px; }
h3 .status { margin-left: 6px; }
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
@media (max-width: 600px) {
  main { padding: 16px 14px 32px; }
  h1 { font-size: 1.35em; }
  th, td { padding: 4px 6px; }
  .status { min-width: 0; }
}
"""
