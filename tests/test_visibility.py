"""What students see and when: the rubric's visibility and feedback levels applied to a graded run
(results.json, the terminal, feedback reports), and the leaderboard. Pure: no grading."""

from __future__ import annotations

import json

from rich.console import Console

from grader.judge.result import Result
from grader.outputs.pages import markdown_report
from grader.outputs.report import SCORE_ONLY, Report, for_students, student_message, view
from grader.outputs.results import Results, leaderboard
from grader.outputs.terminal import print_report
from tests.test_gradescope import assert_follows_spec

MESSAGE = "Observed: 3 of 5 passes in training mode\nExpected: evaluation mode\nLikely bug: call model.eval()\n" \
          "Your code printed:\nLikely bug: my own print"
CURVES = {"accuracy": [0.94, 0.955], "train_loss": [[2.3, 0.4], [0.3, 0.2]], "zero_credit_below": 0.935,
          "full_credit_at": 0.95}


def report() -> Report:
    return Report("bob", [
        Result("test_eval_mode", "Eval mode", 3, 0, MESSAGE, 1.0, feedback="observed"),
        Result("test_losses", "Losses", 3, 0, MESSAGE, 1.0, visibility="hidden"),
        Result("test_side_effects", "Side effects", 3, 1.5, MESSAGE, 1.0, visibility="after_due_date"),
        Result("mlp_input_features", "Input features", 2, 2, "", 1.0, extra={"parameters": 101770}),
        Result("accuracy", "Accuracy", 20, 10, MESSAGE, 1.0, extra=CURVES, feedback="score"),
    ], [], "processes", 5.0)


def test_feedback_levels():
    full, observed, score = (Result("c", "C", 3, 1, MESSAGE, 1.0, feedback=level)
                             for level in ("full", "observed", "score"))
    assert student_message(full) == MESSAGE
    assert student_message(observed) == ("Observed: 3 of 5 passes in training mode\nExpected: evaluation mode\n"
                                         "Your code printed:\nLikely bug: my own print")  # the hint alone is gone
    assert student_message(score) == SCORE_ONLY
    assert student_message(Result("c", "C", 3, 3, "", 1.0, feedback="score")) == ""  # passed: nothing to say


def test_students_see_the_visible_checks_and_how_many_points_are_still_to_be_checked():
    graded = report()
    students = for_students(graded)
    assert [r.id for r in students.results] == ["test_eval_mode", "mlp_input_features", "accuracy"]
    assert (students.score, students.max_score, students.pending) == (12, 25, 6)
    assert "6 more points are still to be checked" in students.overview()
    assert "Losses" not in students.overview() and "Held back" not in students.overview()
    assert students.results[-1].extra is None  # points only: not even the accuracy curves
    assert view(graded, "instructor") is graded and (graded.score, graded.max_score) == (13.5, 31)
    assert "Held back from students: Losses (hidden); Side effects (after_due_date)" in graded.overview()

    printed = Console(record=True, width=200)
    print_report(students, printed)
    text = printed.export_text()
    assert "Losses" not in text and "Side effects" not in text and "call model.eval()" not in text
    assert "Observed: 3 of 5 passes" in text and SCORE_ONLY in text
    page = markdown_report(students)
    assert "Losses" not in page and "call model.eval()" not in page and "Training curves" not in page


def test_results_json_holds_every_check_with_its_visibility_and_gives_nothing_held_back_away():
    results = json.loads(json.dumps(Results.of(report()).to_json()))
    assert_follows_spec(results)
    tests = {test["tags"][0]: test for test in results["tests"]}
    assert {check: test["visibility"] for check, test in tests.items()} == {
        "test_eval_mode": "visible", "test_losses": "hidden", "test_side_effects": "after_due_date",
        "mlp_input_features": "visible", "accuracy": "visible"}
    assert results["score"] == 13.5 and results["visibility"] == "after_published"
    assert results["output"].startswith("Score: 12 / 25\n6 more points are still to be checked")
    assert "call model.eval()" not in tests["test_eval_mode"]["output"] and tests["accuracy"]["output"] == SCORE_ONLY
    assert "leaderboard" not in results

    after_due = report()
    after_due.results[1].visibility = "after_due_date"
    assert Results.of(after_due).visibility == "after_due_date"
    for r in after_due.results:
        r.visibility = "visible"
    assert Results.of(after_due).visibility == "visible"


def test_leaderboard_has_the_accuracy_and_the_parameter_count():
    graded = report()
    graded.leaderboard = True
    assert Results.of(graded).leaderboard == [{"name": "Accuracy", "value": 0.955},
                                                  {"name": "Parameters", "value": 101770, "order": "asc"}]
    assert leaderboard([Result("accuracy", "Accuracy", 20, 0, MESSAGE, 1.0, extra={"accuracy": []})]) == []
