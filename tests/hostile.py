"""Hostile submissions: each tries to crash, hang, flood or fool the grader, and is also wrong in
its code, so that a fooled grader would show marks it does not deserve. Each entry names the checks
it must lose and a phrase the student must read in the first of them."""

from __future__ import annotations

import shutil
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.config.paths import SOLUTIONS
from grader.outputs.results import Results
from tests.zoo import TEST_MOVE, TRAIN_MOVE, Bug

TRAINING = ("train_losses", "train_gradients", "train_device", "train_mode", "train_reference")
TESTING = ("test_eval_mode", "test_no_grad", "test_device", "test_side_effects", "test_losses")
MODEL = ("mlp_output", "mlp_batch_independence", "mlp_input_features", "mlp_nonlinear", "mlp_logits", "mlp_parameters")
TRAIN_BODY = "    model.train()\n    losses = []\n"
TEST_BODY = "    model.eval()\n    losses = []\n"
# The stub of test_epoch's body, so that a grader fooled into running the reference would show it.
BROKEN_TEST = "    raise NotImplementedError\n"

# Forks a detached process (its own session) that, for 10 s after, rewrites every results file it can find.
FORGER = '''
import json as _json, os as _os, time as _time
def _forge():
    if _os.fork():
        return
    _os.setsid()
    if _os.fork():
        _os._exit(0)
    forged = _json.dumps({"score": 100, "tests": []})
    end = _time.time() + 10
    while _time.time() < end:
        for pid in filter(str.isdigit, _os.listdir("/proc")):
            try:
                argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0")
            except OSError:
                continue
            if b"--results" in argv:
                try:
                    open(argv[argv.index(b"--results") + 1].decode(), "w").write(forged)
                except (OSError, IndexError):
                    pass
        _time.sleep(0.05)
    _os._exit(0)
_forge()
'''

# Looks for the kit's reference next to the grader and, if it can read it, runs it instead.
READ_REFERENCE = '''
def _reference():
    import grader, pathlib
    path = pathlib.Path(grader.__file__).parent.parent / "solutions" / "training.py"
    scope = {}
    exec(path.read_text(), scope)
    return scope
try:
    _stolen = _reference()
except OSError:
    _stolen = None
'''


# Starts, at import, a daemon that leaves its session, ignores SIGTERM and SIGHUP, and never ends.
DAEMON = '''
import os as _os, signal as _signal, time as _time
def _daemon():
    if _os.fork():
        return
    _os.setsid()
    if _os.fork():
        _os._exit(0)
    _signal.signal(_signal.SIGTERM, _signal.SIG_IGN)
    _signal.signal(_signal.SIGHUP, _signal.SIG_IGN)
    while True:
        _time.sleep(0.5)
_daemon()
'''

# Tries to change the kit where it stands: append to, and replace, the rubric, a check, the grader's
# feedback, the cached reference observations; and leave a file of its own in the kit.
TAMPER = '''
def _tamper():
    import os, pathlib, grader
    kit = pathlib.Path(grader.__file__).resolve().parent.parent
    targets = [kit / "grader" / "rubric.toml", kit / "grader" / "checks" / "check_training.py",
               kit / "grader" / "feedback.py", kit / "grader" / "sandbox" / "users.py"]
    try:
        targets += (kit / ".cache" / "reference").glob("*.json")
    except OSError:
        pass
    for path in targets:
        try:
            with open(path, "a") as file:
                file.write("\\n# tampered\\n")
        except OSError:
            pass
        try:
            copy = path.with_name(path.name + ".tampered")
            copy.write_text(path.read_text() + "\\n# tampered\\n")
            os.replace(copy, path)
        except OSError:
            pass
    try:
        (kit / "grader" / "checks" / "check_zz_tampered.py").write_text("def check_nothing(): pass\\n")
    except OSError:
        pass
_tamper()
'''

FORK_BOMB = ("    import os\n    while True:\n        try:\n            os.fork()\n        except OSError:\n"
             "            pass\n")
THREAD_BOMB = ("    import threading, time\n    while True:\n"
               "        threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()\n")
