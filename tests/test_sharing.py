"""A part's checks share one child while nothing goes wrong, and every verdict is what a child per session gives.

Each submission here is graded twice by one warm grader: with children shared (the default) and with a child
per session (``GRADER_SHARE_CHILDREN=0``, as every grade was before). The points and messages must be the
same; and where a session leaves something behind, the part's later sessions get children of their own,
for the reason the child gave; where a later session in a shared child fails, its check runs again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.config.paths import KIT_ROOT, SOLUTIONS
from grader.judge.grading import SHARING_VARIABLE, Grading
from grader.pipeline import Grader
from grader.sandbox.session import Capture, Session, Worker


def edited(file: str, *edits: str, helper: tuple[str, str] | None = None) -> Callable[[Path], Path]:
    """The reference with ``file`` edited (each ``old`` text of the pairs ``old, new`` replaced once), and a
    ``helper`` module of the student's own (its name and text), if given."""
    def make(into: Path) -> Path:
        shutil.copytree(SOLUTIONS, into, ignore=shutil.ignore_patterns("__pycache__"))
        if helper:
            (into / helper[0]).write_text(helper[1])
        source = (into / file).read_text()
        for old, new in zip(edits[::2], edits[1::2]):
            assert old in source, (file, old)
            source = source.replace(old, new, 1)
        (into / file).write_text(source)
        return into
    return make


pytestmark = pytest.mark.xdist_group("sharing")  # one test process grades the cases, once

FORWARD = "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
INIT = "    def __init__(self, images, labels, one_hot: bool = False) -> None:\n"
MLP_INIT = "    def __init__(self, hidden: int = 128) -> None:\n"
TRAIN = "def train_epoch(model, optimizer, dataloader, criterion, device) -> list[float]:\n"
CASES = {
    "reference": edited("model.py", "", ""),
    "prints": edited("model.py", FORWARD, FORWARD + "        print('forward', tuple(x.shape))\n"),
    "changes_a_setting": edited("training.py", TRAIN,
                                TRAIN + "    torch.set_num_threads(torch.get_num_threads() + 1)\n"),
    "replaces_a_method_of_torch": edited("model.py", "class MLP", "nn.Linear.forward = lambda self, x: "
                                         "nn.functional.linear(x, self.weight, self.bias)\n\n\nclass MLP"),
    "leaves_a_file": edited("dataset.py", INIT, INIT + "        import tempfile\n        tempfile.mkstemp()\n"),
    "starts_a_thread": edited("model.py", MLP_INIT, MLP_INIT + "        import threading, time\n"
                              "        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"),
    # A module's state starts afresh in every session, as in a child of its own, also a helper module's that
    # only the student's modules import: one MLP per import of it holds.
    "builds_once_per_import": edited("model.py", MLP_INIT, MLP_INIT + "        if BUILT:\n"
                                     "            raise RuntimeError('a second MLP in one interpreter')\n"
                                     "        BUILT.append(self)\n",
                                     "\nclass MLP", "\nfrom built import BUILT\n\n\nclass MLP",
                                     helper=("built.py", "BUILT = []\n")),
    "fails_in_a_later_session": edited("dataset.py", INIT, INIT + "        if one_hot:\n"
                                       "            raise ValueError('one-hot is not supported')\n"),
    "fails_where_the_check_goes_on": edited("model.py", FORWARD, FORWARD + "        if x.requires_grad:\n"
                                            "            raise RuntimeError('inputs that need gradients')\n"),
    "fails_in_every_session": edited("model.py", MLP_INIT, MLP_INIT + "        raise RuntimeError('not yet')\n"),
}


class Watched:
    """What sharing did in one grade: children started, why shared children ended (by part), checks run again."""

    def __init__(self, patch: pytest.MonkeyPatch) -> None:
        self.children, self.ended, self.part, self.grading = 0, {}, "", None
        spawn, give_back, take_stock = Worker.spawn, Grading.give_back, Session.take_stock
        watched = self

        def counted_spawn(worker, *args, **kwargs):
            watched.children += 1
            return spawn(worker, *args, **kwargs)

        def noted_give_back(grading_run, session):
            watched.grading, watched.part = grading_run, grading_run.part.rsplit(".", 1)[-1]
            return give_back(grading_run, session)

        def noted_take_stock(session):
            clean = take_stock(session)
            if not clean:
                watched.ended.setdefault(watched.part, session.left)
            return clean

        patch.setattr(Worker, "spawn", counted_spawn)
        patch.setattr(Grading, "give_back", noted_give_back)
        patch.setattr(Session, "take_stock", noted_take_stock)

    def take(self) -> dict:
        taken = {"children": self.children, "ended": self.ended, "again": list(self.grading.again)}
        self.children, self.ended = 0, {}
        return taken


