"""A Docker daemon of the kit's own, for the container tests and the Gradescope image's proof.

Its socket, data root and exec root live in a folder of its own, and it changes nothing of the machine's
network (no bridge, no iptables rules), so it can run beside any other daemon. It needs root, ``dockerd``
and ``docker`` (Debian: ``apt-get install docker.io``); where it cannot start, ``DockerUnavailable`` says why
in one line.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

from grader.sandbox import users


class DockerUnavailable(RuntimeError):
    """No Docker daemon can run here; the message says why."""


@contextmanager
def daemon(start_seconds: float = 60) -> Iterator[list[str]]:
    """Start a daemon of our own; yield the ``docker`` command line that talks to it; stop it and remove all
    it stored (images, containers) when done."""
    dockerd, client = shutil.which("dockerd"), shutil.which("docker", path="/usr/bin") or shutil.which("docker")
    if dockerd is None or client is None or not users.is_root():
        raise DockerUnavailable("dockerd and docker are not installed, or this does not run as root "
                                "(apt-get install docker.io)")
    home = Path(tempfile.mkdtemp(prefix="kit-docker-", dir="/tmp"))  # a short path: a socket's is bounded
    socket = home / "sock"
    process = subprocess.Popen([dockerd, "--host", f"unix://{socket}", "--data-root", str(home / "data"),
                                "--exec-root", str(home / "exec"), "--pidfile", str(home / "pid"), "--bridge=none",
                                "--iptables=false", "--ip-forward=false", "--ip-masq=false"],
                               stdout=subprocess.DEVNULL, stderr=(home / "log").open("wb"))
    command = [client, "-H", f"unix://{socket}"]
    try:
        deadline = time.monotonic() + start_seconds
        while subprocess.run([*command, "info"], capture_output=True).returncode != 0:
            if process.poll() is not None or time.monotonic() > deadline:
                lines = (home / "log").read_text(errors="replace").strip().splitlines()
                raise DockerUnavailable(f"dockerd did not start ({lines[-1] if lines else 'no output'})")
            time.sleep(0.5)
        yield command
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        for mounted in _mounts_under(home):  # its images' layers, the network namespace files it made
            subprocess.run(["umount", "-l", mounted], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def _mounts_under(folder: Path) -> list[str]:
    """The mount points at or below ``folder``, deepest first."""
    points = [partition.mountpoint for partition in psutil.disk_partitions(all=True)]
    return sorted((point for point in points if Path(point).is_relative_to(folder)), key=len, reverse=True)
