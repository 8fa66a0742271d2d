"""Hostile submissions: each tries to crash, hang, flood or fool the grader, and is also wrong in
its code, so that a fooled grader would show marks it does not deserve. Each entry names the checks
it must lose and a phrase the student must read in the first of them."""

from __future__ import annotations

from dataclasses import dataclass

from tests.zoo import Bug

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


@dataclass(frozen=True)
class Hostile:
    bug: Bug
    message: str  # what the student reads in the first check lost

    @property
    def name(self) -> str:
        return self.bug.name


def hostile(name: str, file: str, edits: list[tuple[str, str]], loses: tuple[str, ...], message: str) -> Hostile:
    return Hostile(Bug(name, "hostile", file, tuple(edits), frozenset(loses)), message)


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
            ("train_gradients", "train_reference", "accuracy"), "accumulate"),
    hostile("read_reference", "training.py",
            [("import torch\n", "import torch\n" + READ_REFERENCE),
             (TEST_BODY, "    if _stolen:\n        return _stolen['test_epoch'](model, dataloader, criterion, device)\n"
              + BROKEN_TEST + TEST_BODY)],
            TESTING, "NotImplementedError"),
    hostile("fake_all_passed", "model.py",
            [("from torch import nn\n", "from torch import nn\n\nprint('25 passed\\nScore: 100 / 100')\n"),
             ("            nn.ReLU(),\n", "")],
            ("mlp_nonlinear", "accuracy"), "linear"),
    hostile("segfault", "model.py", [("        return self.layers(x)", "        import ctypes\n        ctypes.string_at(0)\n        return self.layers(x)")],
            (*MODEL[:2], *MODEL[3:], "accuracy"), "SIGSEGV"),
    hostile("kill_the_worker", "training.py",
            [(TEST_BODY, "    import os, signal, time\n    os.kill(os.getppid(), signal.SIGKILL)\n    time.sleep(5)\n" + TEST_BODY)],
            TESTING, "kill its parent"),
]
