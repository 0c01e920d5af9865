"""r. ResNet Jacobian spectrum (tanh, Gaussian weights, c = 1): isometry.resnet_jacobian_spectrum
vs a plain numpy script of the same model, and both against the universal law (KS)."""

from __future__ import annotations

from functools import partial

import numpy as np

import isometry
from comparisons.common import Contender, Context, SectionResult, race, rows_from_race

ISO, SCRIPT = "isometry.resnet_jacobian_spectrum", "numpy script"


def resnet_numpy(width: int, depth: int, sigma_w: float, seed: int) -> np.ndarray:
    """Eigenvalues of J Jᵀ for x_l = x_{l-1} + tanh(W_l x_{l-1}), W_l,ij ~ N(0, σ_w²/(N L)),
    J = Π (1 + D_l W_l), in plain numpy (one GEMM per layer on [J | x], as isometry does)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(width)
    x *= np.sqrt(width) / np.linalg.norm(x)
    product = np.empty((width, width + 1))
    product[:, :width] = np.eye(width)
    product[:, width] = x
    scale = sigma_w / np.sqrt(width * depth)
    for _ in range(depth):
        w = rng.standard_normal((width, width)) * scale
        z = w @ product
        h = z[:, width]
        d = 1 - np.tanh(h) ** 2
        product[:, :width] += d[:, None] * z[:, :width]
        product[:, width] += np.tanh(h)
    jac = product[:, :width]
    return np.linalg.eigvalsh(jac @ jac.T)


def run(ctx: Context) -> SectionResult:
    from isometry import theory

    width, depth = (256, 16) if ctx.quick else (1000, 64)
    sigma_w = theory.resnet_sigma_w("tanh", 1.0, depth=depth)
    ours = partial(
        isometry.resnet_jacobian_spectrum,
        width,
        depth,
        activation="tanh",
        weights="gaussian",
        sigma_w=sigma_w,
        seed=ctx.seed,
    )
    script = partial(resnet_numpy, width, depth, sigma_w, ctx.seed)
    k = ctx.k
    timed = race([Contender(ISO, ours, k), Contender(SCRIPT, script, k)])
    case = f"N={width} L={depth} tanh gaussian"
    result = SectionResult("r. ResNet Jacobian spectrum: tanh, Gaussian weights, c = 1")
    result.rows = rows_from_race("resnet", case, timed, {ISO: k, SCRIPT: k}, ISO)
    mine, theirs = timed[ISO][2], timed[SCRIPT][2]
    law = theory.resnet_density(mine.c)
    result.notes.append(
        f"KS to the universal law: isometry {law.ks_distance(mine.eigenvalues):.4f} (c = {mine.c:.4f}), numpy "
        f"script {law.ks_distance(theirs):.4f} (different draws; same model)"
    )
    return result
