# Generated from solutions/ by `make assignment`: do not edit this header.
# Replace every `raise NotImplementedError` with your code, then run `make grade`.
"""A multi-layer perceptron that classifies 28x28 digit images."""

import torch
from torch import nn


class MLP(nn.Module):
    """Flatten each image to 784 features, then Linear -> ReLU -> Linear to 10 class scores.

    ``forward(x)`` takes a float32 batch ``[B, 1, 28, 28]`` and returns raw logits ``[B, 10]``: no
    softmax, since ``nn.CrossEntropyLoss`` applies log-softmax itself. Every layer must be an attribute
    of the module (or inside an ``nn.Sequential``) so that ``model.parameters()`` finds its weights.
    """

    def __init__(self, hidden: int = 128) -> None:
        super().__init__()
        # Hint: nn.Flatten(), nn.Linear(28 * 28, hidden), nn.ReLU(), nn.Linear(hidden, 10), e.g. in an nn.Sequential
        raise NotImplementedError('YOUR CODE HERE')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Hint: run the layers; flatten per sample (keep the batch dimension) and return the last layer's output as is
        raise NotImplementedError('YOUR CODE HERE')
