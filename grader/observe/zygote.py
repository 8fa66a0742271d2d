"""The zygote: imports torch and loads MNIST once, then forks a fresh child for every check.

It talks to the grading process over a ``SOCK_SEQPACKET`` socket. ``spawn`` arrives with two file
descriptors, the check's session socket and the pipe that captures its output; the zygote forks a
child that serves observer calls on that socket. ``reap`` kills the child and everything it started,
and reports how the child ended. The zygote never imports the submission itself.

Where workers start without ``fork`` (``GRADER_START=spawn``; Windows, macOS), ``main_spawned`` is a
check's child on its own: a fresh interpreter that prepares itself as the zygote would (torch, MNIST, the
disguise, the seal), says it is ready, takes the check's setup as its first message, and then serves the
check exactly as a forked child does. The grading process ends it and all it started.
"""

from __future__ import annotations

import argparse
import json
import os
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
from grader.observe.residue import Residue
from grader.observe.student import StudentCode, describe_error
from grader.sandbox import host, jail, processes, protocol, wire

MAX_REQUEST = 64 << 20


def load_mnist(root: Path) -> dict:
    """The images the probes use; the test labels stay with the grading process."""
    folder = data.raw_folder(root)
    return {
        "train_images": data.read_idx(folder / data.FILES["train", "images"]),
        "train_labels": data.read_idx(folder / data.FILES["train", "labels"]),
        "test_images": data.read_idx(folder / data.FILES["test", "images"]),
    }


def serve_check(session: socket.socket, context: Callable[[], observers.Context], replaced: Callable[[], list[str]],
                residue: Residue) -> None:
    """Answer observer calls, one JSON line each way, until the grader closes the session. An observation
    made while student code had replaced what the observers rely on (``replaced``, the seal's check, bound
    before any student code ran) is answered with what was replaced instead.

    A ``renew`` request ends one session and may start the next in this child: the answer says what the
    session left (``residue``); where it left nothing, the next session starts as a fresh child would. After
    everything the session printed, the request's marker goes to the output, so the grader knows what it was."""
    ctx = context()
    reader = session.makefile("rb")
    while line := reader.readline(MAX_REQUEST):
        request = wire.decode(line)
        if "renew" in request:
            response = {"ok": {"left": renew(residue, replaced)}}
            if not response["ok"]["left"]:
                ctx = context()
            os.write(1, str(request["renew"]).encode() + b"\n")
            session.sendall(wire.encode(response))
            continue
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


def renew(residue: Residue, replaced: Callable[[], list[str]]) -> list[str]:
    """What the session just ended left behind; where nothing, the child is made ready for the next one."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        left = residue.left() + [f"the grader's {name} replaced" for name in replaced()[:3]]
        if not left:
            residue.reset()
        return left
    except BaseException as error:  # a student's finalizer, or a replaced flush, that raises
        return [f"{type(error).__name__} while taking stock"]


def run_child(ctrl: socket.socket, fds: list[int], request: dict, mnist: dict, temp: Path | None,
              sealed: seal.Seal, namespaces: bool, emptied: list[Path]) -> None:
    ctrl.close()
    session_fd, output_fd = fds
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(output_fd)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    processes.die_with_parent()
    serve_child(socket.socket(fileno=session_fd), request, mnist, temp, sealed, namespaces, emptied)


def serve_child(session: socket.socket, request: dict, mnist: dict, temp: Path | None, sealed: seal.Seal,
                namespaces: bool, emptied: list[Path]) -> None:
    """A check's child, forked or spawned: bound it, then serve the check's observer calls."""
    folder = Path(request["submission"])
    confine(request["limits"], request.get("uid"), temp, namespaces)
    torch.set_num_threads(1)
    # The submission's folder first, and not the folder the zygote started in (the kit's, unjailed).
    sys.path[:] = [str(folder)] + [p for p in sys.path if p and Path(p).resolve() != Path.cwd()]
    os.chdir(folder)
    data_root = Path(request["data_root"])
    residue = Residue(folder, [*emptied, *([temp] if temp else [])])
    serve_check(session, lambda: observers.Context(StudentCode(folder), data_root, mnist), sealed.broken, residue)


def confine(limits: dict, uid: int | None, temp: Path | None, namespaces: bool) -> None:
    """Bound this check's child and become the grading user, before any student code runs (as far as the
    host allows: elsewhere than Linux, the grader's watchdog holds the limits and student code runs as you)."""
    host.current().confine(limits)
    if temp is not None:  # libraries write their caches and settings here, not in an unwritable home
        os.environ.update({"HOME": str(temp), "TMPDIR": str(temp), "MPLCONFIGDIR": str(temp / ".config" / "matplotlib"),
                           "XDG_CACHE_HOME": str(temp / ".cache"), "XDG_CONFIG_HOME": str(temp / ".config"),
                           "TORCH_HOME": str(temp / ".cache" / "torch")})
        tempfile.tempdir = str(temp)
    host.current().become(uid, limits, namespaces)


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
    parser.add_argument("--host", choices=host.HOSTS, default="linux", help="the host layer the grader chose")
    args = parser.parse_args(argv)
    host.use(args.host)
    ctrl = socket.socket(fileno=args.ctrl_fd)
    try:
        serve(ctrl, args)
    except (BrokenPipeError, ConnectionResetError):  # the grader closed its end (it had nothing to grade): done
        pass
    finally:
        processes.kill_descendants()


