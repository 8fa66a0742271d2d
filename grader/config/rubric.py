"""The rubric: points per check, who sees each check and how much of it, accuracy bounds, epochs and
limits, read from one TOML file.

A rubric is checked as it is read, so that a typo costs an instructor a clear message rather than
a wrong grade: every section and key must be known, every number in range, every check present.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.config.limits import Limits
from grader.config.paths import RUBRIC

# When students may see a check (Gradescope's own levels, earliest first), and how much of a failed one.
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")
FEEDBACK_LEVELS = ("full", "observed", "score")


class RubricError(ValueError):
    """The rubric file is missing, unreadable, or says something the grader cannot use."""


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    points: float
    visibility: str = "visible"  # one of VISIBILITIES
    feedback: str = "full"       # one of FEEDBACK_LEVELS: observed, expected, likely bug; without the bug; points only


@dataclass(frozen=True)
class Accuracy:
    seed: int
    batch_size: int
    learning_rate: float
    max_epochs: int
    zero_credit_below: float
    full_credit_at: float
    evaluations_per_epoch: int = 1

    def parts(self, batches: int) -> list[int]:
        """An epoch of ``batches`` batches in ``evaluations_per_epoch`` near-equal parts, the model scored after
        each."""
        count = max(1, min(self.evaluations_per_epoch, batches))
        return [batches // count + (i < batches % count) for i in range(count)]

    def credit(self, accuracy: float) -> float:
        """Full credit at ``full_credit_at``, none below ``zero_credit_below``, linear between."""
        span = self.full_credit_at - self.zero_credit_below
        return min(1.0, max(0.0, (accuracy - self.zero_credit_below) / span))


@dataclass(frozen=True)
class Rubric:
    checks: dict[str, Check]
    accuracy: Accuracy
    limits: Limits
    run_seconds: float
    max_examples: int
    path: Path
    leaderboard: bool = False  # the accuracy run's accuracy and the MLP's parameter count, for the class

    @property
    def total(self) -> float:
        return sum(check.points for check in self.checks.values())


def _take(table: dict, key: str, kind: type, where: str, low: float | None = None,
          high: float | None = None) -> Any:
    if key not in table:
        raise RubricError(f"{where}: `{key}` is missing")
    value = table[key]
    number = kind in (int, float)
    fits = isinstance(value, kind) or (kind is float and isinstance(value, int))
    if not fits or (isinstance(value, bool) and kind is not bool):  # TOML's true is no number
        raise RubricError(f"{where}.{key} must be {'a number' if number else 'a ' + kind.__name__}, not {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise RubricError(f"{where}.{key} = {value} is out of range [{low}, {high}]")
    return value


def _choice(table: dict, key: str, choices: tuple[str, ...], where: str) -> str:
    """An optional key whose value is one of ``choices``; the first is the default."""
    value = table.get(key, choices[0])
    if value not in choices:
        raise RubricError(f"{where}.{key} = {value!r} is not one of {', '.join(map(repr, choices))}")
    return value


def _only(table: Any, keys: set[str], where: str) -> dict:
    if not isinstance(table, dict):
        raise RubricError(f"{where} must be a table")
    unknown = set(table) - keys
    if unknown:
        raise RubricError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(keys))}")
    return table


def load(path: Path = RUBRIC, check_ids: set[str] | None = None) -> Rubric:
    """Read and validate ``path``; with ``check_ids``, the checks must be exactly those."""
    try:
        raw = tomllib.loads(Path(path).read_text())
    except OSError as error:
        raise RubricError(f"cannot read rubric {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise RubricError(f"rubric {path} is not valid TOML: {error}") from None
    _only(raw, {"leaderboard", "limits", "hypothesis", "accuracy", "checks"}, "rubric")
    limits = _only(raw.get("limits", {}), {"check_seconds", "memory_mb", "cpu_seconds", "output_chars", "run_seconds",
                                           "tasks", "disk_mb"}, "[limits]")
    hypothesis = _only(raw.get("hypothesis", {}), {"max_examples"}, "[hypothesis]")
    acc = _only(raw.get("accuracy", {}), set(Accuracy.__dataclass_fields__), "[accuracy]")
    accuracy = Accuracy(
        seed=_take(acc, "seed", int, "[accuracy]", 0),
        batch_size=_take(acc, "batch_size", int, "[accuracy]", 1, 60_000),
        learning_rate=float(_take(acc, "learning_rate", float, "[accuracy]", 0, 10)),
        max_epochs=_take(acc, "max_epochs", int, "[accuracy]", 1, 50),
        zero_credit_below=float(_take(acc, "zero_credit_below", float, "[accuracy]", 0, 1)),
        full_credit_at=float(_take(acc, "full_credit_at", float, "[accuracy]", 0, 1)),
        evaluations_per_epoch=_take(acc, "evaluations_per_epoch", int, "[accuracy]", 1, 100)
        if "evaluations_per_epoch" in acc else 1,  # rubrics written before it: once per epoch
    )
    if accuracy.full_credit_at <= accuracy.zero_credit_below:
        raise RubricError("[accuracy]: full_credit_at must be above zero_credit_below")
    checks = {}
    for check_id, table in _only(raw.get("checks", {}), set(raw.get("checks", {})), "[checks]").items():
        where = f"[checks.{check_id}]"
        _only(table, {"points", "title", "visibility", "feedback"}, where)
        checks[check_id] = Check(check_id, _take(table, "title", str, where),
                                 float(_take(table, "points", float, where, 0)),
                                 _choice(table, "visibility", VISIBILITIES, where),
                                 _choice(table, "feedback", FEEDBACK_LEVELS, where))
    if check_ids is not None:
        missing, unknown = check_ids - set(checks), set(checks) - check_ids
        if missing:
            raise RubricError(f"rubric {path} gives no points for check(s): {', '.join(sorted(missing))}")
        if unknown:
            raise RubricError(f"rubric {path} names check(s) the grader does not have: {', '.join(sorted(unknown))}")
    leaderboard = _take(raw, "leaderboard", bool, "rubric") if "leaderboard" in raw else False
    shown = checks.get("accuracy")
    if leaderboard and shown and (shown.visibility != "visible" or shown.feedback == "score"):
        # The leaderboard shows each student's accuracy at once: it would give the held-back check away.
        raise RubricError("leaderboard = true shows the accuracy at once: [checks.accuracy] must be visible, "
                          "with feedback other than \"score\"")
    return Rubric(
        checks=checks,
        accuracy=accuracy,
        limits=Limits(
            seconds=float(_take(limits, "check_seconds", float, "[limits]", 1, 3600)),
            memory_mb=_take(limits, "memory_mb", int, "[limits]", 1024, 1 << 20),
            cpu_seconds=_take(limits, "cpu_seconds", int, "[limits]", 1, 86_400),
            output_chars=_take(limits, "output_chars", int, "[limits]", 0, 1 << 20),
            tasks=_take(limits, "tasks", int, "[limits]", 16, 100_000),
            disk_mb=_take(limits, "disk_mb", int, "[limits]", 1, 1 << 20),
        ),
        run_seconds=float(_take(limits, "run_seconds", float, "[limits]", 1, 86_400)),
        max_examples=_take(hypothesis, "max_examples", int, "[hypothesis]", 1, 1000),
        path=Path(path),
        leaderboard=leaderboard,
    )
