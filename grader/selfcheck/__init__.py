"""``python -m grader.selfcheck``: the grader's own test, by mutation analysis of the reference.

Every operator (``operators``: the mistakes students make in this lab; ``generic``: mutmut's) is applied to
the code between the solution markers of ``solutions/`` (``mutants``); every mutant is graded by warm graders,
exactly as ``python -m grader`` grades a submission (``verdicts``); the report says which mutants the grader
let through, and which checks caught the others (``report``). See ``docs/selfcheck.md``.
"""

import importlib.util

# libcst and mutmut come with the instructor's tools (the dev extra), not with a student's set-up: one line,
# not a traceback, where they are missing.
_MISSING = [name for name in ("libcst", "mutmut") if importlib.util.find_spec(name) is None]
if _MISSING:
    raise SystemExit(f"grader.selfcheck needs {' and '.join(_MISSING)}: `make selfcheck` installs them "
                     "(or: .venv/bin/pip install '.[selfcheck]')")