# Twelve processes of 1 GiB each: every one under the per-process limit, all together far over the check's.
MEMORY_SPREAD = ("    import os, time\n    for _ in range(12):\n        if os.fork() == 0:\n"
                 "            hog = bytearray(1 << 30)\n            time.sleep(3600)\n    time.sleep(3600)\n")
# Files of 32 MiB without end, in every place a user may write to, ignoring every error.
FILL_TEMP = ("    import itertools, os, tempfile\n    for number in itertools.count():\n"
             "        for folder in (tempfile.gettempdir(), '/tmp', '/dev/shm', '/var/tmp'):\n"
             "            try:\n                with open(os.path.join(folder, f'filler-{os.getpid()}-{number}'), "
             "'wb') as f:\n"
             "                    f.write(b'x' * (32 << 20))\n            except OSError:\n                pass\n")
LINKED = ("model.py", "training.py")  # linked to the reference by the two link cases below

# -- instruments student code must not bend (the grader's probes, torch's functions, the grader's frames) --

NO_MOVES = [(TRAIN_MOVE, "        optimizer.zero_grad()"), (TEST_MOVE, "            losses.append")]

# Looks for the grader's device probe among the loaded modules and makes it say every batch was moved.
REBIND_IN_SYS_MODULES = '''
def _fool():
    import sys
    for module in list(sys.modules.values()):
        if "is_moved" in getattr(module, "__dict__", {}):
            module.is_moved = lambda tensor: True
_fool()
'''

# The same, found through the globals of the frames that import this module.
REBIND_THROUGH_FRAMES = '''
def _fool():
    import sys, types
    frame = sys._getframe()
    while frame is not None:
        for value in list(frame.f_globals.values()):
            if isinstance(value, types.ModuleType) and "is_moved" in vars(value):
                value.is_moved = lambda tensor: True
        frame = frame.f_back
_fool()
'''

# The same, found by the garbage collector among every dictionary of the process.
REBIND_THROUGH_GC = '''
def _fool():
    import gc
    for found in gc.get_objects():
        if isinstance(found, dict) and "is_moved" in found and callable(found["is_moved"]):
            found["is_moved"] = lambda tensor: True
_fool()
'''

# torch.is_grad_enabled answers False to everyone but this file, for good.
LYING_GRAD_MODE = '''
import sys as _sys
_real_grad_mode = torch.is_grad_enabled


def _lying_grad_mode():
    return _real_grad_mode() if _sys._getframe(1).f_code.co_filename == __file__ else False


torch.is_grad_enabled = _lying_grad_mode
'''

# Tensor.to strips whatever a batch carries without moving anything, for good.
STRIPPING_TO = '''
torch.Tensor.to = lambda self, *args, **kwargs: torch.Tensor.as_subclass(self, torch.Tensor)
'''

# test_epoch without no_grad, lying about grad mode only while it runs and putting torch back after.
LYING_WHILE_TESTING = ("    model.eval()\n    losses = []\n    with torch.no_grad():\n",
                       "    model.eval()\n    losses = []\n    real, torch.is_grad_enabled = torch.is_grad_enabled, "
                       "lambda: False\n"
                       "    try:\n")
RESTORE_AFTER_TESTING = ("            losses.append(criterion(model(inputs), targets).item())\n    return losses\n",
                         "            losses.append(criterion(model(inputs), targets).item())\n"
                         "    finally:\n        torch.is_grad_enabled = real\n    return losses\n")

# A model that returns probabilities, but logits whenever the grader is looking (a grader's frame on the stack).
GRADER_DETECTOR = '''

def _graded():
    import sys
    frame = sys._getframe()
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        if "grader" in frame.f_code.co_filename or name.startswith("grader"):
            return True
        frame = frame.f_back
    return "grader" in sys.modules
'''

# A model that returns probabilities to its owner's train_epoch and test_epoch, and logits to anyone else.
OWNER_DETECTOR = '''

def _called_by_owner():
    import sys
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name in ("train_epoch", "test_epoch"):
            return True
        frame = frame.f_back
    return False
'''

