"""train_epoch and test_epoch, run on the grader's own model and batches (so a broken dataset or
MLP costs these checks nothing), judged against the reference's run on the same inputs."""

from __future__ import annotations

import numpy as np
import pytest

from grader.feedback import CheckFailed, expect, kind_of, max_difference

SEED = 0


def train_run(grading_run) -> dict:
    return grading_run.shared("train_instrumented", seed=SEED)


def test_run(grading_run) -> dict:
    return grading_run.shared("test_instrumented", seed=SEED)


def losses_verdict(function: str, observed: dict) -> None:
    """One Python float per batch, each the loss the criterion computed for that batch."""
    returned, batches, computed = observed["returned"], observed["batches"], observed["losses"]
    expect(returned["kind"] == "list", f"{function} returned {kind_of(returned)}",
           f"a list of {batches} floats, one per batch", "append loss.item() to a list in the loop and return the list")
    expect(returned["length"] == batches, f"{function} returned a list of {returned['length']} item(s) for {batches} batches",
           f"{batches} losses, one per batch", "record the loss of every batch, not only the last or the mean")
    for index, item in enumerate(returned["items"]):
        expect(item["kind"] == "float", f"item {index} of the list {function} returned is {kind_of(item)}",
               "a Python float", "record loss.item(): a tensor keeps the whole computation graph alive")
    expect(len(computed) == batches, f"the criterion passed to {function} was called {len(computed)} time(s) for {batches} batches",
           "once per batch", "compute the loss with the `criterion` argument: loss = criterion(outputs, targets)")
    values = np.array([item["value"] for item in returned["items"]])
    want = np.array([call["loss"] for call in computed])
    difference = max_difference(values, want)
    expect(difference < 1e-5, f"the returned losses differ from the losses the criterion computed by up to {difference:.3g}",
           "the criterion's loss of each batch, in order", "record loss.item() of the loss you back-propagated, batch by batch")


def forward_calls(function: str, observed: dict) -> list[dict]:
    """What the forward hook saw at each call of the model; failing if the model was never called."""
    expect(observed["forwards"], f"{function} never called the model", "a forward pass per batch", "call model(inputs)")
    return observed["forwards"]


def device_verdict(function: str, observed: dict) -> None:
    wrong = observed["wrong_moves"]
    expect(not wrong, f"{function} called {', '.join(sorted(set(wrong)))} on a batch, while the `device` argument "
           "it was given was cpu:0", "each batch moved with .to(device), to the device the caller passed",
           "use the `device` argument: a hard-coded .cuda()/.cpu(), or a device of your own (a module-level "
           "DEVICE, \"cuda\" if available), ignores the device the caller chose")
    forwards = forward_calls(function, observed)
    unmoved_inputs = sum(not call["input_moved"] for call in forwards)
    unmoved_targets = sum(not call["targets_moved"] for call in observed["losses"])
    expect(not unmoved_inputs, f"{unmoved_inputs} of {len(forwards)} batches reached the model without .to(device)",
           "inputs moved to the device before the forward pass", "inputs = inputs.to(device)")
    expect(not unmoved_targets, f"{unmoved_targets} of {len(observed['losses'])} target batches reached the loss without .to(device)",
           "targets moved to the device before the loss", "targets = targets.to(device)")


@pytest.mark.check("train_losses")
def check_train_losses(grading_run):
    losses_verdict("train_epoch", train_run(grading_run))


@pytest.mark.check("train_gradients")
def check_train_gradients(grading_run):
    observed, reference = train_run(grading_run), grading_run.expected("train_instrumented", seed=SEED)
    steps, want = observed["steps"], reference["steps"]
    if not steps:
        raise CheckFailed("optimizer.step() was never called on the optimizer passed to train_epoch",
                          f"one step per batch ({len(want)})",
                          "call optimizer.step() after loss.backward(), on the `optimizer` argument (do not build a new one)")
    expect(len(steps) == len(want), f"optimizer.step() was called {len(steps)} time(s) for {len(want)} batches",
           "one step per batch", "call optimizer.step() once per batch, inside the loop")
    for index, (seen, expected) in enumerate(zip(steps, want)):
        if any(g is None for g in seen) or all(not np.any(g) for g in seen):
            raise CheckFailed(f"at step {index} the gradients were {'None' if any(g is None for g in seen) else 'all zero'}",
                              "the gradient of the current batch's loss",
                              "zero_grad() runs after backward() and before step(): zero first, then backward, then step")
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
        raise CheckFailed(f"at step {index} the gradient differs from batch {index}'s by up to {difference:.3g}",
                          f"exactly the gradient of batch {index}'s loss", hint)


