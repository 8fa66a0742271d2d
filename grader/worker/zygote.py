"""The zygote: imports torch and loads MNIST once, then forks a fresh child for every check.

It talks to the grading process over a ``SOCK_SEQPACKET`` socket. ``spawn`` arrives with two file
descriptors, the check's session socket and the pipe that captures its output; the zygote forks a
child that serves observer calls on that socket. ``reap`` kills the child and everything it started,
and reports how the child ended. The zygote never imports the submission itself.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import sys
import time
from pathlib import Path

import torch  # noqa: F401  (imported once here, inherited by every child)
import torchvision  # noqa: F401

from grader import data, processes, wire
from grader.worker import observe
from grader.worker.student import StudentCode, describe_error

MAX_REQUEST = 64 << 20


def load_mnist(root: Path) -> dict:
    """The images the probes use; the test labels stay with the grading process."""
    folder = data.raw_folder(root)
    return {
        "train_images": data.read_idx(folder / data.FILES["train", "images"]),
        "train_labels": data.read_idx(folder / data.FILES["train", "labels"]),
        "test_images": data.read_idx(folder / data.FILES["test", "images"]),
    }


def serve_check(session: socket.socket, ctx: observe.Context) -> None:
    """Answer observer calls, one JSON line each way, until the grader closes the session."""
    reader = session.makefile("rb")
    while line := reader.readline(MAX_REQUEST):
        request = wire.decode(line)
        try:
            response = {"ok": observe.OBSERVERS[request["observe"]](ctx, **request.get("args", {}))}
        except BaseException as error:  # SystemExit and KeyboardInterrupt from student code too
            response = {"error": describe_error(error, ctx.student.folder)}
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            message = wire.encode(response)
        except (TypeError, ValueError) as error:
            message = wire.encode({"error": describe_error(error, ctx.student.folder)})
        session.sendall(message)


def run_child(ctrl: socket.socket, fds: list[int], request: dict, mnist: dict) -> None:
    ctrl.close()
    session_fd, output_fd = fds
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(output_fd)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    processes.die_with_parent()
    limits = request["limits"]
    memory = limits["memory_mb"] << 20
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 5))
    torch.set_num_threads(1)
    folder = Path(request["submission"])
    # The submission's folder first, and not the folder the zygote started in (the kit's, unjailed).
    sys.path[:] = [str(folder)] + [p for p in sys.path if p and Path(p).resolve() != Path.cwd()]
    os.chdir(folder)
    ctx = observe.Context(StudentCode(folder), Path(request["data_root"]), mnist)
    serve_check(socket.socket(fileno=session_fd), ctx)


def reap(pid: int, expect_exit: bool) -> dict:
    """Kill the check's whole process tree; say how its child ended if it ended by itself."""
    deadline = time.monotonic() + (0.5 if expect_exit else 0)
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done, status = 0, 0
            break
        if done or time.monotonic() >= deadline:
            break
        time.sleep(0.01)
    processes.kill_descendants()
    return {"ended": processes.describe_status(status) if done else None}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ctrl-fd", type=int, required=True)
    parser.add_argument("--data-root", type=Path, required=True)
    args = parser.parse_args(argv)
    ctrl = socket.socket(fileno=args.ctrl_fd)
    processes.become_subreaper()
    mnist = load_mnist(args.data_root)
    ctrl.send(json.dumps({"ready": True}).encode())
    while True:
        message, fds, _, _ = socket.recv_fds(ctrl, 1 << 16, 2)
        if not message:
            break
        request = json.loads(message)
        if request["op"] == "spawn":
            pid = os.fork()
            if pid == 0:
                try:
                    run_child(ctrl, fds, request, mnist)
                finally:
                    os._exit(0)
            for fd in fds:
                os.close(fd)
            ctrl.send(json.dumps({"pid": pid}).encode())
        elif request["op"] == "reap":
            ctrl.send(json.dumps(reap(request["pid"], request.get("expect_exit", False))).encode())
    processes.kill_descendants()


if __name__ == "__main__":
    main()
