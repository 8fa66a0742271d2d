"""What the grading process and a worker agree on, besides the wire format: which observers a worker has,
with what each does in words a student reads ("while building MLP(), your code raised ..."), and the error
types a worker answers with that are not student code's own exceptions. Both sides import this, and
nothing else of each other: a worker refuses to register an observer that is not named here."""

from __future__ import annotations

# What the grader is doing while each observer runs, by observer.
OBSERVERS = {
    "dataset_items": "building an MNISTDataset and reading its items",
    "dataset_batches": "batching an MNISTDataset with a default DataLoader",
    "dataloaders": "calling make_dataloaders and iterating over both loaders",
    "mlp_structure": "building MLP()",
    "mlp_influence": "running MLP() on a batch and back-propagating to its input",
    "mlp_outputs": "running MLP() on a batch",
    "mlp_output_range": "running MLP() on a batch, also with its last layer's output scaled up",
    "mlp_per_sample": "running MLP() on a batch and on each of its samples",
    "mlp_registration": "running, back-propagating through and stepping MLP()",
    "mlp_outputs_in_training": "running MLP() through your train_epoch",
    "train_instrumented": "calling train_epoch on the grader's model and batches",
    "train_sgd": "calling train_epoch with SGD on the grader's model",
    "test_instrumented": "calling test_epoch on the grader's model and batches",
    "accuracy_start": "building MLP() and make_dataloaders for the accuracy run",
    "accuracy_part": "training your MLP with your train_epoch for the accuracy run",
}

REPLACED = "Replaced"  # the error type of an observation made while student code had replaced what it relies on
