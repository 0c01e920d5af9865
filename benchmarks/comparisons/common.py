"""What every comparison section shares: the race of contenders, the result types, the tables."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Timing:
    section: str
    case: str
    implementation: str
    first_s: float | None  # the warm-up call (None: warmed up at a smaller size, not timed)
    best_s: float
    k: int
    ratio: float | None = None  # implementation time / isometry time (isometry rows: 1)


@dataclass
class Context:
    """What a section may use: the parsed arguments and the shared settings."""

    args: argparse.Namespace
    quick: bool
    k: int
    seed: int
    threads: int
    torch: Any  # the torch module with its pool pinned, or None when it does not import


@dataclass
class SectionResult:
    title: str
    rows: list[Timing] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)  # extra preformatted tables, printed as is
    targets: list[str] = field(default_factory=list)  # one line per target: value, goal, verdict
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # anything else for the JSON report


def time_call(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


@dataclass
class Contender:
    name: str
    fn: Callable[[], Any]
    k: int
    time_first: bool = True  # False: the caller warmed it up some other way


def race(contenders: list[Contender]) -> dict[str, tuple[float | None, float, Any]]:
    """name -> (first-call seconds, best of k further calls, last result).

    The first call pays for page faults of fresh buffers, thread-pool start-up and lazy
    initialisation; it is reported but kept out of the best-of-k that the ratios use. The timed
    calls are interleaved (round r of every contender, then round r+1) so that a burst of load
    from other processes on a shared machine does not land on one contender only.
    """
    first = {c.name: time_call(c.fn)[0] if c.time_first else None for c in contenders}
    best = {c.name: float("inf") for c in contenders}
    last: dict[str, Any] = {}
    for rnd in range(max(c.k for c in contenders)):
        for c in contenders:
            if rnd < c.k:
                seconds, last[c.name] = time_call(c.fn)
                best[c.name] = min(best[c.name], seconds)
    return {c.name: (first[c.name], best[c.name], last[c.name]) for c in contenders}


def rows_from_race(
    section: str, case: str, timed: dict, ks: dict[str, int], reference: str
) -> list[Timing]:
    """Timing rows for one raced case, ratios relative to the ``reference`` implementation."""
    ref_best = timed[reference][1]
    return [
        Timing(section, case, name, timed[name][0], timed[name][1], k, timed[name][1] / ref_best)
        for name, k in ks.items()
    ]


def verdict(
    value: float, target: float, applies: bool, where: str, *, at_most: bool = False
) -> str:
    """'MET' / 'NOT MET' for a value against its target, or why the target does not apply."""
    if not applies:
        return f"n/a (the target is for {where})"
    ok = value <= target if at_most else value >= target
    return "MET" if ok else "NOT MET"


def format_table(header: list[str], body: list[list[str]], right: set[int] | None = None) -> str:
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    right = set(range(2, len(header))) if right is None else right

    def fmt(row: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))
        )

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(header), rule, *(fmt(r) for r in body)])


def timing_table(rows: list[Timing]) -> str:
    header = ["case", "implementation", "first [s]", "best [s]", "k", "time/isometry"]
    body = [
        [
            r.case,
            r.implementation,
            "-" if r.first_s is None else f"{r.first_s:.3f}",
            f"{r.best_s:.3f}",
            str(r.k),
            "-" if r.ratio is None else f"{r.ratio:.2f}x",
        ]
        for r in rows
    ]
    return format_table(header, body)
