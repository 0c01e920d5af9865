"""The anchor for isometry.theory.jacobian_density in compare.py: the same equations written
the straightforward way in NumPy/SciPy — one scipy.optimize.root solve per grid point.

Master equation in the unknown y (THEORY.md §3, orthogonal weights):
    Φ(y) = (1-L)[log(1+M) - log M] + L[log y + log σ_w²] = log z,   M = M_{D²}(y),
with the law of D² = φ'(√q z)² discretised by the trapezoidal rule in z (as the C++ code does).
Same algorithm as the C++ code: continuation along x (here from the top of the grid down),
falling back to walking Im z down from far above (PSG18 Algorithm 1) where the continued root
is not the physical one (Im G > 0).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

NODES_PER_UNIT = 96  # same discretisation as the C++ default, so both solve the same equations


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

    out = np.empty_like(x)
    y = None
    for i in np.argsort(x)[::-1]:
        z = complex(x[i], 1e-10 * x[i])
        y = walk(x[i], z.imag) if y is None else solve(z, y)
        if g_of(y, z).imag > 1e-9 * abs(g_of(y, z)):
            y = walk(x[i], z.imag)
        out[i] = max(0.0, -g_of(y, z).imag / np.pi)
    return out
