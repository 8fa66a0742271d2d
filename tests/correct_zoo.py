"""The public zoo of correct submissions: the contract met in the many ways students meet it, each of
which must get full marks (``tests/test_correct_zoo.py``).

Each module here is the full source of one of a submission's three files, written the way a student
would write it; an entry combines one ``dataset.py``, one ``model.py`` and one ``training.py`` and says
in one line what its style is. Between them the entries cover: layers as attributes, in
``nn.Sequential`` and in ``nn.ModuleList``; flattening with ``view(x.size(0), -1)``,
``torch.flatten(x, 1)``, ``nn.Flatten()`` and ``reshape(len(x), -1)``; ReLU, Tanh, GELU, LeakyReLU and
Sigmoid between layers; Dropout and BatchNorm1d; one to three hidden layers of 64 to 512 units;
images kept as tensors, as NumPy arrays, as PIL images through ``transforms.ToTensor()``, through
``transforms.functional.to_tensor``, or all divided once at construction; one-hot targets by
``F.one_hot``, ``torch.eye(10)[label]`` and ``torch.zeros(10).scatter_``; ``model.zero_grad()`` and
``optimizer.zero_grad(set_to_none=False)``; ``@torch.no_grad()``, ``torch.inference_mode()`` and
``torch.set_grad_enabled(False)``; printed progress and tqdm bars; ``float(loss)`` and ``loss.item()``;
``.to(device, non_blocking=True)`` and ``model.to(device)`` inside ``train_epoch``; loaders with worker
processes (``num_workers``, ``pin_memory``, ``persistent_workers``, ``prefetch_factor``, ``worker_init_fn``,
a generator, ``drop_last`` on the training loader); and models without ``nn.Linear``: weights held as
``nn.Parameter``s (alone or in an ``nn.ParameterList``) applied with ``F.linear``, ``x @ W.T + b`` or
``x @ W + b``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# -- dataset.py ---------------------------------------------------------------------------------

DATASET_TENSORS = '''\
"""MNIST as tensors, converted one item at a time."""

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets

NUM_CLASSES = 10


class MNISTDataset(Dataset):
    def __init__(self, images, labels, one_hot=False):
        self.images = torch.as_tensor(images)
        self.labels = torch.as_tensor(labels).long()
        self.one_hot = one_hot

    def __len__(self):
        return self.images.shape[0]

    def __getitem__(self, idx):
        image = self.images[idx].to(torch.float32) / 255.0
        image = image.unsqueeze(0)  # [28, 28] -> [1, 28, 28]
        label = self.labels[idx]
        if self.one_hot:
            return image, F.one_hot(label, num_classes=NUM_CLASSES).to(torch.float32)
        return image, label


def make_dataloaders(root, batch_size=64):
    train_set = datasets.MNIST(root, train=True, download=True)
    test_set = datasets.MNIST(root, train=False, download=True)
    train_dataset = MNISTDataset(train_set.data, train_set.targets)
    test_dataset = MNISTDataset(test_set.data, test_set.targets)
    train_loader = DataLoader(train_dataset, batch_size=batch_size, shuffle=True, num_workers=0, pin_memory=False)
    test_loader = DataLoader(test_dataset, batch_size=batch_size, shuffle=False, num_workers=0, pin_memory=False)
    return train_loader, test_loader
'''

DATASET_PIL = '''\
"""MNIST through PIL images and torchvision's ToTensor, as torchvision's own MNIST class does."""

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets, transforms


class MNISTDataset(Dataset):
    def __init__(self, images, labels, one_hot=False, transform=None):
        self.images = np.asarray(images, dtype=np.uint8)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.one_hot = one_hot
        self.transform = transform if transform is not None else transforms.ToTensor()

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        img = Image.fromarray(self.images[index])  # a 28x28 grey-scale ("L") image
        img = self.transform(img)
        label = int(self.labels[index])
        if self.one_hot:
            target = torch.zeros(10)
            target[label] = 1.0
        else:
            target = torch.tensor(label, dtype=torch.long)
        return img, target


def make_dataloaders(root, batch_size=64):
    train_mnist = datasets.MNIST(root=root, train=True, download=True)
    test_mnist = datasets.MNIST(root=root, train=False, download=True)
    train_ds = MNISTDataset(train_mnist.data.numpy(), train_mnist.targets.numpy())
    test_ds = MNISTDataset(test_mnist.data.numpy(), test_mnist.targets.numpy())
    return (
        DataLoader(train_ds, batch_size=batch_size, shuffle=True),
        DataLoader(test_ds, batch_size=batch_size),
    )
'''

DATASET_NUMPY = '''\
"""MNIST kept as NumPy arrays; one-hot targets with scatter_."""

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets


class MNISTDataset(Dataset):
    def __init__(self, images, labels, one_hot=False):
        # Works for NumPy arrays and tensors alike.
        self.images = np.array(images, dtype=np.uint8)
        self.labels = np.array(labels).astype(np.int64)
        self.one_hot = one_hot

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        pixels = self.images[i].astype(np.float32) / 255.0
        image = torch.from_numpy(pixels)[None, :, :]
        target = torch.tensor(self.labels[i], dtype=torch.int64)
        if self.one_hot:
            target = torch.zeros(10).scatter_(0, target.unsqueeze(0), 1.0)
        return image, target


def make_dataloaders(root, batch_size=64):
    loaders = []
    for train in (True, False):
        mnist = datasets.MNIST(root, train=train, download=True)
        dataset = MNISTDataset(mnist.data.numpy(), mnist.targets.numpy())
        loaders.append(DataLoader(dataset, batch_size=batch_size, shuffle=train))
    train_loader, test_loader = loaders
    return train_loader, test_loader
'''

DATASET_PRECOMPUTED = '''\
"""MNIST converted once, at construction: every image divided by 255 up front."""

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets


class MNISTDataset(Dataset):
    def __init__(self, images, labels, one_hot=False):
        super().__init__()
        self.images = torch.as_tensor(images).float().div(255).unsqueeze(1)  # [N, 1, 28, 28]
        self.labels = torch.as_tensor(labels).to(torch.int64)
        self.targets = F.one_hot(self.labels, 10).float() if one_hot else self.labels

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        return self.images[index], self.targets[index]


def make_dataloaders(root, batch_size=64):
    train = datasets.MNIST(root, train=True, download=True)
    test = datasets.MNIST(root, train=False, download=True)
    train_loader = DataLoader(MNISTDataset(train.data, train.targets), batch_size=batch_size, shuffle=True)
    test_loader = DataLoader(MNISTDataset(test.data, test.targets), batch_size=batch_size, shuffle=False)
    return train_loader, test_loader
'''

DATASET_TO_TENSOR = '''\
"""MNIST through torchvision.transforms.functional.to_tensor; one-hot rows of an identity matrix."""

import numpy as np
import torch
import torchvision.transforms.functional as TF
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets


class MNISTDataset(Dataset):
    def __init__(self, images, labels, one_hot=False):
        if isinstance(images, torch.Tensor):
            images = images.numpy()
        self.images = images
        self.labels = [int(label) for label in labels]
        self.one_hot = one_hot

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        image = TF.to_tensor(np.asarray(self.images[index]))  # uint8 [28, 28] -> float [1, 28, 28] in [0, 1]
        label = self.labels[index]
        if self.one_hot:
            return image, torch.eye(10)[label]
        return image, torch.tensor(label)


def make_dataloaders(root, batch_size=64):
    train_data = datasets.MNIST(root, train=True, download=True)
    test_data = datasets.MNIST(root, train=False, download=True)
    train_loader = DataLoader(
        MNISTDataset(train_data.data, train_data.targets),
        batch_size=batch_size,
        shuffle=True,
        drop_last=False,
    )
    test_loader = DataLoader(
        MNISTDataset(test_data.data, test_data.targets),
        batch_size=batch_size,
        shuffle=False,
    )
    return train_loader, test_loader
'''

DATASET_TYPED = '''\
"""MNIST with type hints, a module-level class count and keyword arguments everywhere."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets, transforms

