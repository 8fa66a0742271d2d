"""MNIST as the grader reads it: the raw IDX files of torchvision's layout, read with NumPy alone.

The grading process never imports torch and reads only the labels: the test labels to score
predictions, the training labels to check what a student's loaders yield. It stages the data for
workers with the test labels replaced by decoys, so that student code never sees the real ones.
"""

from __future__ import annotations

import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FILES = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}
SIZES = {"train": 60_000, "test": 10_000}
DECOY_SEED = 20261127


class DataNotFound(FileNotFoundError):
    """MNIST is not where the grader was told to look."""


def raw_folder(root: Path) -> Path:
    return Path(root) / "MNIST" / "raw"


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (the MNIST format): a magic number giving dtype and rank, the sizes, the data."""
    raw = bytearray(path.read_bytes())  # writable, so torch.as_tensor shares it without a warning
    if len(raw) < 4 or raw[:3] != b"\0\0\x08":
        raise DataNotFound(f"{path} is not an MNIST IDX file of unsigned bytes")
    rank = raw[3]
    shape = tuple(int(n) for n in np.frombuffer(raw, ">u4", count=rank, offset=4))
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * rank)
    if data.size != int(np.prod(shape)):
        raise DataNotFound(f"{path} is truncated: {data.size} bytes for shape {shape}")
    return data.reshape(shape)


def write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    path.write_bytes(header + np.ascontiguousarray(array, np.uint8).tobytes())


@dataclass(frozen=True)
class Labels:
    """MNIST's labels, uint8 [60000] and [10000]; the images are the workers' business."""

    train: np.ndarray
    test: np.ndarray

    @classmethod
    def load(cls, root: Path) -> Labels:
        require(root)
        folder = raw_folder(root)
        labels = {}
        for split in SIZES:
            path = folder / FILES[split, "labels"]
            labels[split] = read_idx(path)
            if len(labels[split]) != SIZES[split]:
                raise DataNotFound(f"{path} holds {len(labels[split])} labels, not {SIZES[split]}")
        return cls(labels["train"], labels["test"])


def decoy_test_labels() -> np.ndarray:
    """Test labels that look real but are not: what workers see in place of the true ones."""
    return np.random.default_rng(DECOY_SEED).integers(0, 10, SIZES["test"]).astype(np.uint8)


def require(root: Path) -> None:
    """Fail at once, with what to do, if MNIST's files are not where the grader was told to look."""
    folder = raw_folder(root)
    missing = [name for name in FILES.values() if not (folder / name).is_file()]
    if missing:
        raise DataNotFound(
            f"MNIST not found in {folder} (missing {', '.join(missing)}); download it there with "
            f"`make data DATA_DIR={root}` (make grade, train and test do so by themselves), put the four files in "
            f"{folder}/, or point --data-dir (make grade DATA_DIR=...) at a folder that holds a copy in MNIST/raw/"
        )


def real_test_labels(root: Path) -> Path:
    return raw_folder(root) / FILES["test", "labels"]


def stage(root: Path, into: Path) -> Path:
    """MNIST for workers: the real images and training labels, and decoy test labels.

    A file every user may read is linked (a jail binds it by what the link resolves to); one kept
    from other users is copied, so that the grading user can read it all the same."""
    source, target = raw_folder(root), raw_folder(into)
    target.mkdir(parents=True, exist_ok=True)
    for key, name in FILES.items():
        if key == ("test", "labels"):
            write_idx(target / name, decoy_test_labels())
        elif readable_by_others(source / name):
            try:
                (target / name).symlink_to((source / name).resolve())
            except OSError:  # Windows lets only administrators (or developer mode) make links: a copy does
                shutil.copyfile(source / name, target / name)
        else:
            shutil.copyfile(source / name, target / name)
    return into


def readable_by_others(path: Path) -> bool:
    """Whether a user with no special rights could read ``path`` (every folder above it passable)."""
    path = Path(path).resolve()
    try:
        if not path.stat().st_mode & stat.S_IROTH:
            return False
        return all(folder.stat().st_mode & stat.S_IXOTH for folder in path.parents)
    except OSError:
        return False
