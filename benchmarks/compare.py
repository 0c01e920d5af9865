#!/usr/bin/env python
"""Head-to-head timings of isometry against the usual ways of doing the same thing.

    python benchmarks/compare.py                 # full sizes, a few minutes on 2 cores
    python benchmarks/compare.py --quick         # small sizes, a few seconds (CI smoke run)
    python benchmarks/compare.py --only density  # one section (comma-separated names)

Each section lives in ``benchmarks/comparisons/<name>.py`` and is listed in SECTIONS below; it
exposes ``run(ctx) -> SectionResult`` and, optionally, ``add_arguments(parser)``.

Everything runs in this one process with the same thread counts. Each implementation gets one
warm-up call (timed and reported as "first", not used in the ratios), then k timed calls; ratios
use the best of the k warm calls for everybody.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from dataclasses import asdict
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # for `comparisons`
os.environ.setdefault("ISOMETRY_MAX_SECONDS", "inf")  # deliberate long runs: no run-time refusal

import numpy as np  # noqa: E402
from comparisons.common import Context, SectionResult, timing_table  # noqa: E402

import isometry  # noqa: E402

#: Section modules, run in this order.
SECTIONS = [
    "haar",
    "jacobian",
    "density",
    "resnet",
    "eigensolver",
    "training",
    "matfree",
    "contention",
    "sweep",
    "gpu_haar",
    "gpu_jacobian",
    "gpu_wide",
    "gpu_matfree",
]  # gpu_*: skip without a GPU
THREAD_ENV_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def load_sections() -> dict[str, Any]:
    return {name: importlib.import_module(f"comparisons.{name}") for name in SECTIONS}


def parse_args(sections: dict[str, Any], argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--threads",
        type=int,
        default=len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        help="BLAS/OpenMP threads for every implementation (default: all usable cores)",
    )
    parser.add_argument("--k", type=int, default=3, help="timed warm calls per case (best of k)")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument(
        "--only", default=None, help=f"comma-separated sections of {','.join(SECTIONS)}"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the numbers as JSON")
    for module in sections.values():
        if hasattr(module, "add_arguments"):
            module.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.threads < 1 or args.k < 1:
        parser.error("--threads and --k must be positive")
    args.only = SECTIONS if args.only is None else args.only.split(",")
    unknown = sorted(set(args.only) - set(SECTIONS))
    if unknown:
        parser.error(
            f"--only: unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}"
        )
    return args


# --------------------------------------------------------------------------------------------
# Threads


def reexec_with_thread_env(threads: int) -> None:
    """Restart this script with the thread variables set, unless they already are.

    OpenBLAS (numpy's scipy-openblas64, scipy's and isometry's scipy-openblas32 copies) and
    libgomp read them once, when loaded, i.e. at the imports above; a fresh process is the one
    sure way to have every library start with the same count.
    """
    wanted = str(threads)
    if all(os.environ.get(var) == wanted for var in THREAD_ENV_VARS):
        return
    os.environ.update(dict.fromkeys(THREAD_ENV_VARS, wanted))
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, *sys.argv])


_THREADPOOL_LIMITS = None  # threadpoolctl's limits object; kept so the limits stay in force


def pin_threads(threads: int) -> dict[str, Any]:
    """Set every thread pool we can reach to `threads`; return what each one reports.

    Belt and braces after ``reexec_with_thread_env``: isometry's OpenBLAS is set explicitly, the
    other pools through threadpoolctl when it is installed; the report shows what took effect.
    """
    isometry._core.blas_set_num_threads(threads)
    info: dict[str, Any] = {
        "requested": threads,
        "isometry_openblas": isometry._core.blas_get_num_threads(),
    }
    try:
        import scipy.linalg  # noqa: F401  (load scipy's OpenBLAS now, so threadpoolctl sees it)
    except ImportError:
        pass
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        info["threadpoolctl"] = "not installed"
        return info
    global _THREADPOOL_LIMITS
    _THREADPOOL_LIMITS = threadpool_limits(limits=threads)
    info["pools"] = [
        f"{p['user_api']}:{os.path.basename(p['filepath'])}={p['num_threads']}"
        for p in threadpool_info()
    ]
    return info


def import_torch(threads: int):
    """torch, with its intra-op pool pinned, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


# --------------------------------------------------------------------------------------------
# Report


def main(args: argparse.Namespace, sections: dict[str, Any]) -> int:
    info = isometry.build_info()
    print("isometry build_info:")
    for key, value in info.items():
        print(f"  {key:<20} {value}")
    threads = pin_threads(args.threads)
    torch = import_torch(args.threads)
    print(f"threads: {threads}")
    print(
        f"numpy {np.__version__}, python {sys.version.split()[0]}, torch {'-' if torch is None else torch.__version__}"
    )
    load_start = os.getloadavg()
    print(
        f"load average at start: {load_start[0]:.2f} (other processes skew timings on a shared machine)"
    )
    print(
        f"k={args.k} (best of k warm calls after one warm-up call; ratios use the best)"
        + ("  [--quick: small sizes, targets not assessed]" if args.quick else "")
    )
    print()

    ctx = Context(
        args=args, quick=args.quick, k=args.k, seed=args.seed, threads=args.threads, torch=torch
    )
    results: dict[str, SectionResult] = {}
    for name in args.only:
        result = sections[name].run(ctx)
        results[name] = result
        print(result.title)
        if result.rows:
            print(timing_table(result.rows))
        for table in result.tables:
            print(table)
        print(flush=True)
    load_end = os.getloadavg()

    targets = [line for r in results.values() for line in r.targets]
    notes = [line for r in results.values() for line in r.notes]
    print("Targets")
    for line in targets:
        print("  " + line)
    print("Notes")
    for line in notes:
        print("  " + line)
    print(f"  load average at end: {load_end[0]:.2f}")

    if args.json:
        payload = {
            "build_info": info,
            "threads": threads,
            "args": {k: v for k, v in vars(args).items() if k != "json"},
            "load_average": {"start": load_start, "end": load_end},
            "timings": [asdict(row) for r in results.values() for row in r.rows],
            "data": {name: r.data for name, r in results.items()},
            "targets": targets,
            "notes": notes,
        }
        with open(args.json, "w") as fh:
            json.dump(payload, fh, indent=2, default=str)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    _sections = load_sections()
    _args = parse_args(_sections)
    reexec_with_thread_env(_args.threads)
    sys.exit(main(_args, _sections))
