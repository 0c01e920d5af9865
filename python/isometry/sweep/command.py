"""``isometry sweep``: run a spec into a store, plan it (--dry-run), or plot a store.

    isometry sweep SPEC.toml --store DIR [--scheduler ADDRESS | --workers N] [--dry-run] [--retry-failed]
    isometry sweep plot --store DIR [--out FOLDER]

Imports nothing heavy at module level: the CLI builds its parser without Dask or pandas.
"""

from __future__ import annotations

import argparse
import sys

NAME = "sweep"
HELP = "Monte Carlo campaigns (grids x seeds vs theory) on Dask into a resumable Parquet store"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "spec",
        metavar="SPEC.toml",
        help="the sweep specification (TOML), or 'plot' to draw the figures of --store",
    )
    parser.add_argument(
        "--store", required=True, metavar="DIR", help="results store (created if missing)"
    )
    engine = parser.add_mutually_exclusive_group()
    engine.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="run on this Dask cluster (tcp://host:8786) instead of a local one",
    )
    engine.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="local worker processes (default: cores / blas_threads; 1 = in this process)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print task count, memory and time per task and in total, and what the store holds",
    )
    parser.add_argument(
        "--retry-failed", action="store_true", help="rerun tasks recorded as failed"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    parser.add_argument(
        "--out", metavar="FOLDER", default=None, help="plot: where the PNGs go (default DIR/plots)"
    )


def run(args: argparse.Namespace) -> int:
    if args.spec == "plot":
        from isometry.sweep.plots import plot_store

        for path in plot_store(args.store, args.out):
            print(f"wrote {path}", file=sys.stderr)
        return 0
    from pathlib import Path

    from isometry.sweep.spec import load_spec

    spec = load_spec(Path(args.spec))
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be a positive integer, got {args.workers}")
    if args.dry_run:
        from isometry.sweep.plan import describe

        print(describe(spec, args.store, args.workers))
        return 0
    from isometry.sweep import run as run_sweep

    report = run_sweep(
        spec,
        args.store,
        client=args.scheduler,
        workers=args.workers,
        progress=not args.no_progress,
        retry_failed=args.retry_failed,
    )
    print(
        f"{report.total} tasks: {report.already_done} already done, {report.ran} run now "
        f"({report.done} done, {report.failed} failed), {report.skipped_failed} failed earlier and skipped "
        f"(--retry-failed reruns them); {report.seconds:.1f} s; table {report.store / 'results.parquet'}"
    )
    return 0 if report.failed == 0 else 1
