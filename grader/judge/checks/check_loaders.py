"""make_dataloaders: the right splits, shuffling only for training, and the batch size."""

from __future__ import annotations

import numpy as np
import pytest

from grader.judge.verdict import expect

# Not the default 64, nor a size students write by hand, so that an ignored batch_size shows; and dividing
# neither split, so that a loader that drops its last, smaller batch (drop_last=True) shows too.
BATCH_SIZE = 248
SPLITS = {"train": 60_000, "test": 10_000}
SAMPLE_BATCHES = 8  # of the training loader: enough to see its order, its labels and its batches


def loaders(grading_run) -> dict:
    return grading_run.shared("dataloaders", batch_size=BATCH_SIZE, sample_batches=SAMPLE_BATCHES)


def covers(split: str, sizes: np.ndarray) -> bool:
    """Whether a loader of ``split`` yields all its items; a training loader may drop its last, smaller batch
    (drop_last=True: in a shuffled epoch, a different few each time)."""
    items, want = int(sizes.sum()), SPLITS[split]
    dropped_last = split == "train" and want - BATCH_SIZE < items < want and bool(np.all(sizes == BATCH_SIZE))
    return items == want or dropped_last


@pytest.mark.check("loaders_splits")
def check_loaders_splits(grading_run):
    observed = loaders(grading_run)
    sizes = {split: observed[split]["batch_sizes"] for split in SPLITS}
    train, test = (int(sizes[split].sum()) for split in SPLITS)
    swapped = " (the splits look swapped)" if (train, test) == (10_000, 60_000) else ""
    dropped = SPLITS["test"] - test
    if 0 < dropped < BATCH_SIZE and np.all(sizes["test"] == BATCH_SIZE):
        hint = (f"the test loader drops its last, smaller batch (drop_last=True), so the last {dropped} test images "
                "are never evaluated: leave drop_last off for the test loader")
    else:
        hint = ("build the training set with MNIST(root, train=True) and the test set with train=False, and iterate "
                "all of it")
    expect(covers("train", sizes["train"]) and covers("test", sizes["test"]),
           observed=f"the training loader yields {train:,} items and the test loader {test:,}{swapped}",
           expected="60,000 training items and 10,000 test items",
           hint=hint)
    repeated = observed["train"]["repeated"]
    expect(not repeated,
           observed=f"an epoch of the training loader draws {repeated:,} items more than once, and as many never",
           expected="every training item once an epoch, in a new order",
           hint="shuffle=True draws a permutation; a sampler with replacement (RandomSampler(..., replacement=True), "
                "WeightedRandomSampler) skips items")
    sample = observed["train"]["labels"]
    expect(np.isin(sample, np.arange(10)).all(),
           observed=f"the training loader's targets include {sorted(set(sample.tolist()) - set(range(10)))[:5]}",
           expected="class indices 0-9",
           hint="each image must keep its own label")
    test_split = np.sort(grading_run.worker_test_labels.astype(np.int64))
    expect(np.array_equal(np.sort(observed["test"]["labels"]), test_split),
           observed="the test loader's labels are not the test split's",
           expected="the labels of MNIST(root, train=False)",
           hint="wrap the test split's .data and .targets in the test MNISTDataset")


@pytest.mark.check("loaders_order")
def check_loaders_order(grading_run):
    observed = loaders(grading_run)
    test, train = observed["test"]["labels"], observed["train"]["labels"]
    want = grading_run.worker_test_labels.astype(np.int64)
    # What the test loader covers is loaders_splits' to judge; here, the order of what it yields.
    expect(len(test) <= len(want) and np.array_equal(test, want[: len(test)]),
           observed="the test loader yields the test items in another order" if len(test) <= len(want)
           else f"the test loader yielded {len(test):,} items",
           expected="the test items in the order of the files",
           hint="do not shuffle the test loader: DataLoader(test_set, batch_size=..., shuffle=False)")
    in_file_order = np.array_equal(train, grading_run.labels.train[: len(train)].astype(np.int64))
    expect(not in_file_order,
           observed="the training loader yields the items in the order of the files",
           expected="a shuffled order",
           hint="pass shuffle=True to the training DataLoader")
    first_pass = train[:BATCH_SIZE]
    second_pass = observed["train"]["second_pass_first_labels"]
    expect(not np.array_equal(first_pass, second_pass),
           observed="the training loader yields the same order in every epoch",
           expected="a new order every epoch",
           hint="let the DataLoader shuffle (shuffle=True) instead of permuting the data once")


@pytest.mark.check("loaders_batch_size")
def check_loaders_batch_size(grading_run):
    observed = loaders(grading_run)
    for name, split in (("training", "train"), ("test", "test")):
        sizes = observed[split]["batch_sizes"]
        full, rest = divmod(int(sizes.sum()), BATCH_SIZE)
        want = [BATCH_SIZE] * full + ([rest] if rest else [])
        expect(sizes.tolist() == want,
               observed=f"with batch_size={BATCH_SIZE}, the {name} loader's batches held "
                        f"{sorted(set(sizes.tolist()))} items",
               expected=f"batches of {BATCH_SIZE} (the last may be smaller)",
               hint="pass batch_size=batch_size to both DataLoaders instead of a constant")
