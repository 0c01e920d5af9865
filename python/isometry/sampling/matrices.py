"""Seeded random matrices: Gaussian and Haar-orthogonal (Stiefel) ensembles.

Every draw is a pure function of ``seed`` through Philox4x32-10 (see ``isometry.STREAMS``), so the
same seed gives bitwise identical matrices for any thread count.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from isometry._internal import memory as _memory
from isometry._internal import validation as _validation
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
    """An (n, m) matrix of independent N(0, std²) entries, reproducible from ``seed``.

    Parameters
    ----------
    n : int
        Number of rows, at least 1.
    m : int, optional
        Number of columns, at least 1; defaults to ``n``.
    std : float, default 1.0
        Standard deviation of the entries, at least 0.
    seed : int, default 0
        Seed of the Philox4x32-10 stream ``gaussian_sampler`` (0 ≤ seed < 2⁶⁴).
    dtype : {"float64", "float32"}, default "float64"
        Float32 output is the float64 draw rounded.
    device : {"cpu", "gpu"}, default "cpu"
        ``"gpu"`` draws the same numbers on the current CUDA device.
    out : GPU array, optional
        With ``device="gpu"`` only: a C-contiguous (n, m) array of the dtype exposing
        ``__cuda_array_interface__`` (CuPy, PyTorch, ...) to fill in place, without host copies.

    Returns
    -------
    ndarray or cupy.ndarray
        The (n, m) matrix, C-ordered; a CuPy array (or ``out``) with ``device="gpu"``.

    Raises
    ------
    ValueError
        If an argument is out of range, or ``out`` is given with ``device="cpu"``.
    MemoryError
        If the matrix would not fit in the available memory (checked before allocating).

    Notes
    -----
    Entry (i, j) is element i·m + j of the normal stream ``gaussian_sampler`` of ``seed``
    (Box–Muller on 53-bit uniforms), so the result is bitwise identical for any thread count, and
    on the GPU equal to the CPU's to rounding. See the documentation's "Sampling and
    reproducibility" page.

    Examples
    --------
    >>> W = isometry.gaussian(3, 2, std=0.5, seed=7)
    >>> W.shape, W.dtype
    ((3, 2), dtype('float64'))
    >>> bool(np.array_equal(W, isometry.gaussian(3, 2, std=0.5, seed=7)))
    True
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

    Parameters
    ----------
    n : int
        Number of rows, at least 1.
    m : int, optional
        Number of columns, at least 1; defaults to ``n``. For n > m the columns are orthonormal
        (QᵀQ = I_m); for n < m the rows are (QQᵀ = I_n), and the result is
        ``haar_orthogonal(m, n, seed=seed).T``.
    seed : int, default 0
        Seed of the Philox4x32-10 stream ``haar_sampler`` (0 ≤ seed < 2⁶⁴).
    dtype : {"float64", "float32"}, default "float64"
    device : {"cpu", "gpu"}, default "cpu"
        ``"gpu"`` builds the same matrix on the current CUDA device.
    out : GPU array, optional
        With ``device="gpu"`` only: a GPU array of shape (n, m) and the dtype exposing
        ``__cuda_array_interface__``, Fortran-contiguous for n >= m, C-contiguous for n < m.

    Returns
    -------
    ndarray or cupy.ndarray
        The (n, m) matrix, Fortran-ordered for n >= m; a CuPy array (or ``out``) on the GPU.

    Raises
    ------
    ValueError
        If an argument is out of range, or ``out`` is given with ``device="cpu"``.
    MemoryError
        If the matrix would not fit in the available memory (checked before allocating).

    Notes
    -----
    The draw is exactly Haar [1]_: the Q factor, with positive diagonal R, of the QR
    decomposition of a Gaussian matrix. The Householder reflectors of that QR are drawn directly
    — after each reflection the remaining column is again a fresh Gaussian vector — so no
    factorisation runs; Q is formed from them by blocked Householder products computed in column
    tiles, the same bits for any thread count (cuSOLVER's ``orgqr`` on the GPU, from the same
    reflectors, equal to the CPU result to rounding). Orthogonality holds to
    a few units of rounding (‖QᵀQ − I‖ ~ 1e-15 in float64).

    References
    ----------
    .. [1] F. Mezzadri, "How to generate random matrices from the classical compact groups",
       Notices of the AMS 54 (2007).

    Examples
    --------
    >>> Q = isometry.haar_orthogonal(5, seed=1)
    >>> bool(np.allclose(Q.T @ Q, np.eye(5), atol=1e-14))
    True
    >>> isometry.haar_orthogonal(5, 3, seed=1).shape
    (5, 3)
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
    # The result and the reflectors it is built from, side by side.
    _memory.require(
        f"haar_orthogonal({n}, {m}, dtype={dtype!r})", (2 * rows * cols + 256 * rows) * itemsize
    )
    sample = _core.haar_columns_f64 if dtype == "float64" else _core.haar_columns_f32
    q = sample(rows, cols, seed, _STREAMS["haar_sampler"], 0)
    return q if n >= m else q.T
