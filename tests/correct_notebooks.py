"""The public zoo of correct notebooks: the three parts written in a notebook the way students really
write one, each of which must get full marks (``tests/test_correct_zoo.py``).

Besides the definitions, each notebook holds the work students do between them, saved with its outputs
as their editor saves it: installs and magics, mounting Google Drive, loading the data and looking at a
batch, a model built and shown, a training loop over epochs, loss plots, bare expressions, ``display``,
an ``if __name__ == "__main__":`` block, a cell that failed, a part defined twice (the later definition
wins, as in the kernel) and module-level values the parts use. They come as Colab (nbformat 4.5, cell
ids, ``colab`` and ``accelerator`` metadata), VS Code (4.2, ``vscode`` metadata, execution counts),
JupyterLab (4.4, no cell ids), an nbgrader assignment (cell metadata, autograder test cells) and an old
4.0 notebook. Every notebook runs top to bottom in a kernel (but for the cell that is meant to fail) with
``./data`` holding MNIST and Google Drive mounted where it is asked for.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import v4

# A 1x1 PNG: what a saved figure output looks like to the grader (base64 image/png data).
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\n"
FIGURE = {"image/png": PNG, "text/plain": "<Figure size 640x480 with 1 Axes>"}


def stdout(text: str) -> dict:
    return v4.new_output("stream", name="stdout", text=text)


def stderr(text: str) -> dict:
    return v4.new_output("stream", name="stderr", text=text)


def figure() -> dict:
    return v4.new_output("display_data", data=dict(FIGURE), metadata={})


def result(text: str) -> dict:
    return v4.new_output("execute_result", data={"text/plain": text}, metadata={}, execution_count=None)


def error(ename: str, evalue: str, *traceback: str) -> dict:
    return v4.new_output("error", ename=ename, evalue=evalue, traceback=list(traceback) or [f"{ename}: {evalue}"])


def code(source: str, *outputs: dict, **metadata) -> nbformat.NotebookNode:
    return v4.new_code_cell(source.strip("\n"), outputs=list(outputs), metadata=metadata)


def markdown(source: str, **metadata) -> nbformat.NotebookNode:
    return v4.new_markdown_cell(source.strip("\n"), metadata=metadata)


def notebook(name: str, cells: list, metadata: dict, minor: int, ids: str | None = None,
             executed: bool = True) -> nbformat.NotebookNode:
    """A saved notebook: ``ids`` is None (before nbformat 4.5), "colab" or "uuid"; ``executed`` numbers
    the code cells in order, as a Restart & Run All would."""
    count = 0
    for index, cell in enumerate(cells):
        digest = hashlib.sha256(f"{name}/{index}".encode()).hexdigest()
        cell.pop("id", None)
        if ids == "colab":  # Colab's ids: 12 URL-safe base64 characters, also kept in the cell's metadata
            cell["id"] = base64.urlsafe_b64encode(bytes.fromhex(digest[:18])).decode()
            cell.metadata["id"] = cell["id"]
        elif ids == "uuid":
            cell["id"] = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        if cell.cell_type == "code":
            if executed:
                count += 1
                cell.execution_count = count
                for output in cell.outputs:
                    if output.output_type == "execute_result":
                        output.execution_count = count
            else:
                cell.execution_count = None
                cell.outputs = []
    book = v4.new_notebook(metadata=metadata)
    book.nbformat_minor = minor
    book.cells = cells  # after the minor version: new_notebook would give cells of 4.5 ids
    return book


@dataclass(frozen=True)
class Notebook:
    name: str
    style: str  # one line: where it comes from and what is particular about it
    build: Callable[[], nbformat.NotebookNode]

    def write(self, into: Path) -> Path:
        """Write the notebook into the folder ``into``; its path."""
        into.mkdir(parents=True, exist_ok=True)
        path = into / f"{self.name}.ipynb"
        nbformat.write(self.build(), path)
        return path


# -- Colab, with Google Drive and a GPU -----------------------------------------------------------


def colab_drive() -> nbformat.NotebookNode:
    cells = [
        markdown("# Lab 3: a multi-layer perceptron on MNIST\n\nRuntime > Change runtime type > T4 GPU."),
        code("!pip install tqdm",
             stdout("Requirement already satisfied: tqdm in /usr/local/lib/python3.10/dist-packages (4.66.4)\n")),
        code("from google.colab import drive\ndrive.mount('/content/drive')",
             stdout("Mounted at /content/drive\n"),
             colab={"base_uri": "https://localhost:8080/"}, outputId="e4c1a7d2-33f1-4c5e-9a2b-8d0f1c2e3b4a"),
        code("""
