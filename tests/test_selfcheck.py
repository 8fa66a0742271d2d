"""``python -m grader.selfcheck``: the mutants it makes of the reference, what its report concludes, and,
graded for real, that the grader kills every PyTorch-aware mutant of ``training.py`` (the quick subset CI runs;
``make selfcheck`` runs everything) and that a weakened rubric shows up as survivors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from grader.config.paths import KIT_ROOT, RUBRIC, SOLUTIONS
from grader.config.regions import solution_regions
from grader.selfcheck.__main__ import EQUIVALENTS, holds
from grader.selfcheck.generic import GENERIC_OPERATORS
from grader.selfcheck.mutants import Mutant, mutants
from grader.selfcheck.operators import CATALOGUE, GENERIC, PYTORCH
from grader.selfcheck.report import SelfCheck, markdown
from grader.selfcheck.verdicts import KILLED, SURVIVED, Verdict, read_equivalents

EVERYWHERE_BUT_DECORATORS = {op.name for op in CATALOGUE} - {"no_grad_decorator_removed"}


@pytest.fixture(scope="module")
def reference_mutants() -> list[Mutant]:
    return mutants(SOLUTIONS, [*CATALOGUE, *GENERIC_OPERATORS])


def test_every_pytorch_operator_finds_its_pattern_in_the_reference(reference_mutants):
    made = {m.operator.name for m in reference_mutants if m.operator.family == PYTORCH}
    assert made == EVERYWHERE_BUT_DECORATORS, EVERYWHERE_BUT_DECORATORS - made


def test_mutants_change_only_solution_regions_and_compile(reference_mutants):
    assert len({m.id for m in reference_mutants}) == len(reference_mutants)
    for mutant in reference_mutants:
        original = (SOLUTIONS / mutant.module).read_text()
        assert mutant.source != original
        compile(mutant.source, mutant.module, "exec")
        regions = solution_regions(original)
        assert any(r.begin < mutant.line < r.end or mutant.line == r.end for r in regions), mutant.id
        # the markers themselves survive every mutant: its stubs could still be made from it
        assert [(r.begin, r.end) for r in solution_regions(mutant.source)] != [] and \
            len(solution_regions(mutant.source)) == len(regions)


def test_mutants_are_the_same_every_time(reference_mutants):
    again = mutants(SOLUTIONS, [*CATALOGUE, *GENERIC_OPERATORS])
    assert [(m.id, m.diff) for m in again] == [(m.id, m.diff) for m in reference_mutants]
    assert {m.operator.family for m in reference_mutants} == {PYTORCH, GENERIC}


OTHER_STYLE = '''\
import torch
import torch.nn.functional as F


class Net(torch.nn.Module):
    def forward(self, x):
        ### BEGIN SOLUTION
        return self.out(F.relu(self.hidden(x.flatten(1))))
        ### END SOLUTION


def pixels(image):
    ### BEGIN SOLUTION
    return image.float() / 255.0
    ### END SOLUTION


### BEGIN SOLUTION
@torch.no_grad()
def evaluate(model, loader, criterion, device):
    model.eval()
    return [criterion(model(x.to(device)), y.to(device)).item() for x, y in loader]
### END SOLUTION


@torch.no_grad()
def given(model):
    return model.eval()
'''


def test_operators_follow_the_pattern_not_the_reference_s_spelling(tmp_path):
    """Another style of the same code: ``/ 255.0``, ``F.relu``, a decorator instead of a ``with`` block."""
    (tmp_path / "training.py").write_text(OTHER_STYLE)
    made = {m.operator.name: m for m in mutants(tmp_path, CATALOGUE, ["training.py"])}
    assert "return image.float()\n" in made["images_not_scaled"].source
    assert "self.out(self.hidden(x.flatten(1)))" in made["non_linearity_removed"].source
    assert made["no_grad_decorator_removed"].source.count("@torch.no_grad()") == 1
    assert "torch.softmax(self.out(F.relu(self.hidden(x.flatten(1)))), dim=1)" in made["softmax_on_output"].source
    # outside a region nothing changes: given() keeps its decorator and its eval() in every mutant
    assert all("def given(model):\n    return model.eval()" in m.source
               and "@torch.no_grad()\ndef given" in m.source for m in made.values())


def test_the_reviewed_equivalents_name_mutants_that_exist_with_a_reason(reference_mutants):
    for known in read_equivalents(EQUIVALENTS):
        assert known.reason.strip(), known
        assert any(known.matches(m) for m in reference_mutants), f"no mutant is made any more for {known}"


def _verdict(mutant: Mutant | None, status: str, killed_by=(), failed=None, score=100) -> Verdict:
    return Verdict(mutant, status, score, 100, tuple(killed_by), tuple(failed if failed is not None else killed_by))


def test_the_report_scores_families_and_names_what_only_accuracy_catches(reference_mutants):
    pytorch = [m for m in reference_mutants if m.operator.family == PYTORCH][:3]
    generic = [m for m in reference_mutants if m.operator.family == GENERIC][:2]
    runs = [[_verdict(None, SURVIVED)],
            [_verdict(pytorch[0], KILLED, ["train_gradients"], score=90)],
            [_verdict(pytorch[1], KILLED, ["accuracy"], score=80)],
            [_verdict(pytorch[2], SURVIVED, failed=["train_mode"])],
            [_verdict(generic[0], KILLED, ["dataset_len"], score=98)],
            [_verdict(generic[1], SURVIVED)]]
    found = SelfCheck(runs, SOLUTIONS, RUBRIC, 1.0, 1, kit_points={"train_mode": 2.0})
    assert found.score(PYTORCH) == pytest.approx(2 / 3) and found.score(GENERIC) == 0.5
    assert not holds(found)
    assert pytorch[1].operator.name in found.only_by_accuracy() or pytorch[0].operator.name == pytorch[1].operator.name
    assert found.costs_of_the_rubric() == [runs[3][0]]
    text = markdown(found, ["dataset_len", "train_gradients", "train_mode", "accuracy"])
    assert "What this rubric costs" in text and pytorch[2].diff.strip().splitlines()[-1] in text
    assert "Checks that killed no mutant: train_mode." in text


def test_a_verdict_that_varies_between_runs_is_reported(reference_mutants):
    mutant = reference_mutants[0]
    runs = [[_verdict(None, SURVIVED), _verdict(None, SURVIVED)],
            [_verdict(mutant, KILLED, ["accuracy"], score=95), _verdict(mutant, SURVIVED)]]
    found = SelfCheck(runs, SOLUTIONS, RUBRIC, 1.0, 1)
    assert [name for name, _ in found.flaky()] == [mutant.id] and not holds(found)
    assert f"**{mutant.id}**" in markdown(found, ["accuracy"])


def selfcheck(*args, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.selfcheck", *map(str, args)], cwd=KIT_ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_every_pytorch_mutant_of_training_is_killed(data_dir, tmp_path):
    """The quick subset: a change that blinds a training or testing check fails here."""
    done = selfcheck("--family", PYTORCH, "--module", "training.py", "--data-dir", data_dir, "--out", tmp_path,
                     "--json", tmp_path / "mutants.json")
    assert done.returncode == 0, done.stdout + done.stderr
    found = json.loads((tmp_path / "mutants.json").read_text())
    assert found["reference"]["status"] == SURVIVED and len(found["mutants"]) >= 15
    for mutant in found["mutants"]:
        assert mutant["status"] == KILLED and mutant["killed_by"], mutant
    killers = {check for mutant in found["mutants"] for check in mutant["killed_by"]}
    assert {"train_gradients", "train_mode", "train_device", "test_eval_mode", "test_no_grad", "test_device",
            "train_losses", "test_losses"} <= killers
    operators = {mutant["operator"] for mutant in found["mutants"]}
    assert (tmp_path / "selfcheck.html").read_text().count("<tr>") >= len(operators) + 4  # families, then kills
    print(f"quick self-check: {len(found['mutants'])} mutants killed in {found['seconds']} s")


def test_a_weakened_rubric_shows_up_as_survivors(data_dir, tmp_path):
    """A check at 0 points catches nothing any more, and the report says what that costs; a hidden check
    still counts."""
    text = RUBRIC.read_text()
    for check, change in (("train_mode", "points = 0"), ("test_no_grad", 'visibility = "hidden"')):
        start = text.index(f"[checks.{check}]")
        points = text.index("points = ", start)
        end = text.index("\n", points)
        text = text[:points] + (change if change.startswith("points") else text[points:end] + "\n" + change) \
            + text[end:]
    weakened = tmp_path / "rubric.toml"
    weakened.write_text(text)
    done = selfcheck("--rubric", weakened, "--module", "training.py", "--operator", "train_mode_not_set",
                     "--operator", "no_grad_removed", "--data-dir", data_dir, "--out", tmp_path,
                     "--json", tmp_path / "mutants.json")
    assert done.returncode == 1, done.stdout + done.stderr
    statuses = {m["operator"]: m["status"] for m in json.loads((tmp_path / "mutants.json").read_text())["mutants"]}
    assert statuses == {"train_mode_not_set": SURVIVED, "no_grad_removed": KILLED}
    assert "survived: training.py:15 train_mode_not_set" in " ".join(done.stdout.split())
    report = (tmp_path / "selfcheck.md").read_text()
    assert "## What this rubric costs" in report and "model.train()" in report.split("What this rubric costs")[1]


def test_operators_are_documented_with_the_mistake_they_model():
    for op in (*CATALOGUE, *GENERIC_OPERATORS):
        assert len(op.mistake) > 10, op.name
    assert len({op.name for op in CATALOGUE}) == len(CATALOGUE)
    docs = (KIT_ROOT / "docs" / "selfcheck.md").read_text()
    missing = [op.name for op in CATALOGUE if f"`{op.name}`" not in docs]
    assert not missing, f"docs/selfcheck.md does not list: {missing}"