@pytest.mark.check("train_device")
def check_train_device(grading_run):
    device_verdict("train_epoch", train_run(grading_run))


@pytest.mark.check("train_mode")
def check_train_mode(grading_run):
    forwards = forward_calls("train_epoch", train_run(grading_run))
    in_eval = sum(not call["training"] for call in forwards)
    expect(not in_eval, f"the model was in evaluation mode for {in_eval} of {len(forwards)} forward passes "
           "(the grader put it in evaluation mode before calling train_epoch)",
           "training mode during training", "call model.train() at the start of train_epoch")


@pytest.mark.check("train_reference")
def check_train_reference(grading_run):
    observed = grading_run.shared("train_sgd", seed=SEED)["parameters"]
    want = grading_run.expected("train_sgd", seed=SEED)["parameters"]
    difference = max(max_difference(o, w) for o, w in zip(observed, want))
    expect(difference < 1e-5, f"after one epoch of SGD (momentum 0.9) the weights differ from the reference's by up to {difference:.3g}",
           "the reference's weights, from the same start and the same batches",
           "one step per batch on the batch's own gradient: zero_grad(), forward, loss, backward(), step()")


@pytest.mark.check("test_eval_mode")
def check_test_eval_mode(grading_run):
    forwards = forward_calls("test_epoch", test_run(grading_run))
    training = sum(not call["evaluating"] for call in forwards)
    expect(not training, f"the model was in training mode for {training} of {len(forwards)} forward passes "
           "(the grader put it in training mode before calling test_epoch)",
           "evaluation mode: dropout off, batch norm using its running statistics", "call model.eval() at the start of test_epoch")


@pytest.mark.check("test_no_grad")
def check_test_no_grad(grading_run):
    forwards = forward_calls("test_epoch", test_run(grading_run))
    tracked = sum(call["grad_enabled"] for call in forwards)
    expect(not tracked, f"gradients were enabled for {tracked} of {len(forwards)} forward passes",
           "no gradient tracking while evaluating", "wrap the loop in `with torch.no_grad():`")


@pytest.mark.check("test_device")
def check_test_device(grading_run):
    device_verdict("test_epoch", test_run(grading_run))


@pytest.mark.check("test_side_effects")
def check_test_side_effects(grading_run):
    observed = test_run(grading_run)
    changed = observed["changed_state"]
    expect(not changed, f"test_epoch changed {', '.join(changed)}", "no parameter or buffer changes",
           "no backward() or step() while testing, and model.eval() so that batch norm leaves its running statistics alone")
    expect(observed["grads_kept"], "test_epoch changed or cleared the parameters' gradients", "gradients left as they were",
           "do not call zero_grad() or backward() in test_epoch")
    expect(observed["grad_enabled_after"], "grad mode was still off after test_epoch returned",
           "grad mode restored as it was found", "use `with torch.no_grad():` rather than torch.set_grad_enabled(False)")


@pytest.mark.check("test_losses")
def check_test_losses(grading_run):
    observed = test_run(grading_run)
    losses_verdict("test_epoch", observed)
    want = np.array([item["value"] for item in grading_run.expected("test_instrumented", seed=SEED)["returned"]["items"]])
    values = np.array([item["value"] for item in observed["returned"]["items"]])
    difference = max_difference(values, want)
    expect(difference < 1e-5, f"the per-batch losses differ from the reference's by up to {difference:.3g}",
           "the reference's losses on the same model and batches",
           "evaluate in eval mode, one loss.item() per batch, without changing the model")
