"""The exact law of the squared signal norm through a Gaussian ReLU network of finite width
(Burkholz & Dubatovka 2019, as reconstructed in docs/theory/relu_finite_width.md).

Network: widths ``[N_0, N_1, ..., N_L]``, ``W^l_ij ~ N(0, σ_w²/N_{l-1})``, ``b^l_i ~ N(0, σ_b²)``,
``x^l = relu(W^l x^{l-1} + b^l)``. Given x^{l-1} the pre-activations are i.i.d. N(0, v_l) with
``v_l = σ_w² s_{l-1}/N_{l-1} + σ_b²`` (s_l = ‖x^l‖²), so exactly

    s_l = v_l · χ²_{K_l},   K_l ~ Binomial(N_l, ½),   χ²_0 := 0,

a scalar Markov chain. From it:

* moments: E s_l = (N_l/2) E v_l and E s_l² = (N_l²/4 + 5N_l/4) E v_l², a linear recursion;
* without biases, log s_L − log s_0 = Σ_l [log(σ_w²/N_{l-1}) + log χ²_{K_l}] given that the signal
  lives (all K_l ≥ 1), with E log χ²_k = log 2 + ψ(k/2) and Var = ψ'(k/2) (digamma/trigamma at
  half-integers, in closed form here);
* P(s_L = 0): 1 − Π_l (1 − 2^{−N_l}) without biases (a dead layer stays dead), 2^{−N_L} with;
* the output law (σ_b = 0): the law of log s_L as an L-fold convolution of mixtures of log-χ²
  densities, done by FFT on a fine grid, plus the atom at 0.

Mean field (infinite width) replaces s_l by its mean: for ReLU the mean is exact at any width,
but the *typical* value is not (E log s_L/s_0 ≈ −5L/(2N) with He initialisation), which is where
mean field fails at small width and large depth.

Random numbers: numpy's ``Generator(Philox(key))`` with key = seed + 2⁶⁴·stream, stream
``relu_chain`` (7) for the chain and ``relu_network`` (8) for :mod:`isometry.montecarlo.relu_signal`
(``isometry.STREAMS``). numpy, not the core's Philox4x32: exact Binomial and χ² samplers come
with it, the chain is O(samples·L) scalar draws, and a counter-based generator keyed by
(seed, stream) keeps the project's rule that no two kinds of draw share random numbers. The
draws are single-threaded, so the same seed gives the same numbers on any machine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from isometry._internal import memory as _memory
from isometry._internal import validation as _validation
from isometry._internal import work as _work
from isometry._internal.core import _core
from isometry._internal.results import Result
from isometry._internal.seeds import SeedLike, resolve_seed

__all__ = [
    "ReluOutputLaw",
    "relu_death_probability",
    "relu_log_norm_moments",
    "relu_mean_field_norm",
    "relu_norm_moments",
    "relu_norm_ratio_moments",
    "relu_output_law",
    "sample_relu_chain",
]

_EULER_GAMMA = 0.57721566490153286061


def checked_widths(widths: object) -> list[int]:
    if isinstance(widths, (str, bytes)) or not isinstance(widths, (Sequence, np.ndarray)):
        raise TypeError(
            f"widths must be a sequence of positive integers [N_0, ..., N_L], got {widths!r}"
        )
    sizes = [_validation.positive_int(f"widths[{i}]", n) for i, n in enumerate(list(widths))]
    if len(sizes) < 2:
        raise ValueError(f"widths needs the input width and at least one layer, got {sizes}")
    return sizes


def _checked(
    widths: object, sigma_w: float, sigma_b: float, input_norm_sq: float | None
) -> tuple[list[int], float, float, float]:
    sizes = checked_widths(widths)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    s0 = (
        float(sizes[0])
        if input_norm_sq is None
        else _validation.real("input_norm_sq", input_norm_sq, positive=True)
    )
    return sizes, sigma_w, sigma_b, s0


def generator(seed: SeedLike, stream: str) -> np.random.Generator:
    """numpy's Philox keyed by (seed, stream id): see the module docstring.

    ``seed`` takes every form the package accepts (int, SeedSequence, Generator, None; see
    :mod:`isometry._internal.seeds`); it becomes one 64-bit key first."""
    seed = resolve_seed(seed)
    return np.random.Generator(np.random.Philox(key=seed + (int(_core.STREAMS[stream]) << 64)))


def _log_binomial_pmf(n: int) -> np.ndarray:
    """log P(K = k), K ~ Binomial(n, ½), k = 0..n (log C(n,k) by a running sum: no overflow)."""
    k = np.arange(1, n + 1, dtype=float)
    log_choose = np.concatenate([[0.0], np.cumsum(np.log((n - k + 1) / k))])
    return log_choose - n * math.log(2.0)


def _digamma_trigamma_half(n: int) -> tuple[np.ndarray, np.ndarray]:
    """ψ(k/2) and ψ'(k/2) for k = 1..n, from ψ(½), ψ(1), ψ'(½), ψ'(1) and x → x + 1."""
    psi, tri = np.empty(n), np.empty(n)
    starts = {
        1: (-_EULER_GAMMA - 2 * math.log(2.0), math.pi**2 / 2),
        2: (-_EULER_GAMMA, math.pi**2 / 6),
    }
    for first, (p, t) in starts.items():
        for k in range(first, n + 1, 2):  # k/2 runs over x, x+1, x+2, ...
            psi[k - 1], tri[k - 1] = p, t
            x = k / 2
            p, t = p + 1 / x, t - 1 / (x * x)
    return psi, tri


