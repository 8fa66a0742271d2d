"""train_epoch and test_epoch, run on the grader's own model and batches (so a broken dataset or
MLP costs these checks nothing), judged against the reference's run on the same inputs."""

from __future__ import annotations

import numpy as np
import pytest

from grader.judge.verdict import CheckFailed, expect, kind_of, max_difference

SEED = 0


def train_run(grading_run) -> dict:
    return grading_run.shared("train_instrumented", seed=SEED)


def test_run(grading_run) -> dict:
    return grading_run.shared("test_instrumented", seed=SEED)


def losses_verdict(function: str, observed: dict) -> None:
    """One Python float per batch, each the loss the criterion computed for that batch."""
    returned, batches, computed = observed["returned"], observed["batches"], observed["losses"]
    expect(returned["kind"] == "list",
           observed=f"{function} returned {kind_of(returned)}",
           expected=f"a list of {batches} floats, one per batch",
           hint="append loss.item() to a list in the loop and return the list")
    expect(returned["length"] == batches,
           observed=f"{function} returned a list of {returned['length']} item(s) for {batches} batches",
           expected=f"{batches} losses, one per batch",
           hint="record the loss of every batch, not only the last or the mean")
    for index, item in enumerate(returned["items"]):
        expect(item["kind"] == "float",
               observed=f"item {index} of the list {function} returned is {kind_of(item)}",
               expected="a Python float",
               hint="record loss.item(): a tensor keeps the whole computation graph alive")
    expect(len(computed) == batches,
           observed=f"the criterion passed to {function} was called {len(computed)} time(s) for {batches} batches",
           expected="once per batch",
           hint="compute the loss with the `criterion` argument: loss = criterion(outputs, targets)")
    values = np.array([item["value"] for item in returned["items"]])
    want = np.array([call["loss"] for call in computed])
    difference = max_difference(values, want)
    expect(difference < 1e-5,
           observed=f"the returned losses differ from the losses the criterion computed by up to {difference:.3g}",
           expected="the criterion's loss of each batch, in order",
           hint="record loss.item() of the loss you back-propagated, batch by batch")


def forward_calls(function: str, observed: dict) -> list[dict]:
    """What the forward hook saw at each call of the model; failing if the model was never called."""
    expect(observed["forwards"],
           observed=f"{function} never called the model",
           expected="a forward pass per batch",
           hint="call model(inputs)")
    return observed["forwards"]


def device_verdict(function: str, observed: dict) -> None:
    wrong = observed["wrong_moves"]
    expect(not wrong,
           observed=f"{function} called {', '.join(sorted(set(wrong)))} on a batch, while the `device` argument "
                    "it was given was cpu:0",
           expected="each batch moved with .to(device), to the device the caller passed",
           hint="use the `device` argument: a hard-coded .cuda()/.cpu(), or a device of your own (a module-level "
                "DEVICE, \"cuda\" if available), ignores the device the caller chose")
    forwards = forward_calls(function, observed)
    unmoved_inputs = sum(not call["input_moved"] for call in forwards)
    unmoved_targets = sum(not call["targets_moved"] for call in observed["losses"])
    expect(not unmoved_inputs,
           observed=f"{unmoved_inputs} of {len(forwards)} batches reached the model without .to(device)",
           expected="inputs moved to the device before the forward pass",
           hint="inputs = inputs.to(device)")
    expect(not unmoved_targets,
           observed=f"{unmoved_targets} of {len(observed['losses'])} target batches reached the loss without "
                    f".to(device)",
           expected="targets moved to the device before the loss",
           hint="targets = targets.to(device)")


@pytest.mark.check("train_losses")
def check_train_losses(grading_run):
    losses_verdict("train_epoch", train_run(grading_run))


def step_of(index: int, steps: int) -> str:
    """A step of the loop as a student counts it: 'step 2 of 5 (batch 2, counting from 1)'."""
    return f"step {index + 1} of {steps} (batch {index + 1}, counting from 1)"


