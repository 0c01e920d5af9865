"""From Gauss quadratures of spectral measures to a CDF, a density, moments and distances.

Stochastic Lanczos quadrature gives, per probe v, nodes θ_k and weights τ_k with
Σ_k τ_k f(θ_k) = vᵀ f(A) v for polynomials f of degree ≤ 2m − 1. The Chebyshev–Markov–Stieltjes
inequalities bound the probe's CDF at each node, Σ_{i<k} τ_i ≤ F_v(θ_k) ≤ Σ_{i≤k} τ_i (for Gauss and Gauss–Radau
rules alike), so we put the CDF at the midpoint of that bracket — also at the Radau node 0, whose
weight w_0 bounds the mass at 0 from above; the other half of w_0 is spread between the floor
and the first positive node — and join the knots by a monotone cubic (PCHIP,
Fritsch–Carlson) in u = log λ: spectra of deep Jacobians span decades, and log-x is where the
Lanczos nodes are spread evenly enough to interpolate. The density is the derivative of that CDF
(so the CDF used for distances and the density shown are one and the same estimate), and the
probe-to-probe spread of both gives the error bars. Nodes at or below ``resolution`` (ε-level
relative to λ_max: exact zeros of hard-tanh/relu nets and rounding noise) count as mass at 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ProbeCDF", "probe_cdfs", "pchip_slopes"]


def pchip_slopes(u: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Fritsch–Carlson derivatives at the knots of monotone data (as scipy's PchipInterpolator)."""
    h = np.diff(u)
    delta = np.diff(f) / h
    n = u.size
    d = np.zeros(n)
    if n == 2:
        d[:] = delta[0]
        return d
    # Interior: weighted harmonic mean where neighbouring secants agree in sign, else 0.
    w1 = 2 * h[1:] + h[:-1]
    w2 = h[1:] + 2 * h[:-1]
    same = (delta[:-1] * delta[1:]) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        interior = (w1 + w2) / (w1 / delta[:-1] + w2 / delta[1:])
    d[1:-1] = np.where(same, interior, 0.0)
    d[0] = _end_slope(h[0], h[1], delta[0], delta[1])
    d[-1] = _end_slope(h[-1], h[-2], delta[-1], delta[-2])
    return d


def _end_slope(h0: float, h1: float, m0: float, m1: float) -> float:
    d = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    if np.sign(d) != np.sign(m0):
        return 0.0
    if np.sign(m0) != np.sign(m1) and abs(d) > abs(3 * m0):
        return 3 * m0
    return float(d)


@dataclass(frozen=True)
class ProbeCDF:
    """One probe's CDF estimate: mass ``atom`` at 0, then PCHIP through (u, f) in u = log λ.

    ``zero_weight`` is the quadrature weight at 0 (and below the floor): an upper bound on the
    probe's mass at 0 (for Gauss–Radau it is the Christoffel function at 0, which decreases to
    the mass of the atom as the steps grow); ``atom`` is half of it.
    """

    atom: float
    zero_weight: float
    u: np.ndarray
    f: np.ndarray
    slopes: np.ndarray

    def _locate(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # log of t clipped into the knot range (outside it the caller picks atom or 1).
        s = np.clip(np.log(np.maximum(t, 1e-300)), self.u[0], self.u[-1])
        k = np.clip(np.searchsorted(self.u, s, side="right") - 1, 0, self.u.size - 2)
        return s, k, (self.u[k + 1] - self.u[k])

    def cdf(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        if self.u.size < 2:  # every node unresolved, or a single resolved node: steps
            out = np.where(t >= 0, self.atom, 0.0)
            if self.u.size == 1:
                out = np.where(np.log(np.maximum(t, 1e-300)) >= self.u[0], 1.0, out)
            return out
        s, k, h = self._locate(t)
        x = (s - self.u[k]) / h
        h00, h10, h01, h11 = (
            2 * x**3 - 3 * x**2 + 1,
            x**3 - 2 * x**2 + x,
            -2 * x**3 + 3 * x**2,
            x**3 - x**2,
        )
        inside = (
            h00 * self.f[k]
            + h10 * h * self.slopes[k]
            + h01 * self.f[k + 1]
            + h11 * h * self.slopes[k + 1]
        )
        out = np.where(
            t < np.exp(self.u[0]), self.atom, np.where(t > np.exp(self.u[-1]), 1.0, inside)
        )
        return np.where(t < 0, 0.0, out)

    def density(self, t: np.ndarray) -> np.ndarray:
        """dF/dλ for λ > 0 (the atom at 0 excluded)."""
        t = np.asarray(t, dtype=float)
        if self.u.size < 2:
            return np.zeros_like(t)
        s, k, h = self._locate(t)
        x = (s - self.u[k]) / h
        d00, d10, d01, d11 = (
            6 * x**2 - 6 * x,
            3 * x**2 - 4 * x + 1,
            -6 * x**2 + 6 * x,
            3 * x**2 - 2 * x,
        )
        df_du = (
            (d00 * self.f[k] + d01 * self.f[k + 1]) / h
            + d10 * self.slopes[k]
            + d11 * self.slopes[k + 1]
        )
        inside = (t >= np.exp(self.u[0])) & (t <= np.exp(self.u[-1]))
        return np.where(inside, np.maximum(df_du, 0.0) / np.where(t > 0, t, 1.0), 0.0)


def probe_cdfs(nodes: np.ndarray, weights: np.ndarray, resolution: float) -> list[ProbeCDF]:
    """One ProbeCDF per probe (row) of the quadratures (slots of weight 0 are unused)."""
    out = []
    for theta, tau in zip(nodes, weights):
        used = tau > 0
        theta, tau = theta[used], tau[used] / tau[used].sum()
        small = theta <= resolution
        w0 = float(tau[small].sum())  # the Radau node at 0 and any node below the floor
        theta, tau = theta[~small], tau[~small]
        u = np.log(theta)
        f = w0 + np.cumsum(tau) - tau / 2  # midpoints of the Chebyshev–Markov–Stieltjes brackets
        atom = w0 / 2  # F(0) lies in [0, w0]: its midpoint, like every other node
        if u.size >= 2:
            # From the floor (F = w0/2) up to the first node, and one node spacing beyond the
            # top node to 1: the brackets allow anything there; this spreads it smoothly.
            u = np.concatenate(
                [
                    [np.log(resolution) if resolution > 0 else u[0] - (u[1] - u[0])],
                    u,
                    [u[-1] + (u[-1] - u[-2])],
                ]
            )
            f = np.concatenate([[atom], f, [1.0]])
            keep = np.concatenate([[True], np.diff(u) > 0])  # drop coincident knots
            u, f = u[keep], f[keep]
        slopes = pchip_slopes(u, f) if u.size >= 2 else np.zeros(u.size)
        out.append(ProbeCDF(atom=atom, zero_weight=w0, u=u, f=f, slopes=slopes))
    return out