import torch
import torch.nn as nn
import torch.nn.functional as F
import numpy as np
import matplotlib.pyplot as plt
from torch.utils.data import Dataset, DataLoader
from torchvision import datasets, transforms
from tqdm.auto import tqdm
"""),
        code("""
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print("Using", device)
""", stdout("Using cuda\n")),
        markdown("## Part 1: the dataset"),
        code('''
class MNISTDataset(Dataset):
    def __init__(self, images, labels, one_hot=False):
        self.images = torch.as_tensor(images)
        self.labels = torch.as_tensor(labels, dtype=torch.long)
        self.one_hot = one_hot

    def __len__(self):
        return len(self.images)

    def __getitem__(self, idx):
        image = self.images[idx].float().unsqueeze(0) / 255
        label = self.labels[idx]
        if self.one_hot:
            label = F.one_hot(label, num_classes=10).float()
        return image, label


def make_dataloaders(root, batch_size=64):
    train_set = datasets.MNIST(root, train=True, download=True)
    test_set = datasets.MNIST(root, train=False, download=True)
    train_loader = DataLoader(MNISTDataset(train_set.data, train_set.targets), batch_size=batch_size, shuffle=True)
    test_loader = DataLoader(MNISTDataset(test_set.data, test_set.targets), batch_size=batch_size, shuffle=False)
    return train_loader, test_loader
'''),
        code('train_loader, test_loader = make_dataloaders("./data")\nprint(len(train_loader.dataset), '
             'len(test_loader.dataset))',
             stdout("Downloading http://yann.lecun.com/exdb/mnist/train-images-idx3-ubyte.gz\n"),
             stderr("100%|██████████| 9.91M/9.91M [00:00<00:00, 54.3MB/s]\n"),
             stdout("60000 10000\n")),
        code("images, labels = next(iter(train_loader))\nprint(images.shape)\nprint(labels[:10])",
             stdout("torch.Size([64, 1, 28, 28])\ntensor([5, 0, 4, 1, 9, 2, 1, 3, 1, 4])\n")),
        code("""
fig, axes = plt.subplots(1, 8, figsize=(12, 2))
for ax, img, label in zip(axes, images, labels):
    ax.imshow(img.squeeze(), cmap="gray")
    ax.set_title(label.item())
    ax.axis("off")
plt.show()
""", figure()),
        markdown("## Part 2: the model"),
        code("""
class MLP(nn.Module):
    def __init__(self, hidden=256):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Flatten(),
            nn.Linear(28 * 28, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 10),
        )

    def forward(self, x):
        return self.layers(x)
"""),
        code("model = MLP().to(device)\nmodel", result(
            "MLP(\n  (layers): Sequential(\n    (0): Flatten(start_dim=1, end_dim=-1)\n"
            "    (1): Linear(in_features=784, out_features=256, bias=True)\n    (2): ReLU()\n"
            "    (3): Linear(in_features=256, out_features=10, bias=True)\n  )\n)")),
        markdown("## Part 3: training and evaluation"),
        code("""
def train_epoch(model, optimizer, dataloader, criterion, device):
    model.train()
    losses = []
    for inputs, targets in tqdm(dataloader, leave=False):
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
"""),
        code("""
%%time
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()
train_history, test_history = [], []
for epoch in range(1, 4):
    train_losses = train_epoch(model, optimizer, train_loader, criterion, device)
    test_losses = test_epoch(model, test_loader, criterion, device)
    train_history.append(np.mean(train_losses))
    test_history.append(np.mean(test_losses))
    print(f"epoch {epoch}: train loss {train_history[-1]:.4f}, test loss {test_history[-1]:.4f}")
""", stdout("epoch 1: train loss 0.2710, test loss 0.1383\nepoch 2: train loss 0.1125, test loss 0.0952\n"
            "epoch 3: train loss 0.0754, test loss 0.0819\nCPU times: user 21.3 s, sys: 1.2 s, total: 22.5 s\n"
            "Wall time: 24.1 s\n")),
        code("""
plt.plot(range(1, 4), train_history, label="train")
plt.plot(range(1, 4), test_history, label="test")
plt.xlabel("epoch")
plt.ylabel("mean loss")
plt.legend()
plt.show()
""", figure()),
        code("""
torch.save(model.state_dict(), "/content/drive/MyDrive/mlp_mnist.pt")
print("saved")
""", stdout("saved\n")),
    ]
    metadata = {
        "accelerator": "GPU",
        "colab": {"provenance": [], "gpuType": "T4", "toc_visible": True},
        "kernelspec": {"display_name": "Python 3", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return notebook("colab_drive", cells, metadata, minor=5, ids="colab")


# -- Colab scratch work: exploring between the parts -----------------------------------------------


def colab_scratch() -> nbformat.NotebookNode:
    cells = [
        code("""
import torch
from torch import nn
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader
import torchvision
from torchvision import transforms
from PIL import Image
import numpy as np
"""),
        code("""
class MNISTDataset(Dataset):
    def __init__(self, images, labels, one_hot=False):
        self.images = images
        self.labels = labels
        self.one_hot = one_hot
        self.to_tensor = transforms.ToTensor()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        img = Image.fromarray(np.asarray(self.images[i], dtype=np.uint8))
        x = self.to_tensor(img)
        y = torch.tensor(int(self.labels[i]))
        if self.one_hot:
            y = torch.eye(10)[y]
        return x, y
"""),
        code("""
ds = MNISTDataset(np.zeros((3, 28, 28), dtype=np.uint8), np.array([3, 1, 4]))
len(ds)
""", result("3")),
        code("ds[0][0].shape, ds[0][0].dtype, ds[0][1]",
             result("(torch.Size([1, 28, 28]), torch.float32, tensor(3))")),
        code("""
