"""``isometry reproduce``: run the papers' claims as figures and verdicts.

isometry reproduce --list
isometry reproduce psg17_relu_no_isometry saxe_mode_trajectories --out reproductions
isometry reproduce --all --scale quick            # every entry; exit status 1 if a verdict fails
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
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument(
        "--data-dir", default=None, help="where cifar-10-python.tar.gz lies (full scale)"
    )
    parser.add_argument(
        "--rerun", action="store_true", help="recompute entries that already have a report"
    )


def _load() -> str:
    try:
        return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    except OSError:
        return "load average unknown"


def run(args: argparse.Namespace) -> int:
    from isometry.experiments import list_reproductions, registry, reproduce
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
    failed = []
    for i, name in enumerate(names, 1):
        t0 = time.perf_counter()
        print(f"[{i}/{len(names)}] {name} ({args.scale}) ...", file=sys.stderr, flush=True)
        report = reproduce(
            name,
            scale=args.scale,
            out=out,
            device=args.device,
            data_dir=args.data_dir,
            rerun=args.rerun,
        )
        print(
            f"[{i}/{len(names)}] {name}: {report.verdict} ({time.perf_counter() - t0:.1f} s)",
            file=sys.stderr,
            flush=True,
        )
        print(f"{report.verdict}  {name}")
        print("    " + report.table_text().replace("\n", "\n    "))
        if not report.passed:
            failed.append(name)
    reports = [r for r in (load_report(out / n) for n in entries) if r is not None]
    wall = time.perf_counter() - started
    index = write_index(
        reports,
        out,
        title="isometry reproduce: the papers' claims, checked",
        header_notes=[
            (
                f"This run: {len(names)} entries at scale {args.scale} on {args.device}, "
                f"{wall:.0f} s wall time ({load_before} at the start, {_load()} at the end)."
            )
        ],
    )
    print(
        f"wrote {index}; {len(names) - len(failed)}/{len(names)} verdicts pass; {wall:.0f} s",
        file=sys.stderr,
    )
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