@pytest.mark.check("train_gradients")
def check_train_gradients(grading_run):
    observed, reference = train_run(grading_run), grading_run.expected("train_instrumented", seed=SEED)
    steps, want = observed["steps"], reference["steps"]
    if not steps:
        raise CheckFailed(observed="optimizer.step() was never called on the optimizer passed to train_epoch",
                          expected=f"one step per batch ({len(want)})",
                          hint="call optimizer.step() after loss.backward(), on the `optimizer` argument (do not "
                               "build a new one)")
    expect(len(steps) == len(want),
           observed=f"optimizer.step() was called {len(steps)} time(s) for {len(want)} batches",
           expected="one step per batch",
           hint="call optimizer.step() once per batch, inside the loop")
    for index, (seen, expected) in enumerate(zip(steps, want)):
        if any(g is None for g in seen) or all(not np.any(g) for g in seen):
            raise CheckFailed(observed=f"at {step_of(index, len(want))}, the gradients were "
                                       f"{'None' if any(g is None for g in seen) else 'all zero'}",
                              expected="the gradient of the current batch's loss",
                              hint="zero_grad() runs after backward() and before step(): zero first, then backward, "
                                   "then step")
        difference = max(max_difference(s, e) for s, e in zip(seen, expected))
        if difference < 1e-6:
            continue
        accumulated = [sum(np.asarray(w[i]) for w in want[: index + 1]) for i in range(len(expected))]
        if max(max_difference(s, a) for s, a in zip(seen, accumulated)) < 1e-5:
            hint = "gradients accumulate across batches: call optimizer.zero_grad() at the start of every batch"
        elif index > 0 and max(max_difference(s, p) for s, p in zip(seen, want[index - 1])) < 1e-6:
            hint = "each step uses the previous batch's gradient: call backward() before step()"
        else:
            hint = "per batch: zero_grad(), forward, loss, backward(), step(), in that order"
        raise CheckFailed(observed=f"at {step_of(index, len(want))}, the gradient differs from that batch's by up "
                                   f"to {difference:.3g}",
                          expected="exactly the gradient of that batch's loss",
                          hint=hint)


@pytest.mark.check("train_device")
def check_train_device(grading_run):
    device_verdict("train_epoch", train_run(grading_run))


@pytest.mark.check("train_mode")
def check_train_mode(grading_run):
    forwards = forward_calls("train_epoch", train_run(grading_run))
    in_eval = sum(not call["training"] for call in forwards)
    expect(not in_eval,
           observed=f"the model was in evaluation mode for {in_eval} of {len(forwards)} forward passes "
                    "(the grader put it in evaluation mode before calling train_epoch)",
           expected="training mode during training",
           hint="call model.train() at the start of train_epoch")


@pytest.mark.check("train_reference")
def check_train_reference(grading_run):
    observed = grading_run.shared("train_sgd", seed=SEED)["parameters"]
    want = grading_run.expected("train_sgd", seed=SEED)["parameters"]
    difference = max(max_difference(o, w) for o, w in zip(observed, want))
    expect(difference < 1e-5,
           observed=f"after one epoch of SGD (momentum 0.9) the weights differ from the reference's by up to "
                    f"{difference:.3g}",
           expected="the reference's weights, from the same start and the same batches",
           hint="one step per batch on the batch's own gradient: zero_grad(), forward, loss, backward(), step()")


@pytest.mark.check("test_eval_mode")
def check_test_eval_mode(grading_run):
    forwards = forward_calls("test_epoch", test_run(grading_run))
    training = sum(not call["evaluating"] for call in forwards)
    expect(not training,
           observed=f"the model was in training mode for {training} of {len(forwards)} forward passes "
                    "(the grader put it in training mode before calling test_epoch)",
           expected="evaluation mode: dropout off, batch norm using its running statistics",
           hint="call model.eval() at the start of test_epoch")


@pytest.mark.check("test_no_grad")
def check_test_no_grad(grading_run):
    forwards = forward_calls("test_epoch", test_run(grading_run))
    tracked = sum(call["grad_enabled"] for call in forwards)
    expect(not tracked,
           observed=f"gradients were enabled for {tracked} of {len(forwards)} forward passes",
           expected="no gradient tracking while evaluating",
           hint="wrap the loop in `with torch.no_grad():`")


@pytest.mark.check("test_device")
def check_test_device(grading_run):
    device_verdict("test_epoch", test_run(grading_run))


@pytest.mark.check("test_side_effects")
def check_test_side_effects(grading_run):
    observed = test_run(grading_run)
    changed = observed["changed_state"]
    expect(not changed,
           observed=f"test_epoch changed {', '.join(changed)}",
           expected="no parameter or buffer changes",
           hint="no backward() or step() while testing, and model.eval() so that batch norm leaves its running "
                "statistics alone")
    expect(observed["grads_kept"],
           observed="test_epoch changed or cleared the parameters' gradients",
           expected="gradients left as they were",
           hint="do not call zero_grad() or backward() in test_epoch")
    expect(observed["grad_enabled_after"],
           observed="grad mode was still off after test_epoch returned",
           expected="grad mode restored as it was found",
           hint="use `with torch.no_grad():` rather than torch.set_grad_enabled(False)")


@pytest.mark.check("test_losses")
def check_test_losses(grading_run):
    observed = test_run(grading_run)
    losses_verdict("test_epoch", observed)
    reference = grading_run.expected("test_instrumented", seed=SEED)
    want = np.array([item["value"] for item in reference["returned"]["items"]])
    values = np.array([item["value"] for item in observed["returned"]["items"]])
    difference = max_difference(values, want)
    expect(difference < 1e-5,
           observed=f"the per-batch losses differ from the reference's by up to {difference:.3g}",
           expected="the reference's losses on the same model and batches",
           hint="evaluate in eval mode, one loss.item() per batch, without changing the model")
