"""The sweep's task functions: one network, its spectrum, and its distance to the theory.

``run_task(params)`` is a pure function of its parameters (every random number comes from Philox
streams keyed by the seed, and the BLAS thread count is fixed by ``params["blas_threads"]``), so
it returns the same numbers on any worker, in any order. It never raises for a bad task: invalid
parameters, a memory estimate above the worker's limit, an overflow or a solver failure come back
as ``status = "failed"`` with the message, and the sweep goes on.

Each result is ``{"row": {...}, "arrays": {...}}``: the row holds flat scalars (parameters, what
was used, summary numbers, theory comparisons, timings, host and thread counts), the arrays the
eigenvalues (or the matrix-free density with its error and quadrature) and q^l beside its
mean-field prediction.
"""

from __future__ import annotations

import functools
import math
import os
import socket
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from isometry._internal.work import default_limit
from isometry.sweep.compare import empirical_cdf, moments, relative_error, wasserstein_log10

__all__ = ["run_task"]

NAN = float("nan")


@functools.lru_cache(maxsize=64)
def _mlp_law(
    activation: str, weights: str, depth: int, sigma_w: float, sigma_b: float
) -> tuple[Any, np.ndarray]:
    """The large-width law and m₁..m₄ of an MLP configuration; cached, as every seed shares them."""
    from isometry import theory

    law = theory.jacobian_density(activation, weights, depth, sigma_w, sigma_b)
    return law, theory.jacobian_moments(activation, weights, depth, sigma_w, sigma_b).moments


@functools.lru_cache(maxsize=64)
def _resnet_law(c: float) -> tuple[Any, np.ndarray, float]:
    from isometry import theory

    return theory.resnet_density(c), theory.resnet_moments(c), theory.resnet_edges(c)[1]


def _worker() -> Any:
    """The Dask worker running this task, or None in a plain process."""
    try:
        from distributed import get_worker
    except ImportError:
        return None
    try:
        return get_worker()
    except ValueError:
        return None


def _check_worker_memory(params: dict[str, Any], worker: Any) -> None:
    from isometry.sweep.estimate import memory_bytes

    limit = (
        getattr(getattr(worker, "memory_manager", None), "memory_limit", None) if worker else None
    )
    needed = memory_bytes(params)
    if limit and needed > limit:
        raise MemoryError(
            f"the task needs about {needed / 2**30:.2f} GiB but a worker may use "
            f"{limit / 2**30:.2f} GiB (memory_limit); reduce width or give workers more memory"
        )


def _moment_columns(measured: np.ndarray, predicted: np.ndarray | None) -> dict[str, float]:
    row = {}
    for k in range(4):
        row[f"m{k + 1}"] = float(measured[k])
        p = float(predicted[k]) if predicted is not None else NAN
        row[f"theory_m{k + 1}"] = p
        row[f"m{k + 1}_rel_error"] = relative_error(row[f"m{k + 1}"], p)
    return row


def _q_columns(q: np.ndarray, q_theory: np.ndarray | None) -> dict[str, float]:
    if q_theory is None:
        return {"q_last": float(q[-1]), "theory_q_last": NAN, "q_max_rel_error": NAN}
    return {
        "q_last": float(q[-1]),
        "theory_q_last": float(q_theory[-1]),
        "q_max_rel_error": float(np.max(np.abs(q / q_theory - 1.0))),
    }


def _spectrum_comparison(
    eigenvalues: np.ndarray,
    floor: float,
    law: Any,
    predicted_moments: np.ndarray | None,
    predicted_top: float,
) -> dict[str, float]:
    top = float(eigenvalues[-1])
    row: dict[str, float] = {
        "lambda_max": top,
        "lambda_min": float(eigenvalues[0]),
        "theory_lambda_max": predicted_top,
        "lambda_max_rel_error": relative_error(top, predicted_top),
        "resolution": floor,
    }
    if law is None:
        row.update(ks=NAN, w1_log10=NAN)
    else:
        row["ks"] = float(law.ks_distance(eigenvalues, floor))
        hi = max(top, float(law.lambda_max) if np.isfinite(law.lambda_max) else top)
        row["w1_log10"] = wasserstein_log10(empirical_cdf(eigenvalues), law.cdf, floor, hi)
    row.update(_moment_columns(moments(eigenvalues), predicted_moments))
    return row


