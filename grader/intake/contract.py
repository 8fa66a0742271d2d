"""The contract of a submission: its files, the public names each defines, the parameters the grader
calls them with; and what never belongs to one."""

from __future__ import annotations

# The contract's public names, per file, with the positional parameters each callable takes.
CONTRACT: dict[str, dict[str, tuple[str, ...] | None]] = {
    "dataset.py": {"MNISTDataset": None, "make_dataloaders": ("root", "batch_size")},
    "model.py": {"MLP": None},
    "training.py": {
        "train_epoch": ("model", "optimizer", "dataloader", "criterion", "device"),
        "test_epoch": ("model", "dataloader", "criterion", "device"),
    },
}
MODULES = tuple(CONTRACT)  # dataset.py, model.py, training.py
PARTS = frozenset(name for names in CONTRACT.values() for name in names)
MAX_FILE_BYTES = 1 << 20  # a module; more is data, which has no place in code
MAX_ARCHIVE_BYTES = 64 << 20  # what an archive's modules, notebooks and inner archives may unpack to


def ignored(name: str) -> bool:
    """What tools add beside a student's files: macOS's ``__MACOSX/``, ``._name`` companions and ``.DS_Store``,
    Jupyter's ``.ipynb_checkpoints/``, Python's ``__pycache__/``, and every other hidden file."""
    return name.startswith((".", "__MACOSX", "__pycache__"))
