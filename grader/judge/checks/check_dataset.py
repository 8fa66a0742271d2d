"""MNISTDataset: length, images, targets, one-hot targets, and batches through a DataLoader."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.judge.checks.strategies import digit_sets
from grader.judge.verdict import CheckFailed, expect, kind_of, max_difference, stub_of


def items(session, images, labels, as_tensor, one_hot=False) -> list[dict]:
    """Every ``ds[i]``; a student exception on an item is reported as the check's failure."""
    observed = session.call("dataset_items", images=images, labels=labels, one_hot=one_hot, as_tensor=as_tensor)
    pairs = []
    for index, item in enumerate(observed["items"]):
        if "error" in item:
            error = item["error"]
            raise CheckFailed(observed=f"ds[{index}] raised {error['type']}: {error['message']} ({error['where']})",
                              expected="ds[i] returns (image, target)",
                              hint=_stub_or("read the traceback in __getitem__", error), stub=stub_of(error))
        value = item["value"]
        expect(value["kind"] in ("tuple", "list") and value["length"] == 2,
               observed=f"ds[{index}] returned {kind_of(value)}",
               expected="a pair (image, target)",
               hint="return image, target from __getitem__")
        pairs.append(value["items"])
    return pairs


def _stub_or(hint: str, error: dict) -> str:
    return "this part is still a stub" if error["type"] == "NotImplementedError" else hint


def inputs_phrase(images, labels, as_tensor) -> str:
    given = "tensors" if as_tensor else "NumPy arrays"
    return f"for {len(labels)} image(s) given as {given} with {labels.dtype} labels"


@pytest.mark.check("dataset_len")
@given(digit_sets())
def check_dataset_len(session, digits):
    images, labels, as_tensor = digits
    observed = session.call("dataset_items", images=images, labels=labels, one_hot=False, as_tensor=as_tensor)["len"]
    if "error" in observed:
        raise CheckFailed(observed=f"len(ds) raised {observed['error']['type']}: {observed['error']['message']}",
                          expected=f"len(ds) == {len(labels)}",
                          hint=_stub_or("__len__ should return the number of images", observed["error"]),
                          stub=stub_of(observed["error"]))
    value = observed["value"]
    expect(value.get("value") == len(labels),
           observed=f"len(ds) was {value.get('value')!r} {inputs_phrase(images, labels, as_tensor)}",
           expected=f"len(ds) == {len(labels)}, the number of images",
           hint="return len(self.labels) (or the images' first dimension), not a constant or the number of pixels")


def image_verdict(image: dict, pixels: np.ndarray, where: str) -> None:
    expect(image["kind"] == "tensor",
           observed=f"{where} image is {kind_of(image)}",
           expected="a torch tensor",
           hint="convert with torch.as_tensor / torch.from_numpy; do not return PIL images or NumPy arrays")
    expect(image["dtype"] == "float32",
           observed=f"{where} image is {kind_of(image)}",
           expected="dtype float32",
           hint="uint8 needs .float(); NumPy's / 255. gives float64: divide the tensor after .float()")
    expect(image["shape"] == [1, 28, 28],
           observed=f"{where} image is {kind_of(image)}",
           expected="shape [1, 28, 28]",
           hint="add the channel dimension with .unsqueeze(0); do not flatten in the dataset")
    values, want = image["values"], pixels / np.float32(255)
    difference = max_difference(values, want)
    if difference > 1e-6:
        top = float(np.max(values))
        if top > 1.5:
            hint = "the pixels are not divided by 255"
        elif np.allclose(values, want / 255, atol=1e-6):
            hint = "the pixels are divided by 255 twice"
        elif float(np.min(values)) < 0:
            hint = "the images are normalized (mean/std); the contract asks for pixels / 255 only"
        else:
            hint = "each value should be the pixel divided by 255, at the same position"
        raise CheckFailed(observed=f"{where} image differs from pixels / 255 by up to {difference:.4g} (max value "
                                   f"{top:.4g})",
                          expected="image == pixels / 255 (values 0.0-1.0), as transforms.ToTensor gives",
                          hint=hint)


