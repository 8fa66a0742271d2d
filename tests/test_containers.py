"""Graders in real Docker containers, as Gradescope's autograder runs them: as root, with Docker's default
seccomp profile and capabilities (bubblewrap cannot make namespaces there: the grader runs in its
``processes`` mode), no network, and the memory Gradescope gives by default.

A Docker daemon of the test's own is started (its socket, data and state under a folder of its own, no
network changes); the image is a handful of empty folders, with this machine's ``/usr``, ``/lib``, the
Python installation and its environment bind-mounted read-only, and a copy of the kit. Where no daemon can
start (no ``dockerd``, not root, a machine that allows no containers), the module is skipped with one line
that says why.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.config.paths import KIT_ROOT, RUBRIC, SOLUTIONS
from grader.outputs.results import RESULTS_FILE, Results
from kit.docker import DockerUnavailable, daemon
from tests.conftest import run_grader
from tests.hostile import HOSTILE
from tests.zoo import ZOO

pytestmark = pytest.mark.xdist_group("containers")  # one daemon, one test process
IMAGE = "kit-grader-base"
SYSTEM = ("/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc")  # this machine's, read-only in every container
BUGS = ("no_zero_grad", "inputs_not_moved", "softmax_output", "test_loader_drop_last")
HAZARDS = ("fork_bomb", "thread_bomb", "memory_spread", "fill_temp", "daemon", "forge_results")
GRADESCOPE_MEMORY = "768m"  # Gradescope's default for an autograder
# What a case says in a container where it says something else on the host (none now: Docker's default
# capabilities leave out CAP_SYS_PTRACE, and the grader reads the grading user's memory maps as that user).
SAID_IN_A_CONTAINER: dict[str, tuple[str, ...]] = {}
# Run a command as the container's first process would, then print the processes still alive (but zombies).
# A process still tearing down (multiprocessing's resource tracker, whose parent just exited) gets 5 seconds.
THEN_LIST_WHAT_IS_LEFT = """
import os, subprocess, sys, time
code = subprocess.call(sys.argv[1:])

def alive():
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            continue
        if int(pid) != os.getpid() and stat.rsplit(")", 1)[1].split()[0] != "Z":
            left.append(stat.split(")")[0] + ")")
    return left

deadline = time.monotonic() + 5
while (left := alive()) and time.monotonic() < deadline:
    time.sleep(0.1)
print("LEFT", left)
sys.exit(code)
"""


@dataclass
class Docker:
    """A Docker daemon of the test's own, with the kit copied where containers may write its cache."""

    client: list[str]
    kit: Path
    data: Path

    def run(self, command: list[str], *, binds: dict[Path, str] = (), memory: str | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
        """``command`` in a fresh container of the base image, as root, with Docker's defaults but no network."""
        mounts = [f"{path}:{path}:ro" for path in SYSTEM if Path(path).exists()]
        python = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(sys.prefix)}
        mounts += [f"{path}:{path}:ro" for path in sorted(python)]
        mounts += [f"{self.kit}:/kit", f"{self.data}:/data:ro"]
        mounts += [f"{path}:{inside}" for path, inside in dict(binds).items()]
        limits = ["--memory", memory, "--memory-swap", memory] if memory else ["--memory", "6g", "--pids-limit", "4000"]
        return subprocess.run([*self.client, "run", "--rm", "--network", "none", *limits,
                               *(argument for mount in mounts for argument in ("-v", mount)), "-w", "/kit", IMAGE,
                               str(Path(sys.prefix) / "bin" / "python"), *command],
                              capture_output=True, text=True, timeout=timeout)

    def grade(self, submission: Path, out: Path, memory: str | None = None) -> tuple[subprocess.CompletedProcess, Path]:
        """``python -m grader`` in a container, of ``submission``; what it did, and where its results are."""
        out.mkdir(parents=True, exist_ok=True)
        done = self.run(["-m", "grader", "/submission", "--data-dir", "/data", "--results", f"/out/{RESULTS_FILE}"],
                        binds={submission: "/submission:ro", out: "/out"}, memory=memory)
        return done, out / RESULTS_FILE

    def grade_class(self, folder: Path, out: Path, rubric: Path | None = None) -> subprocess.CompletedProcess:
        """``grade-all`` in a container, of the class in ``folder``, into ``out``; then, in its last line of
        output, the processes still alive in the container (its first process, which waits, aside)."""
        out.mkdir(parents=True, exist_ok=True)
        binds = {folder: "/class:ro", out: "/out"}
        command = [sys.executable, "-m", "grader.batch", "/class", "--data-dir", "/data", "--out", "/out",
                   "--workers", "2"]
        if rubric is not None:
            binds[rubric] = "/rubric.toml:ro"
            command += ["--rubric", "/rubric.toml"]
        return self.run(["-c", THEN_LIST_WHAT_IS_LEFT, *command], binds=binds)


def _skip(reason: str) -> None:
    pytest.skip(f"no Docker container can run here: {reason}")


@pytest.fixture(scope="module")
def docker(data_dir, tmp_path_factory) -> Iterator[Docker]:
    try:
        with daemon() as command:
            subprocess.run([*command, "import", "-", IMAGE], input=_base_image(), capture_output=True, check=True)
            kit = tmp_path_factory.mktemp("kit-in-containers")
            _copy_kit(kit)
            yield Docker(command, kit, data_dir)
    except DockerUnavailable as reason:
        _skip(str(reason))