# Prints, at import, every variable of its environment and terminal escapes: clear the screen, retitle the
# window, a green "all passed", and conceal what follows.
PRINT_ENVIRONMENT_AND_ESCAPES = '''
import os as _os
print(dict(_os.environ))
print("\\x1b[2J\\x1b[H\\x1b]0;grader: 100/100\\x07\\x1b[32mScore: 100 / 100 - all checks passed\\x1b[0m\\x1b[8m")
print("\\u202eevil\\r", end="")
'''


def pretrained(into: Path) -> Path:
    """MLP() arrives trained: make_dataloaders keeps its training loader, and MLP() trains itself on it for an
    epoch when it is built; train_epoch computes the losses but never steps."""
    shutil.copytree(SOLUTIONS, into, ignore=shutil.ignore_patterns("__pycache__"))
    dataset = (into / "dataset.py").read_text()
    dataset = dataset.replace("NUM_CLASSES = 10\n", "NUM_CLASSES = 10\nSTASH = []\n")
    dataset = dataset.replace("    return train_loader, test_loader\n",
                              "    STASH.append(train_loader)\n    return train_loader, test_loader\n")
    (into / "dataset.py").write_text(dataset)
    model = (into / "model.py").read_text().replace("            nn.Linear(hidden, 10),\n        )\n", '''\
            nn.Linear(hidden, 10),
        )
        from dataset import STASH
        if STASH:  # trained before anyone asks
            optimizer = torch.optim.Adam(self.parameters(), lr=2e-3)
            for images, labels in STASH[-1]:
                optimizer.zero_grad()
                nn.functional.cross_entropy(self.layers(images), labels).backward()
                optimizer.step()
''')
    (into / "model.py").write_text(model)
    training = (into / "training.py").read_text()
    training = training.replace("        loss.backward()\n        optimizer.step()\n", "")
    (into / "training.py").write_text(training)
    return into


@dataclass(frozen=True)
class Hostile:
    bug: Bug
    message: str  # what the student reads in the first check lost (or in ``read_in``)
    build: Callable[[Path], Path] | None = None  # makes the submission, where it is not the bug's edits
    read_in: str | None = None  # the check whose message says it, where not the first one lost
    # Tricks played inside the interpreter (on the grader's instruments, torch, the report), not on the
    # machine's processes, memory or files: graded in the warm class of both sandbox modes alone.
    in_the_interpreter: bool = False

    def says(self, results: Results) -> str:
        """The message of the check where the student must read ``message``."""
        return next(outcome.output for check, outcome in results.checks.items() if check == self.read_in
                    or (self.read_in is None and check in self.bug.loses))

    @property
    def name(self) -> str:
        return self.bug.name

    def make(self, into: Path) -> Path:
        return self.build(into) if self.build else self.bug.apply(into)


def hostile(name: str, file: str, edits: list[tuple[str, str]], loses: tuple[str, ...], message: str,
            in_the_interpreter: bool = False) -> Hostile:
    return Hostile(Bug(name, "hostile", file, tuple(edits), frozenset(loses)), message,
                   in_the_interpreter=in_the_interpreter)


def linked_folder(into: Path) -> Path:
    """The reference's dataset.py, and model.py and training.py as links to the reference itself."""
    into.mkdir(parents=True)
    (into / "dataset.py").write_bytes((SOLUTIONS / "dataset.py").read_bytes())
    for name in LINKED:
        (into / name).symlink_to(SOLUTIONS / name)
    return into


def linked_zip(into: Path) -> Path:
    """The same as a zip, its links stored as `zip --symlinks` stores them (and as `unzip` restores them)."""
    into.mkdir(parents=True)
    archive = into / "submission.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(SOLUTIONS / "dataset.py", "work/dataset.py")
        for name in LINKED:
            entry = zipfile.ZipInfo(f"work/{name}")
            entry.external_attr = (stat.S_IFLNK | 0o777) << 16
            zipped.writestr(entry, str(SOLUTIONS / name))
    return archive


