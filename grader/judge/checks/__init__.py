"""The checks: pytest functions that judge observations of a submission against expectations.

Each ``check_*`` function carries ``@pytest.mark.check(id)``; the rubric gives it its points. A check
passes, or raises ``CheckFailed`` saying what was observed, what was expected and the likely bug.
"""

import ast
from pathlib import Path

FOLDER = Path(__file__).parent

# The checks whose failure probably makes a check fail too, most likely first: the report names the first
# of them that failed, so that a student fixes the cause before its consequences. The accuracy run trains
# the student's MLP with their dataset, loaders and train_epoch, so it can follow from any bug in those.
LIKELY_CAUSES: dict[str, tuple[str, ...]] = {
    "dataset_one_hot": ("dataset_targets",),
    "dataset_batches": ("dataset_images", "dataset_targets"),
    "train_reference": ("train_gradients",),
    "accuracy": ("train_gradients", "train_reference", "mlp_nonlinear", "mlp_logits", "mlp_output",
                 "mlp_input_features", "mlp_parameters", "dataset_images", "dataset_targets", "dataset_batches",
                 "loaders_splits", "loaders_order", "loaders_batch_size"),
}


def declared() -> set[str]:
    """The ids in every ``@pytest.mark.check(id)`` here, read from the source without importing it."""
    ids = set()
    for path in FOLDER.glob("check_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "check"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                ids.add(node.args[0].value)
    return ids
