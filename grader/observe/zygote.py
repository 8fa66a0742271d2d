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
import shutil
import socket
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import torch  # noqa: F401  (imported once here, inherited by every child)
import torchvision  # noqa: F401

from grader.config.paths import KIT_ROOT
from grader.intake import data
from grader.observe import disguise, observers, probes, seal
from grader.observe.student import StudentCode, describe_error
from grader.sandbox import jail, processes, protocol, users, wire

MAX_REQUEST = 64 << 20


def load_mnist(root: Path) -> dict:
    """The images the probes use; the test labels stay with the grading process."""
    folder = data.raw_folder(root)
    return {
        "train_images": data.read_idx(folder / data.FILES["train", "images"]),
        "train_labels": data.read_idx(folder / data.FILES["train", "labels"]),
        "test_images": data.read_idx(folder / data.FILES["test", "images"]),
    }


def serve_check(session: socket.socket, ctx: observers.Context, replaced: Callable[[], list[str]]) -> None:
    """Answer observer calls, one JSON line each way, until the grader closes the session. An observation
    made while student code had replaced what the observers rely on (``replaced``, the seal's check, bound
    before any student code ran) is answered with what was replaced instead."""
    reader = session.makefile("rb")
    while line := reader.readline(MAX_REQUEST):
        request = wire.decode(line)
        try:
            response = {"ok": observers.OBSERVERS[request["observe"]](ctx, **request.get("args", {}))}
        except BaseException as error:  # SystemExit and KeyboardInterrupt from student code too
            response = {"error": describe_error(error, ctx.student.folder)}
        if changed := replaced():
            response = {"error": {"type": protocol.REPLACED, "message": ", ".join(changed[:8]), "where": None,
                                  "traceback": "", "in_student_code": True}}
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            message = wire.encode(response)
        except (TypeError, ValueError) as error:
            message = wire.encode({"error": describe_error(error, ctx.student.folder)})
        session.sendall(message)


def run_child(ctrl: socket.socket, fds: list[int], request: dict, mnist: dict, temp: Path | None,
              sealed: seal.Seal, namespaces: bool) -> None:
    ctrl.close()
    session_fd, output_fd = fds
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(output_fd)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    processes.die_with_parent()
    folder = Path(request["submission"])
    confine(request["limits"], request.get("uid"), temp, namespaces)
    torch.set_num_threads(1)
    # The submission's folder first, and not the folder the zygote started in (the kit's, unjailed).
    sys.path[:] = [str(folder)] + [p for p in sys.path if p and Path(p).resolve() != Path.cwd()]
    os.chdir(folder)
    ctx = observers.Context(StudentCode(folder), Path(request["data_root"]), mnist)
    serve_check(socket.socket(fileno=session_fd), ctx, sealed.broken)


def confine(limits: dict, uid: int | None, temp: Path | None, namespaces: bool) -> None:
    """Bound this check's child and become the grading user, before any student code runs."""
    with open("/proc/self/oom_score_adj", "w") as score:
        score.write("1000")  # past the memory limit, the kernel ends this child, not the zygote
    memory, disk = limits["memory_mb"] << 20, limits["disk_mb"] << 20
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (disk, disk))
    if temp is not None:  # libraries write their caches and settings here, not in an unwritable home
        os.environ.update({"HOME": str(temp), "TMPDIR": str(temp), "MPLCONFIGDIR": str(temp / ".config" / "matplotlib"),
                           "XDG_CACHE_HOME": str(temp / ".cache"), "XDG_CONFIG_HOME": str(temp / ".config"),
                           "TORCH_HOME": str(temp / ".cache" / "torch")})
        tempfile.tempdir = str(temp)
    if uid is not None:
        if namespaces:
            jail.own_namespaces()  # as root, while it may; where it may not, the report says what that leaves
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["tasks"], limits["tasks"]))
        users.become(uid)


def clean(folders: list[Path]) -> None:
    """Empty what a check could write to, for the next check (bubblewrap's /tmp keeps the grader's binds)."""
    for folder in folders:
        for entry in folder.iterdir():
            if entry == jail.INSIDE:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def reap(pid: int, expect_exit: bool, emptied: list[Path]) -> dict:
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
    clean(emptied)
    return {"ended": processes.describe_status(status) if done else None}


def main(argv: list[str]) -> None:
    """Serve the grading process until it closes the control socket (``session.BOOT`` starts it)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--ctrl-fd", type=int, required=True)
    parser.add_argument("--data-root", type=Path, required=True)
    parser.add_argument("--temp", type=Path, help="the checks' temporary space (their home and TMPDIR)")
    parser.add_argument("--emptied", type=Path, action="append", default=[],
                        help="a folder the checks may write to, emptied after each (repeatable)")
    parser.add_argument("--no-namespaces", action="store_true", help="do not give checks namespaces of their own")
    args = parser.parse_args(argv)
    ctrl = socket.socket(fileno=args.ctrl_fd)
    try:
        serve(ctrl, args)
    except (BrokenPipeError, ConnectionResetError):  # the grader closed its end (it had nothing to grade): done
        pass
    finally:
        processes.kill_descendants()


def serve(ctrl: socket.socket, args: argparse.Namespace) -> None:
    processes.die_with_parent()  # a grader that is killed takes its zygote along, and the zygote its children
    processes.become_subreaper()
    mnist = load_mnist(args.data_root)
    # Out of student code's sight, then sealed: what it will find, and what it must leave as it found it.
    grader_modules = [module for name, module in sys.modules.items() if name.split(".")[0] == disguise.PACKAGE]
    disguise.hide(KIT_ROOT)
    sys.argv, sys.orig_argv = ["-c"], [sys.orig_argv[0], "-c"]
    probes.settle()
    sealed = seal.Seal(grader_modules)
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
                    run_child(ctrl, fds, request, mnist, args.temp, sealed, not args.no_namespaces)
                except BaseException:  # the grader's own failure to set the check up: say what it was
                    traceback.print_exc()
                    os._exit(70)
                finally:
                    os._exit(0)
            for fd in fds:
                os.close(fd)
            ctrl.send(json.dumps({"pid": pid}).encode())
        elif request["op"] == "reap":
            ctrl.send(json.dumps(reap(request["pid"], request.get("expect_exit", False), args.emptied)).encode())