def relu_norm_moments(
    widths: Sequence[int],
    sigma_w: float = math.sqrt(2.0),
    sigma_b: float = 0.0,
    *,
    input_norm_sq: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (mean, variance) of s_l = ‖x^l‖² for l = 0..L of a Gaussian ReLU network.

    Parameters
    ----------
    widths : sequence of int
        The widths ``[N_0, N_1, ..., N_L]``: the input and each of the L layers; each at least 1.
    sigma_w : float, default √2
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w². The
        default is He initialisation, σ_w² = 2.
    sigma_b : float, default 0.0
        σ_b, the bias standard deviation; at least 0.
    input_norm_sq : float, optional
        s_0 = ‖x^0‖², the squared norm of the input; positive. Default N_0 (every input unit of
        variance 1).

    Returns
    -------
    mean : ndarray
        E s_l for l = 0..L (length L + 1; ``mean[0]`` is s_0).
    variance : ndarray
        Var s_l for l = 0..L (``variance[0]`` is 0).

    Raises
    ------
    ValueError
        If an argument is out of range.
    TypeError
        If ``widths`` is not a sequence of integers.

    See Also
    --------
    relu_norm_ratio_moments, relu_log_norm_moments, sample_relu_chain

    Notes
    -----
    Given s_{l-1} the N_l pre-activations are i.i.d. N(0, v_l), v_l = σ_w² s_{l-1}/N_{l-1} + σ_b²,
    so s_l = v_l χ²_K with K ~ Binomial(N_l, ½): E s_l = (N_l/2) E v_l and
    E s_l² = (N_l²/4 + 5N_l/4) E v_l², a linear recursion, exact at every width (no quadrature).
    He initialisation (σ_w² = 2, σ_b = 0) keeps the mean; the variance then grows like
    s_0²((1 + 5/N)^L − 1). See the documentation's
    "Finite-width ReLU networks and parameter sharing" theory page (a reconstruction of [1]_).

    References
    ----------
    .. [1] R. Burkholz, A. Dubatovka, "Initialization of ReLUs for dynamical isometry",
       NeurIPS 2019.

    Examples
    --------
    >>> from isometry import theory
    >>> mean, variance = theory.relu_norm_moments([100, 100, 100])  # He: the mean is kept
    >>> mean.round(9).tolist(), variance.round(9).tolist()  # variance = s_0²((1 + 5/100)^l − 1)
    ([100.0, 100.0, 100.0], [0.0, 500.0, 1025.0])
    """
    sizes, sigma_w, sigma_b, s0 = _checked(widths, sigma_w, sigma_b, input_norm_sq)
    mean, second = [s0], [s0 * s0]
    w2, b2 = sigma_w * sigma_w, sigma_b * sigma_b
    for n_in, n in zip(sizes[:-1], sizes[1:]):
        ev = w2 * mean[-1] / n_in + b2
        ev2 = w2 * w2 * second[-1] / (n_in * n_in) + 2 * w2 * b2 * mean[-1] / n_in + b2 * b2
        mean.append(n / 2 * ev)
        second.append((n * n / 4 + 5 * n / 4) * ev2)  # E[χ²_K²] = E[K² + 2K]
    m, s = np.array(mean), np.array(second)
    _validation.finite_values(
        "the moments of |x^l|²", f"sigma_w={sigma_w}, sigma_b={sigma_b}, input_norm_sq={s0}", m, s
    )
    return m, np.maximum(s - m * m, 0.0)


def relu_norm_ratio_moments(
    widths: Sequence[int],
    sigma_w: float = math.sqrt(2.0),
    sigma_b: float = 0.0,
    *,
    input_norm_sq: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (mean, variance) of the ratio r_l = ‖x^l‖²/‖x^0‖² for l = 0..L (r_0 = 1).

    The relative counterpart of :func:`relu_norm_moments` (divided by s_0 and s_0²).

    Parameters
    ----------
    widths : sequence of int
        The widths ``[N_0, N_1, ..., N_L]``: the input and each of the L layers; each at least 1.
    sigma_w : float, default √2
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w². The
        default is He initialisation, σ_w² = 2.
    sigma_b : float, default 0.0
        σ_b, the bias standard deviation; at least 0.
    input_norm_sq : float, optional
        s_0 = ‖x^0‖², the squared norm of the input; positive. Default N_0 (every input unit of
        variance 1). Without biases the ratio's law does not depend on it.

    Returns
    -------
    mean : ndarray
        E r_l for l = 0..L (length L + 1; ``mean[0]`` is 1).
    variance : ndarray
        Var r_l for l = 0..L (``variance[0]`` is 0).

    Raises
    ------
    ValueError
        If an argument is out of range.
    TypeError
        If ``widths`` is not a sequence of integers.

    See Also
    --------
    relu_norm_moments, relu_log_norm_moments

    Notes
    -----
    With He initialisation and no biases E r_L = N_L/N_0 and E r_L² = Π_l (1 + 5/N_l) N_L²/N_0².
    For the log-ratio use :func:`relu_log_norm_moments` with ``input_norm_sq=1``.

    References
    ----------
    .. [1] R. Burkholz, A. Dubatovka, "Initialization of ReLUs for dynamical isometry",
       NeurIPS 2019.

    Examples
    --------
    >>> from isometry import theory
    >>> mean, variance = theory.relu_norm_ratio_moments([10, 20, 20])
    >>> mean.round(12).tolist()  # E r_L = N_L/N_0 with He initialisation
    [1.0, 2.0, 2.0]
    """
    sizes, sigma_w, sigma_b, s0 = _checked(widths, sigma_w, sigma_b, input_norm_sq)
    mean, variance = relu_norm_moments(sizes, sigma_w, sigma_b, input_norm_sq=s0)
    return mean / s0, variance / (s0 * s0)


def relu_death_probability(widths: Sequence[int], sigma_b: float = 0.0) -> np.ndarray:
    """P(x^l = 0), the probability that every unit of layer l is off, for l = 0..L.

    Parameters
    ----------
    widths : sequence of int
        The widths ``[N_0, N_1, ..., N_L]``: the input and each of the L layers; each at least 1.
    sigma_b : float, default 0.0
        σ_b, the bias standard deviation; at least 0. Only whether it is 0 matters.

    Returns
    -------
    ndarray
        P(x^l = 0) for l = 0..L (length L + 1; ``[0]`` is 0). Without biases a dead layer stays
        dead: 1 − Π_{k≤l} (1 − 2^(−N_k)); with biases the next layer revives: 2^(−N_l).

    Raises
    ------
    ValueError
        If an argument is out of range.
    TypeError
        If ``widths`` is not a sequence of integers.

    Notes
    -----
    Each unit of layer l is off with probability ½ independently, given a non-zero input; the
    product is computed through ``log1p``/``expm1``, so probabilities far below rounding of 1 keep
    their relative accuracy.

    References
    ----------
    .. [1] R. Burkholz, A. Dubatovka, "Initialization of ReLUs for dynamical isometry",
       NeurIPS 2019.

    Examples
    --------
    >>> from isometry import theory
    >>> theory.relu_death_probability([4, 1, 1]).tolist()  # 1 − (1/2)(1/2) at the end
    [0.0, 0.5, 0.75]
    >>> theory.relu_death_probability([4, 2, 2], sigma_b=0.1).tolist()
    [0.0, 0.25, 0.25]
    """
    sizes = checked_widths(widths)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    out = [0.0]
    log_alive = 0.0
    for n in sizes[1:]:
        dead_here = 2.0 ** (-n)
        if sigma_b > 0:
            out.append(dead_here)  # the bias revives the next layer
        else:
            log_alive += math.log1p(-dead_here)
            out.append(-math.expm1(log_alive))  # 1 − Π(1 − 2^{−N}) without cancellation
    return np.array(out)


def _layer_log_moments(n: int) -> tuple[float, float]:
    """E and Var of log χ²_K for K ~ Binomial(n, ½) conditioned on K ≥ 1."""
    logp = _log_binomial_pmf(n)[1:]
    p = np.exp(logp)
    p /= p.sum()
    psi, tri = _digamma_trigamma_half(n)
    mean_psi = float(p @ psi)
    return math.log(2.0) + mean_psi, float(p @ tri) + float(p @ (psi - mean_psi) ** 2)


def relu_log_norm_moments(
    widths: Sequence[int], sigma_w: float = math.sqrt(2.0), *, input_norm_sq: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Exact E and Var of log s_l (l = 0..L), given that the signal is alive, without biases.

    Parameters
    ----------
    widths : sequence of int
        The widths ``[N_0, N_1, ..., N_L]``: the input and each of the L layers; each at least 1.
    sigma_w : float, default √2
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w². The
        default is He initialisation, σ_w² = 2.
    input_norm_sq : float, optional
        s_0 = ‖x^0‖², the squared norm of the input; positive. Default N_0 (every input unit of
        variance 1).

    Returns
    -------
    mean : ndarray
        E[log s_l | s_L > 0] for l = 0..L (length L + 1; ``mean[0]`` is log s_0).
    variance : ndarray
        Var[log s_l | s_L > 0] for l = 0..L (``variance[0]`` is 0).

    Raises
    ------
    ValueError
        If an argument is out of range.
    TypeError
        If ``widths`` is not a sequence of integers.

    See Also
    --------
    relu_norm_moments, relu_output_law

    Notes
    -----
    log s_L − log s_0 = Σ_l [log(σ_w²/N_{l-1}) + log χ²_{K_l}] with K_l ~ Binomial(N_l, ½)
    conditioned on K_l ≥ 1, and E log χ²_k = log 2 + ψ(k/2), Var log χ²_k = ψ'(k/2) (digamma and
    trigamma at half-integers, in closed form). With He initialisation
    E log(s_L/s_0) ≈ −5L/(2N) and Var ≈ 5L/N at large N: the typical signal shrinks although the
    mean is kept.

    References
    ----------
    .. [1] R. Burkholz, A. Dubatovka, "Initialization of ReLUs for dynamical isometry",
       NeurIPS 2019.

    Examples
    --------
    >>> from isometry import theory
    >>> mean, variance = theory.relu_log_norm_moments([100] * 11, input_norm_sq=1.0)
    >>> round(float(mean[-1]), 4), round(float(variance[-1]), 4)  # ≈ −5L/(2N), 5L/N: −0.25, 0.5
    (-0.2542, 0.5194)
    """
    sizes, sigma_w, _, s0 = _checked(widths, sigma_w, 0.0, input_norm_sq)
    mean, var = [math.log(s0)], [0.0]
    cache: dict[int, tuple[float, float]] = {}
    for n_in, n in zip(sizes[:-1], sizes[1:]):
        if n not in cache:
            cache[n] = _layer_log_moments(n)
        m, v = cache[n]
        mean.append(
            mean[-1] + 2 * math.log(sigma_w) - math.log(n_in) + m
        )  # σ_w² may overflow; its log not
        var.append(var[-1] + v)
    _validation.finite_values(
        "the log-norm moments", f"sigma_w={sigma_w}, input_norm_sq={s0}", mean, var
    )
    return np.array(mean), np.array(var)


def relu_mean_field_norm(
    widths: Sequence[int],
    sigma_w: float = math.sqrt(2.0),
    sigma_b: float = 0.0,
    *,
    input_norm_sq: float | None = None,
) -> np.ndarray:
    """The mean-field signal s_l = N_l q_l/2, q_l = σ_w² s_{l-1}/N_{l-1} + σ_b², for l = 0..L.

    Parameters
    ----------
    widths : sequence of int
        The widths ``[N_0, N_1, ..., N_L]``: the input and each of the L layers; each at least 1.
    sigma_w : float, default √2
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w². The
        default is He initialisation, σ_w² = 2.
    sigma_b : float, default 0.0
        σ_b, the bias standard deviation; at least 0.
    input_norm_sq : float, optional
        s_0 = ‖x^0‖², the squared norm of the input; positive. Default N_0 (every input unit of
        variance 1).

    Returns
    -------
    ndarray
        s_l for l = 0..L (length L + 1; ``[0]`` is s_0), deterministic.

    Raises
    ------
    ValueError
        If an argument is out of range.
    TypeError
        If ``widths`` is not a sequence of integers.

    See Also
    --------
    relu_norm_moments

    Notes
    -----
    For ReLU this equals the exact mean E s_l at any width; mean field's error is to treat it as
    the value of every network (see :func:`relu_log_norm_moments` for the typical value).

    References
    ----------
    .. [1] R. Burkholz, A. Dubatovka, "Initialization of ReLUs for dynamical isometry",
       NeurIPS 2019.

    Examples
    --------
    >>> from isometry import theory
    >>> theory.relu_mean_field_norm([10, 10, 10], sigma_w=1.0).tolist()  # halved per layer
    [10.0, 5.0, 2.5]
    """
    return relu_norm_moments(widths, sigma_w, sigma_b, input_norm_sq=input_norm_sq)[0]


def sample_relu_chain(
    widths: Sequence[int],
    sigma_w: float = math.sqrt(2.0),
    sigma_b: float = 0.0,
    *,
    samples: int = 10000,
    input_norm_sq: float | None = None,
    seed: SeedLike = 0,
) -> np.ndarray:
    """Independent draws of the chain s_0, ..., s_L of squared norms through a Gaussian ReLU network.

    Each draw is s_l = v_l χ²_K with K ~ Binomial(N_l, ½) and v_l = σ_w² s_{l-1}/N_{l-1} + σ_b²:
    the exact law of ‖x^l‖² without forming any weight matrix.

    Parameters
    ----------
    widths : sequence of int
        The widths ``[N_0, N_1, ..., N_L]``: the input and each of the L layers; each at least 1.
    sigma_w : float, default √2
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w². The
        default is He initialisation, σ_w² = 2.
    sigma_b : float, default 0.0
        σ_b, the bias standard deviation; at least 0.
    samples : int, default 10000
        Number of independent chains, at least 1.
    input_norm_sq : float, optional
        s_0 = ‖x^0‖², the squared norm of the input; positive. Default N_0 (every input unit of
        variance 1).
    seed : int, numpy.random.SeedSequence, numpy.random.Generator or None, default 0
        The Philox key: an int in [0, 2⁶⁴); a SeedSequence gives its first 64-bit word, a
        Generator one 64-bit draw (so a loop passing one generator gets a new draw each time,
        reproducibly), None fresh entropy.

    Returns
    -------
    ndarray
        Shape (samples, L + 1): s_0..s_L of each chain (column 0 is s_0).

    Raises
    ------
    ValueError
        If an argument is out of range.
    TypeError
        If ``widths`` is not a sequence of integers.

    See Also
    --------
    relu_norm_moments, relu_output_law

    Notes
    -----
    The draws come from numpy's ``Generator(Philox(key))`` keyed by (seed, stream ``relu_chain``),
    so they do not depend on the thread count. Reproducible for a given (seed, samples) but not
    prefix-stable: the draws are vectorised per layer, so the first 100 rows of ``samples=200``
    differ from ``samples=100``. The result is a plain array with no key: ``seed=None`` is not
    repeatable.

    References
    ----------
    .. [1] R. Burkholz, A. Dubatovka, "Initialization of ReLUs for dynamical isometry",
       NeurIPS 2019.

    Examples
    --------
    >>> from isometry import theory
    >>> s = theory.sample_relu_chain([50, 50, 50], samples=2000, seed=1)
    >>> s.shape
    (2000, 3)
    >>> bool(abs(s[:, -1].mean() / 50 - 1) < 0.05)  # E s_L = s_0 = 50; the s.e. is ~0.7 %
    True
    """
    sizes, sigma_w, sigma_b, s0 = _checked(widths, sigma_w, sigma_b, input_norm_sq)
    samples = _validation.positive_int("samples", samples)
    _memory.require(
        f"sample_relu_chain(samples={samples}, {len(widths)} widths)", 24 * samples * len(widths)
    )
    _work.require(
        f"sample_relu_chain(samples={samples}, {len(widths)} widths)",
        1e-7 * samples * len(widths),
        reduce="samples or the depth",
    )
    rng = generator(seed, "relu_chain")
    out = np.empty((samples, len(sizes)))
    out[:, 0] = s0
    w2, b2 = sigma_w * sigma_w, sigma_b * sigma_b
    for layer, (n_in, n) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        v = w2 * out[:, layer - 1] / n_in + b2
        k = rng.binomial(n, 0.5, size=samples)
        # χ²_k = 2·Gamma(k/2); numpy's gamma needs shape > 0, so draw with k ≥ 1 and zero the rest.
        chi2 = 2.0 * rng.standard_gamma(np.maximum(k, 1) / 2.0)
        out[:, layer] = np.where(k > 0, v * chi2, 0.0)
    _validation.finite_values(
        "the sampled |x^l|²", f"sigma_w={sigma_w}, sigma_b={sigma_b}, input_norm_sq={s0}", out
    )
    return out


@dataclass(frozen=True, repr=False)
class ReluOutputLaw(Result):
    """The exact law of s_L = ‖x^L‖² without biases: an atom at 0 plus a continuous part.

    Returned by :func:`relu_output_law`. ``cdf(s)`` gives P(s_L ≤ s) (the atom included) and
    ``quantile(p)`` the smallest s with P(s_L ≤ s) ≥ p.

    Parameters
    ----------
    log_s : ndarray
        An evenly spaced grid of log s_L.
    density : ndarray
        The density of log s_L on ``log_s`` given that the signal is alive (integrates to 1).
    dead : float
        The atom P(s_L = 0).

    See Also
    --------
    relu_output_law

    References
    ----------
    .. [1] R. Burkholz, A. Dubatovka, "Initialization of ReLUs for dynamical isometry",
       NeurIPS 2019.

    Examples
    --------
    >>> from isometry import theory
    >>> law = theory.relu_output_law([8, 8], points=4096)
    >>> round(law.dead * 2**8, 9), law.cdf(0.0) == law.dead  # one layer of 8 units: 2⁻⁸
    (1.0, True)
    >>> law.quantile(law.dead), law.quantile(1.0) > law.quantile(0.5) > 0
    (0.0, True)
    """

    log_s: np.ndarray
    density: np.ndarray
    dead: float

    _frame_columns: ClassVar[tuple[str, ...]] = ("log_s", "density")

    def cdf(self, s: np.ndarray | float) -> np.ndarray | float:
        """P(s_L ≤ s) for s ≥ 0 (the atom at 0 included); a float for a scalar s."""
        values = self._cdf(np.asarray(s, dtype=float))
        return float(values) if np.ndim(s) == 0 else values

    def _cdf(self, s: np.ndarray) -> np.ndarray:
        if np.any(np.isnan(s)):
            raise ValueError("s must not contain NaN")
        step = self.log_s[1] - self.log_s[0]
        cumulative = np.concatenate(
            [[0.0], np.cumsum((self.density[1:] + self.density[:-1]) * step / 2)]
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.log(np.maximum(s, 0.0))  # s <= 0 maps to -inf: below the grid
        alive = np.interp(t, self.log_s, cumulative, left=0.0, right=1.0)
        return np.where(s < 0, 0.0, self.dead + (1.0 - self.dead) * alive)

    def quantile(self, p: float) -> float:
        """The smallest s with P(s_L ≤ s) ≥ p (0 when p ≤ P(dead))."""
        p = _validation.real("p", p)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p must be a probability in [0, 1], got {p}")
        if p <= self.dead:
            return 0.0
        step = self.log_s[1] - self.log_s[0]
        cumulative = np.concatenate(
            [[0.0], np.cumsum((self.density[1:] + self.density[:-1]) * step / 2)]
        )
        return float(np.exp(np.interp((p - self.dead) / (1.0 - self.dead), cumulative, self.log_s)))


def _log_chi2_density(k: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Density of log χ²_k at y: exp(k y/2 − e^y/2 − (k/2) log 2 − log Γ(k/2))."""
    lgam = np.array([math.lgamma(kk / 2) for kk in k.ravel()]).reshape(k.shape)
    with np.errstate(over="ignore"):
        expo = k * y / 2 - np.exp(y) / 2 - k / 2 * math.log(2.0) - lgam
    return np.exp(expo)


def relu_output_law(
    widths: Sequence[int],
    sigma_w: float = math.sqrt(2.0),
    *,
    input_norm_sq: float | None = None,
    points: int = 2**16,
) -> ReluOutputLaw:
    """The exact law of s_L = ‖x^L‖² of a Gaussian ReLU network without biases.

    Parameters
    ----------
    widths : sequence of int
        The widths ``[N_0, N_1, ..., N_L]``: the input and each of the L layers; each at least 1.
    sigma_w : float, default √2
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w². The
        default is He initialisation, σ_w² = 2.
    input_norm_sq : float, optional
        s_0 = ‖x^0‖², the squared norm of the input; positive. Default N_0 (every input unit of
        variance 1).
    points : int, default 65536
        Size of the FFT grid of log s_L, at least 1024; an error names the size needed when it
        cannot resolve the narrowest layer law.

    Returns
    -------
    ReluOutputLaw
        The grid ``log_s``, the density of log s_L given that the signal is alive, and the atom
        ``dead`` = P(s_L = 0); ``cdf`` and ``quantile`` of s_L.

    Raises
    ------
    ValueError
        If an argument is out of range, or ``points`` is too few for these widths.
    TypeError
        If ``widths`` is not a sequence of integers.

    See Also
    --------
    relu_log_norm_moments, sample_relu_chain

    Notes
    -----
    log s_L is log s_0 plus a sum of independent layer increments log(σ_w²/N_{l-1}) + log χ²_K
    (K ~ Binomial(N_l, ½) given K ≥ 1), so its density is their convolution, computed by FFT on a
    periodic grid centred on the mean. The grid spans the mean ± (14 standard deviations + 60), so
    wrap-around is below rounding (the left tails fall like e^(y/2)), and its step resolves the
    narrowest layer law (sd ≈ √(2/K)).

    References
    ----------
    .. [1] R. Burkholz, A. Dubatovka, "Initialization of ReLUs for dynamical isometry",
       NeurIPS 2019.

    Examples
    --------
    >>> from isometry import theory
    >>> law = theory.relu_output_law([20, 20, 20], points=4096)
    >>> bool(law.dead == theory.relu_death_probability([20, 20, 20])[-1])
    True
    >>> round(law.cdf(20.0), 3)  # P(s_L ≤ s_0) above ½: the typical signal shrinks
    0.611
    """
    sizes, sigma_w, _, s0 = _checked(widths, sigma_w, 0.0, input_norm_sq)
    points = _validation.positive_int("points", points)
    if points < 1024:
        raise ValueError(f"points must be at least 1024, got {points}")
    means, variances = relu_log_norm_moments(sizes, sigma_w, input_norm_sq=s0)
    total_sd = math.sqrt(variances[-1])
    half_span = 14 * total_sd + 60.0
    step = 2 * half_span / points
    narrowest = min(math.sqrt(_layer_log_moments(n)[1]) for n in set(sizes[1:]))
    if step > narrowest / 8:
        needed = int(2 ** math.ceil(math.log2(16 * half_span / narrowest)))
        raise ValueError(
            f"points = {points} cannot resolve the narrowest layer law (sd {narrowest:.3g}); "
            f"use points >= {needed}"
        )
    offsets = (np.arange(points) - points // 2) * step  # centred, periodic
    spectrum = np.ones(points // 2 + 1, dtype=complex)
    centre = math.log(s0)
    cache: dict[tuple[int, int], tuple[np.ndarray, float]] = {}
    for n_in, n in zip(sizes[:-1], sizes[1:]):
        key = (n_in, n)
        if key not in cache:
            shift = math.log(sigma_w * sigma_w / n_in)
            layer_mean, _ = _layer_log_moments(n)
            logp = _log_binomial_pmf(n)[1:]
            k = np.arange(1, n + 1, dtype=float)
            keep = logp > logp.max() - 80  # weights below e^-80 of the largest do not matter
            weights = np.exp(logp[keep]) / np.exp(logp).sum()  # conditioned on K ≥ 1
            y = layer_mean + offsets  # log χ² values on the grid centred at the layer mean
            dens = np.zeros(points)
            for first in range(0, weights.size, 16):  # 16 rows at a time: bounded memory
                rows = slice(first, first + 16)
                dens += weights[rows] @ _log_chi2_density(k[keep][rows, None], y[None, :])
            # Put the sample at offset 0 first (ifftshift) so the convolution adds the centres.
            cache[key] = np.fft.rfft(np.fft.ifftshift(dens * step)), shift + layer_mean
        transform, layer_centre = cache[key]
        spectrum *= transform
        centre += layer_centre
    total = np.fft.fftshift(np.fft.irfft(spectrum, n=points)) / step
    total = np.maximum(total, 0.0)  # FFT rounding leaves ~1e-17 negative values in the tails
    total /= total.sum() * step
    dead = float(relu_death_probability(sizes)[-1])
    return ReluOutputLaw(log_s=centre + offsets, density=total, dead=dead)
