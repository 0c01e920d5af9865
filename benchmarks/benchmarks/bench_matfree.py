"""Matrix-free spectra of J Jᵀ (stochastic Lanczos quadrature); the 2^20 x 32 target itself is
measured in benchmarks/compare.py (section matfree): minutes per call are too long for asv."""

import numpy as np

import isometry
from isometry._internal.core import _core

from .common import SEED, pin_threads

ACTIVATION = "tanh"
Q_STAR = 0.5


def _critical():
    return isometry.theory.critical_point(ACTIVATION, Q_STAR)


class StructuredOrthogonalDensity:
    """Width 2^16, depth 32, structured orthogonal: 1/16 of the target width, same depth."""

    params = ([4, 8], [30])
    param_names = ("probes", "steps")
    number = 1
    repeat = (1, 3, 60.0)
    rounds = 1
    warmup_time = 0
    timeout = 600

    def setup(self, probes, steps):
        pin_threads()
        self.sigma_w, self.sigma_b = _critical()

    def _run(self, probes, steps):
        return isometry.jacobian_spectral_density(
            1 << 16,
            32,
            activation=ACTIVATION,
            weights="structured_orthogonal",
            sigma_w=self.sigma_w,
            sigma_b=self.sigma_b,
            seed=SEED,
            probes=probes,
            steps=steps,
        )

    def time_spectral_density(self, probes, steps):
        self._run(probes, steps)

    def peakmem_spectral_density(self, probes, steps):
        self._run(probes, steps)

    def track_ks_vs_haar_theory(self, probes, steps):
        law = isometry.theory.jacobian_density(
            ACTIVATION, "orthogonal", 32, self.sigma_w, self.sigma_b
        )
        return self._run(probes, steps).ks_distance(law)

    track_ks_vs_haar_theory.unit = "KS distance"


class WalshHadamard:
    params = [[1 << 16, 1 << 20]]
    param_names = ["n"]

    def setup(self, n):
        pin_threads()
        self.x = np.random.default_rng(SEED).standard_normal(n)

    def time_walsh_hadamard(self, n):
        _core.testing.walsh_hadamard(self.x)


class OnTheFlyGaussianProduct:
    """One Jᵀ·X and J·X (depth 2) with Gaussian weights regenerated from Philox, 8 vectors."""

    params = [[512, 1024]]
    param_names = ["width"]

    def setup(self, width):
        pin_threads()
        self.x = np.asfortranarray(np.random.default_rng(SEED).standard_normal((width, 8)))

    def time_operator(self, width):
        _core.testing.matfree_apply(
            width, 2, ACTIVATION, "gaussian", "onthefly", 1.0, 0.1, 0.5, SEED, 3, self.x, True
        )