def _dense(params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    import isometry
    from isometry import ConvergenceError, theory
    from isometry.montecarlo.theory_comparison import resolution_floor

    sigma_w, sigma_b = params["sigma_w"], params["sigma_b"]
    if params["q_star"] is not None:
        sigma_w, sigma_b = theory.critical_point(params["activation"], params["q_star"])
    r = isometry.jacobian_spectrum(
        params["width"],
        params["depth"],
        activation=params["activation"],
        weights=params["weights"],
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        q0=params["q0"],
        seed=params["seed"],
        dtype=params["dtype"],
        method=params["method"],
    )
    row: dict[str, Any] = {
        "sigma_w_used": r.sigma_w,
        "sigma_b_used": r.sigma_b,
        "q0_used": r.q0,
        "compute_seconds": r.seconds,
        "theory": "",
    }
    law, predicted, top = None, None, NAN
    # The large-width law describes networks started at the fixed point q* (the default q0).
    if params["q0"] is None:
        try:
            law, predicted = _mlp_law(r.activation, r.weights, r.depth, r.sigma_w, r.sigma_b)
            top = float(law.lambda_max)
        except (ValueError, ConvergenceError) as exc:
            row["theory"] = f"no large-width law: {exc}"
    else:
        row["theory"] = "q0 given: the large-width law holds at q0 = q*"
    row.update(_spectrum_comparison(r.eigenvalues, resolution_floor(r), law, predicted, top))
    q_theory = theory.length_trajectory(r.activation, r.sigma_w, r.sigma_b, r.q0, r.depth)
    row.update(_q_columns(r.q, q_theory))
    row["zero_derivatives"] = r.zero_derivatives
    return row, {"eigenvalues": r.eigenvalues, "q": r.q, "q_theory": q_theory}


def _resnet(params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    import isometry
    from isometry import ConvergenceError, theory

    sigma_w = params["sigma_w"]
    if params["c"] is not None:
        sigma_w = theory.resnet_sigma_w(
            params["activation"],
            params["c"],
            params["sigma_b"],
            depth=params["depth"],
            residual_scale=params["residual_scale"],
            input_variance=params["input_variance"],
        )
    r = isometry.resnet_jacobian_spectrum(
        params["width"],
        params["depth"],
        activation=params["activation"],
        weights=params["weights"],
        sigma_w=sigma_w,
        sigma_b=params["sigma_b"],
        residual_scale=params["residual_scale"],
        input_variance=params["input_variance"],
        seed=params["seed"],
        dtype=params["dtype"],
        method=params["method"],
    )
    mean_field = theory.resnet_parameter(
        r.activation,
        r.sigma_w,
        r.sigma_b,
        depth=r.depth,
        residual_scale=r.residual_scale,
        input_variance=r.input_variance,
    )
    row: dict[str, Any] = {
        "sigma_w_used": r.sigma_w,
        "sigma_b_used": r.sigma_b,
        "c_measured": r.c,
        "c_theory": mean_field.c,
        "compute_seconds": r.seconds,
        "theory": "",
    }
    law, predicted, top = None, None, NAN
    try:  # the universal law at the mean-field c
        law, predicted, top = _resnet_law(mean_field.c)
    except (ValueError, ConvergenceError) as exc:
        row["theory"] = f"no large-width law: {exc}"
    eps = float(np.finfo(r.dtype).eps)
    floor = 100 * float(r.eigenvalues[-1]) * (eps**2 if r.method == "svd" else eps)
    row.update(_spectrum_comparison(r.eigenvalues, floor, law, predicted, top))
    row.update(_q_columns(r.q, mean_field.q))
    row["zero_derivatives"] = r.zero_derivatives
    return row, {"eigenvalues": r.eigenvalues, "q": r.q, "q_theory": mean_field.q, "c2": r.c2}


def _matfree(params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    import isometry
    from isometry import ConvergenceError, theory

    sigma_w, sigma_b = params["sigma_w"], params["sigma_b"]
    if params["q_star"] is not None:
        sigma_w, sigma_b = theory.critical_point(params["activation"], params["q_star"])
    kwargs = {"sigma_w": sigma_w, "sigma_b": sigma_b}
    for name in (
        "activation",
        "weights",
        "q0",
        "seed",
        "probes",
        "steps",
        "probe",
        "storage",
        "structured_blocks",
        "reorthogonalize",
        "rule",
    ):
        kwargs[name] = params[name]
    chunks = min(params["probe_chunks"], params["probes"])
    if chunks > 1 and _worker() is not None:
        from distributed import worker_client

        with worker_client() as client:  # the probes of this one network over the cluster
            r = isometry.jacobian_spectral_density(
                params["width"], params["depth"], client=client, probe_chunks=chunks, **kwargs
            )
    else:
        r = isometry.jacobian_spectral_density(params["width"], params["depth"], **kwargs)
    row: dict[str, Any] = {
        "sigma_w_used": r.sigma_w,
        "sigma_b_used": r.sigma_b,
        "q0_used": r.q0,
        "storage_used": r.storage,
        "compute_seconds": r.seconds,
        "theory": "",
        "resolved_from": r.resolved_from,
        "mass_at_zero": r.mass_at_zero,
    }
    top = float(
        np.max(r.nodes[r.quadrature_weights > 0])
    )  # the largest Ritz value converges to λ_max first
    row.update(
        lambda_max=top, theory_lambda_max=NAN, lambda_max_rel_error=NAN, ks=NAN, w1_log10=NAN
    )
    predicted = None
    if params["q0"] is None:
        theory_weights = "gaussian" if r.weights == "gaussian" else "orthogonal"
        try:
            law, predicted = _mlp_law(r.activation, theory_weights, r.depth, r.sigma_w, r.sigma_b)
            row.update(
                theory_lambda_max=float(law.lambda_max),
                ks=r.ks_distance(law),
                w1_log10=r.wasserstein_log10(law),
                lambda_max_rel_error=relative_error(top, float(law.lambda_max)),
            )
        except (ValueError, ConvergenceError) as exc:
            row["theory"] = f"no large-width law: {exc}"
    else:
        row["theory"] = "q0 given: the large-width law holds at q0 = q*"
    row.update(_moment_columns(r.moments, predicted))
    for k in range(4):
        row[f"m{k + 1}_error"] = float(r.moment_errors[k])
    q_theory = theory.length_trajectory(r.activation, r.sigma_w, r.sigma_b, r.q0, r.depth)
    row.update(_q_columns(r.q, q_theory))
    row["zero_derivatives"] = r.zero_derivatives
    arrays = {
        "x": r.x,
        "density": r.density,
        "density_error": r.density_error,
        "nodes": r.nodes,
        "quadrature_weights": r.quadrature_weights,
        "moments": r.moments,
        "moment_errors": r.moment_errors,
        "q": r.q,
        "q_theory": q_theory,
    }
    return row, arrays


_KINDS: dict[str, Callable[[dict[str, Any]], tuple[dict[str, Any], dict[str, np.ndarray]]]] = {
    "jacobian_spectrum": _dense,
    "resnet_jacobian_spectrum": _resnet,
    "jacobian_spectral_density": _matfree,
}


def _environment(worker: Any) -> dict[str, Any]:
    import isometry
    from isometry._internal.core import _core

    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "worker": str(getattr(worker, "address", "")) if worker else "in-process",
        "omp_threads": int(_core.build_info()["openmp_max_threads"]),
        "blas_threads_used": int(_core.blas_get_num_threads()),
        "version": isometry.__version__,
    }


def run_task(params: dict[str, Any]) -> dict[str, Any]:
    """Run one task; never raises for a task that cannot be computed (see the module docstring)."""
    from isometry.montecarlo._probe_chunks import blas_threads
    from isometry.sweep.spec import NUMERICS_VERSION, task_key

    start = time.perf_counter()
    worker = _worker()
    row: dict[str, Any] = {"key": task_key(params), **params, "status": "done", "error": ""}
    arrays: dict[str, np.ndarray] = {}
    try:
        _check_worker_memory(params, worker)
        # A campaign is a deliberate long run whose time per task --dry-run has shown: the
        # ten-minute default of the work estimates does not apply ($ISOMETRY_MAX_SECONDS does).
        with blas_threads(params["blas_threads"]), default_limit(math.inf):
            env = _environment(worker)
            measured, arrays = _KINDS[params["kind"]](params)
        row.update(measured)
    except Exception as exc:  # noqa: BLE001 - every failure of a task is data, reported with its message
        env = _environment(worker)
        row.update(status="failed", error=f"{type(exc).__name__}: {exc}")
        arrays = {}
    row.update(env)
    row.update(
        numerics_version=NUMERICS_VERSION, seconds=time.perf_counter() - start, finished=time.time()
    )
    # "Not given" (None: q0 = q*, σ from q*, ...) is NaN in the table, so every column keeps one type.
    row = {key: NAN if value is None else value for key, value in row.items()}
    return {"row": row, "arrays": arrays}
