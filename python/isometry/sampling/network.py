"""Weight initialisations for whole networks, drawn from isometry's own Philox streams.

``network_weights`` gives layer l (1-based) exactly the W_l and b_l that
:func:`isometry.jacobian_spectrum` uses for the same seed (streams ``layer_orthogonal`` /
``layer_gaussian`` / ``layer_bias``, substream l − 1), so a trained network and the theory of its
Jacobian start from the same draw. Layers need not be square: orthogonal layers are then Haar
points of the Stiefel manifold (orthonormal rows or columns, whichever is shorter).

``parameter_sharing`` is the mirrored initialisation of Burkholz & Dubatovka (2019), see
docs/theory/relu_finite_width.md: with W0 blocks and zero biases a ReLU network computes exactly
the linear network of its W0 blocks, so with orthogonal W0 every singular value of its Jacobian is σ_w^L.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from isometry._internal import memory as _memory
from isometry._internal import validation as _validation
from isometry._internal.core import _core
from isometry._names import ensembles

__all__ = ["network_weights", "parameter_sharing"]

BASES = ensembles("theory")  # the dense laws a parameter-sharing W0 block can be drawn from


def _layer_sizes(layer_sizes: Sequence[int]) -> list[int]:
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence):
        raise TypeError(f"layer_sizes must be a sequence of positive integers, got {layer_sizes!r}")
    sizes = [_validation.positive_int(f"layer_sizes[{i}]", n) for i, n in enumerate(layer_sizes)]
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes needs at least an input and an output size, got {sizes}")
    return sizes


def _draw(
    fan_out: int, fan_in: int, layer: int, base: str, sigma_w: float, seed: int
) -> np.ndarray:
    """W (fan_out × fan_in) of layer ``layer`` (0-based substream), float64."""
    streams = _core.STREAMS
    if base == "orthogonal":
        rows, cols = max(fan_out, fan_in), min(fan_out, fan_in)
        q = _core.haar_columns_f64(rows, cols, seed, streams["layer_orthogonal"], layer)
        q = q if fan_out >= fan_in else q.T
        return sigma_w * np.ascontiguousarray(q)
    # Column-major element j·fan_out + i, as jacobian_spectrum's square layers.
    z = _core.gaussian_f64(
        fan_in, fan_out, sigma_w / np.sqrt(fan_in), seed, streams["layer_gaussian"], layer
    )
    return np.ascontiguousarray(z.T)


def _check_memory(what: str, sizes: list[int], dtype: str, factor: int = 1) -> None:
    count = sum(a * b for a, b in zip(sizes[:-1], sizes[1:])) + sum(sizes[1:])
    # The float64 draw of one layer (and, for a Haar draw, its reflectors) exists beside the
    # converted copies.
    _memory.require(
        what,
        factor * count * np.dtype(dtype).itemsize
        + 16 * max(a * b for a, b in zip(sizes[:-1], sizes[1:])),
    )


def network_weights(
    layer_sizes: Sequence[int],
    *,
    weights: str = "orthogonal",
    sigma_w: float = 1.0,
    sigma_b: float = 0.0,
    seed: int = 0,
    dtype: str = "float64",
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The weights W_l and biases b_l, l = 1..L, of a whole network, from isometry's Philox streams.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_0, n_1, ..., n_L]``: the input and each layer; at least two sizes, each at least 1.
    weights : {"orthogonal", "gaussian"}, default "orthogonal"
        ``W_l = σ_w Q`` with Q Haar (for non-square layers a Haar point of the Stiefel manifold:
        orthonormal rows or columns, whichever is shorter), or entries N(0, σ_w²/fan_in).
    sigma_w : float, default 1.0
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w².
    sigma_b : float, default 0.0
        σ_b, the bias standard deviation; at least 0.
    seed : int, default 0
        The Philox key: an int in [0, 2⁶⁴).
    dtype : {"float64", "float32"}, default "float64"
        Floating-point type of the arrays.

    Returns
    -------
    weights : list of ndarray
        W_l of shape (layer_sizes[l], layer_sizes[l-1]).
    biases : list of ndarray
        b_l of shape (layer_sizes[l],), entries N(0, σ_b²).

    Raises
    ------
    ValueError
        If an argument is out of range.
    TypeError
        If ``layer_sizes`` is not a sequence of integers.
    MemoryError
        If the estimated memory does not fit (checked before anything is allocated).

    See Also
    --------
    parameter_sharing, isometry.jacobian_spectrum

    Notes
    -----
    Layer l uses streams ``layer_orthogonal`` / ``layer_gaussian`` / ``layer_bias`` with
    substream l − 1 (``isometry.STREAMS``): for square layers these are bitwise the matrices of
    :func:`isometry.jacobian_spectrum` with the same seed, so a trained network and the theory of
    its Jacobian start from the same draw.

    Examples
    --------
    >>> import numpy as np
    >>> ws, bs = isometry.init.network_weights([8, 16, 4], sigma_w=2.0, sigma_b=0.1, seed=1)
    >>> [w.shape for w in ws], [b.shape for b in bs]
    ([(16, 8), (4, 16)], [(16,), (4,)])
    >>> bool(np.allclose(ws[0].T @ ws[0], 4.0 * np.eye(8)))  # σ_w² times orthonormal columns
    True
    """
    sizes = _layer_sizes(layer_sizes)
    weights = _validation.choice("weights", weights, BASES)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    seed = _validation.seed(seed)
    dtype = _validation.dtype(dtype)
    _check_memory(f"network_weights({sizes}, dtype={dtype!r})", sizes, dtype)
    ws, bs = [], []
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        ws.append(_draw(fan_out, fan_in, layer, weights, sigma_w, seed).astype(dtype, copy=False))
        bias = sigma_b * _core.normal_stream(fan_out, seed, _core.STREAMS["layer_bias"], layer, 0)
        bs.append(bias.astype(dtype, copy=False))
    return ws, bs


