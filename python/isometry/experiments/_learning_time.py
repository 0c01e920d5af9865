"""PSG17's learning time against depth, measured as the paper measures it and judged by a rule
fixed before the run.

The claim: for orthogonal tanh networks at criticality the learning time — SGD steps until a
fixed accuracy is reached — grows with depth roughly like √L, each depth trained at its own
best learning rate. The measurement here:

1. For every depth, the learning rates of a grid (factor-2 spacing) are scanned; each run stops
   at the target or at a cap, and the depth's rate is the one with the fewest median steps over
   the seeds (:func:`scan_rates`).
2. The exponent a of steps ∝ L^a is the least-squares slope of log(median steps) on log L at
   the chosen rates, with a percentile bootstrap interval over seeds (:func:`bootstrap_slopes`)
   and the per-seed slopes beside it.
3. The verdict rule (:func:`judge`) was written down before this protocol was first run:
   INCONCLUSIVE when the run cannot test the claim (a best-rate run misses the target, a best
   rate at the grid's edge, learning times too short for the evaluation interval, an interval
   too wide to tell L⁰ from √L from L¹); otherwise PASS when the interval reaches into
   [0.3, 0.7] and a power law describes the medians (R² ≥ 0.7), FAIL if not.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Judgement",
    "RateScan",
    "bootstrap_slopes",
    "judge",
    "power_law_fit",
    "scan_rates",
]


# -- the learning-rate scan --------------------------------------------------------------------


@dataclass
class RateScan:
    """Steps to the target per tried rate (one value per seed; inf: not reached within the run's
    cap) and the chosen rate. Rates the scan did not need to try are absent from ``times``."""

    times: dict[float, list[float]] = field(default_factory=dict)
    best: float | None = None

    def median(self, rate: float) -> float:
        return float(np.median(self.times[rate]))


def scan_rates(
    time_to_target: Callable[[float, int, int], float],
    rates: Sequence[float],
    seeds: int,
    budget: int,
    *,
    start: int,
    min_cap: int = 1,
) -> RateScan:
    """The rate of ``rates`` (ascending) with the fewest median steps to the target.

    ``time_to_target(rate, seed, cap)`` trains one run for at most ``cap`` steps and returns its
    steps to the target, or inf. The scan starts at ``rates[start]`` and walks along the grid
    until two rates in a row are slower than the best so far, then the other way from the start
    likewise — upwards first when the start reached the target, downwards first when it did not
    (its rate is then most likely beyond the stable range). The median time falls like 1/η below
    the best rate and rises, up to never reaching the target, above it: one minimum, which this
    walk finds. Once a best exists every run is capped at its median: a run that has not reached
    the target by then cannot make its rate the best, since the median of the seeds is exact
    whenever it lies at or below the cap. Ties go to the smaller rate. The best rate's runs that
    such a cap cut short are then run again with the whole ``budget``.
    """
    rates = list(rates)
    if sorted(rates) != rates or len(set(rates)) != len(rates):
        raise ValueError(f"learning rates must be strictly increasing, got {rates}")
    scan = RateScan()

    def better(rate: float) -> bool:
        if scan.best is None:
            return math.isfinite(scan.median(rate))
        m, b = scan.median(rate), scan.median(scan.best)
        return m < b or (m == b and rate < scan.best)

    def run(rate: float) -> bool:
        """Try ``rate``; True if it is slower than the best (or reaches nothing)."""
        if scan.best is None:
            cap = budget
        else:
            cap = max(min(budget, int(scan.median(scan.best))), min_cap)
        scan.times[rate] = [time_to_target(rate, s, cap) for s in range(seeds)]
        if better(rate):
            scan.best = rate
            return False
        return True

    up, down = range(start + 1, len(rates)), range(start - 1, -1, -1)
    slower_in_a_row = 1 if run(rates[start]) else 0
    for direction in (up, down) if scan.best is not None else (down, up):
        for i in direction:
            if slower_in_a_row == 2 and scan.best is not None:
                break
            slower_in_a_row = slower_in_a_row + 1 if run(rates[i]) else 0
        slower_in_a_row = 0 if scan.best == rates[start] else 1
    if scan.best is not None:
        scan.times[scan.best] = [
            t if math.isfinite(t) else time_to_target(scan.best, s, budget)
            for s, t in enumerate(scan.times[scan.best])
        ]
    return scan


# -- statistics --------------------------------------------------------------------------------


def power_law_fit(
    depths: Sequence[float], times: Sequence[float] | np.ndarray
) -> tuple[float, float, float]:
    """Least-squares line through (log L, log t): (exponent, prefactor, R²)."""
    x, y = np.log(np.asarray(depths, dtype=float)), np.log(np.asarray(times, dtype=float))
    if x.size < 3 or not np.all(np.isfinite(y)):
        raise ValueError("a power-law fit needs at least three depths with finite times")
    dx = x - x.mean()
    slope = float(np.dot(dx, y - y.mean()) / np.dot(dx, dx))
    intercept = float(y.mean() - slope * x.mean())
    residual = y - (intercept + slope * x)
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(residual**2)) / total if total > 0 else 0.0
    return slope, math.exp(intercept), r2


def bootstrap_slopes(
    depths: Sequence[float], times: np.ndarray, *, draws: int, seed: int
) -> np.ndarray:
    """Slopes of log(median) on log L for ``draws`` resamplings of the seeds.

    ``times`` is (depths, seeds); each depth's seeds are drawn with replacement independently
    (the networks of different depths are independent draws), the median taken per depth and
    the least-squares slope fitted — the sampling spread of the exponent from seed to seed. It
    leaves out the choice of the best rate on the same runs, so the interval is if anything
    too narrow: that makes the overlap test of :func:`judge` stricter and its precision rule
    more lenient."""
    t = np.asarray(times, dtype=float)
    if t.ndim != 2 or t.shape[0] != len(depths):
        raise ValueError(f"times must be (depths, seeds) = ({len(depths)}, n), got {t.shape}")
    rng = np.random.default_rng(seed)
    n_depths, n_seeds = t.shape
    pick = rng.integers(0, n_seeds, size=(draws, n_depths, n_seeds))
    resampled = np.take_along_axis(np.broadcast_to(t, (draws, n_depths, n_seeds)), pick, axis=2)
    y = np.log(np.median(resampled, axis=2))  # (draws, depths)
    x = np.log(np.asarray(depths, dtype=float))
    dx = x - x.mean()
    return (y - y.mean(axis=1, keepdims=True)) @ dx / np.dot(dx, dx)


# -- the verdict rule, fixed before the run ----------------------------------------------------

CLAIM_BAND = (0.3, 0.7)  # "roughly √L": exponents within 0.2 of ½
MIN_R2 = 0.7  # a power law must describe the medians, not merely a slope through scattered points
MAX_WIDTH = 0.5  # a wider 90 % interval cannot separate √L from L⁰ (flat) or L¹ (linear)
MIN_INTERVALS = 10  # learning times below 10 evaluation intervals are quantised too coarsely


@dataclass
class Judgement:
    """The checks of one run: each (quantity, passed, measured, rule) and, when the run cannot
    test the claim, the reasons (then the verdict is INCONCLUSIVE)."""

    regime: list[tuple[str, bool, str, str]]
    claim: list[tuple[str, bool, str, str]]

    @property
    def inconclusive(self) -> str:
        return "; ".join(f"{q}: {m}" for q, ok, m, _ in self.regime if not ok)


def judge(
    *,
    depths: Sequence[int],
    rates: Sequence[float],
    best: dict[int, float | None],
    steps_at_best: np.ndarray,
    budget: int,
    eval_every: int,
    exponent: float,
    interval: tuple[float, float],
    r2: float,
    level: float,
) -> Judgement:
    """Apply the rule stated in the module docstring (and the entry's notes) to one run."""
    lo, hi = interval
    reached = bool(np.all(np.isfinite(steps_at_best)) and np.all(steps_at_best <= budget))
    interior = [d for d in depths if (b := best[d]) is not None and rates[0] < b < rates[-1]]
    medians = np.median(steps_at_best, axis=1)
    shortest = float(np.min(medians))
    regime = [
        (
            "every run at the best rates reaches the target",
            reached,
            f"{int(np.sum(np.isfinite(steps_at_best) & (steps_at_best <= budget)))} of "
            f"{steps_at_best.size}",
            f"all seeds within the {budget}-step budget, else the learning time is unknown",
        ),
        (
            "best rate inside the grid at every depth",
            len(interior) == len(depths),
            ", ".join(f"L={d}: {'none' if best[d] is None else f'{best[d]:g}'}" for d in depths),
            f"neither end of [{rates[0]:g} … {rates[-1]:g}]: a best rate, not the grid's edge",
        ),
        (
            "learning times resolved by the evaluations",
            shortest >= MIN_INTERVALS * eval_every,
            f"shortest median {shortest:.0f} steps",
            f"≥ {MIN_INTERVALS} evaluation intervals ({MIN_INTERVALS * eval_every} steps), "
            "so the quantisation of first-passage times is below 10 %",
        ),
        (
            f"{level:.0%} interval of the exponent narrow enough",
            bool(math.isfinite(lo) and math.isfinite(hi) and hi - lo <= MAX_WIDTH),
            f"width {hi - lo:.2f}",
            f"≤ {MAX_WIDTH}: a wider interval cannot separate L⁰, √L and L¹",
        ),
    ]
    band_lo, band_hi = CLAIM_BAND
    claim = [
        (
            "exponent a of steps ∝ L^a (best rate per depth)",
            bool(hi >= band_lo and lo <= band_hi),
            f"{exponent:.2f}, {level:.0%} bootstrap interval [{lo:.2f}, {hi:.2f}]",
            f"pass if the interval overlaps [{band_lo}, {band_hi}] ('roughly √L')",
        ),
        (
            "power law describes the medians",
            bool(r2 >= MIN_R2),
            f"R² = {r2:.2f}",
            f"R² ≥ {MIN_R2} of the log-log least-squares line",
        ),
    ]
    return Judgement(regime, claim)


def rows_of(judgement: Judgement) -> list[Any]:
    """The judgement as report rows: the claim's rows, then the regime checks."""
    from isometry.experiments.report import Row

    rows = []
    for quantity, ok, measured, rule in judgement.claim:
        rows.append(
            Row.check(quantity, ok, measured=measured, paper="≈ 0.5 (roughly √L)", rule=rule)
        )
    for quantity, ok, measured, rule in judgement.regime:
        rows.append(
            Row.check(
                f"regime: {quantity}",
                ok,
                measured=measured,
                rule=rule + " (if not: INCONCLUSIVE)",
            )
        )
    return rows


def _json_steps(t: float) -> float | str:
    """A step count for report.json, which holds no infinities: 'not reached' instead."""
    return float(t) if math.isfinite(t) else "not reached"


# -- the entry ---------------------------------------------------------------------------------


def learning_time_vs_depth(ctx: Any) -> Any:
    """The reproduction ``psg17_learning_time_vs_depth`` (see the module docstring)."""
    from isometry.experiments._support import (
        COLORS,
        Outcome,
        pyplot,
        q_text,
        steps_to_target,
        training_data,
    )
    from isometry.experiments._training import steps_until_target
    from isometry.training import RunConfig

    p = ctx.params
    dataset, source = training_data(ctx)
    rates, depths, budget = list(p["learning_rates"]), list(p["depths"]), p["steps"]
    seeds, eval_every, level = p["seeds"], p["eval_every"], p["interval"]
    epoch_steps = len(dataset.x_train) // p["batch_size"]
    ctx.notes.append(
        f"Data: {source}. Orthogonal tanh on the critical line at q* = {p['q_star']:g}, width "
        f"{p['width']}, batch {p['batch_size']}, plain SGD, {seeds} seeds per (depth, rate). Learning "
        f"time = SGD steps until the test accuracy first reaches {p['target']:.0%} (evaluated every "
        f"{eval_every} steps; budget {budget} steps; one epoch = {epoch_steps} steps). As in the "
        f"paper each depth is trained at its own best rate: the rate of the grid "
        f"{', '.join(f'{r:g}' for r in rates)} (factor-2 steps) with the fewest median steps. The "
        "scan of a depth starts at the grid rate nearest the previous depth's best rate × "
        "L_previous/L (η* ∝ 1/L, the isometric networks' expectation; the first depth starts at "
        "the grid's middle) and walks along the grid until two rates in a row are slower than the "
        "best, then the other way; once a best exists each run stops at its median, which cannot "
        "change which rate is best (the start and the stops only save time: every depth's times "
        "against the rate had a single minimum)."
    )
    ctx.notes.append(
        "Verdict rule, fixed before this protocol was first run: the exponent a is the "
        "least-squares slope of log(median steps) on log L at the best rates, with a "
        f"{level:.0%} percentile bootstrap interval over seeds ({p['bootstrap']} draws). "
        "INCONCLUSIVE if a best-rate run misses the target, a best rate lies at an end of the "
        f"grid, the shortest median is under {MIN_INTERVALS} evaluation intervals, or the "
        f"interval is wider than {MAX_WIDTH}; otherwise PASS if the interval overlaps "
        f"[{CLAIM_BAND[0]}, {CLAIM_BAND[1]}] and R² ≥ {MIN_R2}, FAIL if not."
    )
    cache = ctx.out / "training" / "until_target"

    def time_to_target(depth: int, lr: float, seed: int, cap: int) -> float:
        config = RunConfig(
            dataset=dataset.name,
            width=p["width"],
            depth=depth,
            activation="tanh",
            init="orthogonal",
            optimizer="sgd",
            learning_rate=lr,
            seed=seed,
            q_star=p["q_star"],
            batch_size=p["batch_size"],
            steps=cap,
            eval_every=eval_every,
            device=ctx.device,
        )
        run = steps_until_target(config, dataset, p["target"], eval_every=eval_every, cache=cache)
        t = steps_to_target(run, p["target"], cap)
        return t if t <= cap else math.inf

    scans: dict[int, RateScan] = {}
    start = len(rates) // 2
    for k, depth in enumerate(depths):
        previous = scans[depths[k - 1]].best if k else None
        if previous is not None:  # the grid rate nearest previous × L_prev / L
            guess = math.log(previous * depths[k - 1] / depth)
            start = min(range(len(rates)), key=lambda i: abs(math.log(rates[i]) - guess))

        def at_depth(lr: float, seed: int, cap: int, d: int = depth) -> float:
            return time_to_target(d, lr, seed, cap)

        scans[depth] = scan = scan_rates(
            at_depth,
            rates,
            seeds,
            budget,
            start=start,
            min_cap=eval_every,
        )
        ctx.log(
            f"  {ctx.name}: L={depth}: best rate {scan.best}; median steps "
            + ", ".join(f"lr {lr:g}: {scan.median(lr):.0f}" for lr in sorted(scan.times))
        )
    best = {d: scans[d].best for d in depths}
    raw = np.array(
        [scans[d].times[b] if (b := best[d]) is not None else [math.inf] * seeds for d in depths]
    )  # (depths, seeds)
    steps = np.where(np.isfinite(raw), raw, 2.0 * budget)  # a miss drawn (and fitted) as 2 × budget
    medians = np.median(steps, axis=1)
    exponent, prefactor, r2 = power_law_fit(depths, medians)
    slopes = bootstrap_slopes(depths, steps, draws=p["bootstrap"], seed=0)
    tail = (1.0 - level) / 2.0
    interval = (float(np.quantile(slopes, tail)), float(np.quantile(slopes, 1.0 - tail)))
    per_seed = [power_law_fit(depths, steps[:, s])[0] for s in range(seeds)]
    judgement = judge(
        depths=depths,
        rates=rates,
        best=best,
        steps_at_best=raw,
        budget=budget,
        eval_every=eval_every,
        exponent=exponent,
        interval=interval,
        r2=r2,
        level=level,
    )
    ctx.inconclusive = judgement.inconclusive
    rows = rows_of(judgement)
    ctx.notes.append(
        f"Exponent per seed: {', '.join(f'{a:.2f}' for a in per_seed)}. Median learning time at "
        "the best rates: "
        + ", ".join(
            f"L={d}: {m:.0f} steps ({m / epoch_steps:.2f} epochs)" for d, m in zip(depths, medians)
        )
        + "."
    )

    plt = pyplot()
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(14, 4.2))
    for d, color in zip(depths, COLORS):
        tried = sorted(scans[d].times)
        med = np.array([scans[d].median(r) for r in tried])
        ok = np.isfinite(med)
        ax1.plot(np.array(tried)[ok], med[ok], "o-", color=color, ms=4, label=f"$L={d}$")
        if best[d] is not None:
            at_best = float(np.median(steps[depths.index(d)]))
            ax1.plot([best[d]], [at_best], "*", ms=12, color=color)
            # rates stopped at the best median: slower than it (drawn there, pointing up)
            ax1.plot(np.array(tried)[~ok], np.full((~ok).sum(), at_best), "^", color=color, ms=5)
    ax1.plot([], [], "^", color="0.4", ms=5, label="stopped: slower than the $\\star$")
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xlabel(r"learning rate $\eta$")
    ax1.set_ylabel(f"median SGD steps to {p['target']:.0%} test accuracy")
    ax1.set_title(r"rate scan per depth ($\star$: the best rate)")
    low, high = ax1.get_ylim()
    ax1.set_ylim(low, high * 3)  # room above the curves for the legend
    ax1.legend(ncol=3, loc="upper center")

    L = np.array(depths, dtype=float)
    for s in range(seeds):
        ax2.plot(
            L * np.exp(0.04 * (s - (seeds - 1) / 2)),
            steps[:, s],
            ".",
            color="0.6",
            ms=4,
            label="one seed at the best rate" if s == 0 else None,
        )
    ax2.plot(L, medians, "o", color=COLORS[0], label="median over seeds")
    ax2.plot(
        L,
        prefactor * L**exponent,
        color=COLORS[0],
        label=f"fit $\\propto L^{{{exponent:.2f}}}$, {level:.0%} interval "
        f"$[{interval[0]:.2f}, {interval[1]:.2f}]$, $R^2={r2:.2f}$",
    )
    c5 = math.exp(float(np.mean(np.log(medians) - 0.5 * np.log(L))))
    ax2.plot(L, c5 * L**0.5, "--", color="0.3", label=r"$\propto\sqrt{L}$ (the paper's claim)")
    ax2.set_xscale("log", base=2)
    ax2.set_yscale("log")
    ax2.set_xlabel("depth $L$")
    ax2.set_ylabel(f"SGD steps to {p['target']:.0%} test accuracy")
    ax2.set_title("learning time at the best rate per depth")
    ax2.legend(loc="upper left")
    ax2.set_ylim(top=float(np.max(steps)) * 4)  # room for the legend above the points

    chosen = [(d, best[d]) for d in depths if best[d] is not None]
    ax3.plot(
        [d for d, _ in chosen], [r for _, r in chosen], "s-", color=COLORS[1], label="best rate"
    )
    if chosen:
        d0, r0 = chosen[0]
        ax3.plot(L, r0 * d0 / L, ":", color="0.3", label=r"$\propto 1/L$ (reference)")
    for r in (rates[0], rates[-1]):
        ax3.axhline(r, color="0.75", lw=0.8)
    ax3.set_xscale("log", base=2)
    ax3.set_yscale("log")
    ax3.set_xlabel("depth $L$")
    ax3.set_ylabel(r"best learning rate $\eta^*$ (grey: ends of the grid)")
    ax3.set_title(r"best rate $\eta^*$ against depth")
    ax3.legend()
    fig.suptitle(
        f"Learning time against depth: orthogonal tanh at $q^*={q_text(p['q_star'])}$, SGD at the best "
        f"rate per depth ({dataset.name})"
    )
    fig.tight_layout()
    data = {
        "depths": depths,
        "learning_rates": rates,
        "median_steps": {
            str(d): {str(r): _json_steps(scans[d].median(r)) for r in sorted(scans[d].times)}
            for d in depths
        },
        "steps": {
            str(d): {
                str(r): [_json_steps(t) for t in scans[d].times[r]] for r in sorted(scans[d].times)
            }
            for d in depths
        },
        "best_rate": {str(d): best[d] for d in depths},
        "steps_at_best": steps.tolist(),
        "exponent": exponent,
        "interval": list(interval),
        "r2": r2,
        "exponent_per_seed": per_seed,
    }
    return Outcome(rows, fig, data)