def make_dataloaders(root, batch_size=64):
    mnist_train = torchvision.datasets.MNIST(root, train=True, download=True)
    mnist_test = torchvision.datasets.MNIST(root, train=False, download=True)
    train_ds = MNISTDataset(mnist_train.data, mnist_train.targets)
    test_ds = MNISTDataset(mnist_test.data, mnist_test.targets)
    return DataLoader(train_ds, batch_size, shuffle=True), DataLoader(test_ds, batch_size, shuffle=False)
"""),
        code('train_loader, test_loader = make_dataloaders("data")\nlen(train_loader), len(test_loader)',
             result("(938, 157)")),
        code("x, y = next(iter(train_loader))\nx.shape, y.shape", result("(torch.Size([64, 1, 28, 28]), "
                                                                         "torch.Size([64]))")),
        code("""
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 512)
        self.fc2 = nn.Linear(512, 10)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        x = F.leaky_relu(self.fc1(x))
        return self.fc2(x)
"""),
        code("model = MLP()\nout = model(x)\nout.shape", result("torch.Size([64, 10])")),
        code("criterion = nn.CrossEntropyLoss()\nloss = criterion(out, y)\nloss", result(
            "tensor(2.3094, grad_fn=<NllLossBackward0>)")),
        code("""
def train_epoch(model, optimizer, dataloader, criterion, device):
    model.train()
    losses = []
    for i, (x, y) in enumerate(dataloader):
        x = x.to(device)
        y = y.to(device)
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if i % 200 == 0:
            print(i, loss.item())
    return losses

def test_epoch(model, dataloader, criterion, device):
    model.eval()
    losses = []
    with torch.no_grad():
        for x, y in dataloader:
            x = x.to(device)
            y = y.to(device)
            losses.append(criterion(model(x), y).item())
    return losses
"""),
        code("""
device = "cuda" if torch.cuda.is_available() else "cpu"
model = MLP().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
train_losses = train_epoch(model, optimizer, train_loader, criterion, device)
test_losses = test_epoch(model, test_loader, criterion, device)
sum(test_losses) / len(test_losses)
""", stdout("0 2.3071\n200 0.3160\n400 0.2185\n600 0.1402\n800 0.1773\n"), result("0.10812")),
        code("""
correct = 0
with torch.no_grad():
    for x, y in test_loader:
        correct += (model(x.to(device)).argmax(1) == y.to(device)).sum().item()
correct / len(test_loader.dataset)
""", result("0.9672")),
    ]
    metadata = {
        "accelerator": "GPU",
        "colab": {"provenance": [{"file_id": "1aBcD3fGhIjK", "timestamp": 1726000000000}]},
        "kernelspec": {"display_name": "Python 3", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return notebook("colab_scratch", cells, metadata, minor=5, ids="colab")


# -- VS Code: module-level values, a __main__ block --------------------------------------------------


def vscode_main_block() -> nbformat.NotebookNode:
    cells = [
        code("""
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets, transforms
"""),
        code("""
NUM_CLASSES = 10
BATCH_SIZE = 64
transform = transforms.Compose([transforms.ToTensor()])
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(device)
""", stdout("cpu\n")),
        code("""
class MNISTDataset(Dataset):
    def __init__(self, images, labels, one_hot=False):
        self.images = np.asarray(images)
        self.labels = np.asarray(labels)
        self.one_hot = one_hot

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        image = transform(Image.fromarray(self.images[index]))
        label = torch.tensor(self.labels[index], dtype=torch.int64)
        if self.one_hot:
            target = torch.zeros(NUM_CLASSES)
            target.scatter_(0, label.view(1), 1.0)
            return image, target
        return image, label


def make_dataloaders(root, batch_size=BATCH_SIZE):
    train = datasets.MNIST(root, train=True, download=True)
    test = datasets.MNIST(root, train=False, download=True)
    train_loader = DataLoader(MNISTDataset(train.data, train.targets), batch_size=batch_size, shuffle=True)
    test_loader = DataLoader(MNISTDataset(test.data, test.targets), batch_size=batch_size, shuffle=False)
    return train_loader, test_loader
"""),
        code("""
class MLP(nn.Module):
    def __init__(self, sizes=(784, 256, 64, NUM_CLASSES)):
        super().__init__()
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))

    def forward(self, x):
        x = torch.flatten(x, 1)
        for i, linear in enumerate(self.linears):
            x = linear(x)
            if i < len(self.linears) - 1:
                x = torch.tanh(x)
        return x
"""),
        code("""
def train_epoch(model, optimizer, dataloader, criterion, device):
    model.train()
    losses = []
    for inputs, targets in dataloader:
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@torch.no_grad()
def test_epoch(model, dataloader, criterion, device):
    model.eval()
    losses = []
    for inputs, targets in dataloader:
        inputs, targets = inputs.to(device), targets.to(device)
        losses.append(criterion(model(inputs), targets).item())
    return losses
"""),
        code("""
if __name__ == "__main__":
    train_loader, test_loader = make_dataloaders("./data")
    model = MLP().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss()
    history = {"train": [], "test": []}
    for epoch in range(3):
        history["train"].append(np.mean(train_epoch(model, optimizer, train_loader, criterion, device)))
        history["test"].append(np.mean(test_epoch(model, test_loader, criterion, device)))
        print(f"Epoch {epoch + 1}: train {history['train'][-1]:.4f} | test {history['test'][-1]:.4f}")