NUM_CLASSES = 10
TO_TENSOR = transforms.ToTensor()


class MNISTDataset(Dataset):
    """Digits as (image, target) pairs."""

    def __init__(self, images: np.ndarray | Tensor, labels: np.ndarray | Tensor, one_hot: bool = False) -> None:
        self.images = torch.as_tensor(images, dtype=torch.uint8)
        self.labels = torch.as_tensor(labels, dtype=torch.long)
        self.one_hot = one_hot

    def __len__(self) -> int:
        return int(self.labels.numel())

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        image = TO_TENSOR(self.images[index].numpy())  # ToTensor takes an HxW uint8 array too
        label = self.labels[index]
        if not self.one_hot:
            return image, label
        one_hot = torch.zeros(NUM_CLASSES, dtype=torch.float32)
        one_hot[label] = 1
        return image, one_hot


def make_dataloaders(root: str, batch_size: int = 64) -> tuple[DataLoader, DataLoader]:
    splits = {
        split: datasets.MNIST(root=root, train=(split == "train"), download=True, transform=transforms.ToTensor())
        for split in ("train", "test")
    }
    sets = {split: MNISTDataset(images=mnist.data, labels=mnist.targets) for split, mnist in splits.items()}
    train_loader = DataLoader(dataset=sets["train"], batch_size=batch_size, shuffle=True)
    test_loader = DataLoader(dataset=sets["test"], batch_size=batch_size, shuffle=False)
    return train_loader, test_loader
