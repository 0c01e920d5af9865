"""Mean-field and free-probability predictions to set beside one Monte Carlo network.

These are the closed-form consequences of PSG18 used by the CLI's comparison: the length-map
trajectory q^l from q^1 = q0, and the first two moments of the spectrum of J Jᵀ at the fixed
point (PSG18 eqs. 21–22): ``m₁ = (σ_w² μ₁)^L`` and ``m₂/m₁² − 1 = L (μ₂/μ₁² − 1 − s₁)`` with
s₁ = 0 (orthogonal) or −1 (Gaussian).
"""

from __future__ import annotations

import math
import sys

import numpy as np

from isometry._internal import validation as _validation
from isometry.theory import _arguments
from isometry.theory.activation import ActivationLike
from isometry.theory.meanfield import derivative_moments, length_map

__all__ = ["length_trajectory", "spectrum_mean_and_normalized_variance"]


def length_trajectory(
    activation: ActivationLike, sigma_w: float, sigma_b: float, q0: float, depth: int
) -> np.ndarray:
    """The mean-field pre-activation variances ``[q^1, ..., q^depth]`` from q^1 = q0.

    Parameters
    ----------
    activation : str or Activation
        ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"`` (φ(h) = erf(√π h/2)), or a
        user-defined :class:`~isometry.theory.Activation`.
    sigma_w : float
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w².
    sigma_b : float
        σ_b, the bias standard deviation; at least 0.
    q0 : float
        q^1, the variance of the first layer's pre-activations; positive.
    depth : int
        Number of layers L, at least 1.

    Returns
    -------
    ndarray
        q^l for l = 1..depth, each the :func:`length_map` of the one before (PSG18 eq. 3).

    Raises
    ------
    ValueError
        If an argument is out of range.

    See Also
    --------
    length_map, q_star, isometry.length_trajectory_mc

    References
    ----------
    .. [1] J. Pennington, S. S. Schoenholz, S. Ganguli, "The emergence of spectral universality
       in deep networks", AISTATS 2018.

    Examples
    --------
    >>> from isometry import theory
    >>> theory.length_trajectory("relu", 2**0.5, 0.0, 1.5, 3).round(12).tolist()  # σ_w² = 2 keeps q
    [1.5, 1.5, 1.5]
    """
    depth = _validation.positive_int("depth", depth)
    q0 = _validation.real("q0", q0, positive=True)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    # One length map per layer.
    _validation.grid_points("depth", depth, per_point_seconds=2e-5, minimum=1, bytes_per_point=16)
    q = [float(q0)]
    for layer in range(2, depth + 1):
        q.append(float(length_map(activation, q[-1], sigma_w, sigma_b)))
        if not math.isfinite(q[-1]):  # σ_w² E φ² + σ_b² beyond a double: refuse, not inf
            raise OverflowError(
                f"the length map overflows a double at layer {layer} (sigma_w={sigma_w:g}, "
                f"sigma_b={sigma_b:g}, q0={q0:g}); lower sigma_w, sigma_b or q0"
            )
    return np.array(q)


@_arguments.vectorize("depth", "sigma_w", "q")
def spectrum_mean_and_normalized_variance(
    activation: ActivationLike, weights: str, depth: int, sigma_w: float, q: float
) -> tuple[float, float]:
    """(m₁, m₂/m₁² − 1) of the spectrum of J Jᵀ when every layer sits at variance q.

    Parameters
    ----------
    activation : str or Activation
        ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"`` (φ(h) = erf(√π h/2)), or a
        user-defined :class:`~isometry.theory.Activation`.
    weights : {"orthogonal", "gaussian"}
        The weight ensemble: ``W_l = σ_w Q_l`` with Q_l Haar, or entries N(0, σ_w²/N).
    depth : int
        Number of layers L, at least 1.
    sigma_w : float
        σ_w, the weight standard deviation (times √N); positive. The papers tabulate σ_w².
    q : float
        The variance of every layer's pre-activations (q* at the fixed point); at least 0.

    Returns
    -------
    mean : float
        m₁ = (σ_w² μ₁)^L (PSG18 eq. 21).
    normalized_variance : float
        m₂/m₁² − 1 = L (μ₂/μ₁² − 1 − s₁) with s₁ = 0 (orthogonal) or −1 (Gaussian) (PSG18 eq. 22).

    Raises
    ------
    ValueError
        If an argument is out of range.

    See Also
    --------
    jacobian_moments, derivative_moments

    Notes
    -----
    μ_k = E_z[φ'(√q z)^(2k)] (:func:`derivative_moments`). ``q`` need not be a fixed point: this
    is the prediction for a network whose layers all have variance q.

    References
    ----------
    .. [1] J. Pennington, S. S. Schoenholz, S. Ganguli, "The emergence of spectral universality
       in deep networks", AISTATS 2018.

    Examples
    --------
    >>> from isometry import theory
    >>> theory.spectrum_mean_and_normalized_variance("linear", "gaussian", 10, 1.0, 1.0)
    (1.0, 10.0)
    """
    weights = _validation.choice("weights", weights, _validation.WEIGHTS)
    depth = _validation.positive_int("depth", depth)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    mu1, mu2 = derivative_moments(activation, q, 2)
    s1 = 0.0 if weights == "orthogonal" else -1.0
    if not mu1 > 0:  # φ'(h) underflowed to 0 at every h that matters: q far beyond saturation
        raise FloatingPointError(
            f"E[φ'(h)²] underflows to 0 at q={q:g} for activation={activation!r}: the "
            "units are saturated; choose a smaller q (or sigma_w, sigma_b)"
        )
    # In logs: sigma_w**2 alone overflows a double for sigma_w above ~1.3e154.
    log_rate = 2.0 * math.log(sigma_w) + math.log(mu1)  # log(σ_w² μ₁)
    log_mean = depth * log_rate
    if log_mean > math.log(sys.float_info.max):
        raise OverflowError(
            f"the mean eigenvalue (sigma_w**2·μ₁)**depth = exp({log_rate:.6g})**{depth} at "
            f"sigma_w={sigma_w:g} overflows a double; the largest depth that works is "
            f"{int(math.log(sys.float_info.max) / log_rate)}"
        )
    mean = math.exp(log_mean)
    return float(mean), float(depth * (mu2 / mu1 / mu1 - 1.0 - s1))
