"""One reproducer per rule of fuzz_known.py: defects the fuzz suite tolerates because they are
being fixed elsewhere. Each is xfail(strict=True): when the fix lands it passes unexpectedly,
and the rule in fuzz_known.py and the mark here must be deleted together."""

from __future__ import annotations

import subprocess
import sys

import isometry
import numpy as np
import pytest
from isometry import theory

DENSITY = "free-probability law checks and solver (density work)"
MEAN_FIELD = "bounded tanh/erf quadratures at huge q (mean-field work)"


@pytest.mark.xfail(strict=True, raises=RuntimeError, reason=DENSITY)
def test_upper_edge_of_a_one_layer_law_is_found():
    law = theory.jacobian_density("tanh", "orthogonal", 1, 1.05, 0.0, points=100)
    assert law.lambda_max > 0


@pytest.mark.xfail(strict=True, reason=DENSITY)
def test_resnet_law_on_two_points_keeps_its_mass():
    law = theory.resnet_density(1.0, points=2)
    assert abs(law.continuous_mass() + sum(m for _, m in law.atoms) - 1) < 0.05


@pytest.mark.xfail(strict=True, reason=DENSITY)
def test_ks_distance_refuses_non_finite_eigenvalues():
    law = theory.jacobian_density("relu", "orthogonal", 4, 2**0.5, 0.0, points=100)
    with pytest.raises(ValueError, match="eigenvalues"):
        law.ks_distance(np.array([np.nan, 1.0]))


@pytest.mark.xfail(strict=True, raises=subprocess.TimeoutExpired, reason=MEAN_FIELD)
def test_depth_scales_at_huge_sigma_b_return_quickly():
    code = "from isometry import theory\ntry:\n    theory.depth_scales('tanh', 1.8, 1985816)\nexcept Exception:\n    pass\n"
    subprocess.run([sys.executable, "-c", code], timeout=20, check=True)


@pytest.mark.xfail(strict=True, reason=MEAN_FIELD)
def test_large_q_non_convergence_names_an_argument():
    with pytest.raises((ValueError, OverflowError, isometry.ConvergenceError), match="sigma_w"):
        theory.resnet_parameter_table(sigma_w=2.0**63, sigma_b=0.0, depth=8)