'''

DATASET_TENSORS_WITH_DEMO = DATASET_TENSORS + '''

if __name__ == "__main__":
    train_loader, test_loader = make_dataloaders("./data")
    images, labels = next(iter(train_loader))
    print(images.shape, images.dtype, labels.shape, labels.dtype)
'''

DATASET_WORKERS = '''\
\"\"\"MNIST with worker processes, as pytorch/examples mnist/main.py loads it.\"\"\"

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets


class MNISTDataset(Dataset):
    def __init__(self, images, labels, one_hot=False):
        self.images = torch.as_tensor(images)
        self.labels = torch.as_tensor(labels, dtype=torch.int64)
        self.one_hot = one_hot

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        image = self.images[index].unsqueeze(0).float() / 255
        label = self.labels[index]
        return image, (F.one_hot(label, 10).float() if self.one_hot else label)


def make_dataloaders(root, batch_size=64):
    train_kwargs = {"batch_size": batch_size, "shuffle": True}
    test_kwargs = {"batch_size": batch_size}
    worker_kwargs = {"num_workers": 2, "pin_memory": True, "persistent_workers": True, "prefetch_factor": 4}
    train_set = datasets.MNIST(root, train=True, download=True)
    test_set = datasets.MNIST(root, train=False, download=True)
    train_loader = DataLoader(MNISTDataset(train_set.data, train_set.targets), **train_kwargs, **worker_kwargs)
    test_loader = DataLoader(MNISTDataset(test_set.data, test_set.targets), **test_kwargs, num_workers=2)
    return train_loader, test_loader
'''

DATASET_WORKERS_SEEDED = '''\
\"\"\"MNIST through worker processes seeded for reproducibility, with a generator of the loader's own.\"\"\"

import random

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets


def seed_worker(worker_id):
    worker_seed = torch.initial_seed() % 2**32
    np.random.seed(worker_seed)
    random.seed(worker_seed)


class MNISTDataset(Dataset):
    def __init__(self, images, labels, one_hot=False):
        self.images = np.asarray(images, dtype=np.uint8)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.one_hot = one_hot

    def __len__(self):
        return self.images.shape[0]

    def __getitem__(self, i):
        image = torch.from_numpy(self.images[i]).float().div(255.0)[None]
        label = torch.tensor(self.labels[i])
        if self.one_hot:
            return image, torch.eye(10)[label]
        return image, label


def make_dataloaders(root, batch_size=64):
    train_set = datasets.MNIST(root, train=True, download=True)
    test_set = datasets.MNIST(root, train=False, download=True)
    generator = torch.Generator()
    generator.manual_seed(0)
    train_loader = DataLoader(MNISTDataset(train_set.data.numpy(), train_set.targets.numpy()), batch_size=batch_size,
                              shuffle=True, drop_last=True, num_workers=3, worker_init_fn=seed_worker,
                              generator=generator)
    test_loader = DataLoader(MNISTDataset(test_set.data.numpy(), test_set.targets.numpy()), batch_size=batch_size,
                             shuffle=False, num_workers=1, pin_memory=True)
    return train_loader, test_loader
'''

# -- model.py -----------------------------------------------------------------------------------

MODEL_ATTRIBUTES = '''\
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, input_size=784, hidden_size=256, num_classes=10):
        super(MLP, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        x = self.fc1(x)
        x = self.relu(x)
        x = self.fc2(x)
        return x
'''

MODEL_SEQUENTIAL_GELU = '''\
from torch import nn


class MLP(nn.Module):
    def __init__(self, hidden=512):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(28 * 28, hidden),
            nn.GELU(),
            nn.Linear(hidden, 10),
        )

    def forward(self, x):
        return self.net(x)
'''

MODEL_MODULELIST_TANH = '''\
import torch
from torch import nn


class MLP(nn.Module):
    """784 -> 256 -> 128 -> 10 with tanh between the layers."""

    def __init__(self, sizes=(784, 256, 128, 10)):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])])
        self.activation = nn.Tanh()

    def forward(self, x):
        x = torch.flatten(x, 1)
        for layer in self.layers[:-1]:
            x = self.activation(layer(x))
        return self.layers[-1](x)
