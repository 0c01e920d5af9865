"""Matrix-free spectra on the GPU (jacobian_spectral_density(device="gpu")).

Tests marked gpu compare every building block and the full quadrature with the CPU (same seeds,
same streams) and are skipped without a usable CUDA device, failed instead under
ISOMETRY_REQUIRE_GPU=1 (gpu_support.py). The rest run everywhere: the device argument, every way
of not having a GPU, the memory refusal and the plumbing to the shared post-processing, with a
stand-in for the CUDA extension.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import scipy.linalg

import isometry
from isometry._internal import gpu as _gpu
from isometry._internal.core import _core

S = isometry.STREAMS
EPS = np.finfo(float).eps
gpu = pytest.mark.usefixtures("gpu")


def _cuda():
    return _gpu.cuda_module()


def _operator_args(
    n,
    depth,
    weights,
    storage,
    activation="tanh",
    sigma_w=1.3,
    sigma_b=0.2,
    q0=0.5,
    seed=7,
    blocks=3,
):
    return (n, depth, activation, weights, storage, sigma_w, sigma_b, q0, seed, blocks)


# --------------------------------------------------------------------------------------------
# GPU against CPU: building blocks


@pytest.mark.gpu
@gpu
@pytest.mark.parametrize("first", [0, 77, 128 * 5 + 3])
def test_signs_are_bitwise_the_cpu_signs(first):
    got = _cuda().matfree_signs(1000, 11, S["structured_signs"], 3, first, 1.0)[:, 0]
    want = _core.testing.sign_stream(1000, 11, S["structured_signs"], 3, first)
    np.testing.assert_array_equal(got, want)  # the same Philox bits: exactly equal


@pytest.mark.gpu
@gpu
@pytest.mark.parametrize("log_n", [0, 3, 11, 12, 15])
def test_walsh_hadamard_matches_cpu(log_n):
    n = 1 << log_n
    x = np.asfortranarray(np.random.default_rng(log_n).standard_normal((n, 3)))
    got = _cuda().matfree_walsh_hadamard(x)
    want = np.stack(
        [_core.testing.walsh_hadamard(np.ascontiguousarray(x[:, c])) for c in range(3)], axis=1
    )
    # Same butterflies in the same stage order: expected bitwise; allow log2(n) roundings of
    # entries of size ~√n·|x| in case the compiler reorders.
    np.testing.assert_allclose(
        got, want, rtol=0, atol=(log_n + 1) * EPS * np.sqrt(n) * np.abs(x).max() * 4
    )


def _gaussian_weights(n, seed, layer, sigma_w):
    z = _core.normal_stream(n * n, seed, S["layer_gaussian"], layer, 0)
    return z.reshape(n, n, order="F") * (sigma_w / np.sqrt(n))


@pytest.mark.gpu
@gpu
@pytest.mark.parametrize("n", [33, 256, 1000])
@pytest.mark.parametrize("transpose", [False, True], ids=["Wx", "WTx"])
def test_onthefly_gaussian_layer_product_matches_numpy(n, transpose):
    x = np.asfortranarray(
        np.random.default_rng(n).standard_normal((n, 11))
    )  # 11: two column passes
    got = _cuda().matfree_layer_product(
        *_operator_args(n, 3, "gaussian", "onthefly"), x, 2, transpose
    )
    w = _gaussian_weights(n, 7, 2, 1.3)
    want = (w.T if transpose else w) @ x
    # Sums of n products of O(1/√n)·O(1) terms, in another order: ~n·eps·|w||x| each.
    np.testing.assert_allclose(got, want, rtol=0, atol=n * EPS * 1.3 * np.abs(x).max() * 4)


@pytest.mark.gpu
@gpu
@pytest.mark.parametrize("weights,storage", [("gaussian", "dense"), ("orthogonal", "dense")])
def test_dense_layer_product_matches_cpu_operator(weights, storage):
    # Depth 1, linear activation: J = W (the CPU operator is the reference).
    n = 200
    args = _operator_args(n, 1, weights, storage, activation="linear", sigma_b=0.0, q0=1.0)
    x = np.asfortranarray(np.random.default_rng(1).standard_normal((n, 4)))
    for transpose in (False, True):
        got = _cuda().matfree_layer_product(*args, x, 0, transpose)
        want = _core.testing.matfree_apply(*args, x, transpose)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)  # n-term sums, O(1) entries


@pytest.mark.gpu
@gpu
@pytest.mark.parametrize("blocks", [1, 3])
def test_structured_layer_product_matches_numpy_construction(blocks):
    n, sigma_w = 1 << 12, 1.3
    x = np.asfortranarray(np.random.default_rng(2).standard_normal((n, 2)))
    h = scipy.linalg.hadamard(n).astype(float) / np.sqrt(n)
    w = np.eye(n)
    for d in range(blocks):
        s = _core.testing.sign_stream(n, 7, S["structured_signs"], 1, d * n)
        w = h @ (s[:, None] * w)
    w *= sigma_w
    for transpose in (False, True):
        got = _cuda().matfree_layer_product(
            *_operator_args(n, 2, "structured_orthogonal", "onthefly", blocks=blocks),
            x,
            1,
            transpose,
        )
        np.testing.assert_allclose(
            got, (w.T if transpose else w) @ x, rtol=0, atol=1e-11
        )  # n-term dense sums


@pytest.mark.gpu
@gpu
@pytest.mark.parametrize(
    "weights,storage,n",
    [
        ("structured_orthogonal", "onthefly", 512),
        ("gaussian", "onthefly", 300),
        ("gaussian", "dense", 300),
        ("orthogonal", "dense", 128),
    ],
)
def test_jacobian_operator_matches_cpu(weights, storage, n):
    args = _operator_args(n, 6, weights, storage)
    x = np.asfortranarray(np.random.default_rng(3).standard_normal((n, 5)))
    for transpose in (False, True):
        got = _cuda().matfree_apply(*args, x, transpose)
        want = _core.testing.matfree_apply(*args, x, transpose)
        # Six layers of n-term sums: relative rounding ~1e-14 of the largest entry.
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * np.abs(want).max())


# --------------------------------------------------------------------------------------------
# GPU against CPU: the full quadrature and the theory


@pytest.mark.gpu
@gpu
@pytest.mark.parametrize(
    "weights,storage,n",
    [
        ("structured_orthogonal", "auto", 1024),
        ("gaussian", "onthefly", 256),
        ("gaussian", "dense", 256),
        ("orthogonal", "dense", 128),
    ],
)
def test_quadrature_matches_cpu(weights, storage, n):
    kwargs = dict(
        activation="tanh",
        weights=weights,
        storage=storage,
        sigma_w=1.1,
        sigma_b=0.05,
        seed=4,
        probes=3,
        steps=12,
    )
    cpu = isometry.jacobian_spectral_density(n, 5, **kwargs)
    gpu_result = isometry.jacobian_spectral_density(n, 5, device="gpu", **kwargs)
    assert gpu_result.device == "gpu" and gpu_result.storage == cpu.storage
    # q^l: the same host arithmetic on products equal to rounding (cuBLAS sums in another order).
    np.testing.assert_allclose(gpu_result.q, cpu.q, rtol=1e-12)
    np.testing.assert_array_equal(gpu_result.steps_taken, cpu.steps_taken)
    # 12 Lanczos steps with full reorthogonalisation: Ritz values are well conditioned; products
    # and dot products differ only in rounding (~1e-15), amplified mildly by the recurrence.
    keep = cpu.quadrature_weights > 1e-8
    np.testing.assert_allclose(
        gpu_result.nodes[keep], cpu.nodes[keep], rtol=1e-10, atol=1e-14 * cpu.nodes.max()
    )
    np.testing.assert_allclose(
        gpu_result.quadrature_weights, cpu.quadrature_weights, rtol=0, atol=1e-9
    )
    np.testing.assert_allclose(gpu_result.moments, cpu.moments, rtol=1e-10)


@pytest.mark.gpu
@gpu
def test_structured_density_follows_haar_theory():
    depth = 16
    sigma_w, sigma_b = isometry.theory.critical_point("tanh", 0.5)
    theory = isometry.theory.jacobian_density("tanh", "orthogonal", depth, sigma_w, sigma_b)
    r = isometry.jacobian_spectral_density(
        1 << 14,
        depth,
        activation="tanh",
        weights="structured_orthogonal",
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        seed=1,
        probes=8,
        steps=40,
        device="gpu",
    )
    # As the CPU test at this size: finite width 2^14 and 8 probes, KS measured 0.006–0.016 there.
    assert r.ks_distance(theory) < 0.03


@pytest.mark.gpu
@gpu
def test_device_memory_is_refused_before_allocating():
    with pytest.raises(MemoryError, match="GiB of GPU memory"):
        isometry.jacobian_spectral_density(
            1 << 16, 64, q0=1.0, weights="gaussian", storage="dense", device="gpu"
        )


# --------------------------------------------------------------------------------------------
# Without a GPU: arguments, errors, plumbing


@pytest.mark.parametrize("device", ["cuda", "GPU", None])
def test_device_must_be_cpu_or_gpu(device):
    with pytest.raises(ValueError, match="device must be one of 'cpu', 'gpu'"):
        isometry.jacobian_spectral_density(64, 2, q0=1.0, device=device)


def test_bad_arguments_are_refused_before_the_device_is_touched(monkeypatch):
    def touched(*args, **kwargs):
        raise AssertionError("the device was touched")

    monkeypatch.setattr(_gpu, "cuda_module", touched)
    with pytest.raises(ValueError, match="activation must be one of"):
        isometry.jacobian_spectral_density(64, 2, activation="gelu", device="gpu")
    with pytest.raises(ValueError, match="power-of-two width"):
        isometry.jacobian_spectral_density(
            100, 2, q0=1.0, weights="structured_orthogonal", device="gpu"
        )
    with pytest.raises(
        ValueError, match="storage='dense' is not available for weights='structured_orthogonal'"
    ):
        isometry.jacobian_spectral_density(
            64, 2, q0=1.0, weights="structured_orthogonal", storage="dense", device="gpu"
        )
    with pytest.raises(
        ValueError, match="storage='onthefly' is not available for weights='orthogonal'"
    ):
        isometry.jacobian_spectral_density(
            64, 2, q0=1.0, weights="orthogonal", storage="onthefly", device="gpu"
        )


def test_no_gpu_is_a_clear_error():
    reason = _gpu.unavailable_reason()
    if reason is None:
        pytest.skip("a CUDA device is usable here")
    with pytest.raises(RuntimeError, match="device='gpu' is unavailable: ") as info:
        isometry.jacobian_spectral_density(64, 2, q0=1.0, device="gpu")
    assert reason in str(info.value)


class FakeCuda:
    """isometry._cuda as far as matfree_quadrature_runner uses it: device memory and bytes from the
    test, the quadrature delegated to the CPU core (so the shared post-processing is checked)."""

    def __init__(self, free, needed):
        self.free, self.needed, self.calls = free, needed, []

    def memory_info(self, device):
        return self.free, 2 * self.free

    def matfree_device_bytes(
        self, width, depth, weights, storage, probes, steps, reorthogonalize, block
    ):
        self.calls.append(("bytes", storage, block))
        return self.needed

    def matfree_quadrature(self, *args):
        self.calls.append(("run", args[4], args[15], args[17]))
        return _core.matfree_quadrature(*args[:17])


def test_gpu_path_refuses_memory_with_the_estimate(monkeypatch):
    fake = FakeCuda(free=1 << 30, needed=5 << 30)
    monkeypatch.setattr(_gpu, "cuda_module", lambda: fake)
    with pytest.raises(
        MemoryError, match=r"needs about 5\.00 GiB of GPU memory but only 1\.00 GiB"
    ):
        isometry.jacobian_spectral_density(256, 3, q0=1.0, weights="gaussian", device="gpu")
    assert not any(c[0] == "run" for c in fake.calls)  # refused before running


def test_gpu_path_chooses_storage_from_device_memory_and_shares_post_processing(monkeypatch):
    # 8·L·N² = 1.5 MiB of dense weights: stored when a quarter of the free memory holds them.
    kwargs = dict(weights="gaussian", sigma_w=1.1, seed=3, probes=3, steps=10)
    for free, storage in ((1 << 30, "dense"), (4 << 20, "onthefly")):
        fake = FakeCuda(free=free, needed=1 << 20)
        monkeypatch.setattr(_gpu, "cuda_module", lambda fake=fake: fake)
        r = isometry.jacobian_spectral_density(256, 3, device="gpu", **kwargs)
        assert r.device == "gpu" and r.storage == storage
        assert fake.calls == [
            ("bytes", storage, 3),
            ("run", storage, 3, 0),
        ]  # all probes in one block
        cpu = isometry.jacobian_spectral_density(256, 3, storage=storage, **kwargs)
        # The stand-in ran the CPU core: the post-processing must give the CPU result exactly.
        np.testing.assert_array_equal(r.nodes, cpu.nodes)
        np.testing.assert_array_equal(r.density, cpu.density)
        assert r.mass_at_zero == cpu.mass_at_zero


@pytest.mark.skipif(
    importlib.util.find_spec("isometry._cuda") is None, reason="isometry._cuda was not built"
)
def test_cuda_extension_exposes_matfree_and_estimates_without_a_device():
    import isometry._cuda as cuda  # loads without a driver (static CUDA runtime)

    for name in (
        "matfree_quadrature",
        "matfree_signs",
        "matfree_walsh_hadamard",
        "matfree_layer_product",
        "matfree_apply",
    ):
        assert hasattr(cuda, name)
    n, depth = 4096, 8
    onthefly = cuda.matfree_device_bytes(n, depth, "gaussian", "onthefly", 4, 20, True, 4)
    dense = cuda.matfree_device_bytes(n, depth, "gaussian", "dense", 4, 20, True, 4)
    structured = cuda.matfree_device_bytes(
        n, depth, "structured_orthogonal", "onthefly", 4, 20, True, 4
    )
    # The estimate holds at least the stored arrays: d_l (L·N), the basis (probes·(steps+1)·N),
    # and for dense storage the L·N² weights.
    at_least = 8 * (depth * n + 4 * 21 * n)
    assert structured >= at_least and onthefly >= at_least
    assert dense >= at_least + 8 * depth * n * n > onthefly
    if _gpu.unavailable_reason() is not None:
        with pytest.raises(RuntimeError):  # NoDeviceError: no driver/device, never a crash
            cuda.matfree_signs(10, 1, S["structured_signs"], 0, 0)
