"""f. Jacobian spectrum on the GPU against its GEMM-bound limit.

The limit, timed in the same run on the same device, same size and dtype: L matrix products
N x N times N x (N+1) (CuPy/cuBLAS) plus one symmetric eigensolve of an N x N matrix
(cupy.linalg.eigvalsh, cuSOLVER syevd). jacobian_spectrum(device="gpu") does strictly more:
the weights are drawn, orthogonal layers go through ormqr, J Jᵀ is formed by SYRK, and each
layer's N-vector takes a round trip to the host. Target at 8192 x 64: within 1.5x of the limit.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

import isometry
from comparisons.common import Contender, Context, SectionResult, race, rows_from_race, verdict
from comparisons.gpu_common import device_name, gpu_unavailable, skipped, synced

TITLE = "f. Jacobian spectrum on the GPU vs its GEMM-bound limit (tanh, eigh)"
TARGET = 1.5  # isometry time / limit time, at most
TARGET_SHAPE = (8192, 64)
SIGMA_W = 1.05
ISO = "isometry.jacobian_spectrum(device='gpu')"
LIMIT = "limit: L GEMMs + eigvalsh (cupy)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gpu-jacobian",
        type=lambda s: tuple(int(v) for v in s.lower().split("x")),
        default=None,
        metavar="WIDTHxDEPTH",
        help="GPU Jacobian shape (default 8192x64; 1024x8 with --quick)",
    )


class GemmBound:
    """L products and one eigensolve on buffers made once (untimed), as the limit."""

    def __init__(self, cupy: Any, width: int, depth: int, dtype: str, seed: int) -> None:
        rs = cupy.random.RandomState(seed)
        self.cupy, self.depth = cupy, depth
        self.a = rs.standard_normal((width, width), dtype=dtype) / np.sqrt(width)
        self.b = rs.standard_normal((width, width + 1), dtype=dtype)
        self.c = cupy.empty_like(self.b)
        g = rs.standard_normal((width, width), dtype=dtype)
        self.sym = (g + g.T) / 2

    def __call__(self) -> Any:
        for _ in range(self.depth):
            self.cupy.matmul(self.a, self.b, out=self.c)
        return self.cupy.linalg.eigvalsh(self.sym)


def run(ctx: Context) -> SectionResult:
    width, depth = ctx.args.gpu_jacobian or ((1024, 8) if ctx.quick else TARGET_SHAPE)
    reason = gpu_unavailable()
    if reason is not None:
        return skipped(
            TITLE,
            reason,
            [f"f. jacobian_spectrum{TARGET_SHAPE} within {TARGET:g}x of L GEMMs + eigensolve"],
        )
    import cupy

    result = SectionResult(f"{TITLE}, {device_name()}")
    q0 = isometry.default_q0("tanh", SIGMA_W, 0.0)
    for dtype in ("float32", "float64"):
        limit = GemmBound(cupy, width, depth, dtype, ctx.seed)
        for weights in ("orthogonal", "gaussian"):

            def ours(weights=weights, dtype=dtype):
                return isometry.jacobian_spectrum(
                    width,
                    depth,
                    activation="tanh",
                    weights=weights,
                    sigma_w=SIGMA_W,
                    q0=q0,
                    seed=ctx.seed,
                    dtype=dtype,
                    device="gpu",
                )

            contenders = [
                Contender(ISO, synced(ours), ctx.k),
                Contender(LIMIT, synced(limit), ctx.k),
            ]
            timed = race(contenders)
            case = f"{width}x{depth} {weights} {dtype}"
            rows = rows_from_race(
                "gpu_jacobian", case, timed, {c.name: c.k for c in contenders}, ISO
            )
            result.rows += rows
            # time/limit, the inverse of the row's ratio (limit time / isometry time).
            over = timed[ISO][1] / timed[LIMIT][1]
            result.targets.append(
                f"f. {case}: isometry / GEMM-bound limit {over:.2f}x | target <= {TARGET:g}x at "
                f"{TARGET_SHAPE[0]}x{TARGET_SHAPE[1]}: "
                + verdict(
                    over,
                    TARGET,
                    (width, depth) == TARGET_SHAPE and not ctx.quick,
                    f"{TARGET_SHAPE[0]}x{TARGET_SHAPE[1]}",
                    at_most=True,
                )
            )
        del limit
        cupy.get_default_memory_pool().free_all_blocks()
    return result