'''

MODEL_RESHAPE_LEAKY = '''\
import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(28 * 28, 512)
        self.act = nn.LeakyReLU(negative_slope=0.01)
        self.out = nn.Linear(512, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(len(x), -1)
        return self.out(self.act(self.hidden(x)))
'''

MODEL_RELU_SIGMOID = '''\
import torch.nn as nn


class MLP(nn.Module):
    """Two hidden layers: ReLU after the first, Sigmoid after the second."""

    def __init__(self, hidden1=256, hidden2=128):
        super().__init__()
        self.flatten = nn.Flatten()
        self.layer1 = nn.Linear(784, hidden1)
        self.layer2 = nn.Linear(hidden1, hidden2)
        self.layer3 = nn.Linear(hidden2, 10)
        self.relu = nn.ReLU()
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        x = self.flatten(x)
        x = self.relu(self.layer1(x))
        x = self.sigmoid(self.layer2(x))
        return self.layer3(x)
'''

MODEL_DROPOUT = '''\
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, hidden_sizes=(512, 256), dropout=0.2):
        super().__init__()
        layers = [nn.Flatten()]
        in_features = 28 * 28
        for size in hidden_sizes:
            layers += [nn.Linear(in_features, size), nn.ReLU(), nn.Dropout(dropout)]
            in_features = size
        layers.append(nn.Linear(in_features, 10))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)
'''

MODEL_BATCHNORM = '''\
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self, hidden=256):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(28 * 28, hidden)
        self.bn1 = nn.BatchNorm1d(hidden)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        x = self.flatten(x)
        x = F.relu(self.bn1(self.fc1(x)))
        return self.fc2(x)
'''

MODEL_HIDDEN_64 = '''\
import torch
from torch import nn
from torch.nn import functional as F


class MLP(nn.Module):
    def __init__(self, hidden_units: int = 64):
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, hidden_units)
        self.fc2 = nn.Linear(hidden_units, 10)

    def forward(self, x):
        x = torch.flatten(x, start_dim=1)
        x = F.relu(self.fc1(x))
        logits = self.fc2(x)
        return logits
'''

MODEL_THREE_HIDDEN = '''\
from collections import OrderedDict

from torch import nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.classifier = nn.Sequential(OrderedDict([
            ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(784, 512)),
            ("relu1", nn.ReLU()),
            ("fc2", nn.Linear(512, 256)),
            ("relu2", nn.ReLU()),
            ("fc3", nn.Linear(256, 64)),
            ("relu3", nn.ReLU()),
            ("logits", nn.Linear(64, 10)),
        ]))

    def forward(self, x):
        return self.classifier(x)
'''

MODEL_FUNCTIONAL_GELU = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self, in_features=28 * 28, hidden=256, out_features=10):
        super().__init__()
        self.linear1 = nn.Linear(in_features, hidden)
        self.linear2 = nn.Linear(hidden, out_features)

    def forward(self, x):
        batch_size = x.shape[0]
        h = F.gelu(self.linear1(x.view(batch_size, -1)))
        return self.linear2(h)

    @torch.no_grad()
    def predict(self, x):
        return self.forward(x).argmax(dim=1)
'''

MODEL_IS_A_SEQUENTIAL = '''\
from torch import nn


class MLP(nn.Sequential):
    """An MLP that is itself an nn.Sequential (its forward is Sequential's)."""

    def __init__(self, hidden=256):
        super().__init__(
            nn.Flatten(),
            nn.Linear(784, hidden),
            nn.LeakyReLU(0.1),
            nn.Linear(hidden, 10),
        )
'''

MODEL_IMPORTS_DATASET = '''\
import torch
import torch.nn as nn

from dataset import NUM_CLASSES


class MLP(nn.Module):
    def __init__(self, hidden=256):
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, hidden)
        self.fc2 = nn.Linear(hidden, NUM_CLASSES)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(torch.flatten(x, 1))))


if __name__ == "__main__":
    print(MLP()(torch.zeros(2, 1, 28, 28)).shape)
'''

