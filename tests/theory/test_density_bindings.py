"""The named density bindings for explicit laws of D² (no sentinel arguments)."""

from __future__ import annotations

import numpy as np
import pytest

from isometry import theory
from isometry._internal.core import _core


def test_bernoulli_binding_names_p():
    for bad in (0.0, 1.5, -1.0):
        with pytest.raises(ValueError, match="p must be in"):
            _core.jacobian_density_bernoulli(
                p=bad, weights="orthogonal", depth=2, sigma_w=1.0, x=[], points=10
            )


def test_custom_law_built_in_core_gives_the_moments():
    # A custom tanh (through Python callbacks and the sampled law) against the built-in tanh's
    # exact moments m₁ = χ₁^L, m₂ (free probability): the sampled law is exact to ~1e-12 in μ_k,
    # the density's trapezoid moments to 1e-4.
    custom = theory.Activation(np.tanh, lambda h: 1 / np.cosh(h) ** 2, name="tanh_py")
    q = theory.q_star("tanh", 1.3, 0.1)
    raw = _core.jacobian_density_custom(
        activation=custom._core, weights="orthogonal", depth=4, sigma_w=1.3, q=q, x=[], points=2000
    )
    d = theory.jacobian_density("tanh", "orthogonal", 4, 1.3, 0.1)
    m = theory.jacobian_moments("tanh", "orthogonal", 4, 1.3, 0.1, order=2).moments
    x, rho = np.asarray(raw["x"]), np.asarray(raw["density"])
    first = float(np.sum(np.diff(x) * (x[1:] * rho[1:] + x[:-1] * rho[:-1]) / 2))
    assert first == pytest.approx(m[0], rel=1e-4)
    assert first == pytest.approx(d.moment(1), rel=1e-4)


def test_custom_law_refuses_flat_derivative():
    flat = theory.Activation(
        lambda h: np.clip(h, -1, 1), lambda h: (np.abs(h) < 1).astype(float), kinks=(-1.0, 1.0)
    )
    with pytest.raises(ValueError, match="almost everywhere"):
        _core.jacobian_density_custom(
            activation=flat._core, weights="gaussian", depth=2, sigma_w=1.2, q=0.5, x=[], points=10
        )
