"""The free-probability densities are bitwise identical for any OpenMP thread count.

The grid is solved in chunks of a fixed number of points (not a multiple of the thread count),
each continued from its own first point, and the per-chunk tallies are combined in chunk order.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

SCRIPT = r"""
import sys, numpy as np
from isometry import theory
laws = {
    "tanh_gaussian": theory.jacobian_density("tanh", "gaussian", 32, 1.05, 0.1),
    "hard_tanh_orthogonal": theory.jacobian_density("hard_tanh", "orthogonal", 16, 1.1, 0.1),
    "erf_gaussian_deep": theory.jacobian_density("erf", "gaussian", 300, 1.05, 0.1),
    "resnet": theory.resnet_density(0.7),
    "smooth": theory.universal_density("smooth", 0.5),
}
arrays = {}
for name, d in laws.items():
    arrays[name + "_x"] = d.x
    arrays[name + "_density"] = d.density
    arrays[name + "_tail"] = np.concatenate([[d.mass_below_grid], d.tail_mass, d.tail_log_x])
    arrays[name + "_counts"] = np.array([d.diagnostics["iterations"], d.diagnostics["restarts"]])
np.savez(sys.argv[1], **arrays)
"""


def run(tmp_path, threads: int) -> dict[str, np.ndarray]:
    path = tmp_path / f"omp{threads}.npz"
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS="1")
    subprocess.run([sys.executable, "-c", SCRIPT, str(path)], env=env, check=True)
    with np.load(path) as data:
        return dict(data)


def test_densities_identical_for_one_two_three_threads(tmp_path):
    one, two, three = (run(tmp_path, t) for t in (1, 2, 3))
    for name in one:
        assert one[name].tobytes() == two[name].tobytes() == three[name].tobytes(), name
