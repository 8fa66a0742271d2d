"""First contact: on a fresh machine the README's commands are all it takes, MNIST included.

The kit is copied as a newcomer's clone holds it (its files, committed or not; no data, no caches), and
make is given the existing venv in place of the one it would install (torch takes minutes and gigabytes).
MNIST comes from a loopback mirror of gzipped copies of the tests' data, through the real downloader,
checksums included: nothing here reaches the internet.
"""

from __future__ import annotations

import gzip
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.config.paths import KIT_ROOT
from grader.intake.data import FILES, raw_folder
from grader.intake.download import MD5, bad_files, md5
from kit.mirror import gzipped, serve

README = KIT_ROOT / "README.md"
# This venv, taken as installed (-o: its stamps are not remade). A symlinked .venv would not do: the
# sandbox hides the kit's folder from workers, and the link with it.
VENV = Path(sys.prefix)
THIS_VENV = ("-o", f"{VENV}/.installed", "-o", f"{VENV}/.installed-dev", f"VENV={VENV}")


def readme_commands() -> list[str]:
    """The commands in the fenced block under the README's "## The two commands"."""
    section = README.read_text().split("## The two commands", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]


def makefile_targets(makefile: Path = KIT_ROOT / "Makefile") -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", makefile.read_text(), re.M))


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without what `make test` passes down (its variables, DATA_DIR, the venv on PATH)."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATA_DIR", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "VIRTUAL_ENV"}}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    return env | extra


def download(data_dir: Path, mirrors: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.download", str(data_dir)], cwd=KIT_ROOT, capture_output=True,
                          text=True, timeout=120, env=clean_env(MNIST_MIRROR=mirrors))


def dead_mirror() -> str:
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/"


@pytest.fixture(scope="module")
def mirror(tmp_path_factory, data_dir) -> Iterator[str]:
    """A loopback mirror: good/ serves MNIST's four .gz files; bad/ a cut-off download of the test labels
    and training labels that unpack to the wrong bytes."""
    root = tmp_path_factory.mktemp("mirror")
    good = gzipped(data_dir, root / "good")
    bad = root / "bad"
    bad.mkdir()
    (bad / "t10k-labels-idx1-ubyte.gz").write_bytes((good / "t10k-labels-idx1-ubyte.gz").read_bytes()[:999])
    (bad / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"\0\0\x08\x01\0\0\xea\x60" + bytes(60_000)))
    with serve(root) as url:
        yield url


