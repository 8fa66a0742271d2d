"""Kept where nbgrader notebooks' check cells import it; see ``grader.integrations.nbgrader``."""

from grader.integrations.nbgrader import check

__all__ = ["check"]
