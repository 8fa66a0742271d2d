"""The grading process's side of the workers: start a zygote in its jail, open one session per check,
and make sure that whatever happens in a session ends with the session.

A session is one forked child of the zygote. Its calls run observers on the submission; its output
is captured (and cut short); its time is bounded; when it closes, the zygote kills the child and
every process the child started. Nothing a session returns is trusted beyond plain data.

Where workers start without ``fork`` (``host.start_method()``: Windows, macOS, ``GRADER_START=spawn``),
there is no zygote: each session is a fresh interpreter that readies itself as the zygote does, started
ahead of the check that takes it (one spare at a time), and the grading process ends it and its tree.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from grader.config.limits import Limits
from grader.config.paths import KIT_ROOT
from grader.sandbox import host, jail, processes, users, wire
from grader.sandbox.errors import StudentError, WorkerBroken
from grader.sandbox.jail import TMPFS, Jail, admit
from grader.sandbox.limits import Guard

MAX_RESPONSE = 256 << 20
STOCK_SECONDS = 10  # for a child to take stock between two sessions (a garbage collection, a few listings)
# How a zygote starts: ``python -c BOOT KIT_ROOT ARGS...``. The worker's modules are compiled as `python -c`
# code is (``grader.observe.disguise``), and the zygote is entered from this line's frame.
BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); from grader.observe import disguise; "
        "disguise.load('grader.observe.zygote').main(sys.argv[2:])")
# How a check's child starts where workers do not fork: the same, entering the zygote module's ``main_spawned``,
# but first bound to the grading process's life (its host's way), so that a spare whose grader ends while it
# imports torch ends too.
BOOT_SPAWNED = BOOT.replace("disguise.load(", "disguise.load('grader.sandbox.host').bind_to_grader(sys.argv); "
                            "disguise.load(").replace(".main(", ".main_spawned(")
# Of the grader's environment, workers get only what starting the interpreter may need; all else is the
# worker's own. Nothing of an instructor's shell or a CI job (keys, tokens) reaches student code.
INHERITED = ("LD_LIBRARY_PATH",)


def worker_environment() -> dict[str, str]:
    """The environment a zygote starts with: made here, not inherited."""
    bin_folder = str(Path(sys.executable).parent)
    env = {"PATH": os.pathsep.join([bin_folder, "/usr/local/bin", "/usr/bin", "/bin"]), "LANG": "C.UTF-8",
           "LC_ALL": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "PYTHONNOUSERSITE": "1"}
    return env | {name: os.environ[name] for name in INHERITED if name in os.environ}


class Capture(threading.Thread):
    """Drain a pipe, keeping the first ``limit`` characters and counting the rest; with ``marker``, only what
    comes after the marker's line (a spawned child's own start comes before it). ``sync`` waits for a line the
    child writes between two sessions, and says what was printed before it."""

    def __init__(self, fd: int, limit: int, marker: bytes | None = None) -> None:
        super().__init__(daemon=True)
        self.fd, self.limit, self.head, self.total = fd, limit, bytearray(), 0
        self.before = None if marker is None else (marker + b"\n", bytearray())
        self.recent = bytearray()  # the last bytes read, where an awaited marker is looked for
        self.expected: bytes | None = None  # the marker line ``sync`` waits for, once ``expect`` was told it
        self.arrived = False  # whether it came
        self.synced = threading.Condition()
        self.start()

    def run(self) -> None:
        with os.fdopen(self.fd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(1 << 16):
                if self.before is not None:
                    marker, seen = self.before
                    seen += chunk
                    if marker not in seen:
                        del seen[:-len(marker)]
                        continue
                    chunk, self.before = bytes(seen[seen.index(marker) + len(marker):]), None
                with self.synced:
                    self.total += len(chunk)
                    if len(self.head) < self.limit:
                        self.head += chunk[: self.limit - len(self.head)]
                    window = self.recent + chunk
                    self.arrived = self.arrived or (self.expected is not None and self.expected in window)
                    self.recent = window[-64:]
                    self.synced.notify_all()
        with self.synced:
            self.synced.notify_all()

    def expect(self, marker: bytes) -> None:
        """Look out for ``marker``'s line, which the child is about to write between two sessions (``sync``)."""
        with self.synced:
            self.expected, self.arrived, self.recent = marker + b"\n", False, bytearray()

    def sync(self, timeout: float) -> int | None:
        """Wait for the expected marker's line; the bytes printed since the last sync but that line (the line is not
        kept), or None if it did not come. Where nothing else was printed, what comes next starts afresh."""
        with self.synced:
            self.synced.wait_for(lambda: self.arrived or not self.is_alive(), timeout)
            line, self.expected = self.expected, None
            if not self.arrived or line is None:
                return None
            printed = self.total - len(line)
            if printed == 0:
                self.head.clear()
                self.total = 0
            else:
                if (at := self.head.find(line)) >= 0:
                    del self.head[at:at + len(line)]
                self.total -= len(line)
            return printed

    def text(self) -> str:
        self.join(timeout=2)
        text = self.head.decode("utf-8", "replace")
        if self.total > len(self.head):
            text += f"\n... ({self.total - len(self.head):,} more bytes cut)"
        return text


