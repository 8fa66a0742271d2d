"""The public bug zoo: the reference with one known student bug each (from the catalogue in
shared/research/grading-pytorch.md), and the checks that bug must cost points in, and no others.

A bug is a list of exact text replacements applied to a copy of ``solutions/``, so that each entry
reads as the diff a student would have made.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.config.paths import SOLUTIONS


@dataclass(frozen=True)
class Bug:
    name: str
    catalogue: str  # the row in the bug catalogue
    file: str
    edits: tuple[tuple[str, str], ...]
    loses: frozenset[str]

    def apply(self, into: Path) -> Path:
        shutil.copytree(SOLUTIONS, into, ignore=shutil.ignore_patterns("__pycache__"))
        path = into / self.file
        source = path.read_text()
        for old, new in self.edits:
            assert source.count(old) == 1, f"{self.name}: {old!r} must occur exactly once in {self.file}"
            source = source.replace(old, new)
        path.write_text(source)
        return into


def bug(name: str, catalogue: str, file: str, old: str, new: str, *loses: str) -> Bug:
    return Bug(name, catalogue, file, ((old, new),), frozenset(loses))


IMAGE = "image = self.images[index].float().div(255).unsqueeze(0)"
TRAIN_MOVE = "        inputs, targets = inputs.to(device), targets.to(device)\n        optimizer.zero_grad()"
TEST_MOVE = "            inputs, targets = inputs.to(device), targets.to(device)\n            losses.append"

ZOO = [
    # dataset.py
    bug("image_uint8", "D2", "dataset.py", IMAGE, "image = self.images[index].unsqueeze(0)",
        "dataset_images", "dataset_batches", "accuracy"),
    bug("image_float64", "D3", "dataset.py", IMAGE, "image = self.images[index].double().div(255).unsqueeze(0)",
        "dataset_images", "dataset_batches", "accuracy"),
    bug("image_no_channel", "D4", "dataset.py", IMAGE, "image = self.images[index].float().div(255)",
        "dataset_images", "dataset_batches"),
    bug("image_not_scaled", "D5", "dataset.py", IMAGE, "image = self.images[index].float().unsqueeze(0)",
        "dataset_images"),  # trains well on 0-255 and is scored through the same dataset: costs once
    bug("image_scaled_twice", "D5", "dataset.py", IMAGE,
        "image = self.images[index].float().div(255).div(255).unsqueeze(0)",
        "dataset_images", "accuracy"),
    bug("labels_uint8", "D9", "dataset.py", "torch.as_tensor(labels, dtype=torch.int64)", "torch.as_tensor(labels)",
        "dataset_targets", "dataset_one_hot", "dataset_batches"),
    bug("target_shape_1", "D9", "dataset.py", "target = self.labels[index]", "target = self.labels[index : index + 1]",
        "dataset_targets", "dataset_one_hot", "dataset_batches", "accuracy"),
    bug("one_hot_int64", "D9", "dataset.py", "F.one_hot(target, NUM_CLASSES).float()", "F.one_hot(target, NUM_CLASSES)",
        "dataset_one_hot"),
    bug("len_hard_coded", "D10", "dataset.py", "return len(self.labels)", "return 60000",
        "dataset_len", "dataset_batches", "loaders_splits", "loaders_order", "loaders_batch_size"),
    bug("splits_swapped", "—", "dataset.py", "train = datasets.MNIST(root, train=True", "train = datasets.MNIST(root, "
                                                                                        "train=False",
        "loaders_splits", "accuracy"),
    bug("test_loader_shuffled", "—", "dataset.py", "batch_size=batch_size, shuffle=False", "batch_size=batch_size, "
                                                                                           "shuffle=True",
        "loaders_order"),
    bug("train_loader_not_shuffled", "—", "dataset.py", "batch_size=batch_size, shuffle=True",
        "batch_size=batch_size, shuffle=False",
        "loaders_order"),
    bug("batch_size_ignored", "—", "dataset.py", "targets), batch_size=batch_size, shuffle=False",
        "targets), batch_size=64, shuffle=False",
        "loaders_batch_size"),
    bug("test_loader_drop_last", "—", "dataset.py", "batch_size=batch_size, shuffle=False)",
        "batch_size=batch_size, shuffle=False, drop_last=True)", "loaders_splits"),
    Bug("train_sampled_with_replacement", "—", "dataset.py", (
        ("from torch.utils.data import DataLoader, Dataset",
         "from torch.utils.data import DataLoader, Dataset, RandomSampler"),
        ("DataLoader(MNISTDataset(train.data, train.targets), batch_size=batch_size, shuffle=True)",
         "DataLoader(MNISTDataset(train.data, train.targets), batch_size=batch_size,\n"
         "                              sampler=RandomSampler(range(len(train.targets)), replacement=True))"),
    ), frozenset({"loaders_splits"})),
    bug("len_off_by_one", "D10", "dataset.py", "return len(self.labels)", "return len(self.labels) - 1",
        "dataset_len", "dataset_batches", "loaders_splits"),
    bug("image_normalized", "D5", "dataset.py", IMAGE,
        "image = self.images[index].float().div(255).sub(0.1307).div(0.3081).unsqueeze(0)",
        "dataset_images"),
    # model.py
    bug("wrong_input_size", "M1", "model.py", "nn.Linear(28 * 28, hidden),\n", "nn.Linear(28 * 26, hidden),\n",
        "mlp_output", "mlp_batch_independence", "mlp_input_features", "mlp_nonlinear", "mlp_logits", "mlp_parameters",
        "accuracy"),
    bug("flatten_batch_away", "M2", "model.py", "return self.layers(x)", "return self.layers[1:](x.view(-1))",
        "mlp_output", "mlp_batch_independence", "mlp_nonlinear", "mlp_logits", "mlp_parameters", "accuracy"),
    bug("batch_size_hard_coded", "M3", "model.py", "return self.layers(x)", "return self.layers[1:](x.view(64, -1))",
        "mlp_output", "mlp_batch_independence", "mlp_nonlinear", "mlp_logits", "mlp_parameters", "accuracy"),
    bug("squeeze", "M4", "model.py", "return self.layers(x)", "return self.layers(x).squeeze()",
        "mlp_output"),
    bug("softmax_output", "M6", "model.py", "nn.Linear(hidden, 10),\n", "nn.Linear(hidden, 10),\n            "
                                                                        "nn.Softmax(dim=1),\n",
        "mlp_logits"),
    bug("relu_after_last_layer", "M6", "model.py", "nn.Linear(hidden, 10),\n",
        "nn.Linear(hidden, 10),\n            nn.ReLU(),\n", "mlp_logits", "accuracy"),  # dead logits: ~68%
    bug("tanh_after_last_layer", "M6", "model.py", "nn.Linear(hidden, 10),\n",
        "nn.Linear(hidden, 10),\n            nn.Tanh(),\n", "mlp_logits"),
    bug("no_activation", "M7", "model.py", "            nn.ReLU(),\n", "",
        "mlp_nonlinear", "accuracy"),
    Bug("layers_in_a_list", "M8", "model.py", (
        ("self.layers = nn.Sequential(", "self.layers = list(("),
        ("            nn.Linear(hidden, 10),\n        )", "            nn.Linear(hidden, 10),\n        ))"),
        ("return self.layers(x)", "for layer in self.layers:\n            x = layer(x)\n        return x"),
    ), frozenset({"mlp_input_features", "mlp_parameters", "accuracy"})),
    bug("no_super_init", "M10", "model.py", "        super().__init__()\n", "",
        "mlp_output", "mlp_batch_independence", "mlp_input_features", "mlp_nonlinear", "mlp_logits", "mlp_parameters",
        "accuracy"),
    # training.py: train_epoch
    bug("no_zero_grad", "T1", "training.py", "        optimizer.zero_grad()\n", "",
        "train_gradients", "train_reference", "accuracy"),
    bug("zero_grad_after_backward", "T2", "training.py", "        loss.backward()\n        optimizer.step()",
        "        loss.backward()\n        optimizer.zero_grad()\n        optimizer.step()",
        "train_gradients", "train_reference", "accuracy"),
    Bug("step_before_backward", "T4", "training.py", (
        ("        loss.backward()\n        optimizer.step()", "        optimizer.step()\n        loss.backward()"),
    ), frozenset({"train_gradients", "train_reference", "accuracy"})),
    bug("loss_tensor_kept", "T5", "training.py", "        losses.append(loss.item())", "        losses.append(loss)",
        "train_losses"),
    bug("inputs_not_moved", "T6", "training.py", TRAIN_MOVE, "        targets = targets.to(device)\n        "
                                                             "optimizer.zero_grad()",
        "train_device"),
    bug("targets_not_moved", "T6", "training.py", TRAIN_MOVE, "        inputs = inputs.to(device)\n        "
                                                              "optimizer.zero_grad()",
        "train_device"),
    bug("hard_coded_cuda", "T7", "training.py", TRAIN_MOVE, "        inputs, targets = inputs.cuda(), "
                                                            "targets.cuda()\n        optimizer.zero_grad()",
        "train_device", "accuracy"),
    Bug("module_level_device", "T6", "training.py", (
        ("import torch\n", "import torch\n\nDEVICE = torch.device(\"cpu\")\n"),
        (TRAIN_MOVE, "        inputs, targets = inputs.to(DEVICE), targets.to(DEVICE)\n        optimizer.zero_grad()"),
    ), frozenset({"train_device"})),
    bug("cuda_if_available", "T6", "training.py", "    model.eval()\n",
        "    device = \"cuda\" if torch.cuda.is_available() else \"cpu\"\n    model.eval()\n", "test_device"),
    bug("no_model_train", "T8", "training.py", "    model.train()\n", "",
        "train_mode"),
    bug("own_optimizer", "T11", "training.py", "    model.train()\n",
        "    model.train()\n    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\n",
        "train_gradients", "train_reference", "accuracy"),
    # training.py: test_epoch
    bug("no_model_eval", "E1", "training.py", "    model.eval()\n", "",
        "test_eval_mode", "test_side_effects", "test_losses"),
    bug("no_no_grad", "E2", "training.py", "    with torch.no_grad():\n", "    if True:\n",
        "test_no_grad"),
    bug("grad_mode_not_restored", "E7", "training.py", "    with torch.no_grad():\n",
        "    torch.set_grad_enabled(False)\n    if True:\n",
        "test_side_effects"),
    bug("test_inputs_not_moved", "T6", "training.py", TEST_MOVE, "            targets = targets.to(device)\n          "
                                                                 "  losses.append",
        "test_device"),
    bug("test_mean_loss_only", "E8", "training.py", "            losses.append(criterion(model(inputs), "
                                                    "targets).item())\n    return losses",
        "            losses.append(criterion(model(inputs), targets).item())\n    return [sum(losses) / len(losses)]",
        "test_losses"),
]
