"""The whole pipeline: the student's MLP, trained by their train_epoch on their training loader,
scored by the grader on the 10,000 MNIST test images with labels that student code never sees.

The run stops as soon as the outcome is known: at full credit, or once a whole epoch has not beaten
the best accuracy of the run (a model that does not learn, or no longer does).
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.judge.verdict import CheckFailed, expect

# The accuracy before any training above which a model arrived trained: an untrained MLP is near chance
# (10%; the correct zoo's fresh models score 5-17% over 5 seeds), far below the accuracy that earns credit.
UNTRAINED_AT_MOST = 0.3


@pytest.mark.check("accuracy")
def check_accuracy(grading_run, session, record):
    settings, labels = grading_run.rubric.accuracy, grading_run.labels.test
    started = session.call("accuracy_start", seed=settings.seed, batch_size=settings.batch_size,
                           learning_rate=settings.learning_rate)
    parts = settings.parts(started["batches"])
    record.update(accuracy=[], train_loss=[], epochs=[], zero_credit_below=settings.zero_credit_below,
                  full_credit_at=settings.full_credit_at)  # the bounds, for the feedback report's plot
    untrained = float(np.mean(started["untrained"] == labels)) if started["untrained"].shape == labels.shape else 0.0
    expect(untrained <= UNTRAINED_AT_MOST,
           observed=f"MLP() scored {untrained:.2%} on the test images before your train_epoch had run once",
           expected=f"a model that starts untrained, near chance (10%; at most {UNTRAINED_AT_MOST:.0%}): this check "
                    f"credits "
                    "what train_epoch achieves",
           hint="MLP() must not train itself, or load trained weights, when it is built: "
                "create the layers in __init__ and leave the training to train_epoch")
    steps = [(round(epoch + (part + 1) / len(parts), 3), count, part == 0)
             for epoch in range(settings.max_epochs) for part, count in enumerate(parts)]
    best, since_best = 0.0, 0
    for epochs, count, new_epoch in steps:
        observed = session.call("accuracy_part", batches=count, new_epoch=new_epoch)
        predictions = observed["predictions"]
        expect(predictions.shape == labels.shape,
               observed=f"the model gave {predictions.size} predictions for {labels.size} test images",
               expected="one prediction per image",
               hint="MLP must return logits [B, 10] for any batch size B")
        accuracy = float(np.mean(predictions == labels))
        record["accuracy"].append(accuracy)
        record["epochs"].append(epochs)
        losses = observed["losses"].get("value")
        record["train_loss"].append(None if losses is None else losses.tolist())
        if accuracy >= settings.full_credit_at:  # full credit: the rest of the run would change nothing
            return
        best, since_best = (accuracy, 0) if accuracy > best else (best, since_best + 1)
        if since_best == len(parts):
            break
    stalled = " (no better for a whole epoch, so training stopped there)" if since_best == len(parts) else ""
    best_at = record["epochs"][record["accuracy"].index(best)]
    raise CheckFailed(observed=f"{accuracy:.2%} test accuracy after {record['epochs'][-1]:g} epoch(s) of Adam (lr "
                               f"{settings.learning_rate:g}, batch size {settings.batch_size}){stalled}; its best was "
                               f"{best:.2%}, after {best_at:g} epoch(s) (the training curves show every score)",
                      expected=f"{settings.full_credit_at:.1%} for full credit; partial credit from "
                               f"{settings.zero_credit_below:.1%}",
                      hint="this run trains your MLP with your dataset, loaders and train_epoch, so a bug another "
                           "check found usually costs these points too: fix those first. If no other check failed, "
                           "look at the model: an activation between the layers, inputs scaled to 0-1, logits "
                           "without softmax, and a training loop that steps on every batch",
                      credit=settings.credit(accuracy))