""", stdout("Epoch 1: train 0.2881 | test 0.1467\nEpoch 2: train 0.1199 | test 0.1022\n"
            "Epoch 3: train 0.0809 | test 0.0885\n")),
        code("display(model)", v4.new_output("display_data", data={"text/plain": (
            "MLP(\n  (linears): ModuleList(\n    (0): Linear(in_features=784, out_features=256, bias=True)\n"
            "    (1): Linear(in_features=256, out_features=64, bias=True)\n"
            "    (2): Linear(in_features=64, out_features=10, bias=True)\n  )\n)")}, metadata={})),
        code("""
plt.figure(figsize=(6, 4))
plt.plot(history["train"], "o-", label="train")
plt.plot(history["test"], "o-", label="test")
plt.legend()
plt.title("Loss per epoch")
""", result("Text(0.5, 1.0, 'Loss per epoch')"), figure()),
    ]
    metadata = {
        "kernelspec": {"display_name": ".venv", "language": "python", "name": "python3"},
        "language_info": {
            "codemirror_mode": {"name": "ipython", "version": 3},
            "file_extension": ".py",
            "mimetype": "text/x-python",
            "name": "python",
            "nbconvert_exporter": "python",
            "pygments_lexer": "ipython3",
            "version": "3.11.9",
        },
        "vscode": {"interpreter": {"hash": "4f6a2c1d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f"}},
    }
    return notebook("vscode_main_block", cells, metadata, minor=2)


# -- JupyterLab: a first attempt, an error, the fixed model ------------------------------------------


def jupyterlab_second_attempt() -> nbformat.NotebookNode:
    cells = [
        markdown("# MNIST MLP\n\nAssignment 2, part B."),
        code("""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader
from torchvision import datasets
import matplotlib.pyplot as plt
from IPython.display import display
from tqdm.notebook import tqdm
"""),
        code("""
class MNISTDataset(Dataset):
    def __init__(self, images, labels, one_hot=False):
        # divide everything once, up front
        self.x = torch.as_tensor(images).float().div(255).unsqueeze(1)
        self.y = torch.as_tensor(labels).long()
        self.one_hot = one_hot

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        if self.one_hot:
            return self.x[i], F.one_hot(self.y[i], 10).float()
        return self.x[i], self.y[i]


def make_dataloaders(root, batch_size=64):
    train = datasets.MNIST(root, train=True, download=True)
    test = datasets.MNIST(root, train=False, download=True)
    return (DataLoader(MNISTDataset(train.data, train.targets), batch_size=batch_size, shuffle=True),
            DataLoader(MNISTDataset(test.data, test.targets), batch_size=batch_size))
"""),
        code('train_loader, test_loader = make_dataloaders("./data")'),
        code("images, labels = next(iter(train_loader))\nprint(images.shape, images.dtype, labels.shape, labels.dtype)",
             stdout("torch.Size([64, 1, 28, 28]) torch.float32 torch.Size([64]) torch.int64\n")),
        code("plt.imshow(images[0, 0], cmap='gray')\nplt.title(f'label {labels[0].item()}')\nplt.show()", figure()),
        code("""
def train_epoch(model, optimizer, dataloader, criterion, device):
    model.train()
    losses = []
    for x, y in tqdm(dataloader, leave=False):
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_epoch(model, dataloader, criterion, device):
    model.eval()
    losses = []
    with torch.inference_mode():
        for x, y in dataloader:
            x, y = x.to(device), y.to(device)
            losses.append(criterion(model(x), y).item())
    return losses
"""),
        markdown("## First try"),
        code("""
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.fc1(x.view(x.size(0), -1)))
"""),
        code("""
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = MLP().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()
for epoch in range(2):
    train_epoch(model, optimizer, train_loader, criterion, device)
    print(epoch, sum(test_epoch(model, test_loader, criterion, device)) / len(test_loader))
""", stdout("0 0.31188\n1 0.29702\n")),
        code("test_accuracy = evaluate(model, test_loader)", error(
            "NameError", "name 'evaluate' is not defined",
            "\x1b[0;31mNameError\x1b[0m: name 'evaluate' is not defined")),
        code("""
def accuracy(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x.to(device)).argmax(1) == y.to(device)).sum().item()
    return correct / len(loader.dataset)

accuracy(model, test_loader)
""", result("0.9187")),
        markdown("Stuck at 92%: the two layers compose to one linear map. I forgot the activation!"),
        markdown("## Second try"),
        code("""
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.fc1(x.view(x.size(0), -1)))
        return self.fc2(x)
"""),
        code("""
model = MLP().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
train_curve, test_curve = [], []
for epoch in range(3):
    train_curve += train_epoch(model, optimizer, train_loader, criterion, device)
    test_curve.append(sum(test_epoch(model, test_loader, criterion, device)) / len(test_loader))