def parameter_sharing(
    layer_sizes: Sequence[int],
    *,
    base: str = "orthogonal",
    sigma_w: float = 1.0,
    seed: int = 0,
    dtype: str = "float64",
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Mirrored ("looks-linear") weights for a ReLU network; biases are zero.

    With blocks W0_l drawn like :func:`network_weights` (``base``, σ_w, same streams) at the half
    sizes, the layers are ``[W0; −W0]`` (first, N_1 × n_in), ``[[W0, −W0], [−W0, W0]]`` (hidden,
    N_l × N_{l−1}) and ``[W0, −W0]`` (last, n_out × N_{L−1}), so that the hidden activations are
    ``[relu(a_l); relu(−a_l)]`` with ``a_l = W0_l a_{l−1}`` and the output is
    ``W0_L ⋯ W0_1 x`` exactly. A single layer (no hidden widths) is W0 itself.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_in, N_1, ..., N_{L-1}, n_out]``: every hidden width N_l even; each at least 1.
    base : {"orthogonal", "gaussian"}, default "orthogonal"
        The law of the W0 blocks, as ``weights`` of :func:`network_weights`.
    sigma_w : float, default 1.0
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w².
    seed : int, default 0
        The Philox key: an int in [0, 2⁶⁴).
    dtype : {"float64", "float32"}, default "float64"
        Floating-point type of the arrays.

    Returns
    -------
    weights : list of ndarray
        W_l of shape (layer_sizes[l], layer_sizes[l-1]).
    biases : list of ndarray
        Zero vectors of shape (layer_sizes[l],).

    Raises
    ------
    ValueError
        If an argument is out of range or a hidden width is odd.
    TypeError
        If ``layer_sizes`` is not a sequence of integers.
    MemoryError
        If the estimated memory does not fit (checked before anything is allocated).

    See Also
    --------
    network_weights, isometry.jacobian_spectrum

    Notes
    -----
    With orthogonal W0 every singular value of the network's Jacobian is σ_w^L, at any depth
    (see the documentation's "Finite-width ReLU networks and parameter sharing" theory
    page).

    References
    ----------
    .. [1] R. Burkholz, A. Dubatovka, "Initialization of ReLUs for dynamical isometry",
       NeurIPS 2019.

    Examples
    --------
    >>> import numpy as np
    >>> ws, bs = isometry.init.parameter_sharing([4, 6, 6, 2], seed=0)
    >>> [w.shape for w in ws]
    [(6, 4), (6, 6), (2, 6)]
    >>> x = np.arange(4.0)
    >>> h = x
    >>> for w in ws[:-1]:
    ...     h = np.maximum(w @ h, 0)
    >>> w0 = [ws[0][:3], ws[1][:3, :3], ws[2][:, :3]]  # the W0 blocks
    >>> bool(np.allclose(ws[-1] @ h, w0[2] @ w0[1] @ w0[0] @ x))  # the network is linear
    True
    """
    sizes = _layer_sizes(layer_sizes)
    base = _validation.choice("base", base, BASES)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    seed = _validation.seed(seed)
    dtype = _validation.dtype(dtype)
    for i, n in enumerate(sizes[1:-1], start=1):
        if n % 2:
            raise ValueError(
                f"layer_sizes[{i}] = {n}: parameter sharing mirrors each hidden layer, so hidden "
                "widths must be even"
            )
    _check_memory(f"parameter_sharing({sizes}, dtype={dtype!r})", sizes, dtype)
    ws, bs = [], []
    for w, b in _parameter_sharing_layers(sizes, base, sigma_w, seed, dtype):
        ws.append(w)
        bs.append(b)
    return ws, bs


def _parameter_sharing_layers(
    sizes: list[int], base: str, sigma_w: float, seed: int, dtype: str
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The layers of :func:`parameter_sharing` one at a time (arguments already checked), so a
    deep network's Jacobian can be built without holding every layer."""
    last = len(sizes) - 2
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        half_in = fan_in if layer == 0 else fan_in // 2
        half_out = fan_out if layer == last else fan_out // 2
        w0 = _draw(half_out, half_in, layer, base, sigma_w, seed)
        if layer == 0 and layer == last:
            w = w0
        elif layer == 0:
            w = np.vstack([w0, -w0])
        elif layer == last:
            w = np.hstack([w0, -w0])
        else:
            w = np.block([[w0, -w0], [-w0, w0]])
        yield w.astype(dtype, copy=False), np.zeros(fan_out, dtype=dtype)
