"""Memory and time of one sweep task, estimated before it runs (for --dry-run and the memory check).

Memory uses the same workspace formulas the computations refuse work with. Time is a flop count
(the dominant products: one GEMM or Householder application per layer and the eigensolver for
dense spectra; 2L layer products per Lanczos step plus reorthogonalisation for matrix-free ones)
divided by a rate measured once on this machine with a small dense spectrum, so it is indicative
(a factor of ~2), which is what a plan needs.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

__all__ = ["calibrate", "flops", "memory_bytes", "seconds"]

_NORMAL = 20.0  # flops-equivalent of one Philox normal (Box–Muller, a few rounds)


def memory_bytes(params: dict[str, Any]) -> int:
    """Peak bytes of the task's computation (the estimate its function checks against)."""
    from isometry._internal.core import _core

    n, depth, kind = params["width"], params["depth"], params["kind"]
    if kind == "jacobian_spectral_density":
        from isometry.montecarlo.matfree import _choose_storage

        try:
            storage = _choose_storage(params["storage"], params["weights"], n, depth)
        except ValueError:
            storage = "dense"
        chunks = max(1, min(params["probe_chunks"], params["probes"]))
        probes = math.ceil(params["probes"] / chunks)
        block = 1 if params["weights"] == "structured_orthogonal" else probes
        return int(
            _core.matfree_bytes(
                n,
                depth,
                params["weights"],
                storage,
                probes,
                params["steps"],
                params["reorthogonalize"],
                block,
            )
        )
    itemsize = np.dtype(params["dtype"]).itemsize
    extra = ("resnet",) if kind == "resnet_jacobian_spectrum" else ()
    work = _core.jacobian_workspace_bytes(
        n, 1, params["weights"], params["method"], itemsize, *extra
    )
    return int(work + 8 * n * 64 * itemsize + 3 * n * 8)


def flops(params: dict[str, Any]) -> float:
    """Dominant floating-point work of the task (see the module docstring)."""
    n, depth, kind = float(params["width"]), params["depth"], params["kind"]
    if kind == "jacobian_spectral_density":
        weights, storage = params["weights"], params["storage"]
        probes, steps = params["probes"], params["steps"]
        if weights == "structured_orthogonal":
            product = 2.0 * params["structured_blocks"] * n * max(1.0, math.log2(n)) * probes
        elif weights == "gaussian" and storage == "onthefly":
            product = _NORMAL * n * n + 2.0 * n * n * probes  # one regeneration serves the block
        else:
            product = 2.0 * n * n * probes
        reorth = 4.0 * steps * n * probes if params["reorthogonalize"] else 0.0
        return (depth + 1) * product + steps * (2 * depth * product + reorth)
    layer = (4.0 if params["weights"] == "orthogonal" else 2.0) * n**3 + _NORMAL * n * n
    solver = (10.0 if params["method"] == "svd" else 5.0) * n**3
    scale = 0.5 if params["dtype"] == "float32" else 1.0
    return scale * (depth * layer + solver)


_RATE: list[float] = []


def calibrate() -> float:
    """Flops per second of a small dense spectrum on one core of this machine (measured once)."""
    if not _RATE:
        import isometry

        params = {
            "kind": "jacobian_spectrum",
            "width": 768,
            "depth": 8,
            "weights": "gaussian",
            "method": "eigh",
            "dtype": "float64",
        }
        from isometry.montecarlo._probe_chunks import blas_threads

        with blas_threads(1):  # as a worker with one BLAS thread runs it
            # The first call starts OpenBLAS and pages the code in: not part of the rate.
            isometry.jacobian_spectrum(256, 2, weights="gaussian", q0=1.0)
            start = time.perf_counter()
            isometry.jacobian_spectrum(768, 8, weights="gaussian", q0=1.0, seed=0)
            _RATE.append(flops(params) / max(time.perf_counter() - start, 1e-6))
    return _RATE[0]


def seconds(params: dict[str, Any], rate: float | None = None) -> float:
    """Estimated wall time of the task on one worker of this machine."""
    return flops(params) / (calibrate() if rate is None else rate)