display(accuracy(model, test_loader))
""", v4.new_output("display_data", data={"text/plain": "0.9688"}, metadata={})),
        code("model", result("MLP(\n  (fc1): Linear(in_features=784, out_features=128, bias=True)\n"
                             "  (fc2): Linear(in_features=128, out_features=10, bias=True)\n)")),
        code("plt.plot(train_curve)\nplt.xlabel('batch')\nplt.ylabel('training loss')\nplt.show()", figure()),
    ]
    metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {
            "codemirror_mode": {"name": "ipython", "version": 3},
            "file_extension": ".py",
            "mimetype": "text/x-python",
            "name": "python",
            "nbconvert_exporter": "python",
            "pygments_lexer": "ipython3",
            "version": "3.12.3",
        },
    }
    return notebook("jupyterlab_second_attempt", cells, metadata, minor=4)


# -- an nbgrader assignment, as the student hands it in ---------------------------------------------


def _nbgrader(grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False,
              points: int | None = None, kind: str = "code") -> dict:
    meta = {"cell_type": kind, "checksum": hashlib.md5(grade_id.encode()).hexdigest(), "grade": grade,
            "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    if not (grade or locked):
        meta.pop("checksum")
    return {"nbgrader": meta}


def nbgrader_assignment() -> nbformat.NotebookNode:
    cells = [
        markdown("# Lab: an MLP on MNIST\n\nFill in every `YOUR CODE HERE`; run the tests below each part.",
                 **_nbgrader("intro", locked=True, kind="markdown")),
        code("""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets
""", **_nbgrader("imports", locked=True)),
        markdown("## 1. The dataset", **_nbgrader("dataset-intro", locked=True, kind="markdown")),
        code("""
class MNISTDataset(Dataset):
    def __init__(self, images, labels, one_hot=False):
        self.images = torch.as_tensor(images)
        self.labels = torch.as_tensor(labels).long()
        self.one_hot = one_hot

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        image = (self.images[index].float() / 255).unsqueeze(0)
        target = self.labels[index]
        if self.one_hot:
            target = torch.zeros(10).scatter_(0, target.unsqueeze(0), 1.0)
        return image, target


def make_dataloaders(root, batch_size=64):
    train = datasets.MNIST(root, train=True, download=True)
    test = datasets.MNIST(root, train=False, download=True)
    train_loader = DataLoader(MNISTDataset(train.data, train.targets), batch_size=batch_size, shuffle=True)
    test_loader = DataLoader(MNISTDataset(test.data, test.targets), batch_size=batch_size, shuffle=False)
    return train_loader, test_loader
""", **_nbgrader("dataset", solution=True)),
        code("""
ds = MNISTDataset(np.zeros((4, 28, 28), dtype=np.uint8), np.array([0, 1, 2, 3]))
assert len(ds) == 4
image, target = ds[2]
assert image.shape == (1, 28, 28) and image.dtype == torch.float32
assert target.dtype == torch.int64 and target.item() == 2
""", **_nbgrader("test_dataset", grade=True, locked=True, points=10)),
        markdown("## 2. The model", **_nbgrader("model-intro", locked=True, kind="markdown")),
        code("""
class MLP(nn.Module):
    def __init__(self, hidden=128):
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, hidden)
        self.dropout = nn.Dropout(0.1)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        x = x.flatten(1)
        x = self.dropout(F.relu(self.fc1(x)))
        return self.fc2(x)
""", **_nbgrader("model", solution=True)),
        code("""
out = MLP()(torch.zeros(5, 1, 28, 28))
assert out.shape == (5, 10)
""", **_nbgrader("test_model", grade=True, locked=True, points=10)),
        markdown("## 3. Training and evaluation", **_nbgrader("training-intro", locked=True, kind="markdown")),
        code("""
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
    with torch.no_grad():
        losses = [criterion(model(x.to(device)), y.to(device)).item() for x, y in dataloader]
    return losses
""", **_nbgrader("training", solution=True)),
        code("""
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
batches = [(torch.rand(4, 1, 28, 28), torch.tensor([0, 1, 2, 3]))] * 3
losses = train_epoch(model, torch.optim.SGD(model.parameters(), lr=0.1), batches, nn.CrossEntropyLoss(), "cpu")
assert len(losses) == 3 and all(isinstance(loss, float) for loss in losses)
""", **_nbgrader("test_training", grade=True, locked=True, points=10)),
        markdown("## 4. Train it (not graded)", **_nbgrader("run-intro", locked=True, kind="markdown")),
        code("""
if __name__ == "__main__":
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_loader, test_loader = make_dataloaders("data")
    model = MLP().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(3):
        train_losses = train_epoch(model, optimizer, train_loader, criterion, device)
        test_losses = test_epoch(model, test_loader, criterion, device)
        print(f"epoch {epoch}: {np.mean(train_losses):.3f} {np.mean(test_losses):.3f}")
""", stdout("epoch 0: 0.305 0.148\nepoch 1: 0.139 0.106\nepoch 2: 0.102 0.087\n")),
    ]
    metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "version": "3.11.4", "file_extension": ".py",
                          "mimetype": "text/x-python", "pygments_lexer": "ipython3"},
    }
    return notebook("nbgrader_assignment", cells, metadata, minor=5, ids="uuid", executed=False)


# -- an old nbformat 4.0 notebook, pytorch/examples style -------------------------------------------


def old_style_v4_0() -> nbformat.NotebookNode:
    cells = [
        code("""
