"""Fetch MNIST into DATA_DIR/MNIST/raw/ when it is missing or corrupt: ``python -m grader.download DATA_DIR``.

The four uncompressed files are checked against MNIST's md5s (a fraction of a second), so when they
are all there nothing is fetched and torch is not even imported. Each missing or corrupt file is
downloaded with torchvision's machinery (its mirrors, a progress bar) into a scratch folder, unpacked,
checked, and only then moved into place: a partial or corrupt download never reaches the grader.
``MNIST_MIRROR`` (http(s) URLs of folders holding the four ``.gz`` files, space-separated, tried in
order) replaces torchvision's mirrors.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import sys
import tempfile
from http.client import HTTPException
from pathlib import Path

from grader.intake.data import DataNotFound, raw_folder

MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
TIMEOUT_S = 60  # urllib waits forever by default; a dead network should end in a message instead


class ChecksumMismatch(RuntimeError):
    """A mirror served a file that is not MNIST's."""


def md5(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "md5").hexdigest()


def bad_files(folder: Path) -> list[str]:
    """The files of MNIST/raw/ that are missing or whose md5 is not MNIST's."""
    return [name for name, digest in MD5.items() if not (folder / name).is_file() or md5(folder / name) != digest]


def mirrors() -> list[str]:
    from torchvision.datasets import MNIST  # imported only when something must be fetched: torch takes seconds

    chosen = os.environ.get("MNIST_MIRROR", "").split()
    return [mirror.rstrip("/") + "/" for mirror in chosen] or list(MNIST.mirrors)


def fetch(name: str, folder: Path) -> None:
    """Download ``name``.gz from the first mirror that serves MNIST's file, and put it in ``folder``."""
    from torchvision.datasets.utils import download_and_extract_archive

    errors = []
    for mirror in mirrors():
        print(f"Downloading {mirror}{name}.gz", file=sys.stderr)
        with tempfile.TemporaryDirectory(dir=folder, prefix=".download-") as scratch:
            try:
                download_and_extract_archive(f"{mirror}{name}.gz", scratch, remove_finished=True)
                if md5(Path(scratch, name)) != MD5[name]:
                    raise ChecksumMismatch(f"{name} has the wrong md5")
            except (OSError, RuntimeError, EOFError, HTTPException) as error:  # URLError and BadGzipFile included
                errors.append(f"{mirror}: {error}")
                continue
            os.replace(Path(scratch, name), folder / name)
            return
    raise DataNotFound("; ".join(errors))


def ensure(root: Path) -> None:
    """Make ``root``/MNIST/raw/ hold MNIST's four files, fetching what is missing or corrupt.

    Raises DataNotFound with a one-line message saying what is missing and what to do."""
    folder = raw_folder(root)
    todo = bad_files(folder)
    for index, name in enumerate(todo):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fetch(name, folder)
        except OSError as error:  # DataNotFound included
            reason = " ".join(str(error).split())
            raise DataNotFound(
                f"MNIST is not in {folder}/ (missing or corrupt: {', '.join(todo[index:])}) and could not be "
                f"downloaded ({reason}). Either put the four files ({', '.join(MD5)}) in {folder}/, or point "
                "DATA_DIR at a folder that holds a copy in MNIST/raw/ (make grade DATA_DIR=path/to/folder)."
            ) from error


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.download", description=__doc__.splitlines()[0],
                                     epilog="MNIST_MIRROR: space-separated http(s) URLs of folders holding the four "
                                            ".gz files, tried in order instead of torchvision's mirrors")
    parser.add_argument("data_dir", type=Path, help="the folder that holds (or will hold) MNIST/raw/")
    socket.setdefaulttimeout(TIMEOUT_S)
    try:
        ensure(parser.parse_args().data_dir)
    except DataNotFound as error:
        print(error, file=sys.stderr)
        return 2
    return 0

