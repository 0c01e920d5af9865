"""Synthetic tasks, drawn from Philox stream ``synthetic_data`` so they are reproducible anywhere.

Substreams of ``synthetic_data`` (seed = the task's seed):

* ``teacher_task``: 0 training inputs, 1 test inputs, 2 the teacher matrix (Gaussian draws).
* ``saxe_task``: 10 the input basis, 11 U, 12 V (Haar columns, drawn like
  ``isometry.haar_orthogonal``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from isometry._internal import validation as _validation
from isometry._internal.core import _core
from isometry.datasets.dataset import Dataset

__all__ = ["saxe_task", "teacher_task"]


def _normal(n: int, m: int, seed: int, substream: int) -> np.ndarray:
    return _core.normal_stream(n * m, seed, _core.STREAMS["synthetic_data"], substream, 0).reshape(
        n, m
    )


def _haar(n: int, m: int, seed: int, substream: int) -> np.ndarray:
    """n × m with orthonormal columns (m ≤ n)."""
    return np.ascontiguousarray(
        _core.haar_columns_f64(n, m, seed, _core.STREAMS["synthetic_data"], substream)
    )


def teacher_task(
    n_train: int = 2048,
    n_test: int = 1024,
    features: int = 64,
    classes: int = 10,
    *,
    seed: int = 0,
    dtype: str = "float32",
) -> Dataset:
    """Gaussian inputs x ~ N(0, I) labelled by a random linear teacher, y = argmax(T x).

    Linearly separable by construction (no label noise), so a network that learns reaches
    accuracy near 1, against 1/classes for chance.
    """
    n_train = _validation.positive_int("n_train", n_train)
    n_test = _validation.positive_int("n_test", n_test)
    features = _validation.positive_int("features", features)
    classes = _validation.positive_int("classes", classes)
    if classes < 2:
        raise ValueError(f"classes must be at least 2, got {classes}")
    seed = _validation.seed(seed)
    teacher = _normal(classes, features, seed, 2)
    x_train, x_test = _normal(n_train, features, seed, 0), _normal(n_test, features, seed, 1)
    return Dataset(
        "teacher",
        x_train.astype(dtype),
        np.argmax(x_train @ teacher.T, axis=1).astype(np.int64),
        x_test.astype(dtype),
        np.argmax(x_test @ teacher.T, axis=1).astype(np.int64),
        classes,
        {"task": "teacher", "features": features, "seed": seed},
    )


def saxe_task(
    singular_values: Sequence[float] | np.ndarray,
    n_in: int,
    n_out: int,
    *,
    seed: int = 0,
    dtype: str = "float64",
) -> tuple[Dataset, np.ndarray, np.ndarray, np.ndarray]:
    """A regression task with whitened inputs and a known input–output correlation.

    P = n_in examples x_μ (rows of √P·Q, Q Haar) so that (1/P) Σ_μ x_μ x_μᵀ = I, and targets
    y_μ = M x_μ with M = U diag(s) Vᵀ (U: n_out × k, V: n_in × k orthonormal columns), so
    (1/P) Σ_μ y_μ x_μᵀ = M: the singular values of the input–output correlation are exactly
    ``singular_values`` (Saxe et al. eq. 3 with the mean instead of the sum; with the trainer's
    loss (1/2P) Σ |ŷ − y|², gradient descent with learning rate η is their continuous-time
    dynamics with t/τ = η·steps).

    Returns (dataset, U, s, V); the test split is the training split.
    """
    s = np.asarray(singular_values, dtype=np.float64)
    n_in = _validation.positive_int("n_in", n_in)
    n_out = _validation.positive_int("n_out", n_out)
    if s.ndim != 1 or s.size < 1 or not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise ValueError(
            f"singular_values must be a non-empty list of finite numbers > 0, got {singular_values!r}"
        )
    if s.size > min(n_in, n_out):
        raise ValueError(
            f"{s.size} singular values need n_in and n_out ≥ {s.size}; got {n_in}, {n_out}"
        )
    seed = _validation.seed(seed)
    k = s.size
    x = np.sqrt(n_in) * _haar(n_in, n_in, seed, 10)
    u, v = _haar(n_out, k, seed, 11), _haar(n_in, k, seed, 12)
    m = (u * s) @ v.T
    y = x @ m.T
    data = Dataset(
        "saxe",
        x.astype(dtype),
        y.astype(dtype),
        x.astype(dtype),
        y.astype(dtype),
        n_out,
        {"task": "saxe", "singular_values": s.tolist(), "seed": seed},
    )
    return data, u, s, v
