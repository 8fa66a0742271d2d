"""Where things are: the kit, its rubric, its reference and what is cached from it, and MNIST. Defined
here once, for the grader, ``kit/``, ``bench/`` and the tests."""

from pathlib import Path

KIT_ROOT = Path(__file__).resolve().parents[2]
RUBRIC = KIT_ROOT / "grader" / "rubric.toml"  # where instructors find it
SOLUTIONS = KIT_ROOT / "solutions"  # the reference: a submission like any other, and the single source of truth
ASSIGNMENT = KIT_ROOT / "assignment"  # what students receive, made from SOLUTIONS
CACHE = KIT_ROOT / ".cache"  # what the kit computes once and keeps (the reference's observations)
SHIPPED_REFERENCE = KIT_ROOT / "grader" / "reference.json"  # the reference's observations, where SOLUTIONS is not
DATA_DIR = Path("data")  # where MNIST is looked for by default (MNIST/raw/ in it), from the kit's folder
