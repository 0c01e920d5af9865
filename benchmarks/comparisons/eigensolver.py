"""e. The eigensolver step on one thread (the default: the same bits for any thread count) against
OpenBLAS's pool (``set_thread_adaptation("all")``): what the default's reproducibility costs.

Each case is ``jacobian_spectrum(width, 1, ...)``: one layer, so the time is mostly the Gram
matrix (or nothing, for svd) and the eigensolver. Both contenders draw the same network."""

from __future__ import annotations

from functools import partial

import isometry
from comparisons.common import Contender, Context, SectionResult, race, rows_from_race
from comparisons.contention import with_adaptation

ONE, POOL = "eigensolver on 1 thread (default)", "eigensolver on OpenBLAS's pool ('all')"


def run(ctx: Context) -> SectionResult:
    cases = (
        [(256, "eigh"), (256, "svd")]
        if ctx.quick
        else [(2048, "eigh"), (2048, "svd"), (4096, "eigh")]
    )
    result = SectionResult("e. Eigensolver threads: jacobian_spectrum(width, 1), orthogonal tanh")
    for width, method in cases:

        def spectrum(width: int = width, method: str = method) -> object:
            return isometry.jacobian_spectrum(width, 1, method=method, seed=ctx.seed)

        timed = race(
            [
                Contender(ONE, partial(with_adaptation, "openmp", spectrum), ctx.k),
                Contender(POOL, partial(with_adaptation, "all", spectrum), ctx.k),
            ]
        )
        case = f"{width} {method}"
        result.rows += rows_from_race("eigensolver", case, timed, {ONE: ctx.k, POOL: ctx.k}, ONE)
    result.notes.append(
        "e. time/isometry < 1 for the pool: the default gives up that much speed for eigenvalues "
        "that are the same bits for any thread count and load"
    )
    return result
