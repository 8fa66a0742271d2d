"""MNIST as a PyTorch ``Dataset``, and the two ``DataLoader``s that feed training and testing."""

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets

NUM_CLASSES = 10


class MNISTDataset(Dataset):
    """Handwritten digits as ``(image, target)`` pairs.

    Args:
        images: uint8 array ``[N, 28, 28]`` of pixel values 0-255, a NumPy array or a tensor.
        labels: integer array ``[N]`` holding the digit (0-9) of each image.
        one_hot: when True, each target is a one-hot vector instead of a class index.

    ``ds[i]`` returns ``(image, target)``:

    - ``image``: float32 tensor ``[1, 28, 28]``, the pixels divided by 255 (values 0.0-1.0), which is
      what ``torchvision.transforms.ToTensor`` gives for a grey-scale image.
    - ``target``: the class index as an int64 tensor of shape ``[]``; with ``one_hot=True``, a float32
      tensor ``[10]`` that holds 1.0 at the class index and 0.0 elsewhere.
    """

    def __init__(self, images, labels, one_hot: bool = False) -> None:
        ### BEGIN SOLUTION hint: keep both arrays as tensors (torch.as_tensor takes NumPy arrays and tensors alike); labels as int64
        self.images = torch.as_tensor(images)
        self.labels = torch.as_tensor(labels, dtype=torch.int64)
        self.one_hot = one_hot
        ### END SOLUTION

    def __len__(self) -> int:
        ### BEGIN SOLUTION hint: the number of images, N
        return len(self.labels)
        ### END SOLUTION

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        ### BEGIN SOLUTION hint: float() then divide by 255, and add the channel dimension with unsqueeze(0); F.one_hot builds one-hot targets
        image = self.images[index].float().div(255).unsqueeze(0)
        target = self.labels[index]
        if self.one_hot:
            target = F.one_hot(target, NUM_CLASSES).float()
        return image, target
        ### END SOLUTION


def make_dataloaders(root: str, batch_size: int = 64) -> tuple[DataLoader, DataLoader]:
    """Build ``(train_loader, test_loader)`` over MNIST found in ``root``.

    Read both splits with ``torchvision.datasets.MNIST(root, train=..., download=True)``: its ``.data``
    holds the uint8 images ``[N, 28, 28]`` and its ``.targets`` the labels ``[N]``. Wrap each split in an
    ``MNISTDataset``. The training loader shuffles (a new order every epoch); the test loader keeps the
    order of the files. Both yield batches of ``batch_size`` items (the last one may be smaller).
    """
    ### BEGIN SOLUTION hint: two datasets.MNIST splits, two MNISTDatasets, two DataLoaders (shuffle only the training one)
    train = datasets.MNIST(root, train=True, download=True)
    test = datasets.MNIST(root, train=False, download=True)
    train_loader = DataLoader(MNISTDataset(train.data, train.targets), batch_size=batch_size, shuffle=True)
    test_loader = DataLoader(MNISTDataset(test.data, test.targets), batch_size=batch_size, shuffle=False)
    return train_loader, test_loader
    ### END SOLUTION