def _base_image() -> bytes:
    """A root file system of empty folders, as a tar: what the bind mounts fill."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as image:
        for folder, mode in (("tmp", 0o1777), ("var/tmp", 0o1777), ("proc", 0o555), ("sys", 0o555), ("dev", 0o755),
                             ("root", 0o700), ("kit", 0o755), ("data", 0o755), ("out", 0o755)):
            entry = tarfile.TarInfo(folder)
            entry.type, entry.mode = tarfile.DIRTYPE, mode
            image.addfile(entry)
    return buffer.getvalue()


def _copy_kit(into: Path) -> None:
    """The kit's own files (as a clone has them, caches left out), for containers to grade with."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=KIT_ROOT, capture_output=True,
                            text=True, check=True).stdout.splitlines()
    for name in listed:
        source = KIT_ROOT / name
        if source.is_file() and not source.is_symlink():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)


def reference(into: Path) -> Path:
    return Path(shutil.copytree(SOLUTIONS, into, ignore=shutil.ignore_patterns("__pycache__")))


def lost(results: Results) -> set[str]:
    return {check for check, outcome in results.checks.items() if outcome.score < outcome.max_score}


def test_a_class_in_a_container_gets_the_verdicts_it_gets_on_the_host(docker, tmp_path):
    folder = tmp_path / "class"
    reference(folder / "reference")
    bugs = [bug for bug in ZOO if bug.name in BUGS]
    for bug in bugs:
        bug.apply(folder / bug.name)
    done = docker.grade_class(folder, tmp_path / "out")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "LEFT []", done.stdout[-3000:]
    assert Results.read(tmp_path / "out" / "reference" / RESULTS_FILE).score == 100
    for bug in bugs:
        graded = Results.read(tmp_path / "out" / bug.name / RESULTS_FILE)
        assert lost(graded) == bug.loses, (bug.name, graded.output)
        assert "Sandbox: processes" in graded.output  # bubblewrap cannot make namespaces under Docker's seccomp


def test_machine_hazards_are_contained_in_a_container(docker, tmp_path):
    """A fork bomb, a thread bomb, memory over many processes, temporary files without end, a daemon that
    detaches and a forger, graded by warm graders in a container whose own limits stay far above the
    grader's: each gets its true score, and nothing of them outlives the grade (the container's grades end
    before the container does)."""
    folder = tmp_path / "class"
    folder.mkdir()
    cases = [case for case in HOSTILE if case.name in HAZARDS]
    for case in cases:
        made = case.make(tmp_path / "made" / case.name)
        made.rename(folder / (case.name + made.suffix))
    reference(folder / "reference")
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(RUBRIC.read_text().replace("check_seconds = 60", "check_seconds = 30")
                      .replace("memory_mb = 3072", "memory_mb = 2048").replace("tasks = 256", "tasks = 128")
                      .replace("disk_mb = 512", "disk_mb = 256"))
    out = tmp_path / "out"
    done = docker.grade_class(folder, out, rubric)
    assert done.returncode == 0, done.stderr[-3000:]  # and the container, the outer limit, was not killed
    assert done.stdout.strip().splitlines()[-1] == "LEFT []", done.stdout[-3000:]
    for case in cases:
        graded = Results.read(out / case.name / RESULTS_FILE)
        assert lost(graded) == case.bug.loses, (case.name, graded.output)
        said = case.says(graded)
        expected = SAID_IN_A_CONTAINER.get(case.name, (case.message,))
        assert any(message in said for message in expected), f"{case.name}: {said}"
    assert Results.read(out / "reference" / RESULTS_FILE).score == 100


def test_at_gradescopes_memory_the_reference_gets_full_marks_and_below_it_one_line(docker, tmp_path):
    done, results = docker.grade(SOLUTIONS, tmp_path / "768", memory=GRADESCOPE_MEMORY)
    assert done.returncode == 0 and Results.read(results).score == 100, done.stdout[-3000:]
    done, results = docker.grade(SOLUTIONS, tmp_path / "512", memory="512m")
    assert done.returncode == 2 and not results.exists(), done.stdout[-3000:]
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("grader: the grader needs") and "512 MiB here" in line, line


def test_graders_on_the_host_and_in_containers_never_touch_each_other(docker, data_dir, tmp_path):
    """A grade on the host and two in containers, all at once: each gets the reference's 100. Before, a
    grader on the host and one in a container both claimed uid 62000 (their claims live in different network
    namespaces) and each killed the other's student processes."""
    def on_host() -> float:
        results = tmp_path / "host" / RESULTS_FILE
        results.parent.mkdir()
        done = run_grader(SOLUTIONS, "--data-dir", data_dir, "--results", results, "--no-bubblewrap")
        assert done.returncode == 0, done.stderr
        return Results.read(results).score

    def in_container(name: str) -> float:
        done, results = docker.grade(SOLUTIONS, tmp_path / name)
        assert done.returncode == 0, done.stderr[-3000:]
        return Results.read(results).score

    with ThreadPoolExecutor(3) as pool:
        scores = [pool.submit(on_host), pool.submit(in_container, "one"), pool.submit(in_container, "two")]
        assert [score.result(timeout=900) for score in scores] == [100, 100, 100]
    uids = {Results.read(tmp_path / name / RESULTS_FILE).output.split("as uid ")[1].split(",")[0]
            for name in ("host", "one", "two")}
    assert len(uids) == 3, "graders in different namespaces took the same uid"
