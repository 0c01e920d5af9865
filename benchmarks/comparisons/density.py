"""d. Theory density (tanh, orthogonal, L = 128, q* = 0.1, 2000 points) vs the SciPy anchor."""

from __future__ import annotations

from functools import partial

import numpy as np

import isometry
from comparisons.common import Contender, Context, SectionResult, race, rows_from_race, verdict
from comparisons.density_anchor import density_scipy

TARGET_RATIO = 30.0
TARGET_SECONDS = 0.1
ISO, ANCHOR = "isometry.theory.jacobian_density", "scipy.optimize.root per point"


def run(ctx: Context) -> SectionResult:
    from isometry import theory

    depth, q, points = (16, 0.1, 200) if ctx.quick else (128, 0.1, 2000)
    k = max(ctx.k, 5)
    mu1 = isometry._core.derivative_moment("tanh", q, 1)
    sigma_w = 1.0 / np.sqrt(mu1)  # the critical point with this q*
    sigma_b = float(np.sqrt(q - sigma_w**2 * isometry._core.second_moment("tanh", q)))
    compute = partial(
        theory.jacobian_density, "tanh", "orthogonal", depth, sigma_w, sigma_b, points=points
    )
    ours = compute()
    timed = race(
        [
            Contender(ISO, compute, k),
            Contender(ANCHOR, partial(density_scipy, ours.x, depth, sigma_w, q), 1),
        ]
    )
    case = f"L={depth} q*={q} {points} pts"
    result = SectionResult("d. Theory density: tanh, orthogonal, critical point with q*=0.1")
    result.rows = rows_from_race("density", case, timed, {ISO: k, ANCHOR: 1}, ISO)
    iso_best, ratio = timed[ISO][1], result.rows[1].ratio
    anchor = timed[ANCHOR][2]
    bulk = ours.density > 1e-3 * ours.density.max()
    relative = np.abs(anchor[bulk] - ours.density[bulk]) / ours.density[bulk]
    result.targets.append(
        f"d. {case}: isometry {iso_best * 1e3:.1f} ms (target < {TARGET_SECONDS * 1e3:.0f} ms: "
        + verdict(iso_best, TARGET_SECONDS, not ctx.quick, "L=128, 2000 points", at_most=True)
        + f"), speed-up vs scipy anchor {ratio:.1f}x (target >= {TARGET_RATIO:g}x: "
        + verdict(ratio, TARGET_RATIO, not ctx.quick, "L=128, 2000 points")
        + f"); densities in the bulk (> 1e-3 of the peak): median relative difference "
        f"{float(np.median(relative)):.1e}, {int(np.sum(relative > 1e-6))} of {int(bulk.sum())} points differ by > 1e-6"
    )
    return result