from __future__ import print_function, division

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torchvision import datasets, transforms
"""),
        code("""
use_cuda = torch.cuda.is_available()
device = torch.device("cuda" if use_cuda else "cpu")
kwargs = {'num_workers': 1, 'pin_memory': True} if use_cuda else {}
torch.manual_seed(1)
""", result("<torch._C.Generator at 0x7f3b2c1d5f30>")),
        code("""
class MNISTDataset(torch.utils.data.Dataset):
    def __init__(self, images, labels, one_hot=False):
        self.images = images
        self.labels = labels
        self.one_hot = one_hot
        self.transform = transforms.ToTensor()

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        img = np.array(self.images[index], dtype=np.uint8)
        img = self.transform(img)
        target = torch.tensor(int(self.labels[index]), dtype=torch.long)
        if self.one_hot:
            target = F.one_hot(target, 10).type(torch.FloatTensor)
        return img, target


def make_dataloaders(root, batch_size=64):
    train = datasets.MNIST(root, train=True, download=True)
    test = datasets.MNIST(root, train=False, download=True)
    train_loader = torch.utils.data.DataLoader(MNISTDataset(train.data, train.targets),
                                               batch_size=batch_size, shuffle=True, **kwargs)
    test_loader = torch.utils.data.DataLoader(MNISTDataset(test.data, test.targets),
                                              batch_size=batch_size, shuffle=False, **kwargs)
    return train_loader, test_loader
"""),
        code("""
class MLP(nn.Module):
    def __init__(self):
        super(MLP, self).__init__()
        self.fc1 = nn.Linear(28*28, 500)
        self.fc2 = nn.Linear(500, 256)
        self.fc3 = nn.Linear(256, 10)

    def forward(self, x):
        x = x.view(-1, 28*28)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x
"""),
        code("""
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
        losses.append(loss.item())
        if batch_idx % 300 == 0:
            print('Train [{}/{}]\\tLoss: {:.6f}'.format(batch_idx * len(data), len(dataloader.dataset), loss.item()))
    return losses


def test_epoch(model, dataloader, criterion, device):
    model.eval()
    losses = []
    correct = 0
    with torch.no_grad():
        for data, target in dataloader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            losses.append(criterion(output, target).item())
            pred = output.max(1, keepdim=True)[1]
            correct += pred.eq(target.view_as(pred)).sum().item()
    print('Test set: Accuracy: {}/{} ({:.0f}%)'.format(
        correct, len(dataloader.dataset), 100. * correct / len(dataloader.dataset)))
    return losses
"""),
        code("""
def main(epochs=3):
    train_loader, test_loader = make_dataloaders('../data')
    model = MLP().to(device)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(1, epochs + 1):
        train_epoch(model, optimizer, train_loader, criterion, device)
        test_epoch(model, test_loader, criterion, device)
    return model
"""),
        code("model = main()", stdout(
            "Train [0/60000]\tLoss: 2.301349\nTrain [19200/60000]\tLoss: 0.187114\nTrain [38400/60000]\tLoss: "
            "0.204187\n"
            "Train [57600/60000]\tLoss: 0.092811\nTest set: Accuracy: 9642/10000 (96%)\n")),
    ]
    metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {
            "codemirror_mode": {"name": "ipython", "version": 3},
            "file_extension": ".py",
            "mimetype": "text/x-python",
            "name": "python",
            "nbconvert_exporter": "python",
            "pygments_lexer": "ipython3",
            "version": "3.6.8",
        },
    }
    return notebook("old_style_v4_0", cells, metadata, minor=0)


# -- Kaggle: helpers and module-level tables the parts use ------------------------------------------


def kaggle_helpers() -> nbformat.NotebookNode:
    cells = [
        code("""
%%capture
!pip install -q tqdm
"""),
        code("""
import os
import numpy as np, torch, torchvision
import torch.nn as nn
try:
    from tqdm.auto import tqdm
except ImportError:  # no progress bars then
    def tqdm(iterable, **kwargs):
        return iterable
print(torch.__version__, torchvision.__version__)
""", stdout("2.4.0 0.19.0\n")),
        code("nn.Linear?"),
        code("""
DATA_ROOT = "data"
ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh}


def init_weights(module):
    if isinstance(module, nn.Linear):
        nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
        nn.init.zeros_(module.bias)


def to_image(pixels):
    \"\"\"uint8 [28, 28] -> float32 [1, 28, 28] in [0, 1].\"\"\"
    return torch.from_numpy(np.asarray(pixels, dtype=np.float32) / 255.0).unsqueeze(0)
"""),
        code("""
class MNISTDataset(torch.utils.data.Dataset):
    def __init__(self, images, labels, one_hot=False):
        self.images, self.labels, self.one_hot = np.asarray(images), np.asarray(labels), one_hot

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        target = torch.as_tensor(self.labels[i]).long()
        return to_image(self.images[i]), nn.functional.one_hot(target, 10).float() if self.one_hot else target


def make_dataloaders(root, batch_size=64):
    def loader(train):
        mnist = torchvision.datasets.MNIST(root, train=train, download=True)
        return torch.utils.data.DataLoader(MNISTDataset(mnist.data, mnist.targets), batch_size=batch_size,
                                           shuffle=train)
    return loader(True), loader(False)
