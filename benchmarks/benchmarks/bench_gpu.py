"""The CUDA backend (device="gpu"): samplers and Jacobian spectra, plus the GEMM-bound limit of
the latter timed the same way.

GPU calls return once their work is queued, so every timed function ends with
``cupy.cuda.Device().synchronize()``: asv's clock stops when the device is done. Without a
usable GPU (no CUDA build, no driver, no CuPy) ``setup`` raises NotImplementedError and asv
skips the benchmark.
"""

import numpy as np

import isometry

from .common import SEED, pin_threads

DTYPES = ["float32", "float64"]
SIGMA_W = 1.05


def _require_gpu():
    """CuPy, or NotImplementedError (asv: skip) when the GPU backend cannot run here."""
    from isometry._internal import gpu as _gpu

    reason = _gpu.unavailable_reason()
    if reason is not None:
        raise NotImplementedError(reason)
    try:
        import cupy
    except ImportError as exc:
        raise NotImplementedError(f"cupy is not importable ({exc})") from exc
    return cupy


class GpuHaarOrthogonal:
    params = ([1024, 4096, 8192], DTYPES)
    param_names = ("n", "dtype")
    timeout = 300

    def setup(self, n, dtype):
        pin_threads()
        self.cupy = _require_gpu()
        isometry.haar_orthogonal(n, seed=SEED, dtype=dtype, device="gpu")  # handles, pools, JIT
        self.cupy.cuda.Device().synchronize()

    def time_haar_orthogonal(self, n, dtype):
        isometry.haar_orthogonal(n, seed=SEED, dtype=dtype, device="gpu")
        self.cupy.cuda.Device().synchronize()


class GpuGaussian:
    params = ([4096, 16384], DTYPES)
    param_names = ("n", "dtype")
    timeout = 120

    def setup(self, n, dtype):
        pin_threads()
        self.cupy = _require_gpu()
        self.out = self.cupy.empty((n, n), dtype=dtype)  # fill in place: time the kernel only

    def time_gaussian(self, n, dtype):
        isometry.gaussian(n, seed=SEED, dtype=dtype, device="gpu", out=self.out)
        self.cupy.cuda.Device().synchronize()


class GpuJacobianSpectrum:
    # "widthxdepth": the target shape and a smaller one, not a cross product.
    params = (["2048x32", "8192x64"], DTYPES, ["orthogonal", "gaussian"])
    param_names = ("shape", "dtype", "weights")
    number = 1
    repeat = (1, 3, 120.0)
    rounds = 1
    warmup_time = 0
    timeout = 900

    def setup(self, shape, dtype, weights):
        pin_threads()
        self.cupy = _require_gpu()
        self.width, self.depth = (int(v) for v in shape.split("x"))
        self.q0 = isometry.default_q0("tanh", SIGMA_W, 0.0)

    def time_jacobian_spectrum(self, shape, dtype, weights):
        isometry.jacobian_spectrum(
            self.width,
            self.depth,
            activation="tanh",
            weights=weights,
            sigma_w=SIGMA_W,
            q0=self.q0,
            seed=SEED,
            dtype=dtype,
            device="gpu",
        )
        self.cupy.cuda.Device().synchronize()


class GpuGemmBound:
    """The limit jacobian_spectrum(device="gpu") is measured against: L products N x N times
    N x (N+1) and one eigvalsh of an N x N matrix, same shapes and dtypes as above."""

    params = (["2048x32", "8192x64"], DTYPES)
    param_names = ("shape", "dtype")
    number = 1
    repeat = (1, 3, 120.0)
    rounds = 1
    warmup_time = 0
    timeout = 900

    def setup(self, shape, dtype):
        pin_threads()
        cupy = self.cupy = _require_gpu()
        width, self.depth = (int(v) for v in shape.split("x"))
        rs = cupy.random.RandomState(SEED)
        self.a = rs.standard_normal((width, width), dtype=dtype) / np.sqrt(width)
        self.b = rs.standard_normal((width, width + 1), dtype=dtype)
        self.c = cupy.empty_like(self.b)
        g = rs.standard_normal((width, width), dtype=dtype)
        self.sym = (g + g.T) / 2
        cupy.cuda.Device().synchronize()

    def time_gemm_bound(self, shape, dtype):
        for _ in range(self.depth):
            self.cupy.matmul(self.a, self.b, out=self.c)
        self.cupy.linalg.eigvalsh(self.sym)
        self.cupy.cuda.Device().synchronize()


class GpuMatfreeDensity:
    """jacobian_spectral_density(device="gpu"): on-the-fly Gaussian and structured orthogonal
    weights, tanh at a critical point, 4 probes x 20 steps. The result comes back to the host
    (the call synchronises); the device is synchronised again before the timer stops."""

    params = (["gaussian", "structured_orthogonal"], [4096, 16384])
    param_names = ("weights", "width")
    number = 1
    repeat = (1, 3, 60.0)
    timeout = 300

    def setup(self, weights, width):
        pin_threads()
        self.cupy = _require_gpu()
        self.sigma_w, self.sigma_b = isometry.theory.critical_point("tanh", 0.5)
        self._run(weights, width)  # handles, JIT

    def _run(self, weights, width):
        isometry.jacobian_spectral_density(
            width,
            8,
            activation="tanh",
            weights=weights,
            storage="onthefly",
            sigma_w=self.sigma_w,
            sigma_b=self.sigma_b,
            seed=SEED,
            probes=4,
            steps=20,
            device="gpu",
        )
        self.cupy.cuda.Device().synchronize()

    def time_spectral_density(self, weights, width):
        self._run(weights, width)
