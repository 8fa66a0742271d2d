"""The worker's code, out of sight of the code it observes.

Student code shares an interpreter with the observers that call it. Whatever names the grader there
is something student code could look for: a frame from a file under ``grader/``, a module named
``grader.*`` in ``sys.modules`` or in a frame's globals, a class whose ``__module__`` says so, the
kit on ``sys.path``. ``load`` compiles the worker's modules with the file name that code run by
``python -c`` has, and ``hide`` (before any student code runs) takes them out of ``sys.modules``,
names them ``__main__``, and takes the kit off ``sys.path``: the frames and objects above student code
look like those of a script. Nothing here stops code that digs through the garbage collector or the
interpreter's memory; what the checks conclude does not rest on hiding alone (see ``seal``).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from pathlib import Path
from types import FunctionType, ModuleType

PACKAGE = "grader"
FILE_NAME = "<string>"  # what a frame of `python -c` code, or of exec'd code, is named
MODULE_NAME = "__main__"


class _Loader(importlib.abc.SourceLoader):
    def __init__(self, path: Path) -> None:
        self.path = path

    def get_filename(self, fullname: str) -> str:
        return str(self.path)

    def get_data(self, path: str) -> bytes:
        return Path(path).read_bytes()

    def source_to_code(self, data, path, *, _optimize=-1):  # noqa: ANN001 (importlib's own signature)
        return compile(data, FILE_NAME, "exec", dont_inherit=True, optimize=_optimize)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the kit's modules where the normal import would, and has them compiled under ``FILE_NAME``."""

    def find_spec(self, fullname: str, path, target=None):  # noqa: ANN001
        if not fullname.startswith(PACKAGE + ".") or fullname == __name__:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            return spec
        return importlib.util.spec_from_file_location(fullname, spec.origin, loader=_Loader(Path(spec.origin)),
                                                      submodule_search_locations=spec.submodule_search_locations)


def load(name: str) -> ModuleType:
    """Import the kit's module ``name`` (and the kit's modules it imports) compiled under ``FILE_NAME``."""
    finder = _Finder()
    sys.meta_path.insert(0, finder)
    try:
        return importlib.import_module(name)
    finally:
        sys.meta_path.remove(finder)


def hide(kit: Path) -> None:
    """Take the kit's modules out of ``sys.modules`` and the kit off ``sys.path``; name the modules, their
    classes and functions ``__main__``, as a script's are. The modules live on in the objects that use them."""
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
        module = sys.modules.pop(name)
        for value in list(vars(module).values()):
            _rename(value)
            if isinstance(value, type):
                for member in list(vars(value).values()):
                    _rename(getattr(member, "__func__", member))
        for attribute in ("__file__", "__cached__", "__spec__", "__loader__", "__path__"):
            vars(module).pop(attribute, None)
        module.__name__, module.__package__ = MODULE_NAME, None
    sys.path[:] = [entry for entry in sys.path if entry and Path(entry).resolve() != kit.resolve()]


def _rename(value: object) -> None:
    if isinstance(value, (type, FunctionType)) and str(getattr(value, "__module__", "")).startswith(PACKAGE):
        value.__module__ = MODULE_NAME