def grade_both_ways(folder: Path, data_dir: Path, out: Path) -> None:
    """Grade every case with one warm grader, shared and alone, and write what was found (JSON) to ``out``."""
    made = {name: make(folder / name) for name, make in CASES.items()}
    found: dict[str, dict[str, dict]] = {"shared": {}, "alone": {}}
    with pytest.MonkeyPatch.context() as patch:
        watched = Watched(patch)
        with Grader(data_dir) as grader:
            watched.children = 0  # not those that observed the reference, where its observations were not cached
            for way in found:
                patch.setenv(SHARING_VARIABLE, "1" if way == "shared" else "0")
                for name, path in made.items():
                    report = grader.grade(path)
                    found[way][name] = {"verdicts": {r.id: [r.score, r.message] for r in report.results},
                                        **watched.take()}
    out.write_text(json.dumps(found))


@pytest.fixture(scope="session")
def graded(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict]]:
    """Each case's verdicts and what sharing did, by ``shared`` and ``alone`` (a child per session): graded in a
    process of its own, as a warm grader is, not in the test process (which other tests' graders shared)."""
    folder = tmp_path_factory.mktemp("sharing")
    out = folder / "found.json"
    done = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from tests.test_sharing import "
                           "grade_both_ways; grade_both_ways(*map(Path, sys.argv[1:]))", folder, data_dir, out],
                          cwd=KIT_ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.parametrize("name", CASES)
def test_every_verdict_is_what_a_child_per_session_gives(graded, name):
    assert graded["shared"][name]["verdicts"] == graded["alone"][name]["verdicts"]
    assert graded["alone"][name]["ended"] == {} and graded["alone"][name]["again"] == []


def test_the_reference_takes_a_child_per_part(graded):
    shared, alone = graded["shared"]["reference"], graded["alone"]["reference"]
    assert sum(score for score, _ in shared["verdicts"].values()) == 100
    assert shared["children"] == 5, shared  # dataset, loaders, model, training, accuracy
    assert alone["children"] >= 15, alone
    assert set(shared["ended"]) <= {"check_accuracy"}, shared  # the last of its part: nothing comes after it


@pytest.mark.parametrize("name, part, why", [
    ("prints", "check_model", "output"),
    ("changes_a_setting", "check_model", "torch changed"),  # mlp_logits runs their train_epoch
    ("replaces_a_method_of_torch", "check_model", "torch.nn.modules.linear.Linear changed"),
    ("leaves_a_file", "check_dataset", "files in"),
    ("starts_a_thread", "check_model", "a thread still running"),
])
def test_what_a_session_leaves_ends_the_shared_child(graded, name, part, why):
    shared = graded["shared"][name]
    assert any(why in reason for reason in shared["ended"].get(part, [])), shared["ended"]
    assert shared["again"] == [], "nothing was wrong with the session that left it: its verdict stands"
    assert shared["children"] < graded["alone"][name]["children"]


def test_a_module_starts_afresh_in_every_session(graded):
    shared = graded["shared"]["builds_once_per_import"]
    assert sum(score for score, _ in shared["verdicts"].values()) == 100, shared
    assert "check_model" not in shared["ended"] and shared["children"] == 5


@pytest.mark.parametrize("name, check", [("fails_in_a_later_session", "dataset_one_hot"),
                                         ("fails_where_the_check_goes_on", "mlp_input_features")])
def test_a_later_session_that_fails_runs_its_check_again(graded, name, check):
    assert graded["shared"][name]["again"] == [check]


def test_a_failing_first_session_keeps_its_verdict(graded):
    """The first session of a child is a fresh child's: where it fails, its check stands, and the part's later
    sessions each get a child of their own."""
    shared = graded["shared"]["fails_in_every_session"]
    assert shared["again"] == [] and shared["ended"]["check_model"] == ["an error"], shared
    assert shared["verdicts"]["mlp_output"][0] == 0


def test_the_output_between_two_sessions_is_told_apart_by_the_marker():
    read_end, write_end = os.pipe()
    capture = Capture(read_end, limit=100)
    capture.expect(b"first")
    os.write(write_end, b"first\n")
    assert capture.sync(timeout=5) == 0 and capture.head == b"" and capture.total == 0  # nothing printed
    capture.expect(b"second")
    os.write(write_end, b"printed\nsecond\nafter\n")
    assert capture.sync(timeout=5) == len(b"printed\nafter\n")  # before the marker and after it: not clean
    assert capture.head == b"printed\nafter\n"
    capture.expect(b"third")
    assert capture.sync(timeout=0.2) is None  # it never came
    os.close(write_end)
    assert "printed" in capture.text()
