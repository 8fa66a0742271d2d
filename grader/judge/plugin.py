"""The pytest plugin that turns check outcomes into points: fixtures for the checks, and a hook
that records, for every check, its score and the message a student reads."""

from __future__ import annotations

import functools
import time

import pytest
from hypothesis import HealthCheck, Phase, settings

from grader.judge.grading import Grading, Lease, Retry
from grader.judge.result import Result, Stub
from grader.judge.verdict import CheckFailed, stub_of, student_error_message
from grader.sandbox.errors import StudentError, WorkerBroken


def check_id(item: pytest.Item) -> str:
    marker = item.get_closest_marker("check")
    if marker is None:
        raise pytest.UsageError(f"{item.nodeid} has no @pytest.mark.check(id)")
    return marker.args[0]


@functools.cache
def hypothesis_profile(max_examples: int) -> str:
    """The name of hypothesis's profile for grading with ``max_examples`` inputs a check, registered once:
    derandomized (the same inputs every run), no database, no deadline, no health checks."""
    name = f"grading-{max_examples}"
    settings.register_profile(name, max_examples=max_examples, derandomize=True, database=None, deadline=None,
                              phases=[Phase.explicit, Phase.generate], print_blob=False,
                              suppress_health_check=list(HealthCheck))
    return name


class GradingPlugin:
    """One grading run's plugin: the checks' fixtures, and every check's result, by id, once it has run."""

    def __init__(self, grading: Grading) -> None:
        self.grading = grading
        self.results: dict[str, Result] = {}
        self.extras: dict[str, dict] = {}
        settings.load_profile(hypothesis_profile(grading.rubric.max_examples))

    @pytest.fixture(scope="session")
    def grading_run(self) -> Grading:
        return self.grading

    @pytest.fixture
    def session(self):
        """A session for this check (see ``Grading.session``); hypothesis examples share it."""
        with self.grading.session() as session:
            yield session

    @pytest.fixture
    def record(self, request):
        """Keep plain data from a check for the report (e.g. the accuracy run's curves)."""
        return self.extras.setdefault(check_id(request.node), {})

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        found = {check_id(item) for item in items}
        expected = set(self.grading.rubric.checks)
        if found != expected:
            raise pytest.UsageError(
                f"the rubric and the checks disagree: no points for {sorted(found - expected)}, "
                f"no check for {sorted(expected - found)}"
            )

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self.grading.current_check, self.grading.part = check_id(item), item.module.__name__
        if time.monotonic() > self.grading.deadline:
            raise CheckFailed(
                observed="not graded: the whole grading run reached its time limit before this check",
                expected=f"all checks within {self.grading.rubric.run_seconds:g} s",
                hint="earlier checks took very long; look at the ones that timed out",
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> bool:
        """Run the check; if a session that shared its child ended badly (``Retry``), run it again from the start
        with a child per session, as if the first try had not been: its time is given back to the run."""
        arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        started = time.monotonic()
        try:
            pyfuncitem.obj(**arguments)
        except Retry:
            self.grading.again.append(check_id(pyfuncitem))
            self.grading.deadline += time.monotonic() - started
            self.grading.printed.pop(self.grading.current_check, None)
            self.extras.get(check_id(pyfuncitem), {}).clear()
            if isinstance(arguments.get("session"), Lease):
                arguments["session"].reset()
            pyfuncitem.obj(**arguments)
        return True

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        yield
        identifier = check_id(item)
        check = self.grading.rubric.checks[identifier]
        previous = self.results.get(identifier)
        if call.when == "call" or (call.excinfo is not None and (previous is None or previous.passed)):
            score, message = self._judge(call, check.points)
            session = getattr(item, "funcargs", {}).get("session")
            if session is not None:
                self.grading.note_output(session.output())
            printed = self.grading.printed.get(identifier, "")
            if call.excinfo is not None and isinstance(call.excinfo.value, CheckFailed) and printed.strip():
                message += "\nYour code printed:\n" + printed.rstrip()
            seconds = call.duration + (previous.seconds if previous else 0)
            self.results[identifier] = Result(identifier, check.title, check.points, score, message, seconds,
                                              self.extras.get(identifier), check.visibility, check.feedback,
                                              self._stub(call))

    @staticmethod
    def _stub(call: pytest.CallInfo) -> Stub | None:
        """The unwritten part the check failed on, if it failed on one."""
        error = call.excinfo.value if call.excinfo is not None else None
        if isinstance(error, CheckFailed):
            return error.stub
        return stub_of(error.error) if isinstance(error, StudentError) else None

    @staticmethod
    def _judge(call: pytest.CallInfo, points: float) -> tuple[float, str]:
        if call.excinfo is None:
            return points, ""
        error = call.excinfo.value
        if isinstance(error, CheckFailed):
            return round(points * error.credit, 2), error.message()
        if isinstance(error, StudentError):
            return 0.0, student_error_message(error)
        if isinstance(error, WorkerBroken):
            return 0.0, CheckFailed(observed=f"not graded: the grader's worker process broke ({error})",
                                    expected="a worker that answers", hint="none in your code: grade again, and tell "
                                                                           "your "
                                    "instructor if it persists").message()
        return 0.0, CheckFailed(observed=f"the grader could not make sense of what your code returned "
                                         f"({type(error).__name__}: {error})",
                                expected="values of the types and shapes the docstrings describe",
                                hint="compare what each function returns with its docstring").message()