MODEL_PARAMETERS_F_LINEAR = '''\
\"\"\"Weights held as nn.Parameters and applied with F.linear, initialised as nn.Linear does.\"\"\"

import math

import torch
import torch.nn.functional as F
from torch import nn


class MLP(nn.Module):
    def __init__(self, hidden=128):
        super().__init__()
        self.w1 = nn.Parameter(torch.empty(hidden, 28 * 28))
        self.b1 = nn.Parameter(torch.empty(hidden))
        self.w2 = nn.Parameter(torch.empty(10, hidden))
        self.b2 = nn.Parameter(torch.empty(10))
        for weight, bias in ((self.w1, self.b1), (self.w2, self.b2)):
            nn.init.kaiming_uniform_(weight, a=math.sqrt(5))
            bound = 1 / math.sqrt(weight.shape[1])
            nn.init.uniform_(bias, -bound, bound)

    def forward(self, x):
        x = x.flatten(1)
        return F.linear(F.relu(F.linear(x, self.w1, self.b1)), self.w2, self.b2)
'''

MODEL_MATMUL = '''\
import torch
import torch.nn as nn


class MLP(nn.Module):
    \"\"\"y = relu(x @ W1.T + b1) @ W2.T + b2, written out by hand.\"\"\"

    def __init__(self, hidden_size=256):
        super().__init__()
        self.W1 = nn.Parameter(torch.randn(hidden_size, 784) * (2 / 784) ** 0.5)
        self.b1 = nn.Parameter(torch.zeros(hidden_size))
        self.W2 = nn.Parameter(torch.randn(10, hidden_size) * (1 / hidden_size) ** 0.5)
        self.b2 = nn.Parameter(torch.zeros(10))

    def forward(self, x):
        x = x.reshape(x.shape[0], 28 * 28)
        hidden = torch.relu(x @ self.W1.T + self.b1)
        return hidden @ self.W2.T + self.b2
'''

MODEL_PARAMETER_LIST = '''\
import torch
from torch import nn


class MLP(nn.Module):
    \"\"\"Weights [in, out] in an nn.ParameterList, applied as x @ W + b with tanh between.\"\"\"

    def __init__(self, sizes=(784, 200, 10)):
        super().__init__()
        self.weights = nn.ParameterList(
            nn.Parameter(torch.randn(n_in, n_out) / n_in ** 0.5) for n_in, n_out in zip(sizes, sizes[1:]))
        self.biases = nn.ParameterList(nn.Parameter(torch.zeros(n_out)) for n_out in sizes[1:])

    def forward(self, x):
        x = torch.flatten(x, 1)
        for i, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            x = x @ weight + bias
            if i < len(self.weights) - 1:
                x = torch.tanh(x)
        return x
'''

# -- training.py --------------------------------------------------------------------------------

TRAINING_PLAIN = '''\
import torch


def train_epoch(model, optimizer, dataloader, criterion, device):
    model.train()
    losses = []
    for inputs, targets in dataloader:
        inputs = inputs.to(device)
        targets = targets.to(device)

        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()

        losses.append(loss.item())
    return losses


def test_epoch(model, dataloader, criterion, device):
    model.eval()
    losses = []
    with torch.no_grad():
        for inputs, targets in dataloader:
            inputs = inputs.to(device)
            targets = targets.to(device)
            outputs = model(inputs)
            loss = criterion(outputs, targets)
            losses.append(loss.item())
    return losses
'''

TRAINING_TQDM = '''\
import torch
from tqdm import tqdm


def train_epoch(model, optimizer, dataloader, criterion, device):
    model.train()
    losses = []
    progress = tqdm(dataloader, desc="train", leave=False)
    for images, labels in progress:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        progress.set_postfix(loss=f"{losses[-1]:.4f}")
    return losses


def test_epoch(model, dataloader, criterion, device):
    model.eval()
    losses = []
    with torch.no_grad():
        for images, labels in tqdm(dataloader, desc="test", leave=False):
            images, labels = images.to(device), labels.to(device)
            losses.append(criterion(model(images), labels).item())
    return losses
'''

TRAINING_PRINTS = '''\
import torch

LOG_INTERVAL = 100


def train_epoch(model, optimizer, dataloader, criterion, device):
    model.train()
    losses = []
    for batch_idx, (data, target) in enumerate(dataloader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
        if batch_idx % LOG_INTERVAL == 0:
            print("Train: [{}/{} ({:.0f}%)]\\tLoss: {:.6f}".format(
                batch_idx * len(data), len(dataloader.dataset), 100.0 * batch_idx / len(dataloader), loss.item()))
    return losses


def test_epoch(model, dataloader, criterion, device):
    model.eval()
    losses = []
    correct = 0
    with torch.no_grad():
        for data, target in dataloader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            loss = criterion(output, target)
            losses.append(float(loss))
            correct += (output.argmax(dim=1) == target).sum().item()
    print("Test: average loss {:.4f}, accuracy {}/{}".format(
        sum(losses) / len(losses), correct, len(dataloader.dataset)))
    return losses
'''

