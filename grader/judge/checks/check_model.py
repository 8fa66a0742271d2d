"""MLP: output shape and dtype, batch independence, input size, non-linearity, logits, parameters."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.judge.checks.strategies import image_batches
from grader.judge.verdict import expect, kind_of, max_difference
from grader.sandbox.errors import StudentError

TOLERANCE = 1e-4
IMAGE_FEATURES = 28 * 28


@pytest.mark.check("mlp_output")
@given(image_batches())
def check_mlp_output(session, inputs):
    out = session.call("mlp_outputs", inputs=inputs)
    batch = len(inputs)
    expect(out["kind"] == "tensor",
           observed=f"MLP()(x) returned {kind_of(out)} for x of shape [{batch}, 1, 28, 28]",
           expected="a tensor",
           hint="forward must return the last layer's output tensor")
    expect(out["shape"] == [batch, 10],
           observed=f"MLP()(x) returned {kind_of(out)} for x of shape [{batch}, 1, 28, 28]",
           expected=f"shape [{batch}, 10]",
           hint="flatten per sample with x.flatten(1) or x.view(x.size(0), -1) (not view(-1), squeeze() or a fixed "
                "batch size) and end with nn.Linear(..., 10)")
    expect(out["dtype"] == "float32",
           observed=f"MLP()(x) returned {kind_of(out)}",
           expected="float32 logits",
           hint="keep the default float32 layers; do not call .double()")


@pytest.mark.check("mlp_batch_independence")
@given(image_batches(st.integers(2, 12)))
def check_mlp_batch_independence(session, inputs):
    observed = session.call("mlp_per_sample", inputs=inputs)
    batch = observed["batch"]["values"]
    for index, single in enumerate(observed["single"]):
        difference = max_difference(batch[index], single["values"].reshape(batch[index].shape))
        expect(difference < TOLERANCE,
               observed=f"in eval mode, sample {index} of a batch of {len(inputs)} gets logits that differ by "
                        f"{difference:.3g} "
                        "from the same sample run alone",
               expected="each sample's output depends on that sample alone",
               hint="a reshape mixes samples: flatten with x.flatten(1) / x.view(x.size(0), -1), and do not "
                    "normalize across the batch")


@pytest.mark.check("mlp_input_features")
def check_mlp_input_features(grading_run, record):
    structure = grading_run.observe("mlp_structure")
    try:  # the model run: where it cannot run at all (mlp_output says why), its weights are all there is to judge
        forward = grading_run.observe("mlp_influence",
                                      inputs=np.random.default_rng(11).random((8, 1, 28, 28), dtype=np.float32))
    except StudentError:
        forward = None
    weights = (forward or structure)["weights"]
    record["parameters"] = (forward or structure)["parameters"]  # for the leaderboard
    shapes = ", ".join(str(shape) for shape in weights)
    expect(weights,
           observed="MLP() has no weight matrix among its parameters",
           expected="layers whose weights are parameters",
           hint="assign the layers as attributes (or in an nn.Sequential) inside __init__, or wrap your own weights in "
                "nn.Parameter")
    expect(any(IMAGE_FEATURES in shape for shape in weights),
           observed=f"no weight matrix of MLP() has {IMAGE_FEATURES} rows or columns (its weight matrices are "
                    f"{shapes})",
           expected=f"a first layer that takes {IMAGE_FEATURES} (= 28 * 28) input features",
           hint=f"each flattened image has 1 * 28 * 28 = {IMAGE_FEATURES} values: nn.Linear({IMAGE_FEATURES}, hidden)")
    if forward is None:
        return
    expect(forward["influential"] == IMAGE_FEATURES,
           observed=f"the output depends on {forward['influential']} of each image's {IMAGE_FEATURES} values",
           expected=f"all {IMAGE_FEATURES} values of the image feed the first layer",
           hint="flatten the whole image, x.flatten(1), and give every value to the first layer")
    expect(forward["width"] == 10,
           observed=f"MLP() gives {forward['width']} outputs per image",
           expected="10 outputs, one per digit",
           hint="end with a layer of 10 outputs, e.g. nn.Linear(hidden, 10)")


@pytest.mark.check("mlp_nonlinear")
def check_mlp_nonlinear(grading_run):
    rng = np.random.default_rng(7)
    a, b = rng.random((2, 1, 28, 28), dtype=np.float32)
    inputs = np.stack([a, b, a + b, np.zeros_like(a)])
    out = grading_run.observe("mlp_outputs", inputs=inputs)["values"].reshape(4, -1)
    deviation = max_difference(out[2], out[0] + out[1] - out[3])
    expect(deviation > 1e-3,
           observed=f"MLP()(a + b) == MLP()(a) + MLP()(b) - MLP()(0) to within {deviation:.2g}: the model is linear",
           expected="a non-linear function of its input",
           hint="put an activation such as nn.ReLU() between the Linear layers")


@pytest.mark.check("mlp_logits")
def check_mlp_logits(grading_run):
    inputs = np.random.default_rng(3).random((16, 1, 28, 28), dtype=np.float32)
    observed = grading_run.observe("mlp_output_range", inputs=inputs, scale=1000.0)
    out = observed["outputs"]["values"].reshape(16, -1)
    probabilities = bool(np.all(out >= 0) and np.all(out <= 1) and np.allclose(out.sum(1), 1, atol=1e-4))
    expect(not probabilities,
           observed="every output row lies in [0, 1] and sums to 1: the model returns probabilities",
           expected="raw logits (any real numbers)",
           hint="remove the final softmax: nn.CrossEntropyLoss applies log-softmax itself")
    scaled = observed["scaled"]
    seen = out if scaled is None else scaled["values"].reshape(16, -1)
    how = "" if scaled is None else f", even with {observed['scaled_by']} scaled up 1000 times"
    expect(np.any(seen < 0),
           observed=f"no output is ever negative{how} (smallest {float(seen.min()):.4g})",
           expected="raw logits, negative as well as positive",
           hint="an activation after the last layer (ReLU, sigmoid, softmax, abs) keeps the logits from being "
                "negative: "
                "return the last nn.Linear's output as it is")
    expect(scaled is None or float(np.abs(seen).max()) > 1.0 + 1e-6,
           observed=f"the outputs stay within [-1, 1]{how} (largest magnitude {float(np.abs(seen).max()):.4g})",
           expected="raw logits, which grow with the last layer's weights",
           hint="an activation after the last layer (tanh, hardtanh, sigmoid) bounds the logits: return the last "
                "nn.Linear's output as it is")
    # Called by the student's own train_epoch, where it runs: what it does wrong is for the training checks.
    try:
        in_training = grading_run.observe("mlp_outputs_in_training")
    except StudentError:
        in_training = []
    expect(not in_training or not all(call["probabilities"] or not call["negative"] for call in in_training),
           observed="called by your own train_epoch, MLP() returned probabilities, or nothing negative, at every "
                    "batch, though "
                    "called directly it returned logits",
           expected="raw logits however the model is called",
           hint="return the last layer's output as it is, whoever calls the model: a forward that depends on its "
                "caller "
                "gives the loss something other than what this check saw")


@pytest.mark.check("mlp_parameters")
def check_mlp_parameters(grading_run):
    inputs = np.random.default_rng(5).random((8, 1, 28, 28), dtype=np.float32)
    observed = grading_run.observe("mlp_registration", inputs=inputs)
    expect(observed["parameters"] > 0,
           observed="MLP().parameters() is empty",
           expected="the weights of every layer",
           hint="create the layers in __init__ as attributes (self.fc = nn.Linear(...)) or in nn.Sequential / "
                "nn.ModuleList, "
                "after super().__init__()")
    before, again, after = (observed[k]["values"] for k in ("before", "again", "after"))
    expect(max_difference(before, again) == 0,
           observed="two eval-mode forward passes on the same batch differ",
           expected="the same output each time",
           hint="layers created inside forward get new random weights at every call: "
                "create them once in __init__ (and use nn.Dropout, not F.dropout without training=self.training)")
    expect(max_difference(before, after) > 0,
           observed="an optimizer step on MLP().parameters() does not change the output",
           expected="a step changes the weights the forward pass uses",
           hint="layers kept in a plain Python list are not registered: use nn.ModuleList or nn.Sequential")
