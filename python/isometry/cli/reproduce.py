"""``isometry reproduce``: run the papers' claims as figures and verdicts.

isometry reproduce --list
isometry reproduce psg17_relu_no_isometry saxe_mode_trajectories --out reproductions
isometry reproduce --all --scale quick            # every entry; exit status 1 if a verdict fails
isometry reproduce --all --jobs 1                 # one entry at a time (default: one per CPU, ≤ 4)
isometry reproduce psg17_learning_speed --scale full --data-dir ~/data --device gpu
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

NAME = "reproduce"
HELP = "reproduce the papers' claims: a figure, a table and a verdict per claim (index.html)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="entries to run (see --list)")
    parser.add_argument(
        "--list", action="store_true", help="name every entry with its claim and costs"
    )
    parser.add_argument("--all", action="store_true", help="run every entry")
    parser.add_argument(
        "--scale",
        choices=("quick", "full"),
        default="quick",
        help="quick: 2 CPU cores, minutes in all; full: the papers' scale (see --list)",
    )
    parser.add_argument(
        "--out", default="reproductions", help="output folder (default: ./reproductions)"
    )
    parser.add_argument(
        "--device",
        choices=("cpu", "gpu"),
        default="cpu",
        help="where the Monte Carlo and training entries run",
    )
    parser.add_argument(
        "--data-dir", default=None, help="where cifar-10-python.tar.gz lies (full scale)"
    )
    parser.add_argument(
        "--rerun", action="store_true", help="recompute entries that already have a report"
    )
    parser.add_argument(
        "--known-failure",
        action="append",
        default=[],
        metavar="NAME",
        help="an entry whose FAIL is known and reported but does not set the exit status (as a "
        "strict xfail: if it passes instead, the exit status is 1, so the mark gets removed)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="entries run at once, each in its own process (default: the usable CPUs, at most 4, "
        "at the quick scale, whose entries use one thread each; 1 at the full scale)",
    )


def _load() -> str:
    try:
        return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    except OSError:
        return "load average unknown"


def _default_jobs(scale: str) -> int:
    if scale != "quick":
        return 1  # full-scale entries use every thread (or the GPU) themselves
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


def _one(name: str, options: dict) -> tuple[str, object, float]:
    """Run one entry (in a worker process when --jobs > 1); its report and wall seconds."""
    from isometry.experiments import reproduce

    t0 = time.perf_counter()
    return name, reproduce(name, **options), time.perf_counter() - t0


def run(args: argparse.Namespace) -> int:
    from isometry.experiments import list_reproductions, registry
    from isometry.experiments.report import load_report, write_index

    if args.list:
        for e in list_reproductions():
            print(
                f"{e['name']}\n    {e['paper']}\n    claim: {e['claim']}\n    quick: {e['quick']}\n"
                f"    full:  {e['full']}"
            )
        return 0
    entries = registry()
    names = list(entries) if args.all else args.names
    if not names:
        raise ValueError("name one or more entries, or give --all or --list")
    unknown = [n for n in names if n not in entries]
    if unknown:
        raise ValueError(
            f"unknown reproduction(s) {unknown}; `isometry reproduce --list` names them all"
        )
    out = Path(args.out)
    started = time.perf_counter()
    load_before = _load()
    jobs = _default_jobs(args.scale) if args.jobs is None else args.jobs
    if jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {jobs}")
    jobs = min(jobs, len(names))
    options = {
        "scale": args.scale,
        "out": out,
        "device": args.device,
        "data_dir": args.data_dir,
        "rerun": args.rerun,
    }
    failed = []

    def finished(i: int, name: str, report, seconds: float) -> None:
        print(
            f"[{i}/{len(names)}] {name}: {report.verdict} ({seconds:.1f} s)",
            file=sys.stderr,
            flush=True,
        )
        print(f"{report.verdict}  {name}")
        print("    " + report.table_text().replace("\n", "\n    "), flush=True)
        if not report.passed:
            failed.append(name)

    if jobs == 1:
        for i, name in enumerate(names, 1):
            print(f"[{i}/{len(names)}] {name} ({args.scale}) ...", file=sys.stderr, flush=True)
            finished(i, *_one(name, options))
    else:
        # Entries are independent (own seeds, own folder), so their numbers do not depend on
        # how many run at once. "spawn": fresh interpreters, no forked OpenMP/BLAS thread state.
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        print(f"running {len(names)} entries, {jobs} at a time", file=sys.stderr, flush=True)
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = [pool.submit(_one, name, options) for name in names]
            for i, future in enumerate(as_completed(futures), 1):
                finished(i, *future.result())
    reports = [r for r in (load_report(out / n) for n in entries) if r is not None]
    wall = time.perf_counter() - started
    index = write_index(
        reports,
        out,
        title="isometry reproduce: the papers' claims, checked",
        header_notes=[
            (
                f"This run: {len(names)} entries at scale {args.scale} on {args.device}, "
                f"{jobs} at a time, "
                f"{wall:.0f} s wall time ({load_before} at the start, {_load()} at the end)."
            )
        ],
    )
    print(
        f"wrote {index}; {len(names) - len(failed)}/{len(names)} verdicts pass or are inconclusive "
        f"at this scale; {wall:.0f} s",
        file=sys.stderr,
    )
    known = set(args.known_failure)
    unknown = sorted(known - set(names))
    if unknown:
        raise ValueError(f"--known-failure names entries that did not run: {', '.join(unknown)}")
    unexpected = [n for n in names if n in failed and n not in known]
    fixed = [n for n in names if n in known and n not in failed]
    for n in (n for n in names if n in known and n in failed):
        print(f"FAILED (known failure, reported): {n}", file=sys.stderr)
    if fixed:
        print(f"PASSED although marked --known-failure: {', '.join(fixed)}", file=sys.stderr)
    if unexpected:
        print(f"FAILED: {', '.join(unexpected)}", file=sys.stderr)
    return 1 if unexpected or fixed else 0