"""),
        code("""
class MLP(nn.Module):
    def __init__(self, hidden=(256, 128), activation="gelu"):
        super().__init__()
        sizes = [28 * 28, *hidden]
        blocks = [nn.Flatten()]
        for n_in, n_out in zip(sizes, sizes[1:]):
            blocks += [nn.Linear(n_in, n_out), ACTIVATIONS[activation]()]
        blocks.append(nn.Linear(sizes[-1], 10))
        self.body = nn.Sequential(*blocks)
        self.apply(init_weights)

    def forward(self, x):
        return self.body(x)
"""),
        code("""
def train_epoch(model, optimizer, dataloader, criterion, device):
    model.train()
    losses = []
    for xb, yb in tqdm(dataloader, leave=False):
        xb, yb = xb.to(device), yb.to(device)
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_epoch(model, dataloader, criterion, device):
    model.eval()
    losses = []
    with torch.no_grad():
        for xb, yb in dataloader:
            losses.append(criterion(model(xb.to(device)), yb.to(device)).item())
    return losses
"""),
        code("""
device = "cuda" if torch.cuda.is_available() else "cpu"
train_dl, test_dl = make_dataloaders(DATA_ROOT)
model = MLP().to(device)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(3):
    tr = np.mean(train_epoch(model, opt, train_dl, loss_fn, device))
    te = np.mean(test_epoch(model, test_dl, loss_fn, device))
    print(f"{epoch=} {tr=:.4f} {te=:.4f}")
""", stdout("epoch=0 tr=0.2536 te=0.1286\nepoch=1 tr=0.1043 te=0.0936\nepoch=2 tr=0.0703 te=0.0815\n")),
        code("""
os.makedirs("submission", exist_ok=True)
torch.save(model.state_dict(), "submission/model.pt")
"""),
    ]
    metadata = {
        "kaggle": {"accelerator": "nvidiaTeslaT4", "dataSources": [], "dockerImageVersionId": 30787,
                   "isGpuEnabled": True, "isInternetEnabled": True, "language": "python",
                   "sourceType": "notebook"},
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                          "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                          "pygments_lexer": "ipython3", "version": "3.10.14"},
    }
    return notebook("kaggle_helpers", cells, metadata, minor=4)


# -- cells that failed in the kernel: a syntax error, then the cell fixed ---------------------------

SYNTAX_ERROR = ("\x1b[0;36m  Cell \x1b[0;32mIn[4], line 2\x1b[0m\n\x1b[0;31mSyntaxError\x1b[0m\x1b[0;31m:\x1b[0m "
                "invalid syntax\n")


def syntax_error_then_fixed() -> nbformat.NotebookNode:
    """Each part's first attempt fails to compile (its SyntaxError saved as the cell's output); the next cell is
    the fix. An edit of train_epoch after the good one breaks again and is left broken; a plotting helper never
    compiles. The kernel holds the fixes, and so must the grade."""
    cells = [
        code("import torch\nfrom torch import nn\nimport torch.nn.functional as F\n"
             "from torch.utils.data import Dataset, DataLoader\nfrom torchvision import datasets"),
        code("""
class MNISTDataset(Dataset)
    def __init__(self, images, labels, one_hot=False):
        self.images, self.labels, self.one_hot = torch.as_tensor(images), torch.as_tensor(labels).long(), one_hot
""", error("SyntaxError", "expected ':'", SYNTAX_ERROR)),
        code("""
class MNISTDataset(Dataset):
    def __init__(self, images, labels, one_hot=False):
        self.images, self.labels, self.one_hot = torch.as_tensor(images), torch.as_tensor(labels).long(), one_hot

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        image = self.images[i].float().div(255).unsqueeze(0)
        return image, F.one_hot(self.labels[i], 10).float() if self.one_hot else self.labels[i]


def make_dataloaders(root, batch_size=64):
    train, test = (datasets.MNIST(root, train=split, download=True) for split in (True, False))
    return (DataLoader(MNISTDataset(train.data, train.targets), batch_size=batch_size, shuffle=True),
            DataLoader(MNISTDataset(test.data, test.targets), batch_size=batch_size, shuffle=False))
"""),
        code("""
class MLP(nn.Module):
    def __init__(self, hidden=128):
        super().__init__()
        self.layers = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10)
    def forward(self, x):
        return self.layers(x)
""", error("SyntaxError", "'(' was never closed", SYNTAX_ERROR)),
        code("""
class MLP(nn.Module):
    def __init__(self, hidden=128):
        super().__init__()
        self.layers = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))

    def forward(self, x):
        return self.layers(x)
"""),
        code("""