def prepare(data_root: Path) -> tuple[dict, seal.Seal]:
    """What every check's child starts from: MNIST loaded, the grader's modules out of student code's sight,
    then sealed (what it will find, and what it must leave as it found it)."""
    mnist = load_mnist(data_root)
    grader_modules = [module for name, module in sys.modules.items() if name.split(".")[0] == disguise.PACKAGE]
    disguise.hide(KIT_ROOT)
    sys.argv, sys.orig_argv = ["-c"], [sys.orig_argv[0], "-c"]
    probes.settle()
    return mnist, seal.Seal(grader_modules)


def serve(ctrl: socket.socket, args: argparse.Namespace) -> None:
    processes.die_with_parent()  # a grader that is killed takes its zygote along, and the zygote its children
    processes.become_subreaper()
    mnist, sealed = prepare(args.data_root)
    ctrl.send(json.dumps({"ready": True}).encode())
    while True:
        message, fds, _, _ = socket.recv_fds(ctrl, 1 << 16, 2)
        if not message:
            break
        request = json.loads(message)
        if request["op"] == "spawn":
            pid = host.current().fork()
            if pid == 0:
                try:
                    run_child(ctrl, fds, request, mnist, args.temp, sealed, not args.no_namespaces, args.emptied)
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


def main_spawned(argv: list[str]) -> None:
    """A check's child started as a fresh interpreter (``session.BOOT_SPAWNED``): ready itself, take the check's
    setup, serve the check. Its output goes to its standard output, after ``--marker`` (what came before is the
    interpreter's own start, not the check's)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--session-fd", type=int, help="the session socket, inherited (POSIX)")
    parser.add_argument("--connect", type=int, help="the loopback port to take the session from (every system)")
    parser.add_argument("--token", default="", help="what proves this child to the grader that listens on --connect")
    parser.add_argument("--marker", required=True, help="written to the output just before the check starts")
    parser.add_argument("--data-root", type=Path, required=True)
    parser.add_argument("--temp", type=Path, help="the checks' temporary space (their home and TMPDIR)")
    parser.add_argument("--no-namespaces", action="store_true", help="do not give checks namespaces of their own")
    parser.add_argument("--host", choices=host.HOSTS, default="linux", help="the host layer the grader chose")
    parser.add_argument("--parent", type=int, help="the grading process's pid (read by host.bind_to_grader)")
    args = parser.parse_args(argv)
    host.use(args.host)  # bound to the grading process's life already, by its first line (session.BOOT_SPAWNED)
    if args.session_fd is not None:
        session = socket.socket(fileno=args.session_fd)
    else:
        session = socket.create_connection(("127.0.0.1", args.connect))
        session.sendall(args.token.encode() + b"\n")
    marker = args.marker.encode()
    try:
        mnist, sealed = prepare(args.data_root)
        session.sendall(wire.encode({"ready": True}))
        request = wire.decode(wire.read_line(session))
        sys.stdout.flush()
        sys.stderr.flush()
        os.write(1, marker + b"\n")
        serve_child(session, request, mnist, args.temp, sealed, not args.no_namespaces, [])
    except (BrokenPipeError, ConnectionResetError, wire.WireError):  # the grader closed the session first
        pass
    except BaseException:  # the grader's own failure to set the check up: say what it was
        traceback.print_exc()
        os._exit(70)
    finally:
        os._exit(0)

