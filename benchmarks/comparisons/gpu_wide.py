"""g. The widest dense exact spectrum on the GPU: float32, width 32768, depth 16 (tanh,
orthogonal weights), one call, with its time and the device memory it needed. The target is
that it runs on an 80 GB H100; the eigenvalue statistics are printed as a sanity check."""

from __future__ import annotations

import argparse
import time

import isometry
from comparisons.common import Context, SectionResult, format_table, verdict
from comparisons.gpu_common import device_name, gpu_unavailable, skipped

TITLE = "g. Dense exact float32 spectrum at large width on the GPU"
TARGET_SHAPE = (32768, 16)
SIGMA_W = 1.05


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gpu-wide",
        type=lambda s: tuple(int(v) for v in s.lower().split("x")),
        default=None,
        metavar="WIDTHxDEPTH",
        help="shape of the wide GPU run (default 32768x16; 4096x4 with --quick)",
    )


def run(ctx: Context) -> SectionResult:
    width, depth = ctx.args.gpu_wide or ((4096, 4) if ctx.quick else TARGET_SHAPE)
    reason = gpu_unavailable()
    if reason is not None:
        return skipped(
            TITLE,
            reason,
            [f"g. float32 dense spectrum at {TARGET_SHAPE[0]}x{TARGET_SHAPE[1]} runs"],
        )
    from isometry._internal import gpu as _gpu

    result = SectionResult(f"{TITLE}, {device_name()}")
    cuda = _gpu.cuda_module()
    needed = cuda.jacobian_device_bytes(width, depth, "orthogonal", "eigh", 4)
    start = time.perf_counter()
    spectrum = isometry.jacobian_spectrum(
        width,
        depth,
        activation="tanh",
        weights="orthogonal",
        sigma_w=SIGMA_W,
        q0=isometry.default_q0("tanh", SIGMA_W, 0.0),
        seed=ctx.seed,
        dtype="float32",
        device="gpu",
        progress=True,
    )
    seconds = time.perf_counter() - start
    stats = spectrum.summary()
    result.tables.append(
        format_table(
            ["case", "seconds", "matrices [GiB]", "mean", "max", "var"],
            [
                [
                    f"{width}x{depth} float32",
                    f"{seconds:.1f}",
                    f"{needed / 2**30:.1f}",
                    f"{stats['mean']:.4f}",
                    f"{stats['max']:.4f}",
                    f"{stats['variance']:.4f}",
                ]
            ],
        )
    )
    result.data = {
        "width": width,
        "depth": depth,
        "seconds": seconds,
        "bytes": needed,
        "summary": stats,
    }
    result.targets.append(
        f"g. {width}x{depth} float32 dense spectrum: ran in {seconds:.1f} s | target: runs at "
        f"{TARGET_SHAPE[0]}x{TARGET_SHAPE[1]}: "
        + verdict(
            1.0,
            1.0,
            (width, depth) == TARGET_SHAPE and not ctx.quick,
            f"{TARGET_SHAPE[0]}x{TARGET_SHAPE[1]}",
        )
    )
    return result
