"""``make gradescope-image``: the Gradescope autograder built for real in Docker, then graded through.

Gradescope builds an autograder's image by running ``setup.sh`` as root in a fresh Ubuntu with the zip
unzipped in /autograder/source, and grades each upload by running ``run_autograder`` in a container of that
image, as root, under Docker's default capabilities. This does the same here, in a Docker daemon of its own
(``kit.docker``):

1. a Debian root file system (``debootstrap --variant=minbase``, or ``--rootfs`` for one already made),
   imported as an image;
2. ``setup.sh`` from ``make gradescope``'s zip run in it with the network (``apt-get`` and ``pip`` reach the
   package registries; MNIST comes from ``--data-dir`` through a mirror on the loopback, as torchvision's
   mirrors may be out of reach), the container committed as the autograder's image;
3. four uploads graded through ``run_autograder`` with no network and Gradescope's default memory: the
   reference, a bug, a notebook and an empty upload, each against what it must get.

It prints how long each step took, the image's size and each grade; it exits 1 if a grade is not the one
expected. It needs root, ``docker.io`` and ``debootstrap`` and downloads a few GB; it is not part of
``make test``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.config.paths import SOLUTIONS
from kit import gradescope_zip
from kit.docker import DockerUnavailable, daemon
from kit.mirror import gzipped, serve
from kit.nbgrader_course import build_notebook

BASE, IMAGE = "kit-gradescope-base", "kit-gradescope"
SUITE, MIRROR = "bookworm", "http://deb.debian.org/debian"
GRADESCOPE_MEMORY = "768m"  # Gradescope's default for an autograder's container


@dataclass(frozen=True)
class Upload:
    """What a student uploads, and the grade it must get."""

    name: str
    make: Callable[[Path], None]  # writes the upload's files into the folder it is given
    expected: Callable[[dict], bool]  # of Gradescope's results.json
    says: str


def reference(folder: Path) -> None:
    for path in SOLUTIONS.glob("*.py"):
        shutil.copy(path, folder / path.name)


def without_zero_grad(folder: Path) -> None:
    reference(folder)
    training = folder / "training.py"
    training.write_text(training.read_text().replace("        optimizer.zero_grad()\n", ""))


def notebook(folder: Path) -> None:
    nbformat.write(build_notebook(SOLUTIONS), folder / "lab.ipynb")


def lost(results: dict) -> set[str]:
    return {test["name"].split(":")[0] for test in results["tests"] if test["score"] < test["max_score"]}


UPLOADS = (
    Upload("reference", reference, lambda r: r["score"] == 100, "100"),
    Upload("no zero_grad", without_zero_grad, lambda r: 0 < r["score"] < 100, "less than 100"),
    Upload("notebook", notebook, lambda r: r["score"] == 100, "100"),
    Upload("empty upload", lambda folder: None, lambda r: r["score"] == 0 and "could not start" not in r["output"],
           "0, with the grader's message, not run_autograder's last resort"),
)


def step(what: str) -> Callable[[Callable], Callable]:
    """Print ``what`` before the step and its time after it."""
    def wrap(function: Callable) -> Callable:
        @functools.wraps(function)
        def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            print(f"{what} ...", flush=True)
            started = time.monotonic()
            result = function(*args, **kwargs)
            print(f"{what}: {time.monotonic() - started:.0f} s", flush=True)
            return result
        return timed
    return wrap


@step("root file system (debootstrap)")
def root_file_system(folder: Path) -> Path:
    if not (folder / "usr" / "bin").is_dir():
        subprocess.run(["debootstrap", "--variant=minbase", SUITE, str(folder), MIRROR], check=True,
                       stdout=subprocess.DEVNULL)
    return folder


@step("image of the root file system")
def import_root(docker: list[str], folder: Path) -> None:
    tar = subprocess.Popen(["tar", "-C", str(folder), "-c", "."], stdout=subprocess.PIPE)
    subprocess.run([*docker, "import", "-", BASE], stdin=tar.stdout, check=True, stdout=subprocess.DEVNULL)
    if tar.wait() != 0:
        raise RuntimeError(f"tar could not read {folder}")


@step("setup.sh (the autograder's image)")
def run_setup(docker: list[str], source: Path, mirror: str, log: Path, pip_cert: Path | None) -> None:
    trust = ["-v", f"{pip_cert.resolve()}:/etc/kit-pip-cert.pem:ro", "-e", "PIP_CERT=/etc/kit-pip-cert.pem"] \
        if pip_cert else []
    script = ("mkdir -p /autograder && cp -a /stage /autograder/source && "
              "cp /autograder/source/run_autograder /autograder/run_autograder && "
              "cd /autograder/source && bash ./setup.sh")
    with log.open("w") as output:
        done = subprocess.run([*docker, "run", "--name", "kit-gradescope-build", "--network", "host",
                               "-e", f"MNIST_MIRROR={mirror}", *trust, "-v", f"{source}:/stage:ro", BASE,
                               "/bin/bash", "-c", script], stdout=output, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise RuntimeError(f"setup.sh failed (exit {done.returncode}); its output: {log}")
    subprocess.run([*docker, "commit", "kit-gradescope-build", IMAGE], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([*docker, "rm", "kit-gradescope-build"], check=True, stdout=subprocess.DEVNULL)


def grade(docker: list[str], upload: Upload, scratch: Path) -> tuple[dict, float]:
    """``run_autograder`` on ``upload`` in a container of the image, as Gradescope runs it."""
    submission, results = scratch / "submission", scratch / "results"
    submission.mkdir(parents=True)
    results.mkdir()
    upload.make(submission)
    started = time.monotonic()
    subprocess.run([*docker, "run", "--rm", "--network", "none", "--memory", GRADESCOPE_MEMORY, "--memory-swap",
                    GRADESCOPE_MEMORY, "-v", f"{submission}:/autograder/submission:ro",
                    "-v", f"{results}:/autograder/results", IMAGE, "/autograder/run_autograder"],
                   check=True, capture_output=True, timeout=900)
    return json.loads((results / "results.json").read_text()), time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kit.gradescope_image", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data"), help="where MNIST is (DIR/MNIST/raw/)")
    parser.add_argument("--rootfs", type=Path, default=Path("dist/gradescope/rootfs"),
                        help="the Debian root file system: made with debootstrap unless it is there")
    parser.add_argument("--pip-cert", type=Path, default=os.environ.get("PIP_CERT") or None,
                        help="a CA bundle for pip in the build, where a proxy re-signs TLS (default: $PIP_CERT)")
    args = parser.parse_args(argv)
    if shutil.which("debootstrap") is None and not (args.rootfs / "usr" / "bin").is_dir():
        parser.error("debootstrap is not installed (apt-get install debootstrap), and --rootfs has no root file system")
    with tempfile.TemporaryDirectory(prefix="kit-gradescope-") as scratch_name:
        scratch = Path(scratch_name)
        source = scratch / "source"
        gradescope_zip.unzip(gradescope_zip.build(scratch / "autograder.zip"), source)
        try:
            with serve(gzipped(args.data_dir, scratch / "mirror")) as mirror, daemon() as docker:
                import_root(docker, root_file_system(args.rootfs))
                run_setup(docker, source, mirror, args.rootfs.parent / "setup.log", args.pip_cert)
                size = int(subprocess.run([*docker, "image", "inspect", "-f", "{{.Size}}", IMAGE], check=True,
                                          capture_output=True, text=True).stdout)
                print(f"image: {size / 1e9:.2f} GB (setup.sh's output: {args.rootfs.parent / 'setup.log'})")
                wrong = 0
                for number, upload in enumerate(UPLOADS):
                    results, took = grade(docker, upload, scratch / f"upload{number}")
                    right = upload.expected(results)
                    wrong += not right
                    first = results["output"].strip().splitlines()[0] if results["output"].strip() else ""
                    print(f"{upload.name}: {results['score']:g} in {took:.0f} s ({'as' if right else 'NOT as'} "
                          f"expected: {upload.says}); lost: {', '.join(sorted(lost(results))) or 'nothing'}; {first}")
        except DockerUnavailable as reason:
            print(f"kit.gradescope_image: no Docker container can run here: {reason}", file=sys.stderr)
            return 2
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
