"""Where the kit is: the one definition of its root folder, for the grader and for ``kit/``."""

from pathlib import Path

KIT_ROOT = Path(__file__).resolve().parent.parent
