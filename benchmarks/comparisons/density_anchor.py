"""The anchor for isometry.theory.jacobian_density in compare.py: the same equations written
the straightforward way in NumPy/SciPy — one scipy.optimize.root solve per grid point.

Master equation in the unknown y (docs/theory/freeprob.md, orthogonal weights):
    Φ(y) = (1-L)[log(1+M) - log M] + L[log y + log σ_w²] = log z,   M = M_{D²}(y),
with the law of D² = φ'(√q z)² discretised by the plain trapezoidal rule in z, 96 nodes per unit
(912 nodes at q = 0.1): the straightforward choice, fine enough that the rule is accurate wherever y
stays farther from the support of D² than the nodes' spacing. (isometry's C++ adds the closed-form
correction for the integrand's poles and needs only 49 nodes, accurate everywhere; the two agree
to ~1e-14 except at the few points where the plain rule ripples: the "differ" count in the report.)
Same algorithm as the C++ code: continuation along x (here from the top of the grid down),
falling back to walking Im z down from far above (PSG18 Algorithm 1) where the continued root
is not the physical one (Im G > 0) or enters/leaves the support.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

NODES_PER_UNIT = (
    96  # the plain rule's resolution (isometry's own default before the pole correction)
)


def tanh_d2_law(q: float) -> tuple[np.ndarray, np.ndarray]:
    step = 1.0 / (NODES_PER_UNIT * max(1.0, np.sqrt(q)))
    z = np.arange(0.0, 9.5 + step, step)
    weights = np.where(z == 0, 1.0, 2.0) * np.exp(-0.5 * z * z)
    weights /= weights.sum()
    d = (1.0 - np.tanh(np.sqrt(q) * z) ** 2) ** 2
    return d, weights


def density_scipy(x: np.ndarray, depth: int, sigma_w: float, q: float) -> np.ndarray:
    d, w = tanh_d2_law(q)
    L = depth

    def phi(y: complex) -> complex:
        m = np.sum(w * d / (y - d))
        one_plus_m = y * np.sum(w / (y - d))
        return (1 - L) * (np.log(one_plus_m) - np.log(m)) + L * (np.log(y) + 2 * np.log(sigma_w))

    def solve(z: complex, y0: complex) -> complex:
        log_z = np.log(z)

        def residual(v: np.ndarray) -> list[float]:
            r = phi(complex(v[0], v[1])) - log_z
            return [r.real, np.remainder(r.imag + np.pi, 2 * np.pi) - np.pi]

        sol = optimize.root(residual, [y0.real, y0.imag], method="hybr", options={"xtol": 1e-13})
        return complex(sol.x[0], sol.x[1])

    m1 = (sigma_w**2 * np.sum(w * d)) ** L

    def walk(xi: float, eps: float) -> complex:  # from far above, where y ≈ μ₁ z / m₁
        top = 100.0 * L * max(xi, m1, 1.0)
        y = np.sum(w * d) * complex(xi, top) / m1
        for height in np.geomspace(top, eps, 40):
            y = solve(complex(xi, height), y)
        return y

    def g_of(y: complex, z: complex) -> complex:
        return y * np.sum(w / (y - d)) / z

    def inside(g: complex, z: complex) -> bool:  # Im G beyond the Poisson tail of height ε
        return -g.imag > 1e3 * z.imag * abs(g) / abs(z)

    out = np.empty_like(x)
    y, was_inside = None, False
    for i in np.argsort(x)[::-1]:
        z = complex(x[i], 1e-10 * x[i])
        first = y is None
        y = walk(x[i], z.imag) if first else solve(z, y)
        g = g_of(y, z)
        # As in the C++ code: a non-physical root, or entering/leaving the support, is
        # confirmed by a fresh walk (continuation can slide onto a spurious real root).
        if g.imag > 1e-9 * abs(g) or (not first and inside(g, z) != was_inside):
            y = walk(x[i], z.imag)
            g = g_of(y, z)
        was_inside = inside(g, z)
        out[i] = max(0.0, -g.imag / np.pi)
    return out
