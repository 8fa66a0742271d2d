"""A grading run as JUnit XML, the test-report format GitLab and GitHub Actions' report actions read.

One ``<testsuite>`` with a ``<testcase>`` per check. The name is the check id, so a check keeps its
history from run to run; its points are properties (for tools) and in ``system-out`` (for people:
GitLab shows it beside each test); a failed check's ``<failure>`` holds what the student reads.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from grader.config.files import write_atomically
from grader.outputs.report import Report

# Characters XML 1.0 cannot hold, even escaped; student code can print any of them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: object) -> str:
    return NOT_XML.sub("\ufffd", str(value))


def _properties(parent: ET.Element, **values: object) -> None:
    properties = ET.SubElement(parent, "properties")
    for name, value in values.items():
        ET.SubElement(properties, "property", name=name, value=_text(value))


def junit_xml(report: Report) -> str:
    """The report as a JUnit XML document (ASCII, so any file encoding reads it)."""
    failures = sum(not r.passed for r in report.results)
    counts = {"tests": str(len(report.results)), "failures": str(failures), "errors": "0",
              "time": f"{report.seconds:.3f}"}
    suites = ET.Element("testsuites", name="grader", **counts)
    suite = ET.SubElement(suites, "testsuite", name=_text(report.submission), skipped="0", **counts)
    _properties(suite, score=f"{report.score:g}", max_score=f"{report.max_score:g}", sandbox=report.protections)
    for r in report.results:
        case = ET.SubElement(suite, "testcase", classname="grader", name=r.id, time=f"{r.seconds:.3f}")
        _properties(case, title=r.title, score=f"{r.score:g}", max_score=f"{r.max_score:g}")
        if not r.passed:
            message = r.message.strip() or "failed"
            failure = ET.SubElement(case, "failure", message=_text(message.splitlines()[0]))
            failure.text = _text(message)
        ET.SubElement(case, "system-out").text = _text(f"{r.title}: {r.score:g} / {r.max_score:g} points")
    ET.indent(suites)
    # ASCII with character references: valid under the UTF-8 declaration whatever the locale writes.
    body = ET.tostring(suites, encoding="unicode").encode("ascii", "xmlcharrefreplace").decode("ascii")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def write_junit(report: Report, path: Path) -> None:
    write_atomically(path, junit_xml(report))
