"""Seeded random matrices: Gaussian and Haar-orthogonal (Stiefel) ensembles.

Every draw is a pure function of ``seed`` through Philox4x32-10 (see ``isometry.STREAMS``), so the
same seed gives bitwise identical matrices for any thread count.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from isometry._internal import memory as _memory, validation as _validation
from isometry._internal.core import _core

__all__ = ["gaussian", "haar_orthogonal"]

_STREAMS = _core.STREAMS


def gaussian(
    n: int,
    m: int | None = None,
    *,
    std: float = 1.0,
    seed: int = 0,
    dtype: str = "float64",
    device: str = "cpu",
    out: Any = None,
) -> Any:
    """An (n, m) matrix of iid N(0, std²) entries (m defaults to n), C-ordered.

    Entry (i, j) is element i·m + j of the Philox normal stream ``gaussian_sampler`` of ``seed``
    (Box–Muller on 53-bit uniforms); float32 output is the float64 draw rounded.

    ``device="gpu"`` draws the same numbers on the current CUDA device and returns a CuPy array
    (equal to the CPU result to rounding), or fills ``out``: any C-contiguous (n, m) GPU array of
    the dtype exposing ``__cuda_array_interface__`` (CuPy, PyTorch, ...), without host copies.
    """
    n = _validation.positive_int("n", n)
    m = n if m is None else _validation.positive_int("m", m)
    std = _validation.real("std", std, nonnegative=True)
    seed = _validation.seed(seed)
    dtype = _validation.dtype(dtype)
    _validation.sampler_std(std, dtype)
    device = _validation.device(device)
    if device == "gpu":
        from isometry._internal import gpu as _gpu

        return _gpu.gaussian(n, m, std, seed, dtype, out)
    if out is not None:
        raise ValueError("out is supported with device='gpu' only")
    _memory.require(f"gaussian({n}, {m}, dtype={dtype!r})", n * m * np.dtype(dtype).itemsize)
    sample = _core.gaussian_f64 if dtype == "float64" else _core.gaussian_f32
    return sample(n, m, std, seed, _STREAMS["gaussian_sampler"], 0)


def haar_orthogonal(
    n: int,
    m: int | None = None,
    *,
    seed: int = 0,
    dtype: str = "float64",
    device: str = "cpu",
    out: Any = None,
) -> Any:
    """A Haar-distributed orthogonal (n, n) matrix, or a Haar point of the Stiefel manifold.

    For n > m the columns are orthonormal (QᵀQ = I_m); for n < m the rows are (QQᵀ = I_n), and the
    result is ``haar_orthogonal(m, n, seed=seed).T``.

    The draw is exactly Haar (Mezzadri 2007): it is the Q factor, with positive diagonal R, of a
    Gaussian matrix. The Householder reflectors of that QR are drawn directly — after each
    reflection the remaining column is again a fresh Gaussian vector — so no factorisation runs;
    Q is formed from them by LAPACK's blocked ``orgqr``. Returned Fortran-ordered for n >= m.

    ``device="gpu"`` builds the same matrix on the current CUDA device (same reflectors from the
    same stream, cuSOLVER's ``orgqr``; equal to the CPU result to rounding) and returns a CuPy
    array, or fills ``out``: a GPU array of shape (n, m) and the dtype exposing
    ``__cuda_array_interface__``, Fortran-contiguous for n >= m, C-contiguous for n < m.
    """
    n = _validation.positive_int("n", n)
    m = n if m is None else _validation.positive_int("m", m)
    seed = _validation.seed(seed)
    dtype = _validation.dtype(dtype)
    device = _validation.device(device)
    if device == "gpu":
        from isometry._internal import gpu as _gpu

        return _gpu.haar_orthogonal(n, m, seed, dtype, out)
    if out is not None:
        raise ValueError("out is supported with device='gpu' only")
    rows, cols = max(n, m), min(n, m)
    itemsize = np.dtype(dtype).itemsize
    _memory.require(
        f"haar_orthogonal({n}, {m}, dtype={dtype!r})", (rows * cols + 256 * rows) * itemsize
    )
    sample = _core.haar_columns_f64 if dtype == "float64" else _core.haar_columns_f32
    q = sample(rows, cols, seed, _STREAMS["haar_sampler"], 0)
    return q if n >= m else q.T
