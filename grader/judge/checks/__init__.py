"""The checks: pytest functions that judge observations of a submission against expectations.

Each ``check_*`` function carries ``@pytest.mark.check(id)``; the rubric gives it its points. A check
passes, or raises ``CheckFailed`` saying what was observed, what was expected and the likely bug.
"""

import ast
from pathlib import Path

FOLDER = Path(__file__).parent


def declared() -> set[str]:
    """The ids in every ``@pytest.mark.check(id)`` here, read from the source without importing it."""
    ids = set()
    for path in FOLDER.glob("check_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "check"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                ids.add(node.args[0].value)
    return ids
