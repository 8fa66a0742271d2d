"""The generic mutation operators: mutmut's (arithmetic, comparison, boolean, constants, keywords, call
arguments, assignments), and a removed statement, which mutmut lacks. Limited, like every operator, to the
solution regions (``grader.selfcheck.mutants``)."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst
from mutmut.mutation.mutators import mutation_operators

from grader.selfcheck.operators import GENERIC, Operator


def statement_removed(line: cst.SimpleStatementLine) -> Iterator[cst.SimpleStatementLine]:
    """A statement or a call left out (``pass`` in its place)."""
    if not (len(line.body) == 1 and isinstance(line.body[0], cst.Pass)):
        yield line.with_changes(body=[cst.Pass()])


# What each of mutmut's operators changes (its docstrings are uneven), as the report shows it.
CHANGES = {
    "number": "a number constant plus one (255 -> 256)",
    "string": "a string constant changed (case, or XX around it)",
    "name": "True and False swapped",
    "assignment": "an assigned value replaced by None",
    "augmented_assignment": "x += y made x = y",
    "remove_unary_ops": "a not (or ~) left out",
    "dict_arguments": "a keyword of dict(...) misspelt",
    "arg_removal": "a call's argument left out, or None in its place",
    "symmetric_string_methods_swap": "a string method swapped for its mirror (lower/upper, find/rfind)",
    "unsymmetrical_string_methods_swap": "split swapped for rsplit",
    "lambda": "a lambda's body replaced by None",
    "keywords": "is/is not, in/not in, break/continue swapped",
    "swap_op": "an arithmetic, comparison or boolean operator swapped (+/-, */÷, </<=, and/or)",
    "match": "a case of a match statement left out",
    "if_exp": "a conditional expression forced down one branch",
}


def _named(function) -> str:
    return function.__name__.removeprefix("operator_")


GENERIC_OPERATORS: list[Operator] = [
    *(Operator(_named(function), GENERIC, CHANGES.get(_named(function), f"mutmut's {_named(function)} operator"),
               node, function) for node, function in mutation_operators),
    Operator("statement_removed", GENERIC, "a statement or a call left out", cst.SimpleStatementLine,
             statement_removed),
]
