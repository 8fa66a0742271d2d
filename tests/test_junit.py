"""`--junit`: the JUnit XML that GitLab and GitHub Actions read says what results.json says."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from grader.judge.result import Result
from grader.outputs.junit import junit_xml
from grader.outputs.report import Report
from tests.conftest import run_grader
from tests.zoo import ZOO


def properties(element: ET.Element) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in element.findall("properties/property")}


def test_junit_matches_the_results_of_a_buggy_submission(data_dir, tmp_path):
    bug = next(bug for bug in ZOO if bug.name == "labels_uint8")
    folder = bug.apply(tmp_path / bug.name)
    done = run_grader(folder, "--data-dir", data_dir, "--results", tmp_path / "results.json",
                      "--junit", tmp_path / "junit.xml")
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    tests = {test["tags"][0]: test for test in results["tests"]}

    root = ET.parse(tmp_path / "junit.xml").getroot()
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [case.get("name") for case in cases] == list(tests)
    assert int(suite.get("tests")) == int(root.get("tests")) == len(tests)
    assert int(suite.get("failures")) == int(root.get("failures")) == len(bug.loses)
    assert suite.get("errors") == "0" and suite.get("skipped") == "0"
    assert float(suite.get("time")) > 0
    assert properties(suite)["score"] == f"{results['score']:g}"

    for case in cases:
        test = tests[case.get("name")]
        assert case.get("classname") == "grader" and float(case.get("time")) >= 0
        assert properties(case) == {"title": test["name"], "score": f"{test['score']:g}",
                                    "max_score": f"{test['max_score']:g}"}
        assert case.findtext("system-out") == f"{test['name']}: {test['score']:g} / {test['max_score']:g} points"
        failure = case.find("failure")
        if case.get("name") in bug.loses:
            assert failure is not None and failure.text == test["output"]
            assert failure.get("message") == test["output"].splitlines()[0]
        else:
            assert failure is None and test["status"] == "passed"


def test_junit_holds_any_printed_character_and_stays_parseable():
    printed = "Observed: \x1b[31mred\x1b[0m \x00\x07 caf\u00e9 \u2014 ok\nExpected: a float"
    report = Report("odd", [Result("c", "C", 3, 0, printed, 0.5)], [], "plain", 1.0)
    root = ET.fromstring(junit_xml(report).encode("utf-8"))
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("message") == "Observed: \ufffd[31mred\ufffd[0m \ufffd\ufffd caf\u00e9 \u2014 ok"
    assert failure.text.endswith("\nExpected: a float")
