"""Random-matrix samplers: Haar orthogonal and Gaussian square matrices."""

import isometry

from .common import SEED, pin_threads

SIZES = [256, 1024, 2048, 4096]
DTYPES = ["float64", "float32"]


class HaarOrthogonal:
    params = (SIZES, DTYPES)
    param_names = ("n", "dtype")
    # n=4096 takes ~2 s per call on 2 cores; leave room for repeats and slow CI machines.
    timeout = 300

    def setup(self, n, dtype):
        pin_threads()

    def time_haar_orthogonal(self, n, dtype):
        isometry.haar_orthogonal(n, seed=SEED, dtype=dtype)

    def peakmem_haar_orthogonal(self, n, dtype):
        isometry.haar_orthogonal(n, seed=SEED, dtype=dtype)


class Gaussian:
    params = (SIZES, DTYPES)
    param_names = ("n", "dtype")
    timeout = 120

    def setup(self, n, dtype):
        pin_threads()

    def time_gaussian(self, n, dtype):
        isometry.gaussian(n, seed=SEED, dtype=dtype)

    def peakmem_gaussian(self, n, dtype):
        isometry.gaussian(n, seed=SEED, dtype=dtype)