TRAINING_MODEL_ZERO_GRAD = '''\
import torch


def train_epoch(model, optimizer, dataloader, criterion, device):
    model.to(device)
    model.train()
    epoch_losses = []
    for x, y in dataloader:
        x, y = x.to(device), y.to(device)
        model.zero_grad()
        y_hat = model(x)
        loss = criterion(y_hat, y)
        loss.backward()
        optimizer.step()
        epoch_losses += [loss.item()]
    return epoch_losses


def test_epoch(model, dataloader, criterion, device):
    model.eval()
    epoch_losses = []
    with torch.no_grad():
        for x, y in dataloader:
            x, y = x.to(device), y.to(device)
            epoch_losses += [criterion(model(x), y).item()]
    return epoch_losses
'''

TRAINING_NON_BLOCKING = '''\
import torch


def train_epoch(model, optimizer, dataloader, criterion, device):
    model.train()
    losses = []
    for inputs, targets in dataloader:
        inputs = inputs.to(device, non_blocking=True)
        targets = targets.to(device, non_blocking=True)
        optimizer.zero_grad(set_to_none=False)
        outputs = model(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_epoch(model, dataloader, criterion, device):
    model.eval()
    losses = []
    with torch.no_grad():
        for inputs, targets in dataloader:
            inputs = inputs.to(device, non_blocking=True)
            targets = targets.to(device, non_blocking=True)
            losses.append(criterion(model(inputs), targets).item())
    return losses
'''

TRAINING_DECORATOR = '''\
import torch


def train_epoch(model, optimizer, dataloader, criterion, device):
    model.train()
    losses = []
    for batch in dataloader:
        inputs, targets = (t.to(device) for t in batch)
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@torch.no_grad()
def test_epoch(model, dataloader, criterion, device):
    model.eval()
    return [criterion(model(inputs.to(device)), targets.to(device)).item() for inputs, targets in dataloader]
'''

TRAINING_INFERENCE_MODE = '''\
import torch


def train_epoch(model, optimizer, dataloader, criterion, device):
    model.train()
    batch_losses = []
    for step, (inputs, targets) in enumerate(dataloader, start=1):
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        predictions = model(inputs)
        loss = criterion(predictions, targets)
        loss.backward()
        optimizer.step()
        loss_value = loss.item()
        batch_losses.append(loss_value)
    return batch_losses


def test_epoch(model, dataloader, criterion, device):
    model.eval()
    batch_losses = []
    with torch.inference_mode():
        for inputs, targets in dataloader:
            inputs, targets = inputs.to(device), targets.to(device)
            predictions = model(inputs)
            batch_losses.append(criterion(predictions, targets).item())
    return batch_losses
'''

TRAINING_SET_GRAD_ENABLED = '''\
import torch


def _run(model, dataloader, criterion, device, optimizer=None):
    training = optimizer is not None
    model.train(training)
    losses = []
    with torch.set_grad_enabled(training):
        for inputs, targets in dataloader:
            inputs, targets = inputs.to(device), targets.to(device)
            if training:
                optimizer.zero_grad()
            loss = criterion(model(inputs), targets)
            if training:
                loss.backward()
                optimizer.step()
            losses.append(loss.item())
    return losses


def train_epoch(model, optimizer, dataloader, criterion, device):
    return _run(model, dataloader, criterion, device, optimizer)


def test_epoch(model, dataloader, criterion, device):
    return _run(model, dataloader, criterion, device)
'''

TRAINING_TQDM_AUTO = '''\
import torch
from tqdm.auto import tqdm


def train_epoch(model, optimizer, dataloader, criterion, device):
    model.train()
    losses = []
    with tqdm(total=len(dataloader), desc="Training", unit="batch") as bar:
        for inputs, targets in dataloader:
            inputs, targets = inputs.to(device), targets.to(device)
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            bar.set_postfix(loss=loss.item())
            bar.update(1)
    return losses


def test_epoch(model, dataloader, criterion, device):
    model.eval()
    losses = []
    total, correct = 0, 0
    with torch.no_grad():
        for inputs, targets in tqdm(dataloader, desc="Testing", unit="batch"):
            inputs, targets = inputs.to(device), targets.to(device)
            outputs = model(inputs)
            losses.append(criterion(outputs, targets).item())
            _, predicted = torch.max(outputs, 1)
            total += targets.size(0)
            correct += (predicted == targets).sum().item()
    print(f"Test accuracy: {100 * correct / total:.2f}%")
    return losses
'''