@dataclass
class Child:
    """A check's child started as a fresh interpreter (where workers do not fork): its process, its session
    socket once it connected, and the capture of its output."""

    process: subprocess.Popen
    capture: Capture
    socket: socket.socket | None = None
    listener: socket.socket | None = None  # where it connects from, where it cannot inherit a socket
    token: bytes = b""
    marker: str = ""  # in its command line, and in that of every fork of it (what a check detaches)
    started: float = field(default_factory=time.time)
    ready: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def await_ready(self, timeout: float) -> None:
        """Wait until the child has imported torch and sealed itself, ready for its check."""
        if self.ready:
            return
        deadline = time.monotonic() + timeout
        try:
            if self.socket is None:
                self.listener.settimeout(timeout)
                connection, _ = self.listener.accept()
                self.listener.close()
                self.listener = None
                connection.settimeout(max(0.01, deadline - time.monotonic()))
                if wire.read_line(connection) != self.token + b"\n":
                    connection.close()
                    raise WorkerBroken("a process that is not the grader's worker connected to it")
                self.socket = connection
            self.socket.settimeout(max(0.01, deadline - time.monotonic()))
            ready = wire.read_line(self.socket)
        except OSError as error:
            raise WorkerBroken(f"the worker did not answer: {error}") from None
        if not ready:
            raise WorkerBroken("the worker process ended")
        self.socket.settimeout(None)
        self.ready = True

    def close(self) -> None:
        for end in (self.socket, self.listener):
            if end is not None:
                end.close()
        self.socket = self.listener = None
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class Worker:
    """A zygote in its jail: imports torch and MNIST once, forks a child per session (or, where workers do
    not fork, starts a fresh child per session, one ahead).

    For untrusted code the zygote and everything below it run in a control group where one can be
    made, and a ``Guard`` bounds each check's processes together; ``close`` ends them all."""

    def __init__(self, jail: Jail) -> None:
        self.jail = jail
        self.host = host.named(jail.host)
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.ctrl: socket.socket | None = None
        self.ready = False
        self.group = self.host.control_group() if jail.untrusted else None
        kernel_holds_all = self.group is not None and jail.bubblewrap
        self.guard = Guard(self.members, self.temp_bytes, self.group,
                           Guard.BACKSTOP if kernel_holds_all else Guard.INTERVAL) if jail.untrusted else None
        self.baseline: tuple[set[int], int, int] = (set(), 0, 0)  # the zygote's own pids, memory, tasks
        self.child: Child | None = None  # the check's child, where workers do not fork
        self.spare: Child | None = None  # the next check's, starting while this one runs
        self.seen: dict[int, float] = {}  # where orphans are not ours (not Linux): each process of the check seen
        self.check_started: float | None = None  # when the check in progress's child started (time.time())
        self.check_marker = ""  # where workers do not fork: the marker of that child's command line

    @property
    def forks(self) -> bool:
        return self.jail.start == "fork"

    def start(self, wait: bool = True) -> Worker:
        """Start the zygote; without ``wait``, its torch import overlaps with what the caller does next."""
        if not self.forks:
            self.spare = self.spare or self._start_child()
            if wait:
                self.spare.await_ready(timeout=120)
                self.ready = True
            return self
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = [*self.jail.prefix, sys.executable, "-c", BOOT, str(KIT_ROOT),
                   "--ctrl-fd", str(theirs.fileno()), "--data-root", str(self.jail.data_root)]
        if self.jail.temp is not None:
            command += ["--temp", str(self.jail.temp)]
        for folder in self.jail.emptied:
            command += ["--emptied", str(folder)]
        if not jail.namespaces_wanted():
            command.append("--no-namespaces")
        if self.jail.host != "linux":
            command += ["--host", self.jail.host]
        group = self.group
        self.process = subprocess.Popen(
            command, pass_fds=[theirs.fileno()], cwd=KIT_ROOT, env=worker_environment(), stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=(lambda: group.join(os.getpid())) if group else None,
        )
        theirs.close()
        self.ctrl = ours
        self.ready = False
        if wait:
            self._await_ready()
        return self

    def _start_child(self) -> Child:
        """A fresh interpreter that readies itself for a check (where workers do not fork). Where sockets can be
        inherited (Linux's host) it gets one; elsewhere it connects to one on the loopback, proving itself with a
        token. Its output goes to a pipe whose capture starts at its marker."""
        marker = secrets.token_hex(12)
        command = [*self.jail.prefix, sys.executable, "-c", BOOT_SPAWNED, str(KIT_ROOT), "--marker", marker,
                   "--data-root", str(self.jail.data_root), "--host", self.jail.host]
        if not self.jail.prefix:  # in bubblewrap's PID namespace this pid means nothing; bubblewrap binds it
            command += ["--parent", str(os.getpid())]
        if self.jail.temp is not None:
            command += ["--temp", str(self.jail.temp)]
        if not jail.namespaces_wanted():
            command.append("--no-namespaces")
        inherited, listener, token, ours = [], None, b"", None
        if self.jail.host == "linux":
            ours, theirs = socket.socketpair()
            inherited = [theirs.fileno()]
            command += ["--session-fd", str(theirs.fileno())]
        else:
            listener = socket.create_server(("127.0.0.1", 0))
            token = secrets.token_hex(16).encode()
            command += ["--connect", str(listener.getsockname()[1]), "--token", token.decode()]
        read_end, write_end = os.pipe()
        try:
            process = subprocess.Popen(command, pass_fds=inherited, cwd=KIT_ROOT, env=worker_environment(),
                                       stdin=subprocess.DEVNULL, stdout=write_end, stderr=write_end,
                                       start_new_session=os.name == "posix")
        except OSError as error:
            os.close(read_end)
            raise WorkerBroken(f"the worker could not start: {error}") from None
        finally:
            os.close(write_end)
            if inherited:
                theirs.close()
        return Child(process, Capture(read_end, 0, marker.encode()), ours, listener, token, marker)

    def admit(self, submission: Path, user: users.GradingUser) -> None:
        """Grade ``submission`` (a folder in the jail's ``submissions``) next: the checks' children read it
        and run as ``user``, a user of the new grade's own. The zygote itself never ran student code."""
        self.jail = admit(self.jail, submission, user)

    def _await_ready(self) -> None:
        if not self.ready:
            self._receive(timeout=120)  # "ready": torch is imported, MNIST is loaded
            self.ready = True
            zygote = {self.process.pid, *processes.descendants(self.process.pid)}
            group = self.group
            self.baseline = (zygote, group.memory() if group else 0, group.tasks() if group else 0)

    def members(self) -> list[int]:
        """The processes of the grade in progress, and only those: below the zygote (but the zygote's own;
        the zygote reaps whatever detaches), and any process of the grade's user below this grading
        process (the orphans of a zygote that died). Never a process elsewhere on the machine, though it
        run as the same uid: it is another grader's to end. Where workers do not fork: the check's child
        and all below it. Where orphans are not ours (not Linux): also every process of the check seen so far."""
        process, child = self.process, self.child  # the guard's thread asks while this one may stop the worker
        tree = self.host.tree()
        ours = {pid for pid in tree.descendants(process.pid) if pid not in self.baseline[0]} if process else set()
        if child is not None:
            ours |= {child.pid, *tree.descendants(child.pid)} if child.process.poll() is None \
                else set(tree.descendants(child.pid))
        user = self.jail.user
        if user is not None and user.uid is not None:
            ours |= {pid for pid in tree.descendants(os.getpid()) if tree.uid(pid) == user.uid}
        if self.host.name != "linux" and self.jail.untrusted:
            ours |= self._seen(ours)
        return sorted(ours)

    def _seen(self, found: set[int]) -> set[int]:
        """Remember each process of the check by its start time; those still alive, and born when they were.
        The guard's thread and this one both ask: each works on its own copy, and forgets with ``pop``."""
        import psutil  # the portable host's: only there does the grader lose track of orphans
        seen = self.seen
        for pid in found - set(seen):
            try:
                seen[pid] = psutil.Process(pid).create_time()
            except psutil.Error:
                pass
        alive = set()
        for pid, born in list(seen.items()):
            try:
                if psutil.Process(pid).create_time() == born:
                    alive.add(pid)
                    continue
            except psutil.Error:
                pass
            seen.pop(pid, None)
        return alive

    def user_files(self) -> set[str]:
        """The grade's user's entries in the folders every user may write to (a check's leftovers)."""
        user = self.jail.user
        return user.files() if user is not None else set()

    def temp_bytes(self) -> int:
        """Bytes in the check's temporary files, wherever its user could write them."""
        if self.jail.temp_outside is None:  # bubblewrap's tmpfs, seen through a process inside
            for pid in self.members():
                try:
                    return self.host.tmpfs_bytes(pid, TMPFS)
                except OSError:
                    continue
            return 0
        owned = self.jail.user.files_bytes() if self.jail.user else 0
        return owned + users.folder_bytes(self.jail.temp_outside)

    def _receive(self, timeout: float) -> dict:
        self.ctrl.settimeout(timeout)
        try:
            message = self.ctrl.recv(1 << 16)
        except OSError as error:
            raise WorkerBroken(f"the worker did not answer: {error}") from None
        if not message:
            raise WorkerBroken("the worker process ended")
        return json.loads(message)

    def _request(self, request: dict, fds: list[int] = (), restart: bool = True) -> dict:
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                if not restart:
                    raise WorkerBroken("the worker process ended")
                self.stop()
                self.start()
            self._await_ready()
            socket.send_fds(self.ctrl, [json.dumps(request).encode()], list(fds))
            return self._receive(timeout=30)

    def session(self, observer_limits: Limits) -> Session:
        return Session(self, observer_limits)

    def _setup(self, limits: Limits) -> dict:
        user = self.jail.user
        return {"submission": str(self.jail.submission), "data_root": str(self.jail.data_root),
                "uid": user.uid if user else None,
                "limits": {"memory_mb": limits.memory_mb, "cpu_seconds": limits.cpu_seconds,
                           "tasks": limits.tasks, "disk_mb": limits.disk_mb}}

    def spawn(self, fds: list[int], limits: Limits) -> int:
        self.check_started, self.seen = time.time(), {}
        pid = self._request({"op": "spawn", **self._setup(limits)}, fds)["pid"]
        if self.guard is not None:
            self.guard.watch(limits, *self.baseline[1:])
        return pid

    def take_child(self, limits: Limits) -> Child:
        """Where workers do not fork: the spare child, ready, given this check's setup; the next spare starts."""
        with self.lock:
            child, self.spare = self.spare or self._start_child(), None
            try:
                child.await_ready(timeout=120)
            except WorkerBroken:
                child.close()
                raise
            self.ready = True
            self.spare = self._start_child()  # its start overlaps with this check
            child.capture.limit = limits.output_chars
            if self.group is not None:
                self.group.join(child.pid)
            own = (self.host.private_bytes(child.pid), self.host.threads(child.pid))
            self.child, self.seen, self.check_started, self.check_marker = child, {}, child.started, child.marker
            if self.guard is not None:
                group = self.group
                self.guard.watch(limits, group.memory() if group else 0, group.tasks() if group else 0, own)
            try:
                child.socket.sendall(wire.encode(self._setup(limits)))
            except OSError:
                pass  # it ended already: its first call says how
            return child

    def reap(self, pid: int, expect_exit: bool) -> tuple[str | None, str | None]:
        """End a check: how its child ended (if by itself), and the limit it went over (if any)."""
        if not self.forks:
            ended = self._end_child(expect_exit)
        else:
            try:
                ended = self._request({"op": "reap", "pid": pid, "expect_exit": expect_exit},
                                      restart=False)["ended"]
            except (WorkerBroken, OSError):
                self.stop()  # the zygote itself was taken down; the next session starts a new one
                ended = "was ended together with the grader's worker process (did your code kill its parent?)"
        hit = self.guard.unwatch() if self.guard else None
        self.end_grade_processes()  # whatever the zygote could not reap, e.g. with the zygote gone
        if self.jail.user is not None:
            self.jail.user.remove_files()
        return ended, hit

    def _end_child(self, expect_exit: bool) -> str | None:
        """Where workers do not fork: end the check's child and its tree, empty its temporary space; how the
        child ended, if it ended by itself (given half a second where it was expected to)."""
        child = self.child
        if child is None:
            return None
        deadline = time.monotonic() + (0.5 if expect_exit else 0)
        code = child.process.poll()
        while code is None and time.monotonic() < deadline:
            time.sleep(0.01)
            code = child.process.poll()
        self.end_grade_processes()
        child.close()
        self.child = None
        if self.jail.temp_outside is not None:
            _empty(self.jail.temp_outside)
        return processes.describe_exit(code) if code is not None else None

    def end_grade_processes(self) -> None:
        """Kill the processes of the grade in progress (``members``), until none is left; where orphans are not
        ours, also those the check's child left that run this interpreter."""
        self.host.kill_all(self.members)
        if self.host.name != "linux" and self.jail.untrusted:
            self.host.kill_all(self._orphans, rounds=20)

    def _orphans(self) -> list[int]:
        """Processes of this interpreter, born since the check's child started, whose parent is gone, or that
        carry the check's child's marker in their command line (its forks): what a check detached (a double
        fork) where the grader cannot adopt orphans. A detached fork may be handed to a subreaper older than
        the check (systemd's user manager, a test runner), so its parent alone does not tell."""
        import psutil
        if self.check_started is None:
            return []
        since, mine, found = self.check_started - 1, os.path.realpath(sys.executable), []
        for process in psutil.process_iter(["ppid", "create_time", "exe", "cmdline"]):
            info = process.info
            if info["create_time"] is None or info["create_time"] < since or not info["exe"]:
                continue
            if os.path.realpath(info["exe"]) != mine or process.pid == os.getpid():
                continue
            if self.check_marker and self.check_marker in (info["cmdline"] or ()):
                found.append(process.pid)
                continue
            try:
                parent = psutil.Process(info["ppid"])
                orphan = info["ppid"] <= 1 or parent.create_time() > info["create_time"]
            except psutil.Error:
                orphan = True
            if orphan:
                found.append(process.pid)
        return found

    def stop(self) -> None:
        for child in (self.child, self.spare):
            if child is not None:
                child.close()
        self.child = self.spare = None
        if self.ctrl is not None:
            self.ctrl.close()  # the zygote kills its children and exits when its socket closes
            self.ctrl = None
        if self.process is not None:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def close(self) -> None:
        """Stop the zygote and end everything of the grade that might still be running."""
        self.stop()
        if self.guard is not None:
            self.guard.close()
        if self.group is not None:
            self.group.close()
        self.end_grade_processes()

    def __enter__(self) -> Worker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _empty(folder: Path) -> None:
    """Remove everything in ``folder``, for the next check."""
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