@pytest.mark.check("dataset_images")
@given(digit_sets())
def check_dataset_images(session, digits):
    images, labels, as_tensor = digits
    for index, (image, _) in enumerate(items(session, images, labels, as_tensor)):
        image_verdict(image, images[index][None], f"{inputs_phrase(images, labels, as_tensor)}, ds[{index}]'s")


def target_verdict(target: dict, label: int, where: str) -> None:
    expect(target["kind"] == "tensor",
           observed=f"{where} target is {kind_of(target)}",
           expected="an int64 tensor of shape []",
           hint="wrap the label with torch.as_tensor(..., dtype=torch.int64), or keep the labels as one int64 tensor")
    expect(target["dtype"] == "int64",
           observed=f"{where} target is {kind_of(target)}",
           expected="dtype int64 (torch.long)",
           hint="CrossEntropyLoss needs int64 class indices: store the labels with dtype=torch.int64")
    expect(target["shape"] == [],
           observed=f"{where} target is {kind_of(target)}",
           expected="a 0-dim tensor (shape [])",
           hint="index the labels with a single integer; do not keep a [N, 1] label array")
    expect(int(target["values"]) == label,
           observed=f"{where} target is {int(target['values'])}",
           expected=f"the label {label}",
           hint="ds[i] must pair image i with label i")


@pytest.mark.check("dataset_targets")
@given(digit_sets())
def check_dataset_targets(session, digits):
    images, labels, as_tensor = digits
    for index, (_, target) in enumerate(items(session, images, labels, as_tensor)):
        target_verdict(target, int(labels[index]), f"{inputs_phrase(images, labels, as_tensor)}, ds[{index}]'s")


@pytest.mark.check("dataset_one_hot")
@given(digit_sets())
def check_dataset_one_hot(session, digits):
    images, labels, as_tensor = digits
    for index, (_, target) in enumerate(items(session, images, labels, as_tensor, one_hot=True)):
        where = f"with one_hot=True, ds[{index}]'s"
        want = np.eye(10, dtype=np.float32)[int(labels[index])]
        expect(target["kind"] == "tensor" and target["dtype"] == "float32" and target["shape"] == [10],
               observed=f"{where} target is {kind_of(target)}",
               expected="a float32 tensor of shape [10]",
               hint="build it with F.one_hot(label, 10).float()")
        expect(np.array_equal(target["values"], want),
               observed=f"{where} target is {target['values'].tolist()}",
               expected=f"1.0 at index {int(labels[index])} and 0.0 elsewhere",
               hint="the single 1 goes at the class index")


@pytest.mark.check("dataset_batches")
@given(digit_sets(max_size=20), st.integers(1, 8))
def check_dataset_batches(session, digits, batch_size):
    images, labels, _ = digits
    batches = session.call("dataset_batches", images=images, labels=labels, batch_size=batch_size)
    expect(len(batches) == -(-len(labels) // batch_size),
           observed=f"{len(batches)} batches from {len(labels)} items with batch_size={batch_size}",
           expected=f"{-(-len(labels) // batch_size)} batches",
           hint="len(ds) and ds[i] must agree on the number of items")
    start = 0
    for number, batch in enumerate(batches):
        where = f"DataLoader(ds, batch_size={batch_size}) batch {number}:"
        expect(batch["kind"] == "list" and batch["length"] == 2,
               observed=f"{where} {kind_of(batch)}",
               expected="a list [images, targets]",
               hint="ds[i] must return a pair (image, target) of tensors")
        image, target = batch["items"]
        size = min(batch_size, len(labels) - start)
        expect(image.get("shape") == [size, 1, 28, 28] and image.get("dtype") == "float32",
               observed=f"{where} images are {kind_of(image)}",
               expected=f"a float32 tensor of shape [{size}, 1, 28, 28]",
               hint="each image must be a float32 tensor [1, 28, 28] so the loader stacks them")
        expect(target.get("shape") == [size] and target.get("dtype") == "int64",
               observed=f"{where} targets are {kind_of(target)}",
               expected=f"an int64 tensor of shape [{size}]",
               hint="each target must be a 0-dim int64 tensor so the loader stacks them into [B]")
        expect(np.array_equal(target["values"], labels[start : start + size]),
               observed=f"{where} targets {target['values'].tolist()}",
               expected=f"{labels[start:start + size].tolist()}",
               hint="ds[i] must pair image i with label i")
        start += size