TRAINING_TYPED = '''\
from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader


def train_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    dataloader: DataLoader,
    criterion: nn.Module,
    device: torch.device,
) -> list[float]:
    """One pass over the training data; the loss of every batch."""
    model.train()
    losses: list[float] = []
    for inputs, targets in dataloader:
        inputs, targets = inputs.to(device=device), targets.to(device=device)
        optimizer.zero_grad()
        logits = model(inputs)
        loss = criterion(logits, targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_epoch(model: nn.Module, dataloader: DataLoader, criterion: nn.Module, device: torch.device) -> list[float]:
    """One pass over the test data without gradients; the loss of every batch."""
    model.train(False)  # the same as model.eval()
    losses: list[float] = []
    with torch.no_grad():
        for inputs, targets in dataloader:
            logits = model(inputs.to(device))
            losses.append(criterion(logits, targets.to(device)).item())
    return losses
'''


TRAINING_WITH_MAIN = '''\
"""Training and evaluation; run `python training.py` to train the MLP for three epochs."""

import torch
import torch.nn as nn

from dataset import make_dataloaders
from model import MLP


def train_epoch(model, optimizer, dataloader, criterion, device):
    model.train()
    losses = []
    for inputs, targets in dataloader:
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_epoch(model, dataloader, criterion, device):
    model.eval()
    losses = []
    with torch.no_grad():
        for inputs, targets in dataloader:
            inputs, targets = inputs.to(device), targets.to(device)
            losses.append(criterion(model(inputs), targets).item())
    return losses


def main(epochs=3):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_loader, test_loader = make_dataloaders("./data")
    model = MLP().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        train_loss = sum(train_epoch(model, optimizer, train_loader, criterion, device)) / len(train_loader)
        test_loss = sum(test_epoch(model, test_loader, criterion, device)) / len(test_loader)
        print(f"epoch {epoch + 1}: train {train_loss:.4f}, test {test_loss:.4f}")


if __name__ == "__main__":
    main()
'''

@dataclass(frozen=True)
class Correct:
    """A correct submission: one style of each of the three files."""

    name: str
    style: str  # one line: what is particular about it
    dataset: str
    model: str
    training: str

    def write(self, into: Path) -> Path:
        into.mkdir(parents=True)
        for file, source in (("dataset.py", self.dataset), ("model.py", self.model), ("training.py", self.training)):
            (into / file).write_text(source)
        return into


