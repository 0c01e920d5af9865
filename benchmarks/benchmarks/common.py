"""Helpers shared by the benchmark modules (thread pinning, fixed seeds)."""

from __future__ import annotations

import os

# Benchmarks are deliberate long runs: never refused by the run-time estimates (see
# isometry._internal.work), whatever their size.
os.environ.setdefault("ISOMETRY_MAX_SECONDS", "inf")

#: One seed for every benchmark, so timings compare the same draws across commits.
SEED = 20240607

#: Set to an integer to pin BLAS and OpenMP threads of every benchmark; unset leaves them alone.
THREADS_ENV = "ISOMETRY_BENCH_THREADS"

_limiter = None  # keeps the threadpoolctl context alive for the life of the benchmark process


def pin_threads() -> None:
    """Pin threads to $ISOMETRY_BENCH_THREADS, if set; call from every ``setup``.

    asv runs each benchmark in a fresh process, after the libraries were loaded, so environment
    variables such as OMP_NUM_THREADS are too late here: set the counts through the runtimes.
    isometry's own OpenBLAS copy (scipy-openblas32) is set directly; threadpoolctl, when
    installed, also covers numpy's OpenBLAS and the OpenMP runtime of the extension.
    """
    global _limiter
    value = os.environ.get(THREADS_ENV, "").strip()
    if not value:
        return
    threads = int(value)
    if threads < 1:
        raise ValueError(f"{THREADS_ENV} must be a positive integer, got {value!r}")

    from isometry import _core

    _core.blas_set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    if _limiter is None:
        _limiter = threadpool_limits(limits=threads)
