"""Direct simulation of Gaussian ReLU networks: the squared signal norm |x^l|² layer by layer.

The independent check of :mod:`isometry.theory.relu_finite_width`: every network draws its own
weight matrices ``W^l_ij ~ N(0, σ_w²/N_{l-1})`` and biases ``b^l_i ~ N(0, σ_b²)`` and propagates
``x^l = relu(W^l x^{l-1} + b^l)`` with matrix products — no use of the chain's Binomial/χ²
structure. Random numbers: numpy ``Generator(Philox)`` keyed by (seed, stream ``relu_network``),
see that module's docstring.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from isometry._internal import memory as _memory
from isometry._internal import validation as _validation
from isometry._internal import work as _work
from isometry._internal.seeds import SeedLike
from isometry.theory.relu_finite_width import checked_widths, generator

__all__ = ["relu_network_norms"]

_BATCH_ENTRIES = 1 << 21  # weights drawn at once (16 MiB of float64)


def relu_network_norms(
    widths: Sequence[int],
    sigma_w: float = math.sqrt(2.0),
    sigma_b: float = 0.0,
    *,
    networks: int = 10000,
    input_norm_sq: float | None = None,
    seed: SeedLike = 0,
) -> np.ndarray:
    """|x^l|² for l = 0..L in ``networks`` independent random networks: array (networks, L + 1).

    The input is the same for every network, x^0 = √(s_0/N_0)·(1, ..., 1) with s_0 =
    ``input_norm_sq`` (default N_0); by the rotation invariance of Gaussian weights the law of
    the norms depends on x^0 only through s_0. ``seed`` is an int, a ``numpy.random.SeedSequence``
    or ``Generator`` (one key drawn from it), or None (fresh entropy: not repeatable, as the
    result is a plain array with no key). Reproducible for a given (seed, networks), but
    not prefix-stable: networks are drawn in batches, so a different ``networks`` changes them all.
    """
    sizes = checked_widths(widths)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    networks = _validation.positive_int("networks", networks)
    s0 = (
        float(sizes[0])
        if input_norm_sq is None
        else _validation.real("input_norm_sq", input_norm_sq, positive=True)
    )
    largest = max(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    batch = max(1, min(networks, _BATCH_ENTRIES // largest))
    _memory.require(
        f"relu_network_norms(widths with a {largest}-entry layer)",
        8 * (2 * batch * largest + 3 * batch * max(sizes) + networks * len(sizes)),
    )
    _work.require(
        f"relu_network_norms(networks={networks})",
        networks * sum(2e-9 * a * b + 2e-7 for a, b in zip(sizes[:-1], sizes[1:])),
        reduce="networks, the widths or the depth",
    )
    rng = generator(seed, "relu_network")
    out = np.empty((networks, len(sizes)))
    for start in range(0, networks, batch):
        count = min(batch, networks - start)
        x = np.full((count, sizes[0]), math.sqrt(s0 / sizes[0]))
        out[start : start + count, 0] = np.einsum("bi,bi->b", x, x)
        for layer, (n_in, n) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            w = rng.standard_normal((count, n, n_in)) * (sigma_w / math.sqrt(n_in))
            h = np.einsum("bij,bj->bi", w, x)
            if sigma_b > 0:
                h += sigma_b * rng.standard_normal((count, n))
            x = np.maximum(h, 0.0)
            out[start : start + count, layer] = np.einsum("bi,bi->b", x, x)
    return out
