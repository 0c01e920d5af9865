"""a. Haar orthogonal sampling: isometry.haar_orthogonal vs numpy (QR of a Gaussian matrix with the
sign fix), scipy.stats.ortho_group and torch.nn.init.orthogonal_ (when torch imports)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np

import isometry
from comparisons.common import Contender, Context, SectionResult, race, rows_from_race, verdict

TARGET = 1.3  # isometry vs the best peer at n = TARGET_N
TARGET_N = 4096
ISO = "isometry.haar_orthogonal"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(v) for v in s.split(",")],
        default=None,
        help="comma-separated Haar sizes (default 1024,2048,4096; 512 with --quick)",
    )


def haar_numpy(rng: np.random.Generator, n: int) -> np.ndarray:
    """Mezzadri's recipe: Q of a Gaussian matrix, columns flipped so that diag(R) > 0."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    q *= np.sign(np.diag(r))
    return q


def peers(torch) -> dict[str, Callable[[int, int], Any] | None]:
    """name -> fn(n, seed); None for a peer that is not installed."""
    try:
        from scipy.stats import ortho_group
    except ImportError:
        ortho_group = None

    def numpy_peer(n: int, seed: int) -> np.ndarray:
        return haar_numpy(np.random.default_rng(seed), n)

    def scipy_peer(n: int, seed: int) -> np.ndarray:
        return ortho_group.rvs(n, random_state=seed)

    def torch_peer(n: int, seed: int):
        torch.manual_seed(seed)
        return torch.nn.init.orthogonal_(torch.empty(n, n, dtype=torch.float64))

    return {
        "numpy qr + sign(diag R)": numpy_peer,
        "scipy.stats.ortho_group.rvs": scipy_peer if ortho_group is not None else None,
        "torch.nn.init.orthogonal_": torch_peer if torch is not None else None,
    }


def run(ctx: Context) -> SectionResult:
    sizes = ctx.args.sizes or ([512] if ctx.quick else [1024, 2048, 4096])
    result = SectionResult("a. Haar orthogonal sampling, float64 (n x n)")
    available = {}
    for name, fn in peers(ctx.torch).items():
        if fn is None:
            result.notes.append(f"a. {name}: skipped (not importable)")
        else:
            available[name] = fn
    for n in sizes:
        contenders = [Contender(ISO, lambda n=n: isometry.haar_orthogonal(n, seed=ctx.seed), ctx.k)]
        contenders += [
            Contender(name, lambda fn=fn, n=n: fn(n, ctx.seed), ctx.k)
            for name, fn in available.items()
        ]
        timed = race(contenders)
        rows = rows_from_race("haar", f"n={n}", timed, {c.name: c.k for c in contenders}, ISO)
        result.rows += rows
        peer_rows = [r for r in rows if r.implementation != ISO]
        if peer_rows:
            best = min(peer_rows, key=lambda r: r.best_s)
            result.targets.append(
                f"a. n={n}: speed-up vs best peer ({best.implementation}) {best.ratio:.2f}x"
                f" | target >= {TARGET:g}x at n={TARGET_N} vs the best peer: "
                + verdict(best.ratio, TARGET, n == TARGET_N and not ctx.quick, f"n={TARGET_N}")
            )
    return result
