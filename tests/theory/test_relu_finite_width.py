"""Burkholz–Dubatovka finite-width ReLU chain: exact moments and law vs direct network simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from isometry import theory
from isometry.montecarlo.relu_signal import relu_network_norms
from isometry.theory import relu_finite_width as rfw


def ks_alpha_001(n: int, m: int | None = None) -> float:
    """The KS statistic's 0.1 % critical value (one or two samples): 1.95·√(1/n (+ 1/m))."""
    return 1.95 * math.sqrt(1 / n + (1 / m if m else 0.0))


def test_half_integer_digamma_and_trigamma_against_scipy():
    psi, tri = rfw._digamma_trigamma_half(3000)
    k = np.arange(1, 3001) / 2
    np.testing.assert_allclose(psi, special.digamma(k), rtol=0, atol=1e-13)
    # ψ' by downward recursion from π²/6, π²/2: cancellation costs ~k·ε relative.
    np.testing.assert_allclose(tri, special.polygamma(1, k), rtol=1e-12)


@pytest.mark.parametrize(
    "widths,sigma_w,sigma_b", [([8, 12, 6, 10], 1.4, 0.0), ([10] * 6, 1.3, 0.5)]
)
def test_exact_moments_against_the_chain_and_the_network(widths, sigma_w, sigma_b):
    n = 40000
    mean, var = theory.relu_norm_moments(widths, sigma_w, sigma_b)
    for samples in (
        theory.sample_relu_chain(widths, sigma_w, sigma_b, samples=n, seed=1),
        relu_network_norms(widths, sigma_w, sigma_b, networks=n // 4, seed=2),
    ):
        s = samples[:, -1]
        count = s.size
        # 5 standard errors, estimated from the sample itself (heavy tails: use its m4 for Var).
        assert abs(s.mean() - mean[-1]) < 5 * math.sqrt(var[-1] / count)
        m4 = np.mean((s - s.mean()) ** 4)
        assert abs(s.var() - var[-1]) < 5 * math.sqrt(max(m4 - s.var() ** 2, 0.0) / count)


def test_he_initialisation_keeps_the_mean_and_matches_the_reference_log_numbers():
    mean, _ = theory.relu_norm_moments([50] * 51)
    np.testing.assert_allclose(mean, 50.0, rtol=1e-13)  # σ_w² = 2: E|x^l|² = |x^0|² exactly
    m, v = theory.relu_log_norm_moments([50] * 51)
    # docs/theory/reference_values.md ("Finite-width ReLU"): E log-ratio −2.587 (vs the large-N
    # estimate −5L/(2N) = −2.5), Var 5.41.
    assert m[-1] - m[0] == pytest.approx(-2.587, abs=1e-3)
    assert v[-1] == pytest.approx(5.41, abs=5e-3)
    chain = theory.sample_relu_chain([50] * 51, samples=40000, seed=3)
    log_ratio = np.log(chain[:, -1] / chain[:, 0])  # N = 50: P(dead) ~ 1e-13, none here
    assert abs(log_ratio.mean() - (m[-1] - m[0])) < 5 * math.sqrt(v[-1] / log_ratio.size)
    assert log_ratio.var() == pytest.approx(v[-1], rel=0.05)  # 5 sd of a sample variance of 4e4


@pytest.mark.parametrize(
    "widths,sigma_b", [([4] * 11, 0.0), ([3, 5, 2, 6, 3], 0.0), ([4] * 11, 0.3)]
)
def test_death_probability_against_chain_and_network(widths, sigma_b):
    n = 40000
    p = theory.relu_death_probability(widths, sigma_b)[-1]
    expected = (
        1 - np.prod([1 - 2.0**-k for k in widths[1:]]) if sigma_b == 0 else 2.0 ** -widths[-1]
    )
    assert p == pytest.approx(expected, rel=1e-14)
    for s in (
        theory.sample_relu_chain(widths, 1.5, sigma_b, samples=n, seed=4)[:, -1],
        relu_network_norms(widths, 1.5, sigma_b, networks=n, seed=5)[:, -1],
    ):
        assert abs(np.mean(s == 0) - p) < 5 * math.sqrt(p * (1 - p) / n)  # 5 binomial sd


@pytest.mark.parametrize(
    "widths,sigma_w,sigma_b",
    [([4] * 11, math.sqrt(2), 0.0), ([10] * 6, 1.3, 0.5), ([3, 8, 2, 8, 5], 1.0, 0.2)],
)
def test_chain_and_direct_simulation_have_the_same_law(widths, sigma_w, sigma_b):
    n = 20000
    chain = theory.sample_relu_chain(widths, sigma_w, sigma_b, samples=n, seed=6)
    network = relu_network_norms(widths, sigma_w, sigma_b, networks=n, seed=7)
    for layer in (1, len(widths) - 1):
        statistic = stats.ks_2samp(chain[:, layer], network[:, layer]).statistic
        assert statistic < ks_alpha_001(n, n), layer  # 0.0195 at n = m = 20000


def _ks_alive(law: rfw.ReluOutputLaw, s: np.ndarray) -> float:
    """KS distance of the living samples' log s_L from the law's continuous part."""
    alive = np.sort(np.log(s[s > 0]))
    step = law.log_s[1] - law.log_s[0]
    cumulative = np.concatenate([[0.0], np.cumsum((law.density[1:] + law.density[:-1]) * step / 2)])
    cdf = np.interp(alive, law.log_s, cumulative)
    i = np.arange(1, alive.size + 1) / alive.size
    return float(max(np.max(i - cdf), np.max(cdf - (i - 1 / alive.size))))


@pytest.mark.parametrize("widths", [[4] * 11, [50] * 51, [3, 8, 2, 8, 5], [200] * 6])
def test_exact_output_law_against_chain_and_network(widths):
    law = theory.relu_output_law(widths)
    # (the step recovered from log_s carries rounding of ~ε·|log s|/step ~ 1e-12)
    assert law.density.sum() * (law.log_s[1] - law.log_s[0]) == pytest.approx(1.0, rel=1e-10)
    # Its mean and variance of log s_L match the digamma/trigamma moments (FFT resolution).
    m, v = theory.relu_log_norm_moments(widths)
    step = law.log_s[1] - law.log_s[0]
    mean = np.sum(law.log_s * law.density) * step
    assert mean == pytest.approx(m[-1], abs=1e-6)
    assert np.sum((law.log_s - mean) ** 2 * law.density) * step == pytest.approx(v[-1], rel=1e-6)
    n = 20000
    chain = theory.sample_relu_chain(widths, samples=n, seed=8)[:, -1]
    assert _ks_alive(law, chain) < ks_alpha_001(n)
    if max(widths) <= 10:  # wider networks: see the slow test below
        network = relu_network_norms(widths, networks=n // 2, seed=9)[:, -1]
        assert _ks_alive(law, network) < ks_alpha_001(n // 2)


@pytest.mark.slow
def test_exact_output_law_against_direct_simulation_at_width_and_depth_50():
    widths = [50] * 51
    n = 3000  # 3000 networks of 50 layers: 4e8 Gaussian weights, ~10 s
    network = relu_network_norms(widths, networks=n, seed=10)[:, -1]
    assert _ks_alive(theory.relu_output_law(widths), network) < ks_alpha_001(n)


def test_mean_field_fails_at_small_width_and_large_depth():
    # Mean field gives every network the mean |x^L|² (= |x^0|² with He init); the typical
    # network has exp(E log) of it, and at N = L = 50 the median is 7-8 % of it
    # (docs/theory/relu_finite_width.md: median ratio 0.074-0.079).
    narrow = theory.relu_output_law([50] * 51)
    assert theory.relu_mean_field_norm([50] * 51)[-1] == pytest.approx(50.0)
    assert narrow.quantile(0.5) / 50 == pytest.approx(0.0775, abs=0.004)
    assert (
        narrow.cdf(25.0) > 0.75
    )  # four networks in five sit below half the mean-field value (0.79)
    # Wide and shallow: the law concentrates at the mean-field value (E log ≈ −5L/(2N) =
    # −0.006, sd of log ≈ √(5L/N) = 0.11): half the mean-field value is ~6 sd away.
    wide = theory.relu_output_law([2000] * 6)
    assert wide.quantile(0.5) / 2000 == pytest.approx(1.0, abs=0.01)
    assert wide.cdf(1000.0) < 1e-6
    assert 0.8 < wide.quantile(0.05) / 2000 and wide.quantile(0.95) / 2000 < 1.25


def test_same_seed_same_numbers_and_streams_differ():
    a = theory.sample_relu_chain([5] * 4, samples=100, seed=11)
    np.testing.assert_array_equal(a, theory.sample_relu_chain([5] * 4, samples=100, seed=11))
    assert not np.array_equal(a, theory.sample_relu_chain([5] * 4, samples=100, seed=12))
    b = relu_network_norms([5] * 4, networks=100, seed=11)
    np.testing.assert_array_equal(b, relu_network_norms([5] * 4, networks=100, seed=11))


def test_invalid_arguments():
    with pytest.raises(ValueError, match="widths"):
        theory.relu_norm_moments([10])
    with pytest.raises(ValueError, match=r"widths\[1\]"):
        theory.sample_relu_chain([10, 0, 3])
    with pytest.raises(TypeError, match="widths"):
        theory.relu_output_law("10,10")
    with pytest.raises(ValueError, match="sigma_w"):
        theory.relu_norm_moments([4, 4], sigma_w=0.0)
    with pytest.raises(ValueError, match="sigma_b"):
        relu_network_norms([4, 4], sigma_b=-1.0)
    with pytest.raises(ValueError, match="input_norm_sq"):
        theory.relu_log_norm_moments([4, 4], input_norm_sq=0.0)
    with pytest.raises(ValueError, match="points"):
        theory.relu_output_law([4, 4], points=100)
    with pytest.raises(ValueError, match="use points >="):
        theory.relu_output_law([5000] * 3, points=1024)
    with pytest.raises(ValueError, match="samples"):
        theory.sample_relu_chain([4, 4], samples=0)


def test_output_law_arguments_are_checked():
    law = theory.relu_output_law([6] * 4)
    with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\]"):
        law.quantile(1.5)
    with pytest.raises(ValueError, match="p must be finite"):
        law.quantile(float("nan"))
    np.testing.assert_array_equal(
        law.cdf(np.array([-1.0, 0.0])), [0.0, law.dead]
    )  # no warning (errors here)


@pytest.mark.parametrize("sample", ["chain", "network"])
def test_relu_samplers_accept_every_seed_form(sample):
    """The two ReLU samplers take seeds as the rest of the package does: a SeedSequence is its
    first 64-bit word, a Generator gives a new (reproducible) key per call, None fresh entropy."""

    def draw(seed):
        if sample == "chain":
            return theory.sample_relu_chain([8, 8, 8], samples=16, seed=seed)
        return relu_network_norms([8, 8, 8], networks=16, seed=seed)

    sequence = np.random.SeedSequence(2024)
    key = int(sequence.generate_state(1, np.uint64)[0])
    np.testing.assert_array_equal(draw(sequence), draw(key))
    generator_a, generator_b = np.random.default_rng(7), np.random.default_rng(7)
    first, second = draw(generator_a), draw(generator_a)
    assert not np.array_equal(first, second)  # the generator advanced
    np.testing.assert_array_equal(first, draw(generator_b))  # ... reproducibly
    assert not np.array_equal(draw(None), draw(None))
    with pytest.raises(TypeError, match="seed"):
        draw(np.random.RandomState(0))
