"""Hypothesis strategies for the grader's inputs: small sets of digits and batches of images."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


@st.composite
def digit_sets(draw, max_size: int = 10) -> tuple[np.ndarray, np.ndarray, bool]:
    """``(images, labels, as_tensor)``: uint8 images ``[N, 28, 28]`` whose pixels cover 0 and 255 and
    values drawn by hypothesis, labels 0-9 of a drawn integer dtype, as NumPy arrays or tensors."""
    n = draw(st.integers(1, max_size), label="N")
    images = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).integers(0, 256, (n, 28, 28), dtype=np.uint8)
    drawn = draw(st.lists(st.integers(0, 255), min_size=1, max_size=28))
    images[0, 14, : len(drawn)] = drawn
    images[-1, 0, 0], images[-1, 27, 27] = 0, 255
    dtype = draw(st.sampled_from([np.int64, np.uint8, np.int32]))
    labels = np.array(draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)), dtype=dtype)
    return images, labels, draw(st.booleans(), label="as_tensor")


# Batch sizes that catch the usual mistakes: 1 (squeeze), odd, 64 (a hard-coded size) and its neighbour.
BATCH_SIZES = st.one_of(st.sampled_from([1, 2, 7, 64, 65]), st.integers(1, 300))


def image_batches(sizes: st.SearchStrategy[int] = BATCH_SIZES) -> st.SearchStrategy[np.ndarray]:
    """Float32 batches ``[B, 1, 28, 28]`` with values in [0, 1], B drawn from ``sizes``."""
    return st.tuples(sizes, st.integers(0, 2**32 - 1)).map(
        lambda drawn: np.random.default_rng(drawn[1]).random((drawn[0], 1, 28, 28), dtype=np.float32)
    )
