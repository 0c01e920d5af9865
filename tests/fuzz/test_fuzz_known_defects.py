"""Reproducers of the fuzz suite's findings.

Fixed ones are ordinary regression tests. Defects in areas being fixed elsewhere keep one
reproducer each, marked ``xfail(strict=True)`` beside a rule in fuzz_known.py: when the fix
lands the test passes unexpectedly, and the rule and the mark must be deleted together.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import isometry
from isometry import theory


def run_capped(code: str, seconds: float, memory_bytes: int = 4 << 30) -> None:
    """Run ``code`` in a fresh interpreter under an address-space cap; TimeoutExpired on a hang."""
    prelude = f"import resource\nresource.setrlimit(resource.RLIMIT_AS, ({memory_bytes}, {memory_bytes}))\n"
    subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)], timeout=seconds, check=True
    )


# ---------------------------------------------------------------------------------------------
# Fixed by the mean-field and density work since the first survey: regression tests.


def test_ks_distance_refuses_non_finite_eigenvalues():
    law = theory.jacobian_density("relu", "orthogonal", 4, 2**0.5, 0.0, points=100)
    with pytest.raises(ValueError, match="eigenvalues"):
        law.ks_distance(np.array([np.nan, 1.0]))
    with pytest.raises(TypeError, match="eigenvalues"):
        law.ks_distance("abc")


def test_law_cdf_refuses_nan():
    law = theory.resnet_density(0.5, points=100)
    with pytest.raises(ValueError, match="t must not be NaN"):
        law.cdf(np.array([np.nan, 1.0]))
    # inf is a valid point: all the mass the grid holds lies below it.
    assert law.cdf(np.inf) == pytest.approx(law.continuous_mass(), abs=1e-12)


def test_depth_scales_at_huge_sigma_b_return_quickly():
    # Was a hang (tanh quadrature cost ~ √q); the bounded large-q tanh answers at once. 20 s is
    # two orders of magnitude above the time it takes on a loaded 2-core machine.
    run_capped(
        """
        from isometry import theory
        try:
            theory.depth_scales('tanh', 1.8, 1985816)
        except (ValueError, OverflowError, FloatingPointError):
            pass
        """,
        seconds=20,
    )


def test_resnet_table_at_huge_sigma_w_is_finite_where_the_moments_are():
    # tanh, erf, relu and linear at σ_w = 2**63: a finite c for the bounded activations, a
    # clean overflow where the signal itself overflows; never a bare RuntimeError.
    for activation in ("tanh", "erf"):
        assert np.isfinite(theory.resnet_parameter(activation, 2.0**63, depth=8).c)
    with pytest.raises(OverflowError, match="overflowed"):
        theory.resnet_parameter("linear", 1e30, depth=8)


@pytest.mark.parametrize("points", [2, 20, 200, 2000])
def test_resnet_law_mass_within_the_grid_accuracy(points):
    # The grid integral is second order in the spacing: max(1e-6, 4/n²) of the mass
    # (isometry.theory._law_checks); the exact total mass is 1.
    law = theory.resnet_density(1.0, points=points)
    total = law.continuous_mass() + sum(m for _, m in law.atoms)
    assert abs(total - 1) <= max(1e-6, 4.0 / points**2)


def test_upper_edge_of_a_one_layer_law_is_found():
    # One orthogonal layer: J Jᵀ = σ_w² D², whose upper edge is σ_w² max φ'² = σ_w² (tanh'(0) = 1).
    law = theory.jacobian_density("tanh", "orthogonal", 1, 1.05, 0.0, points=100)
    assert law.lambda_max == pytest.approx(1.05**2, rel=1e-9)  # the edge in closed form


def test_resnet_recursion_underflow_is_a_named_floating_point_error():
    with pytest.raises(FloatingPointError, match="residual_scale=1e-300"):
        theory.resnet_parameter("tanh", 1.0, depth=4, residual_scale=1e-300)


def test_huge_resnet_depth_is_estimated_not_run(monkeypatch):
    monkeypatch.setenv("ISOMETRY_MAX_SECONDS", "2")
    with pytest.raises(isometry.WorkLimitError, match="ResNet mean-field recursion"):
        theory.resnet_parameter_table(sigma_w=1.0, sigma_b=5703.0, depth=5_196_647)


# ---------------------------------------------------------------------------------------------
# The free-probability solver at huge σ_w: refused up front since the D² rule's size is bounded
# (they were a hang, an allocation failure and a crash); and hard_tanh's E φ² at huge q (a false
# underflow). No defect is open: fuzz_known.py has no rule.


def test_tanh_law_at_huge_sigma_w_returns_quickly():
    # The D² rule's nodes grow like √q*: refused (ValueError with the largest q*) past 10,000
    # base nodes, where a law takes a third of a second; before, no answer within 20 s at 11682.
    run_capped(
        """
        from isometry import theory
        try:
            theory.jacobian_density('tanh', 'orthogonal', 4, 11682.0, 0.0, points=100)
        except (ValueError, ArithmeticError, RuntimeError):
            pass
        """,
        seconds=20,
    )


def test_tanh_law_at_sigma_w_2_to_32_is_not_an_allocation_failure():
    # Under a 4 GiB address-space cap the solver's std::bad_alloc reaches Python as MemoryError
    # (the exit status 1 here); without a cap it would try to take the memory.
    run_capped(
        """
        from isometry import theory
        try:
            theory.jacobian_density('tanh', 'orthogonal', 4, 2.0**32, 0.0, points=100)
        except MemoryError:
            raise SystemExit(1)
        except (ValueError, ArithmeticError, RuntimeError):
            pass
        """,
        seconds=60,
    )


def test_lambda_max_at_sigma_w_2_to_63_does_not_crash():
    # Was a segmentation fault (the node count overflowed a long), before that a MemoryError.
    run_capped(
        """
        from isometry import theory
        try:
            theory.lambda_max('tanh', 'orthogonal', 4, 2**63 - 1, 0.0)
        except ValueError as exc:
            assert "q* must be below" in str(exc), exc
        """,
        seconds=60,
    )


def test_hard_tanh_resnet_parameter_at_huge_sigma_w():
    # E φ² = q erf(s) − √(2q/π) e^{−s²} + erfc(s), s = 1/√(2q), cancelled catastrophically at
    # huge q (at q ~ 1e37 it came out negative and the recursion reported an underflow); it is
    # now q·(erf(s) − (2s/√π) e^{−s²}) + erfc(s), the bracket by its series at small s.
    assert np.isfinite(theory.resnet_parameter("hard_tanh", 2.0**63, depth=8).c)


@pytest.mark.parametrize("q", [0.3, 2.0, 1e2, 1e8, 1e20, 1e37])
def test_hard_tanh_second_moment_against_mpmath(q):
    """E[hard_tanh(h)²], h ~ N(0, q), from the length map (σ_w = 1, σ_b = 0) against 50-digit
    arithmetic on the same closed form (independent of the cancellation-free rewrite)."""
    mpmath = pytest.importorskip("mpmath")
    with mpmath.workdps(50):
        qq = mpmath.mpf(q)
        s = 1 / mpmath.sqrt(2 * qq)
        exact = qq * mpmath.erf(s) - mpmath.sqrt(2 * qq / mpmath.pi) * mpmath.exp(-s * s)
        exact += mpmath.erfc(s)
    # 1e-13: the series and erf/erfc of double precision, a few ulps each.
    assert theory.length_map("hard_tanh", q, 1.0, 0.0) == pytest.approx(float(exact), rel=1e-13)


def test_deep_linear_learning_time_without_uf_names_the_argument():
    # uf=None reached an internal `assert` (an AssertionError, not a documented error).
    with pytest.raises(TypeError, match="uf"):
        theory.deep_linear.learning_time(2.0, 0.01, None, depth=3, tau=1.0)


def test_spectrum_mean_at_huge_sigma_w_is_a_named_overflow():
    # sigma_w**2 overflowed inside the function: OverflowError(34, 'Numerical result out of range').
    with pytest.raises(OverflowError, match="sigma_w=1e.308.*largest depth that works is 0"):
        theory.spectrum_mean_and_normalized_variance("linear", "orthogonal", 4, 1e308, 0.5)
    mean, variance = theory.spectrum_mean_and_normalized_variance(
        "linear", "orthogonal", 1, 1e150, 0.5
    )
    assert mean == pytest.approx(1e300) and variance == 0.0  # linear: μ₁ = μ₂ = 1
