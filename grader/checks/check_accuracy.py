"""The whole pipeline: the student's MLP, trained by their train_epoch on their training loader,
scored by the grader on the 10,000 MNIST test images with labels that student code never sees."""

from __future__ import annotations

import numpy as np
import pytest

from grader.feedback import CheckFailed, expect


@pytest.mark.check("accuracy")
def check_accuracy(grading_run, session, record):
    settings, labels = grading_run.rubric.accuracy, grading_run.labels.test
    session.call("accuracy_start", seed=settings.seed, batch_size=settings.batch_size,
                 learning_rate=settings.learning_rate)
    record.update(accuracy=[], train_loss=[], zero_credit_below=settings.zero_credit_below,
                  full_credit_at=settings.full_credit_at)  # the bounds, for the feedback report's plot
    for _ in range(settings.max_epochs):
        observed = session.call("accuracy_epoch")
        predictions = observed["predictions"]
        expect(predictions.shape == labels.shape,
               f"the model gave {predictions.size} predictions for {labels.size} test images",
               "one prediction per image", "MLP must return logits [B, 10] for any batch size B")
        accuracy = float(np.mean(predictions == labels))
        record["accuracy"].append(accuracy)
        losses = observed["losses"].get("value")
        record["train_loss"].append(None if losses is None else losses.tolist())
        if accuracy >= settings.full_credit_at:
            return
    credit = settings.credit(accuracy)
    raise CheckFailed(
        f"{accuracy:.2%} test accuracy after {len(record['accuracy'])} epoch(s) of Adam (lr {settings.learning_rate:g}, "
        f"batch size {settings.batch_size}); per epoch: {', '.join(f'{a:.2%}' for a in record['accuracy'])}",
        f"{settings.full_credit_at:.1%} for full credit; partial credit from {settings.zero_credit_below:.1%}",
        "if the other checks pass, look at the model itself: an activation between the layers, inputs scaled "
        "to 0-1, logits without softmax, and a training loop that steps on every batch",
        credit=credit,
    )
