"""The CUDA backend against the CPU: same seeds, same numbers to rounding.

Marked gpu: skipped without a usable CUDA device and isometry._cuda, failed instead when
ISOMETRY_REQUIRE_GPU=1 (see gpu_support.py). Each parity tolerance is stated at its assertion.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import eps

import isometry
from isometry._internal import gpu as _gpu
from isometry._internal.core import _core

pytestmark = [pytest.mark.gpu, pytest.mark.usefixtures("gpu")]


def _cuda():
    return _gpu.cuda_module()


# --------------------------------------------------------------------------------------------
# Gaussian sampler


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (257, 129)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_gaussian_equals_cpu(cupy, shape, dtype, seed):
    g = isometry.gaussian(*shape, std=1.7, seed=seed, dtype=dtype, device="gpu")
    assert isinstance(g, cupy.ndarray) and g.shape == shape and g.dtype == np.dtype(dtype)
    assert g.flags.c_contiguous
    want = isometry.gaussian(*shape, std=1.7, seed=seed, dtype=dtype)
    # Same Philox words and the same float64 operations, multiply–adds not fused on either side:
    # expected bitwise equal; 2 ulps allow for a differently rounded division or sqrt.
    np.testing.assert_allclose(
        cupy.asnumpy(g), want, rtol=2 * eps(dtype), atol=2 * eps(dtype) * 1.7
    )


@pytest.mark.parametrize("first,count", [(0, 1), (1, 1), (1, 7), (6, 9), (12345, 1000)])
def test_fill_normal_any_offset_equals_cpu_stream(cupy, first, count):
    # Blocks straddling both ends of the range write one element only.
    out = cupy.full(count + 2, -99.0)
    stream = isometry.STREAMS["layer_gaussian"]
    _cuda().fill_normal(
        out.data.ptr + 8, count, 1.0, 77, stream, 3, first, "float64", 0, out.device.id
    )
    got = cupy.asnumpy(out)
    want = _core.normal_stream(count, 77, stream, 3, first)
    np.testing.assert_allclose(got[1:-1], want, rtol=2 * eps("float64"), atol=2 * eps("float64"))
    assert got[0] == -99.0 and got[-1] == -99.0  # nothing written outside


def test_gaussian_fills_out_without_copies(cupy):
    out = cupy.zeros((40, 30), dtype=np.float32)
    ret = isometry.gaussian(40, 30, seed=5, dtype="float32", device="gpu", out=out)
    assert ret is out
    np.testing.assert_allclose(
        cupy.asnumpy(out),
        isometry.gaussian(40, 30, seed=5, dtype="float32"),
        rtol=2 * eps("float32"),
        atol=2 * eps("float32"),
    )


def test_out_is_checked(cupy):
    with pytest.raises(ValueError, match=r"out must have shape \(4, 5\)"):
        isometry.gaussian(4, 5, device="gpu", out=cupy.zeros((5, 4)))
    with pytest.raises(ValueError, match="out must have dtype float32"):
        isometry.gaussian(4, 5, dtype="float32", device="gpu", out=cupy.zeros((4, 5)))
    with pytest.raises(ValueError, match="C-contiguous"):
        isometry.gaussian(4, 5, device="gpu", out=cupy.zeros((4, 5), order="F"))
    with pytest.raises(ValueError, match="Fortran-contiguous"):
        isometry.haar_orthogonal(5, 4, device="gpu", out=cupy.zeros((5, 4)))
    with pytest.raises(TypeError, match="__cuda_array_interface__"):
        isometry.gaussian(4, 5, device="gpu", out=np.zeros((4, 5)))
    with pytest.raises(ValueError, match="not device memory|not CUDA memory"):
        _cuda().pointer_device(np.zeros(4).ctypes.data)


# --------------------------------------------------------------------------------------------
# Haar sampler


@pytest.mark.parametrize(
    "n,m", [(1, 1), (2, 2), (7, 7), (300, 300), (257, 100), (100, 257), (64, 1)]
)
def test_haar_equals_cpu_and_is_orthogonal(cupy, n, m, dtype):
    q = isometry.haar_orthogonal(n, m, seed=9, dtype=dtype, device="gpu")
    assert isinstance(q, cupy.ndarray) and q.shape == (n, m) and q.dtype == np.dtype(dtype)
    assert q.flags.f_contiguous if n >= m else q.flags.c_contiguous
    got = cupy.asnumpy(q)
    want = isometry.haar_orthogonal(n, m, seed=9, dtype=dtype)
    # Same reflectors (their norms summed in another order), two backward-stable orgqr
    # implementations: entries differ by rounding growing like √n·ε; 100 is headroom for the
    # different blocking.
    tol = 100 * np.sqrt(max(n, m)) * eps(dtype)
    assert np.abs(got - want).max() < tol
    gram = got.T.astype(np.float64) @ got if n >= m else got.astype(np.float64) @ got.T
    assert np.abs(gram - np.eye(min(n, m))).max() < tol


def test_haar_fills_out(cupy):
    out = cupy.empty((60, 20), dtype=np.float64, order="F")
    assert isometry.haar_orthogonal(60, 20, seed=2, device="gpu", out=out) is out
    wide = cupy.empty((20, 60), dtype=np.float64)  # n < m: C-ordered, the transpose of a tall draw
    isometry.haar_orthogonal(20, 60, seed=2, device="gpu", out=wide)
    np.testing.assert_array_equal(cupy.asnumpy(wide), cupy.asnumpy(out).T)


def test_gpu_memory_is_refused_before_allocating(cupy, monkeypatch):
    # 200000² float64 = 298 GiB: more than any current GPU.
    with pytest.raises(MemoryError, match="GiB of GPU memory"):
        isometry.gaussian(200_000, device="gpu")
    with pytest.raises(MemoryError, match="GiB of GPU memory"):
        isometry.haar_orthogonal(200_000, device="gpu")
    # With 1 GiB free, a width-16384 float64 Jacobian (2 matrices of 2 GiB) must be refused.
    monkeypatch.setattr(_gpu, "device_memory", lambda cuda, device: (1 << 30, 80 << 30))
    with pytest.raises(
        MemoryError, match="jacobian_spectrum.*needs about 4.0. GiB of GPU memory but only 1.00 GiB"
    ):
        isometry.jacobian_spectrum(16384, 2, q0=1.0, device="gpu")


# --------------------------------------------------------------------------------------------
# Jacobian spectrum


@pytest.mark.parametrize("weights", ["orthogonal", "gaussian"])
@pytest.mark.parametrize("method", ["eigh", "svd"])
def test_jacobian_spectrum_equals_cpu(weights, method, dtype):
    kw = dict(
        activation="tanh",
        weights=weights,
        sigma_w=1.1,
        sigma_b=0.05,
        seed=4,
        dtype=dtype,
        method=method,
    )
    gpu = isometry.jacobian_spectrum(128, 6, device="gpu", **kw)
    cpu = isometry.jacobian_spectrum(128, 6, **kw)
    assert isinstance(gpu.eigenvalues, np.ndarray) and gpu.eigenvalues.dtype == np.float64
    assert gpu.device == "gpu" and cpu.device == "cpu"
    # Same draws and forward pass; the products and eigensolvers round differently. Weyl: each
    # eigenvalue moves by at most ||ΔJJᵀ||, about (L·√n + n)·ε·λ_max ≈ 200·ε·λ_max here;
    # 1e3·ε·λ_max leaves headroom. q^l is computed on the host from x_l, which differs by
    # rounding of the same size.
    lam = cpu.eigenvalues[-1]
    np.testing.assert_allclose(
        gpu.eigenvalues, cpu.eigenvalues, rtol=0, atol=1e3 * eps(dtype) * lam
    )
    np.testing.assert_allclose(gpu.q, cpu.q, rtol=1e3 * eps(dtype))
    assert gpu.zero_derivatives == cpu.zero_derivatives == 0


def test_jacobian_zero_derivatives_and_q_match_cpu():
    kw = dict(activation="hard_tanh", weights="gaussian", sigma_w=1.3, sigma_b=0.1, seed=8)
    gpu = isometry.jacobian_spectrum(96, 5, device="gpu", **kw)
    cpu = isometry.jacobian_spectrum(96, 5, **kw)
    # float64: an h within ~1e-13 of ±1 would be needed to flip a derivative; none for this seed.
    assert gpu.zero_derivatives == cpu.zero_derivatives > 0
    np.testing.assert_allclose(gpu.q, cpu.q, rtol=1e-12)


def test_jacobian_overflow_and_progress_as_on_cpu():
    kw = dict(activation="linear", weights="orthogonal", sigma_w=2.0, dtype="float32", device="gpu")
    with pytest.raises(OverflowError, match="J Jᵀ overflowed in float32; use method='svd'"):
        isometry.jacobian_spectrum(32, 80, **kw)
    r = isometry.jacobian_spectrum(32, 80, method="svd", **kw)
    np.testing.assert_allclose(
        r.singular_values, 2.0**80, rtol=1e-5
    )  # float32 rounding over 80 layers
    with pytest.raises(OverflowError, match=r"overflowed in float32 at layer 12\d"):
        isometry.jacobian_spectrum(32, 130, **kw)
    calls = []
    isometry.jacobian_spectrum(
        32,
        5,
        activation="relu",
        sigma_w=1.4,
        device="gpu",
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(i, 6) for i in range(1, 7)]


def test_jacobian_bad_input_on_gpu():
    cuda = _cuda()
    with pytest.raises(ValueError, match=f"width must be at most {cuda.MAX_JACOBIAN_WIDTH}"):
        isometry.jacobian_spectrum(cuda.MAX_JACOBIAN_WIDTH + 1, 2, q0=1.0, device="gpu")
    with pytest.raises(ValueError, match="width must be at most"):  # the C++ check, below Python's
        cuda.jacobian_spectrum(
            cuda.MAX_JACOBIAN_WIDTH + 1, 2, "tanh", "gaussian", 1.0, 0.0, 1.0, 0, "float64", "eigh"
        )
    with pytest.raises(ValueError, match="dtype must be"):
        cuda.jacobian_spectrum(8, 2, "tanh", "gaussian", 1.0, 0.0, 1.0, 0, "float16", "eigh")
    with pytest.raises(ValueError, match="sigma_w"):
        cuda.jacobian_spectrum(8, 2, "tanh", "gaussian", -1.0, 0.0, 1.0, 0, "float64", "eigh")
