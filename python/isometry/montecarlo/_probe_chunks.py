"""Stochastic Lanczos probes split over Dask workers, merged into one single-process result.

Each probe's start vector is a pure function of (seed, stream ``lanczos_probe``, probe index) and
the network of (seed, its streams), so a worker that runs probes ``first .. first + count - 1``
(``first_probe`` of the core) produces exactly those rows of the all-probes result: dot products
are summed in a fixed order whatever the block or thread count. Only OpenBLAS's own thread count
changes bits (its GEMM blocking), so every chunk runs at the caller's BLAS thread count.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np

from isometry._internal import memory as _memory
from isometry._internal.core import _core

__all__ = ["blas_threads", "distributed_quadrature", "probe_chunk", "split_probes"]


@contextlib.contextmanager
def blas_threads(count: int) -> Iterator[None]:
    """OpenBLAS at ``count`` threads for the block, then back to what it was."""
    before = int(_core.blas_get_num_threads())
    _core.blas_set_num_threads(int(count))
    try:
        yield
    finally:
        _core.blas_set_num_threads(before)


def split_probes(probes: int, chunks: int) -> list[tuple[int, int]]:
    """(first, count) of ``chunks`` near-equal consecutive runs covering 0 .. probes - 1."""
    chunks = max(1, min(chunks, probes))
    bounds = np.linspace(0, probes, chunks + 1).round().astype(int)
    return [(int(a), int(b - a)) for a, b in itertools.pairwise(bounds) if b > a]


def probe_chunk(arguments: dict[str, Any], first: int, count: int, blas: int) -> dict[str, Any]:
    """The core quadrature of probes first .. first + count - 1 (run on a worker)."""
    block = 1 if arguments["weights"] == "structured_orthogonal" else count
    needed = _core.matfree_bytes(
        arguments["width"],
        arguments["depth"],
        arguments["weights"],
        arguments["storage"],
        count,
        arguments["steps"],
        arguments["reorthogonalize"],
        block,
    )
    _memory.require(
        f"probes {first}..{first + count - 1} of jacobian_spectral_density(width={arguments['width']}, "
        f"depth={arguments['depth']})",
        int(needed),
    )
    with blas_threads(blas):
        raw = _core.matfree_quadrature(probes=count, block=block, first_probe=first, **arguments)
    return dict(raw)


def distributed_quadrature(
    client: Any, chunks: int | None, arguments: dict[str, Any], probes: int, callback: Any = None
) -> dict[str, Any]:
    """The all-probes result of ``_core.matfree_quadrature``, computed in chunks on ``client``."""
    from distributed import as_completed

    if chunks is None:
        chunks = max(1, len(client.scheduler_info().get("workers", {})))
    parts = split_probes(probes, chunks)
    blas = int(_core.blas_get_num_threads())
    futures = {
        client.submit(probe_chunk, arguments, first, count, blas, pure=False): first
        for first, count in parts
    }
    results: dict[int, dict[str, Any]] = {}
    for done, future in enumerate(as_completed(futures), start=1):
        results[futures[future]] = future.result()
        if callback is not None:
            callback(done, len(parts))
    ordered = [results[first] for first, _ in parts]
    merged = {
        key: np.concatenate([r[key] for r in ordered], axis=0)
        for key in ("nodes", "weights", "alpha", "beta", "steps_taken")
    }
    # The network (hence q^l and the zero derivatives) is the same in every chunk.
    merged["q"] = ordered[0]["q"]
    merged["zero_derivatives"] = ordered[0]["zero_derivatives"]
    return merged
