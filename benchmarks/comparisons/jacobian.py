"""b./c. Jacobian spectrum of a deep tanh network: isometry.jacobian_spectrum vs a plain numpy
script with the same conventions, and a sanity check of the two spectra's statistics."""

from __future__ import annotations

import argparse
from functools import partial
from typing import Any

import numpy as np

import isometry
from comparisons.common import (
    Contender,
    Context,
    SectionResult,
    format_table,
    race,
    rows_from_race,
    verdict,
)
from comparisons.haar import haar_numpy

ACTIVATION = "tanh"
SIGMA_W = 1.05
SIGMA_B = 0.0
TARGET = 2.0  # isometry vs the numpy script at TARGET_SHAPE, orthogonal weights
TARGET_SHAPE = (2048, 32)
ISO, SCRIPT = "isometry.jacobian_spectrum", "numpy script"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jacobian",
        type=lambda s: tuple(int(v) for v in s.lower().split("x")),
        default=None,
        metavar="WIDTHxDEPTH",
        help="Jacobian network shape (default 2048x32; 512x8 with --quick)",
    )
    parser.add_argument(
        "--k-script",
        type=int,
        default=None,
        help="timed calls of the numpy Jacobian script (default: 1 at full size, k with --quick)",
    )


def jacobian_numpy(width: int, depth: int, weights: str, q0: float, seed: int) -> np.ndarray:
    """Eigenvalues of J Jᵀ, ascending, with isometry's conventions in plain numpy.

    W_l = σ_w Q_l (Q Haar) or N(0, σ_w²/N) entries; b_l ~ N(0, σ_b²); h_l = W_l x_{l-1} + b_l;
    x_l = tanh(h_l); J = D_L W_L ··· D_1 W_1 with D_l = diag(tanh'(h_l)) applied as a row scaling;
    x_0 scaled so that σ_w² |x_0|²/N + σ_b² = q0.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(width)
    x *= np.sqrt(width * (q0 - SIGMA_B**2)) / (SIGMA_W * np.linalg.norm(x))
    jac = np.empty((width, width))
    buf = np.empty((width, width))  # reused so the loop does not allocate N² per layer
    for layer in range(depth):
        if weights == "orthogonal":
            w = haar_numpy(rng, width)
            w *= SIGMA_W
        else:
            w = rng.standard_normal((width, width))
            w *= SIGMA_W / np.sqrt(width)
        b = SIGMA_B * rng.standard_normal(width)
        x = np.tanh(w @ x + b)
        d = (1.0 - x * x)[:, None]  # tanh'(h) = 1 - tanh(h)²
        if layer == 0:
            np.multiply(d, w, out=jac)
        else:
            np.matmul(w, jac, out=buf)
            buf *= d
            jac, buf = buf, jac
    return np.linalg.eigvalsh(jac @ jac.T)


def jacobian_isometry(width: int, depth: int, weights: str, seed: int) -> np.ndarray:
    spectrum = isometry.jacobian_spectrum(
        width,
        depth,
        activation=ACTIVATION,
        weights=weights,
        sigma_w=SIGMA_W,
        sigma_b=SIGMA_B,
        seed=seed,
    )
    return spectrum.eigenvalues


def spectrum_stats(eigenvalues: np.ndarray) -> dict[str, float]:
    mean = float(eigenvalues.mean())
    return {"mean": mean, "var/mean^2": float(eigenvalues.var()) / mean**2}


def sanity_table(sanity: list[dict[str, Any]]) -> str:
    header = ["case", "implementation", "mean", "var/mean^2"]
    body = [
        [s["case"], impl, f"{s[impl]['mean']:.4f}", f"{s[impl]['var/mean^2']:.4f}"]
        for s in sanity
        for impl in (ISO, SCRIPT)
    ]
    return format_table(header, body)


def run(ctx: Context) -> SectionResult:
    shape = ctx.args.jacobian or ((512, 8) if ctx.quick else TARGET_SHAPE)
    k_script = ctx.args.k_script or (ctx.k if ctx.quick else 1)
    width, depth = shape
    result = SectionResult(
        f"b. Jacobian spectrum: {ACTIVATION}, sigma_w={SIGMA_W}, sigma_b={SIGMA_B}, float64, eigh of J J^T"
    )
    q0 = isometry.default_q0(ACTIVATION, SIGMA_W, SIGMA_B)
    # The script is warmed up on a tiny network (same code paths, thread pools started), not at
    # full size: one full-size run of it costs ~40 s at 2048x32.
    result.notes.append(
        f"b. numpy script: warmed up at 64x2 (first not timed at full size), best of k={k_script}"
    )
    sanity: list[dict[str, Any]] = []
    for weights in ("orthogonal", "gaussian"):
        jacobian_numpy(64, 2, weights, q0, ctx.seed)  # the script's warm-up
        timed = race(
            [
                Contender(ISO, partial(jacobian_isometry, width, depth, weights, ctx.seed), ctx.k),
                Contender(
                    SCRIPT,
                    partial(jacobian_numpy, width, depth, weights, q0, ctx.seed),
                    k_script,
                    time_first=False,
                ),
            ]
        )
        case = f"{width}x{depth} {weights}"
        rows = rows_from_race("jacobian", case, timed, {ISO: ctx.k, SCRIPT: k_script}, ISO)
        result.rows += rows
        ratio = rows[1].ratio
        # The target is for orthogonal weights, where the numpy script spends ~80% in QR; with
        # Gaussian weights both sides are L GEMMs and the ratio is reported only.
        applies = shape == TARGET_SHAPE and weights == "orthogonal" and not ctx.quick
        result.targets.append(
            f"b. {case}: speed-up vs numpy script {ratio:.2f}x | target >= {TARGET:g}x vs numpy script: "
            + verdict(ratio, TARGET, applies, f"{TARGET_SHAPE[0]}x{TARGET_SHAPE[1]} orthogonal")
        )
        sanity.append(
            {
                "case": case,
                ISO: spectrum_stats(timed[ISO][2]),
                SCRIPT: spectrum_stats(timed[SCRIPT][2]),
            }
        )
    result.tables.append(
        "c. Sanity (different random draws: should agree roughly, not exactly)\n"
        + sanity_table(sanity)
    )
    result.data["sanity"] = sanity
    return result