def plot_losses(losses:
    plt.plot(losses)
""", error("SyntaxError", "'(' was never closed", SYNTAX_ERROR)),
        code("""
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
    with torch.no_grad():
        return [criterion(model(x.to(device)), y.to(device)).item() for x, y in dataloader]
"""),
        markdown("Trying a version with a progress print:"),
        code("""
def train_epoch(model, optimizer, dataloader, criterion, device)
    model.train()
    losses = []
    for batch, (inputs, targets) in enumerate(dataloader):
        print(batch)
""", error("SyntaxError", "expected ':'", SYNTAX_ERROR)),
        code("""
model = MLP()
optimizer = torch.optim.Adam(model.parameters())
losses = train_epoch(model, optimizer, make_dataloaders("./data")[0], nn.CrossEntropyLoss(), "cpu")
print(sum(losses[-100:]) / 100)
""", stdout("0.1921\n")),
    ]
    metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    return notebook("syntax_error_then_fixed", cells, metadata, minor=5, ids="uuid")


# -- Colab, with each part written to a file by %%writefile and imported ---------------------------

WRITE_DATASET = """
%%writefile dataset.py
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
        image = self.images[index].float().div(255).unsqueeze(0)
        target = self.labels[index]
        return image, F.one_hot(target, 10).float() if self.one_hot else target


def make_dataloaders(root, batch_size=64):
    train = datasets.MNIST(root, train=True, download=True)
    test = datasets.MNIST(root, train=False, download=True)
    return (DataLoader(MNISTDataset(train.data, train.targets), batch_size=batch_size, shuffle=True),
            DataLoader(MNISTDataset(test.data, test.targets), batch_size=batch_size, shuffle=False))
"""

WRITE_MODEL = """
%%writefile model.py
from torch import nn


class MLP(nn.Module):
    def __init__(self, hidden=256):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, hidden), nn.ReLU(), nn.Linear(hidden, 10))

    def forward(self, x):
        return self.net(x)
"""

APPEND_MODEL = """
%%writefile -a model.py

if __name__ == "__main__":
    import torch
    print(MLP()(torch.zeros(1, 1, 28, 28)).shape)
"""

WRITE_TRAINING = """
%%writefile training.py
import torch


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
            losses.append(criterion(model(inputs.to(device)), targets.to(device)).item())
    return losses
"""


def colab_writefile() -> nbformat.NotebookNode:
    cells = [
        markdown("# Lab 3\n\nEach part goes in its own file, so the training script can import it."),
        code(WRITE_DATASET, stdout("Writing dataset.py\n")),
        code(WRITE_MODEL, stdout("Writing model.py\n")),
        code(APPEND_MODEL, stdout("Appending to model.py\n")),
        code(WRITE_TRAINING, stdout("Writing training.py\n")),
        code("%%writefile requirements.txt\ntorch\ntorchvision", stdout("Writing requirements.txt\n")),
        code("!python model.py", stdout("torch.Size([1, 10])\n")),
        code("""
import torch
from torch import nn

from dataset import make_dataloaders
from model import MLP
import training

train_loader, test_loader = make_dataloaders("./data")
model = MLP()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    training.train_epoch(model, optimizer, train_loader, nn.CrossEntropyLoss(), "cpu")
    print(epoch, sum(training.test_epoch(model, test_loader, nn.CrossEntropyLoss(), "cpu")))
""", stdout("0 23.1\n1 15.2\n2 12.9\n")),
    ]
    metadata = {"colab": {"provenance": []}, "kernelspec": {"display_name": "Python 3", "name": "python3"},
                "language_info": {"name": "python"}}
    return notebook("colab_writefile", cells, metadata, minor=5, ids="colab")


NOTEBOOKS = [
    Notebook("colab_drive", "Colab (4.5, cell ids, GPU accelerator): !pip, drive.mount, a look at a batch, "
             "model = MLP().to(device) shown bare, a %%time training loop, loss plot, a save to Drive", colab_drive),
    Notebook("colab_scratch", "Colab scratch work: bare expressions after every part, a model run by hand, a "
             "top-level epoch of training and an accuracy computed at the top level; PIL dataset", colab_scratch),
    Notebook("vscode_main_block", "VS Code (4.2, vscode metadata): %matplotlib inline, NUM_CLASSES, BATCH_SIZE and a "
             "module-level transform used by the dataset, training under if __name__ == '__main__', display(model)",
             vscode_main_block),
    Notebook("jupyterlab_second_attempt", "JupyterLab (4.4, no ids): a first MLP without activation, trained, then a "
             "NameError cell, then the fixed MLP defined again (the later wins); tqdm.notebook, inference_mode",
             jupyterlab_second_attempt),
    Notebook("nbgrader_assignment", "an nbgrader assignment (4.5, nbgrader cell metadata): solution cells, locked "
             "autograder test cells that run the parts, and a __main__ block that trains", nbgrader_assignment),
    Notebook("old_style_v4_0", "an old nbformat 4.0 notebook in pytorch/examples style: from __future__, kwargs for "
             "the loaders from a module-level use_cuda, x.view(-1, 28*28), training in main() called from a cell",
             old_style_v4_0),
    Notebook("kaggle_helpers", "Kaggle (4.4): %%capture pip, a help line (nn.Linear?), helpers and a table of "
             "activations in another cell that the parts use, tqdm imported under try/except", kaggle_helpers),
    Notebook("syntax_error_then_fixed", "each part's first attempt a cell that fails to compile, then the fix; a "
             "later broken edit of train_epoch and a broken plotting helper, both left as they failed",
             syntax_error_then_fixed),
    Notebook("colab_writefile", "Colab: each part written by a %%writefile cell (one appended to with -a) and "
             "imported by the training cell; a requirements.txt written the same way", colab_writefile),
]
