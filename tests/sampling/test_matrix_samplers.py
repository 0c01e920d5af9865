"""Gaussian and Haar-orthogonal samplers."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import eps
from scipy import stats

import isometry
from isometry._internal.core import _core


def test_gaussian_shape_dtype_and_stream_layout(dtype):
    g = isometry.gaussian(30, 20, std=2.5, seed=11, dtype=dtype)
    assert g.shape == (30, 20) and g.dtype == np.dtype(dtype) and g.flags.c_contiguous
    # Entry (i, j) is element i*m + j of the gaussian_sampler stream (documented layout).
    stream = _core.normal_stream(600, 11, isometry.STREAMS["gaussian_sampler"], 0, 0)
    np.testing.assert_array_equal(g, (2.5 * stream).astype(dtype).reshape(30, 20))
    assert isometry.gaussian(5, seed=1).shape == (5, 5)


def test_gaussian_moments():
    g = isometry.gaussian(400, 500, std=0.3, seed=2)
    n = g.size
    assert abs(g.mean()) < 4 * 0.3 / np.sqrt(n)  # 4 standard errors
    assert abs(g.var() / 0.09 - 1) < 4 * np.sqrt(2 / n)


def test_same_seed_same_matrix_and_seeds_differ():
    np.testing.assert_array_equal(
        isometry.haar_orthogonal(50, seed=3), isometry.haar_orthogonal(50, seed=3)
    )
    assert not np.array_equal(
        isometry.haar_orthogonal(50, seed=3), isometry.haar_orthogonal(50, seed=4)
    )
    assert not np.array_equal(isometry.gaussian(50, seed=3), isometry.gaussian(50, seed=4))


@pytest.mark.parametrize(
    "n,m", [(1, 1), (2, 2), (7, 7), (300, 300), (257, 100), (100, 257), (64, 1)]
)
def test_haar_is_orthogonal(n, m, dtype):
    q = isometry.haar_orthogonal(n, m, seed=9, dtype=dtype)
    assert q.shape == (n, m) and q.dtype == np.dtype(dtype)
    gram = q.T.astype(np.float64) @ q if n >= m else q.astype(np.float64) @ q.T
    # Householder products are orthogonal to a few ulps times sqrt(n): 1e-12 (f64), 1e-5 (f32).
    tol = 1e-12 if dtype == "float64" else 1e-5
    assert np.abs(gram - np.eye(min(n, m))).max() < tol


def test_wide_haar_is_transpose_of_tall():
    np.testing.assert_array_equal(
        isometry.haar_orthogonal(40, 90, seed=5), isometry.haar_orthogonal(90, 40, seed=5).T
    )


def test_stiefel_columns_are_leading_columns_of_square_draw():
    # Same reflectors, fewer of them: the n x m draw is the first m columns of the n x n draw.
    full = isometry.haar_orthogonal(80, seed=4)
    np.testing.assert_allclose(isometry.haar_orthogonal(80, 30, seed=4), full[:, :30], atol=1e-14)


def test_float32_is_float64_draw_rounded():
    q64 = isometry.haar_orthogonal(200, seed=8)
    q32 = isometry.haar_orthogonal(200, seed=8, dtype="float32")
    # Same reflectors; only the orgqr arithmetic differs: a few float32 ulps times sqrt(n).
    assert np.abs(q32 - q64).max() < 50 * eps("float32")


def _many(n: int, count: int) -> np.ndarray:
    return np.stack([isometry.haar_orthogonal(n, seed=s) for s in range(count)])


def test_haar_first_entry_law():
    n, count = 6, 4000
    q11 = _many(n, count)[:, 0, 0]
    # E[Q11] = 0, E[Q11²] = 1/n exactly for Haar; tolerances are 4 standard errors.
    assert abs(q11.mean()) < 4 * np.sqrt(1 / n / count)
    var_q11_sq = 3 / (n * (n + 2)) - 1 / n**2
    assert abs((q11**2).mean() - 1 / n) < 4 * np.sqrt(var_q11_sq / count)
    # Q11² ~ Beta(1/2, (n-1)/2) (a coordinate of a uniform point on the sphere): KS at 1e-4 level.
    assert stats.kstest(q11**2, stats.beta(0.5, (n - 1) / 2).cdf).statistic < 2.0 / np.sqrt(count)


def test_haar_trace_moments():
    n, count = 10, 4000
    traces = np.trace(_many(n, count), axis1=1, axis2=2)
    # Haar O(n), n >= 2: E tr Q = 0 and E (tr Q)² = 1 exactly; Var (tr Q)² = E tr⁴ - 1 = 2 (n >= 4).
    assert abs(traces.mean()) < 4 / np.sqrt(count)
    assert abs((traces**2).mean() - 1) < 4 * np.sqrt(2 / count)


def test_haar_eigenphases_match_an_independent_sampler():
    n, count = 40, 300
    phases = np.abs(np.angle(np.linalg.eigvals(_many(n, count)))).ravel()
    scipy_draws = stats.ortho_group.rvs(n, size=count, random_state=np.random.default_rng(1))
    reference = np.abs(np.angle(np.linalg.eigvals(scipy_draws))).ravel()
    # Two-sample KS against scipy's Haar sampler. Eigenphases repel, so pooled samples fluctuate
    # less than iid ones; the iid 1e-3 critical value 1.95*sqrt(2/(n*count)) is conservative.
    assert stats.ks_2samp(phases, reference).statistic < 1.95 * np.sqrt(2 / (n * count))


@pytest.mark.slow  # several seconds: the statistical tier (--slow, always in CI)
def test_haar_eigenphases_nearly_uniform_at_large_n():
    n, count = 300, 20
    phases = np.abs(np.angle(np.linalg.eigvals(_many(n, count)))).ravel()
    # |θ| is uniform on [0, π] up to O(1/n) edge corrections (repulsion from ±1 and the real
    # eigenvalues of O(n)); 0.02 allows those (1/n = 0.003) plus the iid KS noise (0.006 at 1e-3).
    assert stats.kstest(phases, stats.uniform(0, np.pi).cdf).statistic < 0.02