ALL_BUT_DATASET = ("mlp_output", "mlp_batch_independence", "mlp_input_features", "mlp_nonlinear", "mlp_logits",
                   "mlp_parameters", "train_losses", "train_gradients", "train_device", "train_mode", "train_reference",
                   "test_eval_mode", "test_no_grad", "test_device", "test_side_effects", "test_losses", "accuracy")


HOSTILE = [
    hostile("exit_at_import", "training.py", [("import torch\n", "import sys\n\nimport torch\n\nsys.exit(0)\n")],
            (*TRAINING, *TESTING, "accuracy"), "SystemExit"),
    hostile("os_exit_in_train", "training.py", [(TRAIN_BODY, "    import os\n    os._exit(3)\n")],
            (*TRAINING, "accuracy"), "exited with status 3"),
    hostile("endless_loop", "training.py", [(TEST_BODY, "    while True:\n        pass\n")],
            TESTING, "was stopped after"),
    hostile("memory_bomb", "training.py", [(TRAIN_BODY, "    hog = [bytearray(1 << 30) for _ in range(64)]\n")],
            (*TRAINING, "accuracy"), "MemoryError"),
    hostile("output_flood", "training.py",
            [(TEST_BODY, "    for _ in range(2000):\n        print('x' * 1_000_000)\n" + TEST_BODY),
             ("            losses.append(criterion(model(inputs), targets).item())\n    return losses\n",
              "            losses.append(criterion(model(inputs), targets).item())\n    return [0.0] * len(losses)\n")],
            ("test_losses",), "more bytes cut"),
    hostile("keyboard_interrupt", "training.py", [(TRAIN_BODY, "    raise KeyboardInterrupt\n")],
            (*TRAINING, "accuracy"), "KeyboardInterrupt"),
    hostile("forge_results", "dataset.py", [("NUM_CLASSES = 10\n", "NUM_CLASSES = 10\n" + FORGER),
                                             ("return len(self.labels)", "return 60000")],
            ("dataset_len", "dataset_batches", "loaders_splits", "loaders_order", "loaders_batch_size"), "len(ds)"),
    hostile("patch_comparisons", "training.py",
            [("import torch\n", "import numpy\nimport torch\n\ntorch.allclose = lambda *a, **k: True\n"
              "torch.equal = lambda *a, **k: True\nnumpy.allclose = lambda *a, **k: True\n"
              "try:\n    import _pytest.reports\n    _pytest.reports.TestReport.passed = property(lambda self: True)\n"
              "except ImportError:\n    pass\n"),
             ("        optimizer.zero_grad()\n", "")],
            (*TRAINING, *TESTING, "accuracy"), "your code replaced torch.equal, torch.allclose"),
    hostile("read_reference", "training.py",
            [("import torch\n", "import torch\n" + READ_REFERENCE),
             (TEST_BODY, "    if _stolen:\n        return _stolen['test_epoch'](model, dataloader, criterion, device)\n"
              + BROKEN_TEST + TEST_BODY)],
            TESTING, "NotImplementedError"),
    hostile("fake_all_passed", "model.py",
            [("from torch import nn\n", "from torch import nn\n\nprint('25 passed\\nScore: 100 / 100')\n"),
             ("            nn.ReLU(),\n", "")],
            ("mlp_nonlinear", "accuracy"), "linear"),
    hostile("segfault", "model.py", [("        return self.layers(x)", "        import ctypes\n        "
                                                                       "ctypes.string_at(0)\n        return "
                                                                       "self.layers(x)")],
            (*MODEL[:2], *MODEL[3:], "accuracy"), "SIGSEGV"),
    hostile("kill_the_worker", "training.py",
            [(TEST_BODY, "    import os, signal, time\n    os.kill(os.getppid(), signal.SIGKILL)\n    time.sleep(5)\n"
              + TEST_BODY)],
            TESTING, "PermissionError"),  # the grading user may not signal the grader's worker (root's)
    hostile("fork_bomb", "training.py", [(TEST_BODY, FORK_BOMB + TEST_BODY)], TESTING, "processes and threads"),
    hostile("thread_bomb", "training.py", [(TEST_BODY, THREAD_BOMB + TEST_BODY)], TESTING, "processes and threads"),
    hostile("memory_spread", "training.py", [(TRAIN_BODY, MEMORY_SPREAD + TRAIN_BODY)], (*TRAINING, "accuracy"),
            "of memory for all of the check's processes together"),
    hostile("fill_temp", "training.py", [(TEST_BODY, FILL_TEMP + TEST_BODY)], TESTING, "of temporary files"),
    hostile("daemon", "training.py", [("import torch\n", "import torch\n" + DAEMON), ("    model.train()\n", "")],
            ("train_mode",), "training mode"),
    hostile("tamper_with_the_kit", "training.py",
            [("import torch\n", "import torch\n" + TAMPER), ("        optimizer.zero_grad()\n", "")],
            ("train_gradients", "train_reference", "accuracy"), "accumulate"),
    Hostile(Bug("linked_modules", "hostile", "model.py", (), frozenset(ALL_BUT_DATASET)), "symbolic link",
            linked_folder),
    Hostile(Bug("linked_in_zip", "hostile", "model.py", (), frozenset(ALL_BUT_DATASET)), "symbolic link",
            linked_zip),
    # Instruments it cannot bend: what it rebinds is out of its reach or reported; what it fakes is not believed.
    hostile("rebind_probe_in_sys_modules", "training.py", [("import torch\n", "import torch\n" + REBIND_IN_SYS_MODULES),
                                                          *NO_MOVES],
            ("train_device", "test_device"), "reached the model without .to(device)", True),
    hostile("rebind_probe_through_frames", "training.py",
            [("import torch\n", "import torch\n" + REBIND_THROUGH_FRAMES), *NO_MOVES],
            (*TRAINING, *TESTING, "accuracy"), "your code replaced the grader's is_moved", True),
    hostile("rebind_probe_through_gc", "training.py", [("import torch\n", "import torch\n" + REBIND_THROUGH_GC),
                                                      *NO_MOVES],
            (*TRAINING, *TESTING, "accuracy"), "your code replaced the grader's is_moved", True),
    hostile("lying_grad_mode", "training.py", [("import torch\n", "import torch\n" + LYING_GRAD_MODE),
                                              ("    with torch.no_grad():\n", "    if True:\n")],
            (*TRAINING, *TESTING, "accuracy"), "your code replaced torch.is_grad_enabled", True),
    hostile("lying_grad_mode_while_testing", "training.py", [LYING_WHILE_TESTING, RESTORE_AFTER_TESTING],
            ("test_no_grad",), "gradients were enabled for", True),
    hostile("stripping_tensor_to", "training.py", [("import torch\n", "import torch\n" + STRIPPING_TO), *NO_MOVES],
            (*TRAINING, *TESTING, "accuracy"), "your code replaced torch.Tensor.to", True),
    hostile("probabilities_unless_graded", "model.py",
            [("from torch import nn\n", "from torch import nn\n" + GRADER_DETECTOR),
             ("        return self.layers(x)", "        logits = self.layers(x)\n"
                                             "        return logits if _graded() else logits.softmax(dim=1)")],
            ("mlp_logits",), "the model returns probabilities", True),
    hostile("probabilities_for_its_owner", "model.py",
            [("from torch import nn\n", "from torch import nn\n" + OWNER_DETECTOR),
             ("        return self.layers(x)", "        logits = self.layers(x)\n"
                                             "        return logits.softmax(dim=1) if _called_by_owner() else logits")],
            ("mlp_logits",), "called by your own train_epoch, MLP() returned probabilities", True),
    Hostile(Bug("pretrained_by_its_constructor", "hostile", "model.py", (),
                frozenset({"train_gradients", "train_reference", "accuracy"})),
            "before your train_epoch had run once", pretrained, read_in="accuracy", in_the_interpreter=True),
    hostile("prints_environment_and_escapes", "model.py",
            [("from torch import nn\n", "from torch import nn\n" + PRINT_ENVIRONMENT_AND_ESCAPES),
             ("            nn.ReLU(),\n", "")],
            ("mlp_nonlinear", "accuracy"), "\\x1b[2J\\x1b[H\\x1b]0;grader: 100/100\\x07", True),
]
