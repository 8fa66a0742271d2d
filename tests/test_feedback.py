"""`--feedback`: the Markdown and HTML reports of a graded run, and how the HTML renders in a browser."""

from __future__ import annotations

import base64
import re
import subprocess
from html import escape
from pathlib import Path

import pytest

from grader.config.paths import RUBRIC
from grader.judge.result import Result
from grader.outputs.pages import NO_CURVES, markdown_report, write_feedback
from grader.outputs.report import Report
from grader.outputs.results import Results
from tests.conftest import run_grader
from tests.zoo import Bug

CHROMIUM = Path("/usr/bin/chromium")
PRINTED = "<script>alert(1)</script> evaluating"  # the report must show it as text, never run it
PNG_URI = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")
# Written into the page before Chromium loads it: the size of the plot as the browser decoded it.
PROBE = ('<script>addEventListener("load", () => { const img = document.querySelector("img");'
         ' document.body.dataset.plot = img ? img.naturalWidth + "x" + img.naturalHeight : "none"; });</script>')


def buggy(into: Path) -> Path:
    """A hidden layer too small for full accuracy credit, and a test_epoch without model.eval() that
    prints HTML."""
    folder = Bug("small_hidden", "—", "model.py", (("hidden: int = 128", "hidden: int = 24"),), frozenset()).apply(into)
    training = folder / "training.py"
    training.write_text(training.read_text().replace("    model.eval()\n", f"    print({PRINTED!r})\n"))
    return folder


def png_size(text: str) -> tuple[int, int]:
    """Width and height of the one embedded PNG, from its header."""
    (data,) = PNG_URI.findall(text)
    png = base64.b64decode(data)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_reports_of_a_graded_run(data_dir, tmp_path):
    results, markdown, html = tmp_path / "results.json", tmp_path / "feedback.md", tmp_path / "feedback.html"
    rubric = tmp_path / "rubric.toml"  # a bar no small MLP reaches in 3 epochs: partial credit, curves for 3 epochs
    rubric.write_text(RUBRIC.read_text().replace("zero_credit_below = 0.928", "zero_credit_below = 0.9")
                      .replace("full_credit_at = 0.935", "full_credit_at = 0.99"))
    done = run_grader(buggy(tmp_path / "buggy"), "--data-dir", data_dir, "--results", results,
                      "--feedback", markdown, "--feedback", html, "--rubric", rubric)
    assert done.returncode == 0, done.stderr
    graded = Results.read(results)
    md, page = markdown.read_text(), html.read_text()
    assert {check for check, outcome in graded.checks.items() if not outcome.passed} == {
        "test_eval_mode", "test_side_effects", "test_losses", "accuracy"}
    assert 0 < graded.checks["accuracy"].score < graded.checks["accuracy"].max_score  # partial credit

    assert f"**Score: {graded.score:g} / 100**" in md
    assert f"<strong>{graded.score:g}</strong> / 100 points" in page
    for outcome in graded.checks.values():
        status = "passed" if outcome.passed else ("partial" if outcome.score > 0 else "failed")
        assert f"| {outcome.name} | {outcome.score:g} / {outcome.max_score:g} | {status} |" in md
        assert f'<span class="status {status}">' in page
        if status != "passed":
            message = outcome.output
            assert message.startswith("Observed: ") and "\nExpected: " in message and "\nLikely bug: " in message
            assert f"```text\n{message}\n```" in md
            assert f"<pre>{escape(message)}</pre>" in page
    assert PRINTED in md and "<script>" not in page and escape(PRINTED) in page
    assert png_size(md) == png_size(page) == (1000, 360)

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed: both reports were checked, but not how the HTML renders")
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", PROBE + "\n</body>"))
    shown = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium'}", "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert shown.returncode == 0, shown.stderr[-2000:]
    dom = shown.stdout
    assert '<body data-plot="1000x360">' in dom  # the browser decoded the plot at its full size
    assert dom.count("<script") == 1 and escape(PRINTED) in dom  # the student's output stayed text
    assert all(f'id="{check}"' in dom for check in ("test_eval_mode", "test_side_effects", "test_losses", "accuracy"))


def test_no_curves_when_the_accuracy_run_crashed(tmp_path):
    message = "Observed: it printed ```fenced``` text\nExpected: nothing\nLikely bug: <none>"
    report = Report("crashed", [Result("accuracy", "Accuracy", 20, 0, message, 1.0, extra={})], [], "none", 1.0)
    for name in ("feedback.md", "feedback.HTML"):
        write_feedback(report, tmp_path / name)
        text = (tmp_path / name).read_text()
        assert escape(NO_CURVES) in text and "data:image" not in text
    assert "````text\n" + message + "\n````" in markdown_report(report)
    assert "<pre>" + escape(message) + "</pre>" in (tmp_path / "feedback.HTML").read_text()