CORRECT = [
    Correct("attributes_view_relu",
            "layers as attributes, view(x.size(0), -1), nn.ReLU, hidden 256; F.one_hot with a NUM_CLASSES "
            "constant; loaders with num_workers=0 and pin_memory=False",
            DATASET_TENSORS, MODEL_ATTRIBUTES, TRAINING_PLAIN),
    Correct("sequential_gelu_pil_tqdm",
            "nn.Sequential with nn.Flatten() and GELU, hidden 512; PIL images through transforms.ToTensor(); tqdm bars",
            DATASET_PIL, MODEL_SEQUENTIAL_GELU, TRAINING_TQDM),
    Correct("modulelist_tanh_numpy_prints",
            "nn.ModuleList of two hidden layers with Tanh, torch.flatten(x, 1); NumPy arrays, scatter_ one-hot; "
            "pytorch/examples-style printed progress and float(loss)",
            DATASET_NUMPY, MODEL_MODULELIST_TANH, TRAINING_PRINTS),
    Correct("reshape_leaky_precomputed_model_zero_grad",
            "x.reshape(len(x), -1) and LeakyReLU, hidden 512; all images divided at construction; "
            "model.zero_grad() and model.to(device) inside train_epoch",
            DATASET_PRECOMPUTED, MODEL_RESHAPE_LEAKY, TRAINING_MODEL_ZERO_GRAD),
    Correct("relu_sigmoid_to_tensor_non_blocking",
            "two hidden layers, ReLU then Sigmoid; transforms.functional.to_tensor and torch.eye(10)[label]; "
            ".to(device, non_blocking=True) and zero_grad(set_to_none=False)",
            DATASET_TO_TENSOR, MODEL_RELU_SIGMOID, TRAINING_NON_BLOCKING),
    Correct("dropout_no_grad_decorator",
            "nn.Sequential built in a loop with Dropout(0.2), hidden 512 and 256; @torch.no_grad() on test_epoch",
            DATASET_TENSORS, MODEL_DROPOUT, TRAINING_DECORATOR),
    Correct("batchnorm_inference_mode",
            "BatchNorm1d after the hidden layer, F.relu, hidden 256; torch.inference_mode() in test_epoch",
            DATASET_PRECOMPUTED, MODEL_BATCHNORM, TRAINING_INFERENCE_MODE),
    Correct("hidden_64_set_grad_enabled",
            "784-64-10 with F.relu and torch.flatten(x, start_dim=1); one helper for both loops under "
            "torch.set_grad_enabled and model.train(training)",
            DATASET_NUMPY, MODEL_HIDDEN_64, TRAINING_SET_GRAD_ENABLED),
    Correct("three_hidden_ordered_dict_tqdm_auto",
            "three hidden layers 512-256-64 in an nn.Sequential(OrderedDict); tqdm.auto bars updated by hand, "
            "accuracy printed in test_epoch",
            DATASET_PIL, MODEL_THREE_HIDDEN, TRAINING_TQDM_AUTO),
    Correct("functional_gelu_typed",
            "F.gelu, view(batch_size, -1), an extra predict method; type hints, keyword arguments, "
            "a module-level ToTensor and NUM_CLASSES",
            DATASET_TYPED, MODEL_FUNCTIONAL_GELU, TRAINING_TYPED),
    Correct("mlp_is_a_sequential",
            "MLP subclasses nn.Sequential (no forward of its own), LeakyReLU(0.1); NumPy arrays; model.zero_grad()",
            DATASET_NUMPY, MODEL_IS_A_SEQUENTIAL, TRAINING_MODEL_ZERO_GRAD),
    Correct("attributes_pil_prints",
            "the classic tutorial: fc1/relu/fc2 attributes with view; PIL dataset; printed progress, float(loss)",
            DATASET_PIL, MODEL_ATTRIBUTES, TRAINING_PRINTS),
    Correct("modulelist_tanh_precomputed_decorator",
            "nn.ModuleList with Tanh; precomputed tensors; @torch.no_grad() list comprehension in test_epoch",
            DATASET_PRECOMPUTED, MODEL_MODULELIST_TANH, TRAINING_DECORATOR),
    Correct("batchnorm_to_tensor_tqdm",
            "BatchNorm1d MLP; to_tensor dataset with torch.eye one-hot; tqdm bars with set_postfix",
            DATASET_TO_TENSOR, MODEL_BATCHNORM, TRAINING_TQDM),
    Correct("dropout_typed_non_blocking",
            "Dropout MLP; typed dataset with keyword arguments; non_blocking moves, zero_grad(set_to_none=False)",
            DATASET_TYPED, MODEL_DROPOUT, TRAINING_NON_BLOCKING),
    Correct("gelu_sequential_tensors_inference_mode",
            "nn.Sequential with GELU; tensors with F.one_hot; torch.inference_mode() in test_epoch",
            DATASET_TENSORS, MODEL_SEQUENTIAL_GELU, TRAINING_INFERENCE_MODE),
    Correct("hidden_64_tensors_plain",
            "the smallest model, 784-64-10, with the plainest loops and dataset",
            DATASET_TENSORS, MODEL_HIDDEN_64, TRAINING_PLAIN),
    Correct("sibling_imports_main_blocks",
            "model.py imports NUM_CLASSES from dataset.py, training.py imports make_dataloaders and MLP for a "
            "main() under if __name__ == '__main__'; each file runnable on its own",
            DATASET_TENSORS_WITH_DEMO, MODEL_IMPORTS_DATASET, TRAINING_WITH_MAIN),
    Correct("dataloader_workers_pin_memory",
            "pytorch/examples-style loaders with num_workers=2, pin_memory, persistent_workers and prefetch_factor",
            DATASET_WORKERS, MODEL_SEQUENTIAL_GELU, TRAINING_PLAIN),
    Correct("seeded_workers_generator_tqdm",
            "three seeded worker processes (worker_init_fn, a torch.Generator), drop_last on the training loader, a "
            "pinned one-worker test loader",
            DATASET_WORKERS_SEEDED, MODEL_ATTRIBUTES, TRAINING_TQDM),
    Correct("parameters_f_linear",
            "weights as nn.Parameters applied with F.linear and initialised by hand; no nn.Linear at all",
            DATASET_TENSORS, MODEL_PARAMETERS_F_LINEAR, TRAINING_PLAIN),
    Correct("matmul_by_hand_workers",
            "relu(x @ W1.T + b1) @ W2.T + b2 with nn.Parameters; loaders with worker processes",
            DATASET_WORKERS, MODEL_MATMUL, TRAINING_MODEL_ZERO_GRAD),
    Correct("parameter_list_tanh",
            "weights [in, out] in an nn.ParameterList, x @ W + b with tanh between; NumPy dataset",
            DATASET_NUMPY, MODEL_PARAMETER_LIST, TRAINING_DECORATOR),
]
