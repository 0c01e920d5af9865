"""Bad input gets a clear Python exception naming the argument — never a crash or a NaN."""

from __future__ import annotations

import math

import numpy as np
import pytest

import isometry
from isometry._internal.core import _core

SPEC = dict(activation="tanh", weights="orthogonal", sigma_w=1.2, sigma_b=0.1)


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        (dict(width=0), ValueError, "width must be a positive integer"),
        (dict(width=-3), ValueError, "width must be a positive integer"),
        (dict(width=2.5), TypeError, "width must be a positive integer"),
        (dict(width=True), TypeError, "width"),
        (dict(width="8"), TypeError, "width"),
        (dict(depth=0), ValueError, "depth must be a positive integer"),
        (
            dict(activation="sigmoid"),
            ValueError,
            "activation must be one of 'linear', 'tanh', 'hard_tanh', 'relu', 'erf'",
        ),
        (dict(weights="haar"), ValueError, "weights must be one of 'orthogonal', 'gaussian'"),
        (dict(sigma_w=0.0), ValueError, "sigma_w must be > 0"),
        (dict(sigma_w=-1.0), ValueError, "sigma_w must be > 0"),
        (dict(sigma_w=math.nan), ValueError, "sigma_w must be finite"),
        (dict(sigma_w=math.inf), ValueError, "sigma_w must be finite"),
        (dict(sigma_b=-0.1), ValueError, "sigma_b must be >= 0"),
        (dict(sigma_b=math.nan), ValueError, "sigma_b must be finite"),
        (dict(sigma_w="1"), TypeError, "sigma_w must be a real number"),
        (dict(q0=math.nan), ValueError, "q0 must be finite"),
        (dict(q0=-1.0), ValueError, "q0 must be > 0"),
        (dict(q0=0.001), ValueError, "q0 must be at least sigma_b"),
        (dict(dtype="int32"), ValueError, "dtype must be 'float64' or 'float32'"),
        (dict(dtype="float16"), ValueError, "dtype must be 'float64' or 'float32'"),
        (dict(dtype="no-such-type"), TypeError, "dtype must be 'float64' or 'float32'"),
        (dict(method="lu"), ValueError, "method must be one of 'eigh', 'svd'"),
        (dict(seed=-1), ValueError, "seed must be an integer in"),
        (dict(seed=2**64), ValueError, "seed must be an integer in"),
        (dict(seed=1.5), TypeError, "seed"),
    ],
)
def test_jacobian_spectrum_rejects(kwargs, exc, match):
    args = dict(width=16, depth=2, **SPEC)
    args.update(kwargs)
    width, depth = args.pop("width"), args.pop("depth")
    with pytest.raises(exc, match=match):
        isometry.jacobian_spectrum(width, depth, **args)


def test_ordered_phase_without_bias_asks_for_q0():
    with pytest.raises(ValueError, match="q\\* = 0.*pass q0"):
        isometry.jacobian_spectrum(16, 2, activation="tanh", sigma_w=0.9, sigma_b=0.0)
    # With q0 given it runs; the spectrum is finite.
    r = isometry.jacobian_spectrum(16, 2, activation="tanh", sigma_w=0.9, sigma_b=0.0, q0=0.5)
    assert np.isfinite(r.eigenvalues).all()


def test_no_fixed_point_asks_for_q0():
    with pytest.raises(ValueError, match="diverges.*pass q0"):
        isometry.jacobian_spectrum(16, 2, activation="relu", sigma_w=1.6, sigma_b=0.1)


def test_scale_invariant_cases_default_to_q0_one():
    assert isometry.default_q0("linear", 3.0, 0.5) == 1.0
    assert isometry.default_q0("relu", 1.9, 0.0) == 1.0


def test_too_large_is_refused_before_allocating():
    with pytest.raises(MemoryError, match=r"needs about [\d.]+ GiB but only [\d.]+ GiB"):
        isometry.jacobian_spectrum(1_000_000, 2, activation="linear")
    with pytest.raises(MemoryError, match="GiB"):
        isometry.haar_orthogonal(2_000_000)
    with pytest.raises(MemoryError, match="GiB"):
        isometry.gaussian(3_000_000, 2_000_000)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: isometry.gaussian(0), "n must be a positive integer"),
        (lambda: isometry.gaussian(3, -2), "m must be a positive integer"),
        (lambda: isometry.gaussian(3, std=-1.0), "std must be >= 0"),
        (lambda: isometry.gaussian(3, std=math.nan), "std must be finite"),
        (lambda: isometry.gaussian(3, dtype="complex128"), "dtype must be"),
        (lambda: isometry.haar_orthogonal(0), "n must be a positive integer"),
        (lambda: isometry.haar_orthogonal(4, 0), "m must be a positive integer"),
        (lambda: isometry.haar_orthogonal(4, seed=-5), "seed must be"),
        (lambda: isometry.haar_orthogonal(4, dtype="int64"), "dtype must be"),
    ],
)
def test_samplers_reject(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_cpp_exceptions_are_translated():
    # Calling the private core directly with bad values reaches the C++ checks; they arrive as
    # ValueError with the argument named, not as a crash.
    with pytest.raises(ValueError, match="width must be a positive integer"):
        _core.jacobian_spectrum(0, 2, "tanh", "orthogonal", 1.0, 0.0, 1.0, 0, "float64", "eigh")
    with pytest.raises(ValueError, match="activation must be one of"):
        _core.jacobian_spectrum(4, 2, "swish", "orthogonal", 1.0, 0.0, 1.0, 0, "float64", "eigh")
    with pytest.raises(ValueError, match="q0 must be finite"):
        _core.jacobian_spectrum(4, 2, "tanh", "orthogonal", 1.0, 0.5, 0.1, 0, "float64", "eigh")
    with pytest.raises(ValueError, match="dtype must be"):
        _core.jacobian_spectrum(4, 2, "tanh", "orthogonal", 1.0, 0.0, 1.0, 0, "float16", "eigh")
    with pytest.raises(ValueError, match="nodes must be in"):
        _core.testing.gauss_hermite(0)
    assert issubclass(isometry.ConvergenceError, RuntimeError)


def test_float32_overflow_is_reported_not_returned():
    # σ_w = 2, linear: J = 2^L × orthogonal. At L = 80 J fits float32 (max 3.4e38) but J Jᵀ = 2^160
    # does not; at L = 130 J itself overflows.
    kw = dict(activation="linear", weights="orthogonal", sigma_w=2.0, dtype="float32")
    with pytest.raises(OverflowError, match="J Jᵀ overflowed in float32; use method='svd'"):
        isometry.jacobian_spectrum(32, 80, **kw)
    r = isometry.jacobian_spectrum(32, 80, method="svd", **kw)
    np.testing.assert_allclose(
        r.singular_values, 2.0**80, rtol=1e-5
    )  # float32 rounding over 80 layers
    with pytest.raises(OverflowError, match=r"overflowed in float32 at layer 12\d"):  # 2^128 ~ max
        isometry.jacobian_spectrum(32, 130, **kw)
