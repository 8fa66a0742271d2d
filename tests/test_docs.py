"""The README, docs/, the Makefile and the commands say the same thing: every `make TARGET`, `VARIABLE=`
and `--option` the docs name exists, every target and variable has its line in `make help`, every option
has help text, and every option of the grader's two main commands is documented. Pure: nothing is graded."""

from __future__ import annotations

import argparse
import importlib
import re
import subprocess

import pytest

from grader.config.paths import KIT_ROOT

README = KIT_ROOT / "README.md"
DOCS = [README, *sorted((KIT_ROOT / "docs").glob("*.md"))]
MAKEFILE = KIT_ROOT / "Makefile"
# Each command the kit has, by how it is run, and the module whose main() parses its arguments.
COMMANDS = {
    "grader": "grader.cli",
    "grader.batch": "grader.integrations.batch",
    "grader.download": "grader.intake.download",
    "grader.gradescope": "grader.integrations.gradescope",
    "grader.classroom": "grader.integrations.classroom",
    "grader.selfcheck": "grader.selfcheck.__main__",
    "grader.similarity": "grader.integrations.similarity",
    "kit.train": "kit.train",
    "kit.stubs": "kit.stubs",
    "kit.nbgrader_course": "kit.nbgrader_course",
    "kit.gradescope_zip": "kit.gradescope_zip",
    "kit.classroom_template": "kit.classroom_template",
    "bench.bench": "bench.bench",
    "bench.calibrate": "bench.calibrate",
    "bench.starts": "bench.starts",
    "bench.cpu": "bench.cpu",
    "tests.snapshot": "tests.snapshot",
    "tests.verdicts": "tests.verdicts",
}
DOCUMENTED_IN_FULL = ("grader", "grader.batch", "grader.selfcheck")  # each option of these is named in the docs
OTHER_TOOLS = {"--port", "--nworkers", "--nthreads"}  # Dask's, in the cluster's recipe


def code(text: str) -> list[str]:
    """What the docs show as code: inline spans and the lines of fenced blocks."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", text, flags=re.M | re.S)
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"^```[a-z]*\n.*?^```", "", text, flags=re.M | re.S))
    return spans + [line for block in blocks for line in block.splitlines()]


def shown_code() -> list[str]:
    return [line for doc in DOCS for line in code(doc.read_text())]


def targets() -> dict[str, str]:
    """Each Makefile target and its rule line."""
    return {m.group(1): m.group(0) for m in re.finditer(r"^([a-z][a-z-]*):.*$", MAKEFILE.read_text(), re.M)}


def variables() -> set[str]:
    """The variables `make help` describes: a "#: NAME=..." line each."""
    return set(re.findall(r"^#: ([A-Z_]+)=", MAKEFILE.read_text(), re.M))


class Parsed(Exception):
    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.parser = parser


def parser_of(command: str, monkeypatch) -> argparse.ArgumentParser:
    """The parser ``python -m COMMAND`` builds, caught as its main() asks it to parse."""

    def caught(self, *args, **kwargs):
        raise Parsed(self)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", caught)
    with pytest.raises(Parsed) as parsed:
        importlib.import_module(COMMANDS[command]).main()
    return parsed.value.parser


def test_every_make_target_and_variable_the_docs_name_exists():
    shown = shown_code()
    named = {target for line in shown for target in re.findall(r"\bmake ([a-z][a-z-]*)", line)}
    assert named - set(targets()) == set(), "the docs name targets the Makefile lacks"
    given = {name for line in shown if re.search(r"\bmake\b", line)
             for name in re.findall(r"\b([A-Z][A-Z_]+)=", line.split("make", 1)[1])}
    assert given - variables() == set(), "the docs give make variables that `make help` does not describe"


def test_every_target_and_variable_has_its_line_in_make_help():
    assert [target for target, rule in targets().items() if "## " not in rule] == []
    makefile = MAKEFILE.read_text()
    assert [name for name in variables() if f"$({name})" not in makefile] == [], "described, but never used"
    done = subprocess.run(["make", "--no-print-directory"], cwd=KIT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr  # help is the default target
    listed = {line.split()[0] for line in done.stdout.splitlines() if line.startswith("  ")}
    assert set(targets()) <= listed
    assert variables() <= {item.split("=")[0] for item in listed}


def test_a_gradebook_without_its_column_is_said_before_anything_runs():
    # --no-print-directory: run by `make test`, make would say it enters the folder
    done = subprocess.run(["make", "--no-print-directory", "grade-all", "GRADEBOOK=export.csv"], cwd=KIT_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and done.stdout == ""
    assert "GRADEBOOK=export.csv needs COLUMN=NAME" in done.stderr


def test_every_option_the_docs_name_belongs_to_a_command(monkeypatch):
    options = {option for command in COMMANDS for action in parser_of(command, monkeypatch)._actions
               for option in action.option_strings}
    named = {option for doc in DOCS for option in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", doc.read_text())}
    assert named - options - OTHER_TOOLS == set()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_has_help_text(command, monkeypatch):
    parser = parser_of(command, monkeypatch)
    assert parser.prog == f"python -m {command}"
    assert [action.dest for action in parser._actions if not action.help] == []


@pytest.mark.parametrize("command", DOCUMENTED_IN_FULL)
def test_every_option_of_the_main_commands_is_documented(command, monkeypatch):
    text = "\n".join(doc.read_text() for doc in DOCS)
    undocumented = [action.option_strings for action in parser_of(command, monkeypatch)._actions
                    if action.option_strings and action.dest != "help"
                    and not any(re.search(f"{re.escape(option)}(?![\\w-])", text) for option in action.option_strings)]
    assert undocumented == []


def anchors(doc) -> set[str]:
    """The anchors GitHub makes of a page's headings: lower case, punctuation dropped, spaces as hyphens."""
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
            for heading in re.findall(r"^#+ (.+)$", doc.read_text(), re.M)}


def test_the_docs_link_to_files_and_headings_that_exist():
    for doc in DOCS:
        for target, anchor in re.findall(r"\]\(([^)#:]*)(?:#([^)]*))?\)", doc.read_text()):
            linked = doc.parent / target if target else doc
            assert linked.exists(), f"{doc.name} links to {target}"
            assert not anchor or anchor in anchors(linked), f"{doc.name} links to {target}#{anchor}"
