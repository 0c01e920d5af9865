"""One vocabulary: the Python registry (isometry._names) and the C++ parsers
(cpp/include/isometry/core/names.hpp) accept exactly the same names, and the training
activations compute the same φ, φ′ as the C++ core."""

from __future__ import annotations

import numpy as np
import pytest

from isometry import _names
from isometry._internal.core import _core

CPP = _core.testing.accepted_names()


def test_activations_match_the_cpp_parser():
    assert list(_names.ACTIVATIONS) == CPP["activation"]


def test_theory_ensembles_match_the_cpp_parser():
    assert set(_names.ensembles("theory")) == set(CPP["theory_weights"])


def test_dense_ensembles_match_the_cpp_parser_plus_the_python_composed_one():
    # parameter sharing is assembled in Python from orthogonal/gaussian blocks (montecarlo/parameter_sharing.py)
    assert set(_names.ensembles("dense")) == set(CPP["dense_weights"]) | {"parameter_sharing"}
    assert set(_names.ensembles("gpu")) == set(CPP["dense_weights"])


def test_matrix_free_ensembles_match_the_cpp_parser():
    assert set(_names.ensembles("matfree")) == set(CPP["matfree_weights"])


def test_methods_match_the_cpp_parser():
    assert list(_names.METHODS) == CPP["spectrum_method"]


@pytest.mark.parametrize("name", ["", "Tanh", "tanh ", "sigmoid", "orthogonal"])
def test_cpp_parser_refuses_names_outside_the_registry(name):
    with pytest.raises(ValueError, match="activation must be one of 'linear', 'tanh'"):
        _core.testing.activation_values(name, np.zeros(1))


def test_unknown_capability_is_refused():
    with pytest.raises(ValueError, match="capability must be one of"):
        _names.ensembles("quantum")


@pytest.mark.parametrize("name", _names.ACTIVATIONS)
def test_training_activations_equal_the_cpp_ones(name):
    from isometry.training.activations import Activation

    # Spread over the region where each activation bends, plus the far tails.
    h = np.concatenate([np.linspace(-6, 6, 1201), [-40.0, -19.5, 19.5, 40.0, 0.0, 1.0, -1.0]])
    phi_cpp, dphi_cpp = _core.testing.activation_values(name, h)
    act = Activation(name, np)
    if act.is_linear:  # the model skips φ for linear nets; the C++ identity is φ = h, φ' = 1
        np.testing.assert_array_equal(phi_cpp, h)
        np.testing.assert_array_equal(dphi_cpp, 1.0)
        return
    phi = np.empty_like(h)
    act.forward(h, phi)
    dphi = np.empty_like(h)
    act.derivative(h, phi, dphi)
    # Both sides are libm/ufunc evaluations of the same closed forms: a few ulps apart at most.
    np.testing.assert_allclose(phi, phi_cpp, rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(dphi, dphi_cpp, rtol=1e-13, atol=1e-15)
