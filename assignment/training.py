# Generated from solutions/ by `make assignment`: do not edit this header.
# Replace every `raise NotImplementedError` with your code, then run `make grade`.
"""One epoch of training and one epoch of evaluation, as in pytorch/examples ``mnist/main.py``."""

import torch


def train_epoch(model, optimizer, dataloader, criterion, device) -> list[float]:
    """Train ``model`` for one pass over ``dataloader`` and return the loss of every batch.

    Put the model in training mode, then for every ``(inputs, targets)`` batch: move both to
    ``device``, zero the gradients, run the model, compute ``criterion(outputs, targets)``,
    back-propagate, take an optimizer step, and record ``loss.item()`` (a Python float, so no
    computation graph is kept). Return the per-batch losses in order.
    """
    # Hint: model.train(); per batch: .to(device), optimizer.zero_grad(), forward, loss, backward(), optimizer.step(), loss.item()
    raise NotImplementedError('YOUR CODE HERE')


def test_epoch(model, dataloader, criterion, device) -> list[float]:
    """Evaluate ``model`` on every batch of ``dataloader`` and return the loss of every batch.

    Put the model in evaluation mode and, with gradients disabled (``torch.no_grad()``), move each
    ``(inputs, targets)`` batch to ``device``, run the model and record ``loss.item()``. Change no
    parameter, gradient or buffer, and leave grad mode as you found it. Return the losses in order.
    """
    # Hint: model.eval() and a `with torch.no_grad():` block around the loop; per batch: .to(device), forward, loss.item()
    raise NotImplementedError('YOUR CODE HERE')
