"""Same seed, same numbers, whatever the number of threads.

Random draws are pure functions of (seed, stream, counter), so everything isometry computes in
its own loops is bitwise identical for any OpenMP thread count. OpenBLAS's GEMM is not bitwise
reproducible across *its* thread counts (its blocking depends on them), so results that pass
through BLAS/LAPACK agree across BLAS thread counts to rounding only.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

SCRIPT = r"""
import sys, numpy as np, isometry
arrays = {
    "gaussian": isometry.gaussian(777, 555, seed=3),
    "gaussian32": isometry.gaussian(300, seed=4, dtype="float32"),
    "haar": isometry.haar_orthogonal(300, seed=5),
    "stiefel32": isometry.haar_orthogonal(200, 120, seed=6, dtype="float32"),
}
for weights in ("orthogonal", "gaussian"):
    r = isometry.jacobian_spectrum(160, 5, activation="tanh", weights=weights, sigma_w=1.2, sigma_b=0.1, seed=7)
    arrays[weights + "_eigenvalues"] = r.eigenvalues
    arrays[weights + "_q"] = r.q
# Mean-field phase diagram: OpenMP over grid points.
d = isometry.theory.phase_diagram("tanh", np.linspace(0.8, 2.5, 6), np.linspace(0.0, 1.0, 5))
arrays["phase_q_star"], arrays["phase_c_star"], arrays["phase_xi_c"] = d.q_star, d.c_star, d.xi_c
np.savez(sys.argv[1], **arrays)
"""


def run(tmp_path, omp_threads: int, blas_threads: int) -> dict[str, np.ndarray]:
    path = tmp_path / f"omp{omp_threads}_blas{blas_threads}.npz"
    env = dict(os.environ, OMP_NUM_THREADS=str(omp_threads), OPENBLAS_NUM_THREADS=str(blas_threads))
    subprocess.run([sys.executable, "-c", SCRIPT, str(path)], env=env, check=True)
    with np.load(path) as data:
        return dict(data)


def test_openmp_thread_count_gives_identical_bits(tmp_path):
    one, two, three = (run(tmp_path, t, 1) for t in (1, 2, 3))
    for name in one:
        assert one[name].tobytes() == two[name].tobytes() == three[name].tobytes(), name


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores to exercise BLAS threading")
def test_blas_thread_count_changes_only_rounding(tmp_path):
    one, two = run(tmp_path, 2, 1), run(tmp_path, 2, 2)
    # Pure random draws never touch BLAS: identical bits.
    for name in ("gaussian", "gaussian32"):
        assert one[name].tobytes() == two[name].tobytes(), name
    # Through BLAS: a few ulps of the largest entry, times the depth for the Jacobian products.
    for name in one:
        a, b = one[name].astype(np.float64), two[name].astype(np.float64)
        ulp = np.finfo(one[name].dtype).eps
        assert np.abs(a - b).max() <= 100 * ulp * np.abs(a).max(), name
