# Generated from solutions/ by `make assignment`: do not edit this header.
# Replace every `raise NotImplementedError` with your code, then run `make grade`.
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
        # Hint: keep both arrays as tensors (torch.as_tensor takes NumPy arrays and tensors alike); labels as int64
        raise NotImplementedError('YOUR CODE HERE')

    def __len__(self) -> int:
        # Hint: the number of images, N
        raise NotImplementedError('YOUR CODE HERE')

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        # Hint: float() then divide by 255, and add the channel dimension with unsqueeze(0); F.one_hot builds one-hot targets
        raise NotImplementedError('YOUR CODE HERE')


def make_dataloaders(root: str, batch_size: int = 64) -> tuple[DataLoader, DataLoader]:
    """Build ``(train_loader, test_loader)`` over MNIST found in ``root``.

    Read both splits with ``torchvision.datasets.MNIST(root, train=..., download=True)``: its ``.data``
    holds the uint8 images ``[N, 28, 28]`` and its ``.targets`` the labels ``[N]``. Wrap each split in an
    ``MNISTDataset``. The training loader shuffles (a new order every epoch); the test loader keeps the
    order of the files. Both yield batches of ``batch_size`` items (the last one may be smaller).
    """
    # Hint: two datasets.MNIST splits, two MNISTDatasets, two DataLoaders (shuffle only the training one)
    raise NotImplementedError('YOUR CODE HERE')
