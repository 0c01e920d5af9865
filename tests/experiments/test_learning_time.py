"""The learning-time-vs-depth entry's machinery without training: the learning-rate scan against a
brute-force search, the power-law fit and bootstrap against closed forms, and the verdict rule
on hand-made cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isometry.experiments._learning_time import (
    CLAIM_BAND,
    MAX_WIDTH,
    bootstrap_slopes,
    judge,
    power_law_fit,
    scan_rates,
)

RATES = [0.01 * 2**k for k in range(9)]


def _unimodal(scale: float, edge: int, seed_spread: list[float]):
    """t(η, seed) = scale·spread[seed]/η up to the rate index ``edge`` (the stable range), never
    reached beyond it: the shape the scan assumes (time ∝ 1/η, then divergence)."""

    def t(rate: float, seed: int) -> float:
        if RATES.index(rate) > edge:
            return math.inf
        return math.ceil(scale * seed_spread[seed] / rate)

    return t


@settings(max_examples=60, deadline=None)
@given(
    scale=st.floats(0.05, 20.0),
    edge=st.integers(0, len(RATES) - 1),
    spread=st.lists(st.floats(0.5, 2.0), min_size=3, max_size=5),
    start=st.integers(0, len(RATES) - 1),
    budget=st.integers(50, 5000),
)
def test_scan_finds_the_brute_force_best_rate(scale, edge, spread, start, budget):
    truth = _unimodal(scale, edge, spread)
    calls = []

    def time_to_target(rate, seed, cap):
        calls.append((rate, seed, cap))
        t = truth(rate, seed)
        return t if t <= cap else math.inf

    scan = scan_rates(time_to_target, RATES, len(spread), budget, start=start)
    # Brute force: every rate, every seed, the whole budget; fewest median steps, ties to the
    # smaller rate.
    medians = []
    for r in RATES:
        ts = [truth(r, s) for s in range(len(spread))]
        medians.append(float(np.median([t if t <= budget else math.inf for t in ts])))
    finite = [m for m in medians if math.isfinite(m)]
    if not finite:
        assert scan.best is None
        return
    expected = RATES[medians.index(min(finite))]
    assert scan.best == expected
    # The best rate's times are the uncapped ones (runs cut short by a cap were run again).
    assert scan.times[expected] == [
        truth(expected, s) if truth(expected, s) <= budget else math.inf for s in range(len(spread))
    ]
    # No run was longer than the budget.
    assert max(cap for _, _, cap in calls) <= budget


def test_scan_stops_after_two_slower_rates_each_way():
    truth = _unimodal(1.0, 4, [1.0, 1.0, 1.0])  # best rate: RATES[4] (the largest stable one)
    tried = []

    def time_to_target(rate, seed, cap):
        tried.append(rate)
        t = truth(rate, seed)
        return t if t <= cap else math.inf

    scan = scan_rates(time_to_target, RATES, 3, 10_000, start=3)
    assert scan.best == RATES[4]
    # from index 3 up: 3, 4 (best), 5 and 6 slower -> stop; then down: 3 (slower, counted) and 2
    # (slower) -> stop
    assert sorted(set(tried)) == [RATES[i] for i in (2, 3, 4, 5, 6)]


def test_scan_refuses_unsorted_rates():
    with pytest.raises(ValueError, match="strictly increasing"):
        scan_rates(lambda r, s, c: 1.0, [0.1, 0.05], 3, 100, start=0)


def test_power_law_fit_recovers_an_exact_power_law():
    depths = [4, 8, 16, 32, 64, 128]
    a, c, r2 = power_law_fit(depths, [3.0 * d**0.5 for d in depths])
    assert a == pytest.approx(0.5, abs=1e-12)  # exact data: round-off only
    assert c == pytest.approx(3.0, rel=1e-12)
    assert r2 == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(ValueError, match="at least three"):
        power_law_fit([4, 8], [1.0, 2.0])


def test_bootstrap_of_identical_seeds_is_the_exact_slope():
    depths = [4, 8, 16, 32]
    times = np.array([[10.0 * d**0.3] * 5 for d in depths])
    slopes = bootstrap_slopes(depths, times, draws=200, seed=1)
    assert slopes.shape == (200,)
    assert np.allclose(slopes, 0.3, atol=1e-12)  # every resample has the same medians


def test_bootstrap_centres_on_the_true_exponent():
    # Log-normal seed noise (σ = 0.2) around t = 20 L^0.5, 5 seeds at 6 depths. The median of 5
    # draws has a log-sd of about 1.25·0.2/√5 ≈ 0.11 at each depth, so the least-squares slope
    # over log L ∈ [ln 4, ln 128] has sd ≈ 0.11/√(Σ(x − x̄)²) ≈ 0.11/2.9 ≈ 0.04; the mean of the
    # bootstrap slopes must lie within 4 such sd (0.16) of ½.
    rng = np.random.default_rng(7)
    depths = [4, 8, 16, 32, 64, 128]
    times = np.array([20.0 * d**0.5 * np.exp(0.2 * rng.standard_normal(5)) for d in depths])
    slopes = bootstrap_slopes(depths, times, draws=2000, seed=0)
    assert abs(float(np.mean(slopes)) - 0.5) < 0.16
    lo, hi = np.quantile(slopes, [0.05, 0.95])
    assert 0.0 < hi - lo < MAX_WIDTH  # an interval of a few sd, not degenerate


def _judged(**changes):
    depths = [4, 8, 16, 32]
    args = dict(
        depths=depths,
        rates=RATES,
        best={d: RATES[4] for d in depths},
        steps_at_best=np.full((4, 5), 100.0),
        budget=1000,
        eval_every=2,
        exponent=0.5,
        interval=(0.4, 0.6),
        r2=0.9,
        level=0.9,
    )
    args.update(changes)
    return judge(**args)


def test_verdict_rule():
    ok = _judged()
    assert ok.inconclusive == "" and all(passed for _, passed, _, _ in ok.claim)
    # the claim: interval overlapping the band passes, one beside it fails
    assert all(p for _, p, _, _ in _judged(interval=(0.05, 0.31)).claim)
    assert not _judged(interval=(-0.3, 0.1), exponent=-0.1).claim[0][1]
    assert not _judged(interval=(0.75, 1.1), exponent=0.9).claim[0][1]
    assert not _judged(r2=0.5).claim[1][1]
    assert CLAIM_BAND == (0.3, 0.7)
    # regime failures make it inconclusive, whatever the exponent
    edge = _judged(best={4: RATES[-1], 8: RATES[4], 16: RATES[4], 32: RATES[4]})
    assert "grid" in edge.inconclusive
    missed = np.full((4, 5), 100.0)
    missed[2, 1] = math.inf
    assert "reaches the target" in _judged(steps_at_best=missed).inconclusive
    assert "resolved" in _judged(steps_at_best=np.full((4, 5), 12.0)).inconclusive
    assert "narrow" in _judged(interval=(0.0, 0.9)).inconclusive


def test_q_star_text_for_figures():
    from isometry.experiments._support import q_text

    assert q_text(1 / 64) == "1/64" and q_text(1 / 256) == "1/256" and q_text(0.25) == "1/4"
    assert q_text(1.0) == "1" and q_text(0.3) == "0.3" and q_text(2.0) == "2"