@pytest.fixture(scope="module")
def newcomer_kit(tmp_path_factory) -> Path:
    """The kit's files as a clone of the working tree holds them."""
    kit = tmp_path_factory.mktemp("newcomer") / "mnist-mlp"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=KIT_ROOT,
                            capture_output=True, check=True).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (KIT_ROOT / name).is_file():  # a tracked file deleted in the working tree is still listed
            (kit / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(KIT_ROOT / name, kit / name)
    return kit


def test_readme_commands_are_the_makefiles_and_ci_runs_the_test_one():
    commands = readme_commands()
    assert commands == ["make grade", "make test"]
    mentioned = set(re.findall(r"`make ([a-z][\w-]*)", README.read_text()))
    assert {"grade", "test", "data", "nbgrader-generate", "nbgrader-autograde"} <= mentioned <= makefile_targets()
    ci = [shlex.split(line) for line in (KIT_ROOT / ".ci" / "run").read_text().splitlines() if line.startswith("make ")]
    assert len(ci) == 1 and ci[0][:2] == shlex.split(commands[1])
    assert [word.split("=", 1)[0] for word in ci[0][2:]] == ["DATA_DIR"]


def test_make_grade_on_a_fresh_clone_downloads_mnist_and_grades(newcomer_kit, mirror):
    make, *args = shlex.split(readme_commands()[0])
    done = subprocess.run([make, *args, *THIS_VENV], cwd=newcomer_kit, capture_output=True, text=True, timeout=600,
                          env=clean_env(MNIST_MIRROR=f"{mirror}good/"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stderr.count("Downloading") == len(MD5) and "100%" in done.stderr  # with a progress bar
    assert bad_files(newcomer_kit / "data" / "MNIST" / "raw") == []
    assert "Score: 0 / 100" in done.stdout  # the stubs, graded


def test_nbgrader_round_trip_starts_with_make(newcomer_kit):
    done = subprocess.run(["make", "nbgrader-generate", *THIS_VENV], cwd=newcomer_kit, capture_output=True,
                          text=True, timeout=300, env=clean_env())
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    released = newcomer_kit / "dist" / "nbgrader" / "release" / "mnist_mlp" / "mnist_mlp.ipynb"
    assert "raise NotImplementedError()" in released.read_text()


def test_data_already_there_is_checked_not_fetched(data_dir):
    assert set(MD5) == set(FILES.values())
    assert bad_files(raw_folder(data_dir)) == []
    done = download(data_dir, dead_mirror())
    assert (done.returncode, done.stderr) == (0, "")


def test_corrupt_or_missing_files_are_fetched_again_and_bad_downloads_refused(tmp_path, data_dir, mirror):
    ours, theirs = raw_folder(tmp_path), raw_folder(data_dir)
    ours.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte", "t10k-images-idx3-ubyte"):
        (ours / name).symlink_to(theirs / name)
    corrupt = ours / "t10k-labels-idx1-ubyte"
    corrupt.write_bytes((theirs / corrupt.name).read_bytes()[:-1] + b"\x0b")  # one label out of range

    done = download(tmp_path, f"{mirror}bad/ {mirror}good/")
    assert done.returncode == 0, done.stderr
    fetched = re.findall(r"Downloading (\S+)", done.stderr)
    assert fetched == [f"{mirror}{side}/{name}.gz" for name in ("train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte")
                       for side in ("bad", "good")]
    assert bad_files(ours) == [] and md5(corrupt) == MD5[corrupt.name]
    assert (ours / "train-images-idx3-ubyte").is_symlink()  # a good file is left alone
    assert sorted(path.name for path in ours.iterdir()) == sorted(MD5)  # no scratch or archive left behind


def test_offline_says_what_is_missing_and_the_two_ways_out(tmp_path):
    done = download(tmp_path / "data", dead_mirror())
    assert done.returncode != 0
    [message] = [line for line in done.stderr.splitlines() if not line.startswith("Downloading")]
    assert all(name in message for name in MD5)
    assert f"{raw_folder(tmp_path / 'data')}/" in message and "DATA_DIR" in message
    assert list(raw_folder(tmp_path / "data").iterdir()) == []


def test_a_python_too_old_gets_one_line_and_no_venv(tmp_path):
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(KIT_ROOT / name, tmp_path / name)
    old = tmp_path / "python3.10"
    old.write_text(f'#!/bin/sh\nexec {sys.executable} -c "import sys; sys.version_info = (3, 10, 12)\n$2"\n')
    old.chmod(0o755)
    done = subprocess.run(["make", "grade", f"PYTHON={old}"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env=clean_env())
    assert done.returncode != 0 and not (tmp_path / ".venv").exists()
    assert done.stderr.splitlines()[0].startswith(f"The kit needs Python 3.11 or newer; {old} is 3.10 ")


def test_torch_cpu_falls_back_to_the_default_index_in_one_line(tmp_path):
    """`make grade TORCH=cpu` where PyTorch's CPU-only index is out of reach (a Python that fails every install
    from that index, and logs what it is asked): one line says so, and the default index's torch is installed."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(KIT_ROOT / name, tmp_path / name)
    log = tmp_path / "asked"
    python = tmp_path / "python3"
    python.write_text(f'#!/bin/sh\necho "$*" >> {log}\ncase "$*" in\n'
                      '  "-m venv "*) mkdir -p "$3/bin" && cp "$0" "$3/bin/python" ;;\n'
                      '  *--index-url*) echo "ERROR: Could not find a version that satisfies torch" >&2; exit 1 ;;\n'
                      'esac\n')
    python.chmod(0o755)
    done = subprocess.run(["make", ".venv/.installed", f"PYTHON={python}", "TORCH=cpu"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, env=clean_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == "" and "CPU-only index is unreachable: installing torch from the default index" in done.stdout
    asked = log.read_text().splitlines()
    pins = re.findall(r'"(torch[a-z]*==[^"]+)"', (KIT_ROOT / "pyproject.toml").read_text())
    assert len(pins) == 2 and asked[2].endswith(f"--index-url https://download.pytorch.org/whl/cpu {' '.join(pins)}")
    assert asked[3] == "-m pip install --quiet --editable ."