class Session:
    """One check's child process: calls run observers in it until it is closed or dies."""

    def __init__(self, worker: Worker, limits: Limits) -> None:
        self.worker, self.limits = worker, limits
        if not worker.forks:
            child = worker.take_child(limits)
            self.pid, self.capture, ours = child.pid, child.capture, child.socket
        else:
            ours, theirs = socket.socketpair()
            read_end, write_end = os.pipe()
            try:
                self.pid = worker.spawn([theirs.fileno(), write_end], limits)
            finally:
                theirs.close()
                os.close(write_end)
            self.capture = Capture(read_end, limits.output_chars)
        self.socket, self.reader = ours, ours.makefile("rb")
        self.deadline = time.monotonic() + limits.seconds
        self.failure: StudentError | None = None
        self.limit_hit: str | None = None
        self.served = 1  # sessions this child has served, this one included (see ``take_stock``)
        self.failed = False  # a call was answered with student code's error
        self.left: list[str] = []  # what the last session left, where ``take_stock`` found anything
        self.files_before = worker.user_files()  # the grading user's, as this child started (another's leftovers)

    def take_stock(self) -> bool:
        """End this session, and say whether the next may run in the same child: whether the child is now what a
        fresh one would be. It answered every call, printed nothing, left nothing running and changed nothing
        student code could see (``grader.observe.residue``), and went over no limit. Otherwise it is closed."""
        if self.socket is None or self.failure is not None or self.failed:
            self.left = ["an error" if self.failed else "an end"]
            self.close()
            return False
        marker = secrets.token_hex(12)
        self.capture.expect(marker.encode())
        try:
            self.socket.settimeout(STOCK_SECONDS)
            self.socket.sendall(wire.encode({"renew": marker}))
            response = wire.decode(self.reader.readline(MAX_RESPONSE))
        except (OSError, wire.WireError):
            response = None
        self.left = self._left(response)
        if self.left:
            self.close()
        return not self.left

    def _left(self, response: Any) -> list[str]:
        """What the child says the session left, and what the grader sees of it: output, processes, files, limits."""
        if not isinstance(response, dict) or not isinstance(response.get("ok"), dict):
            return ["no answer to taking stock"]
        left = response["ok"].get("left")
        left = [str(what) for what in left] if isinstance(left, list) else ["an answer of the wrong shape"]
        printed = self.capture.sync(STOCK_SECONDS)
        if printed != 0:
            left.append("output" if printed else "no end to its output")
        if self.worker.guard and self.worker.guard.over():
            left.append("a limit reached")
        if len(self.worker.members()) > 1:  # the child's own pid may be another namespace's
            left.append("a process of the grading user")
        if self.worker.user_files() - self.files_before:
            left.append("files of the grading user")
        return left

    def next_session(self, limits: Limits) -> None:
        """Serve another session, with ``limits``, after ``take_stock`` found the child clean."""
        self.limits, self.deadline, self.served = limits, time.monotonic() + limits.seconds, self.served + 1

    def call(self, observer: str, **args: Any) -> Any:
        if self.failure is not None:
            raise self.failure
        try:
            self.socket.settimeout(max(0.01, self.deadline - time.monotonic()))
            self.socket.sendall(wire.encode({"observe": observer, "args": args}))
            line = self.reader.readline(MAX_RESPONSE)
        except TimeoutError:
            self._end(observer, expect_exit=False,
                      ended=f"was stopped after {self.limits.seconds:.0f} s, the time limit of a check or what "
                      "was left of the whole run's (an endless loop, or far too much work?)")
        except OSError:
            line = b""
        if not line.endswith(b"\n"):
            self._end(observer, expect_exit=True)
        try:
            response = wire.decode(line)
        except wire.WireError as error:
            self._end(observer, expect_exit=False, ended=f"sent an unreadable answer ({error})")
        if not isinstance(response, dict) or ("ok" not in response and "error" not in response):
            self._end(observer, expect_exit=False, ended="sent an answer of the wrong shape")
        if "error" in response:
            self.failed = True
            hit = self.worker.guard.over() if self.worker.guard else None
            raise StudentError(observer, error=response["error"], output=self.output(),
                               limit=self.limits.describe(hit) if hit else None)
        return response["ok"]

    def output(self) -> str:
        """What the child printed so far (all of it, and a note of what was cut, once it is closed)."""
        return self.capture.text() if self.socket is None else self.capture.head.decode("utf-8", "replace")

    def _end(self, observer: str, expect_exit: bool, ended: str | None = None) -> NoReturn:
        status = self.close(expect_exit)
        self.failure = StudentError(observer, ended=ended or status or "stopped answering",
                                    output=self.capture.text(),
                                    limit=self.limits.describe(self.limit_hit) if self.limit_hit else None)
        raise self.failure

    def close(self, expect_exit: bool = False) -> str | None:
        """Kill the child and all it started; how it ended, if it ended by itself."""
        if self.socket is None:
            return None
        self.reader.close()
        self.socket.close()
        self.socket = None
        ended, self.limit_hit = self.worker.reap(self.pid, expect_exit)
        return ended

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
