"""Why stochastic Lanczos quadrature and not the kernel polynomial method (KPM).

Same network, same probes, same number of products with A = J Jᵀ (``probes × steps``): SLQ with
``steps`` Lanczos steps (Gauss–Radau rule with the node 0 fixed, as in the library), KPM with 2·steps Chebyshev moments (the doubling trick gets two moments
per product) and the Jackson kernel. Both CDFs are compared with the exact spectrum by the KS
distance above the floor 1e-10·λ_max. A is formed densely here (NumPy, width 1024) so that both
methods see exactly the same operator; the library's SLQ uses only products.

    python benchmarks/matfree_method_choice.py [--width 1024] [--depth 32]
"""

from __future__ import annotations

import argparse

import numpy as np

import isometry
from isometry._internal.core import _core

PHI = {
    "tanh": (np.tanh, lambda h: 1 - np.tanh(h) ** 2),
    "hard_tanh": (lambda h: np.clip(h, -1, 1), lambda h: ((h > -1) & (h < 1)).astype(float)),
}


def jacobian(
    n: int, depth: int, activation: str, sigma_w: float, sigma_b: float, seed: int
) -> np.ndarray:
    """J of the orthogonal network isometry.jacobian_spectrum draws (same streams)."""
    s = isometry.STREAMS
    phi, dphi = PHI[activation]
    q0 = isometry.default_q0(activation, sigma_w, sigma_b)
    g = _core.normal_stream(n, seed, s["network_input"], 0, 0)
    x = g / np.linalg.norm(g) * np.sqrt(n * (q0 - sigma_b**2)) / sigma_w
    J = np.eye(n)
    for layer in range(depth):
        W = sigma_w * _core.haar_columns_f64(n, n, seed, s["layer_orthogonal"], layer)
        h = W @ x + sigma_b * _core.normal_stream(n, seed, s["layer_bias"], layer, 0)
        J = dphi(h)[:, None] * (W @ J)
        x = phi(h)
    return J


def ks(cdf, ev: np.ndarray, floor: float) -> float:
    n = ev.size
    above = ev[ev > floor]
    d = abs(float(cdf(np.array([floor]))[0]) - np.searchsorted(ev, floor, side="right") / n)
    at = cdf(above)
    return float(
        max(
            d,
            np.max(np.abs(at - np.searchsorted(ev, above, side="right") / n)),
            np.max(np.abs(at - np.searchsorted(ev, above, side="left") / n)),
        )
    )


def slq_cdf(A: np.ndarray, probes: np.ndarray, steps: int):
    from isometry.montecarlo import _quadrature

    nodes, weights = [], []
    for v in probes.T:
        q, q_prev, beta, basis, alphas, betas = v / np.linalg.norm(v), 0.0, 0.0, [], [], []
        for _ in range(steps):
            basis.append(q)
            w = A @ q - beta * q_prev
            alpha = q @ w
            w -= alpha * q
            B = np.array(basis)
            w -= B.T @ (B @ w)
            w -= B.T @ (B @ w)
            beta = np.linalg.norm(w)
            alphas.append(alpha)
            betas.append(beta)
            q_prev, q = q, w / beta
        T = np.diag(alphas) + np.diag(betas[:-1], 1) + np.diag(betas[:-1], -1)
        # Gauss–Radau with the node 0 fixed, as the library does (cpp/src/matfree/lanczos.cpp).
        e = np.zeros(steps)
        e[-1] = betas[-1] ** 2
        delta = np.linalg.solve(T, e)
        R = np.zeros((steps + 1, steps + 1))
        R[:steps, :steps] = T
        R[steps, steps - 1] = R[steps - 1, steps] = betas[-1]
        R[steps, steps] = delta[-1]
        theta, vecs = np.linalg.eigh(R)
        theta[0] = 0.0
        nodes.append(theta)
        weights.append(vecs[0] ** 2)
    nodes, weights = np.array(nodes), np.array(weights)
    floor = 1e-12 * nodes.max()
    cdfs = _quadrature.probe_cdfs(nodes, weights, floor)
    return lambda t: np.mean([c.cdf(t) for c in cdfs], axis=0)


def kpm_cdf(A: np.ndarray, probes: np.ndarray, steps: int, lam_max: float):
    M = 2 * steps
    scale = lam_max * 1.01 / 2  # λ ∈ [0, 1.01 λ_max] -> x ∈ [-1, 1]
    B = (A - scale * np.eye(A.shape[0])) / scale
    mu = np.zeros(M)
    for v in probes.T:
        v = v / np.linalg.norm(v)
        t0, t1 = v, B @ v
        m = np.zeros(M)
        m[0], m[1] = 1.0, v @ t1
        for k in range(1, steps):
            m[2 * k] = 2 * (t1 @ t1) - m[0]
            if 2 * k + 1 < M:
                t2 = 2 * (B @ t1) - t0
                m[2 * k + 1] = 2 * (t2 @ t1) - m[1]
                t0, t1 = t1, t2
        mu += m / probes.shape[1]
    k = np.arange(M)
    jackson = (
        (M - k + 1) * np.cos(np.pi * k / (M + 1))
        + np.sin(np.pi * k / (M + 1)) / np.tan(np.pi / (M + 1))
    ) / (M + 1)

    def cdf(t):
        x = np.clip(np.asarray(t, dtype=float) / scale - 1, -1, 1)
        theta = np.arccos(x)
        out = mu[0] * (1 - theta / np.pi)
        for j in range(1, M):
            out = out - 2 / np.pi * jackson[j] * mu[j] * np.sin(j * theta) / j
        return np.clip(out, 0, 1)

    return cdf


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--depth", type=int, default=32)
    parser.add_argument("--probes", type=int, default=8)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    cases = [
        ("tanh", 1.05, 0.0),
        ("tanh", *isometry.theory.critical_point("tanh", 0.8)),
        ("hard_tanh", *isometry.theory.critical_point("hard_tanh", 0.5)),
    ]
    print(
        f"width {args.width}, depth {args.depth}, orthogonal, {args.probes} Rademacher probes; KS to the exact spectrum above 1e-10·λ_max"
    )
    for activation, sigma_w, sigma_b in cases:
        J = jacobian(args.width, args.depth, activation, sigma_w, sigma_b, seed=1)
        A = J @ J.T
        ev = np.linalg.eigvalsh(A)
        floor = 1e-10 * ev[-1]
        probes = rng.choice([-1.0, 1.0], size=(args.width, args.probes))
        print(
            f"{activation} σ_w={sigma_w:.4g} σ_b={sigma_b:.4g}: λ_max={ev[-1]:.3g}, "
            f"fraction of λ below 1e-4·λ_max: {np.mean(ev < 1e-4 * ev[-1]):.3f}"
        )
        for steps in (20, 40, 80):
            d_slq = ks(slq_cdf(A, probes, steps), ev, floor)
            d_kpm = ks(kpm_cdf(A, probes, steps, ev[-1]), ev, floor)
            print(
                f"  {steps:3d} products per probe: KS SLQ {d_slq:.4f}   KPM ({2 * steps} moments) {d_kpm:.4f}"
            )


if __name__ == "__main__":
    main()
