"""The first calls a user types: defaults that give a critical network, every accepted form of
``seed``, σ² keywords, and results that leave Python (repr, to_dict, save/load, to_frame)."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

import isometry
from isometry import theory
from isometry.montecarlo._pipeline import DEFAULT_Q_STAR


def test_defaults_give_a_critical_network_and_report_it():
    r = isometry.jacobian_spectrum(24, 3)
    # Critical: χ₁ = 1 and the fixed point is the default q*, checked through the mean-field
    # functions (not through the rule that chose σ_w, σ_b). 1e-9: quadrature accuracy of χ₁.
    assert theory.chi1("tanh", r.sigma_w, r.sigma_b) == pytest.approx(1.0, abs=1e-9)
    assert theory.q_star("tanh", r.sigma_w, r.sigma_b) == pytest.approx(DEFAULT_Q_STAR, rel=1e-9)
    assert r.critical_q_star == DEFAULT_Q_STAR and r.q0 == pytest.approx(DEFAULT_Q_STAR, rel=1e-9)
    d = isometry.jacobian_spectral_density(32, 2, probes=2, steps=4)
    assert (d.sigma_w, d.sigma_b) == (
        r.sigma_w,
        r.sigma_b,
    ) and d.weights == r.weights == "orthogonal"
    res = isometry.resnet_jacobian_spectrum(16, 2)
    assert (res.sigma_w, res.sigma_b, res.weights) == (1.0, 0.0, "orthogonal")


def test_only_sigma_b_gives_the_edge_of_chaos_and_q_star_a_critical_point():
    r = isometry.jacobian_spectrum(16, 2, sigma_b=0.3)
    assert theory.chi1("tanh", r.sigma_w, 0.3) == pytest.approx(1.0, abs=1e-9)
    r = isometry.jacobian_spectrum(16, 2, q_star=0.2, activation="erf")
    assert theory.q_star("erf", r.sigma_w, r.sigma_b) == pytest.approx(0.2, rel=1e-9)
    with pytest.raises(ValueError, match="either q_star"):
        isometry.jacobian_spectrum(16, 2, q_star=0.2, sigma_w=1.0)


def test_parameter_sharing_defaults_to_its_isometric_scale():
    r = isometry.jacobian_spectrum(16, 5, activation="relu", weights="parameter_sharing")
    # Orthogonal W0 and σ_w = 1: every singular value of J is exactly 1 (to rounding, 1e-12).
    assert r.sigma_w == 1.0 and np.allclose(r.singular_values, 1.0, atol=1e-12)


def test_squared_forms_are_the_same_network_and_exclusive():
    a = isometry.jacobian_spectrum(16, 3, sigma_w=1.3, sigma_b=0.2)
    b = isometry.jacobian_spectrum(16, 3, sigma_w2=1.3**2, sigma_b2=0.2**2)
    assert b.sigma_w == pytest.approx(1.3, rel=1e-15)
    np.testing.assert_allclose(
        a.eigenvalues, b.eigenvalues, rtol=1e-12
    )  # σ from √(σ²): 1 ulp apart
    with pytest.raises(TypeError, match="sigma_w or sigma_w2"):
        isometry.jacobian_spectrum(16, 3, sigma_w=1.3, sigma_w2=1.69)
    with pytest.raises(ValueError, match="sigma_b2 must be >= 0"):
        isometry.jacobian_spectral_density(16, 2, sigma_w=1.0, sigma_b2=-1.0)


def test_every_seed_form_maps_to_a_recorded_repeatable_key():
    ss = np.random.SeedSequence(7)
    r = isometry.jacobian_spectrum(16, 2, seed=ss)
    assert r.seed == int(
        np.random.SeedSequence(7).generate_state(1, np.uint64)[0]
    )  # the documented rule
    rng = np.random.default_rng(3)
    first, second = (isometry.jacobian_spectrum(16, 2, seed=rng) for _ in range(2))
    assert first.seed != second.seed and not np.array_equal(first.eigenvalues, second.eigenvalues)
    assert isometry.jacobian_spectrum(16, 2, seed=np.random.default_rng(3)).seed == first.seed
    fresh = isometry.jacobian_spectrum(16, 2, seed=None)
    again = isometry.jacobian_spectrum(16, 2, seed=fresh.seed)
    np.testing.assert_array_equal(fresh.eigenvalues, again.eigenvalues)
    assert isometry.resnet_jacobian_spectrum(16, 2, seed=np.uint64(5)).seed == 5
    with pytest.raises(TypeError, match="RandomState"):
        isometry.jacobian_spectrum(16, 2, seed=np.random.RandomState(0))
    with pytest.raises(TypeError, match="seed must be"):
        isometry.jacobian_spectral_density(16, 2, seed=1.5)


def _assert_same(a, b):
    for name, value in a._public_fields().items():
        other = getattr(b, name)
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, other)
        else:
            assert value == other, name


def test_results_have_short_reprs_json_files_and_tables(tmp_path):
    r = isometry.jacobian_spectrum(512, 2, sigma_w=1.05, sigma_b=0.0)
    text = repr(r)
    assert "\n" not in text and len(text) < 500 and "eigenvalues=<512 float64>" in text
    json.dumps(r.to_dict(), allow_nan=False)  # strict JSON
    summary = r.summary()
    assert summary["width"] == 512 and summary["sigma_w"] == 1.05 and "condition_number" in summary
    assert summary["mean"] == pytest.approx(float(np.mean(r.eigenvalues)), rel=1e-12)
    path = r.save(tmp_path / "r")
    assert path.suffix == ".npz"
    _assert_same(r, isometry.JacobianSpectrum.load(path))
    with pytest.raises(ValueError, match="holds a JacobianSpectrum"):
        isometry.ResnetSpectrum.load(path)
    pytest.importorskip("pandas")
    frame = r.to_frame()
    assert list(frame.columns) == ["eigenvalues", "singular_values"] and len(frame) == 512


def test_spectral_density_round_trips_and_scalars_are_floats(tmp_path):
    d = isometry.jacobian_spectral_density(64, 2, sigma_w=1.1, probes=3, steps=8)
    value = d.cdf(1.0)
    assert isinstance(value, float) and isinstance(d.cdf_error(1.0), float)
    assert d.cdf(np.array([0.5, 1.0])).shape == (2,)
    loaded = isometry.SpectralDensity.load(d.save(tmp_path / "d.npz"))
    _assert_same(d, loaded)
    assert loaded.cdf(1.0) == value  # the per-probe CDFs are rebuilt from the saved quadrature
    json.dumps(d.to_dict(), allow_nan=False)


def test_renamed_members_warn_and_still_answer():
    d = isometry.jacobian_spectral_density(64, 2, sigma_w=1.1, probes=2, steps=6)
    law = theory.jacobian_density("tanh", "orthogonal", 2, 1.1, 0.0)
    assert d.quadrature_weights.shape == d.nodes.shape and d.weights == "orthogonal"
    with pytest.warns(DeprecationWarning, match="weights_kind"):
        assert d.weights_kind == "orthogonal"
    with pytest.warns(DeprecationWarning, match="ks_distance"):
        old = d.ks_distance_to(law)
    assert old == d.ks_distance(law)


def test_progress_is_quiet_off_a_terminal_and_on_when_asked(capsys, monkeypatch):
    from isometry._internal.progress import ProgressBar, progress_callback

    isometry.jacobian_spectrum(32, 3)  # progress=None, stderr captured (not a terminal)
    assert capsys.readouterr().err == ""
    assert progress_callback(None, "x") is None
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    assert isinstance(progress_callback(None, "x"), ProgressBar)
    assert isinstance(progress_callback(True, "x"), ProgressBar)
    with pytest.raises(TypeError, match="progress must be"):
        progress_callback("yes", "x")


def test_memory_estimate_of_absurd_dense_sizes_does_not_wrap():
    # 2^30 units, Haar layers stored densely: 8·L·N² bytes ~ 2^75, beyond a 64-bit size_t.
    with pytest.raises(MemoryError, match="structured_orthogonal"):
        isometry.jacobian_spectral_density(1 << 30, 4096, sigma_w=1.05, probes=1, steps=2)
    assert math.isfinite(float(isometry.jacobian_spectrum(8, 1).summary()["mean"]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        isometry.jacobian_spectrum(8, 1, progress=False)
