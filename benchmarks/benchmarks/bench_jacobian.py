"""Finite-width Jacobian spectra of deep tanh networks near criticality."""

import isometry

from .common import SEED, pin_threads

# "widthxdepth" strings rather than two parameters: we want these three shapes, not their
# cross product.
SHAPES = ["512x16", "1024x32", "2048x32"]
DTYPES = ["float64", "float32"]
WEIGHTS = ["orthogonal", "gaussian"]

ACTIVATION = "tanh"
SIGMA_W = 1.05  # slightly chaotic side of the tanh critical line, as in the paper's figures
SIGMA_B = 0.0


def _shape(shape):
    width, depth = shape.split("x")
    return int(width), int(depth)


def _spectrum(shape, dtype, weights):
    width, depth = _shape(shape)
    return isometry.jacobian_spectrum(
        width,
        depth,
        activation=ACTIVATION,
        weights=weights,
        sigma_w=SIGMA_W,
        sigma_b=SIGMA_B,
        seed=SEED,
        dtype=dtype,
    )


class JacobianSpectrum:
    params = (SHAPES, DTYPES, WEIGHTS)
    param_names = ("shape", "dtype", "weights")
    # 2048x32 takes 10-15 s per call on 2 cores: one call per sample, few samples, and a
    # timeout that covers them with room to spare.
    number = 1
    repeat = (1, 3, 60.0)
    rounds = 1
    warmup_time = 0
    timeout = 600

    def setup(self, shape, dtype, weights):
        pin_threads()

    def time_jacobian_spectrum(self, shape, dtype, weights):
        _spectrum(shape, dtype, weights)


class JacobianSpectrumValues:
    """Tracks the mean eigenvalue of J Jᵀ: a cheap guard that a speed-up did not change the
    answer (same seed, so it should only move when the draws or the algorithm change)."""

    params = (SHAPES, WEIGHTS)
    param_names = ("shape", "weights")
    timeout = 600
    unit = "mean eigenvalue of J J^T"

    def setup(self, shape, weights):
        pin_threads()

    def track_eigenvalue_mean(self, shape, weights):
        return float(_spectrum(shape, "float64", weights).eigenvalues.mean())


class EigensolverThreads:
    """The eigensolver step (one layer) on one thread, the default, and on OpenBLAS's pool
    (``set_thread_adaptation("all")``)."""

    params = (["eigh", "svd"], ["openmp", "all"])
    param_names = ("method", "adaptation")
    number = 1
    repeat = (1, 5, 30.0)
    rounds = 1
    warmup_time = 0

    def setup(self, method, adaptation):
        pin_threads()
        self._saved = isometry.get_thread_adaptation()
        isometry.set_thread_adaptation(adaptation)

    def teardown(self, method, adaptation):
        isometry.set_thread_adaptation(self._saved)

    def time_one_layer_spectrum(self, method, adaptation):
        isometry.jacobian_spectrum(1024, 1, method=method, seed=SEED)
