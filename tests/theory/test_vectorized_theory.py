"""Theory functions broadcast over arrays like NumPy ufuncs, take σ² keywords, run with
defaults, and their results leave Python (floats, save/load, tables)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from isometry import theory


def test_arrays_broadcast_and_equal_the_scalar_calls():
    sw = np.array([[1.0], [1.5]])
    sb = np.array([0.0, 0.1, 0.3])
    q = theory.q_star("tanh", sw, sb)
    assert q.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            assert q[i, j] == theory.q_star("tanh", float(sw[i, 0]), float(sb[j]))
    assert isinstance(theory.q_star("tanh", 1.5, 0.1), float)
    w, b = theory.critical_point("tanh", [0.1, 0.5])
    assert w.shape == b.shape == (2,) and (w[1], b[1]) == theory.critical_point("tanh", 0.5)
    scales = theory.depth_scales("tanh", [1.5, 2.0], 0.3)
    assert (
        isinstance(scales, theory.DepthScales)
        and scales.xi_c[1] == theory.depth_scales("tanh", 2.0, 0.3).xi_c
    )
    lam = theory.lambda_max("tanh", "orthogonal", [4, 8], 1.05, 0.0)
    assert lam[1] == theory.lambda_max("tanh", "orthogonal", 8, 1.05, 0.0)
    with pytest.raises(ValueError, match="do not broadcast"):
        theory.chi1("tanh", [1.0, 2.0], [0.1, 0.2, 0.3])


def test_an_error_at_one_point_names_it():
    with pytest.raises(ValueError, match=r"sigma_w=-1\.0"):
        theory.q_star("tanh", [1.0, -1.0], 0.0)


def test_squared_keywords_match_the_papers_numbers():
    # PSG17 tabulates σ_w² = 1.05, σ_b² = 2.01e-5 with q* ≈ 0.026 (quoted to two digits).
    assert theory.q_star("tanh", sigma_w2=1.05, sigma_b2=2.01e-5) == pytest.approx(0.026, abs=5e-4)
    assert theory.chi1("tanh", sigma_w2=1.21, sigma_b2=0.04) == theory.chi1("tanh", 1.1, 0.2)
    with pytest.raises(TypeError, match="sigma_b or sigma_b2"):
        theory.q_star("tanh", 1.0, 0.1, sigma_b2=0.01)


def test_density_and_moments_run_with_defaults_at_a_critical_point():
    d = theory.jacobian_density(points=200)
    assert theory.chi1("tanh", d.sigma_w, d.sigma_b) == pytest.approx(1.0, abs=1e-9)
    m = theory.jacobian_moments()
    # At criticality m₁ = (σ_w² μ₁)^L = χ₁^L = 1 (PSG18 eq. 21).
    assert m.moments[0] == pytest.approx(1.0, rel=1e-9) and (m.sigma_w, m.depth) == (
        d.sigma_w,
        d.depth,
    )


def test_theory_results_are_floats_files_and_tables(tmp_path):
    d = theory.jacobian_density("hard_tanh", "orthogonal", 4, q_star=0.5, points=300)
    assert isinstance(d.cdf(1.0), float) and d.cdf([0.5, 1.0]).shape == (2,)
    loaded = type(d).load(d.save(tmp_path / "d.npz"))
    assert loaded.atoms == d.atoms and loaded.support == d.support and loaded.cdf(1.0) == d.cdf(1.0)
    json.dumps(d.to_dict(), allow_nan=False)
    law = theory.relu_output_law([5] * 4)
    assert isinstance(law.cdf(3.0), float)
    pytest.importorskip("pandas")
    diagram = theory.phase_diagram(
        "erf", np.linspace(0.5, 2, 3), np.linspace(0, 1, 4), progress=False
    )
    frame = diagram.to_frame()
    assert len(frame) == 12 and frame.iloc[5]["chi1"] == theory.chi1(
        "erf", frame.iloc[5]["sigma_w"], frame.iloc[5]["sigma_b"]
    )
    assert list(theory.jacobian_moments("tanh", "orthogonal", 3, 1.0, 0.1).to_frame()["k"]) == [
        1,
        2,
        3,
        4,
    ]


def test_phase_diagram_reports_progress_by_rows_and_matches_one_call():
    calls = []
    grid_w, grid_b = np.linspace(0.5, 3, 5), np.linspace(0, 1, 120)
    diagram = theory.phase_diagram(
        "tanh", grid_w, grid_b, progress=lambda d, t: calls.append((d, t))
    )
    assert calls[-1] == (120, 120) and len(calls) > 2
    assert diagram.chi1.shape == (120, 5)
    assert diagram.q_star[77, 3] == theory.q_star("tanh", grid_w[3], grid_b[77])


def test_lambda_max_depths_keyword_is_deprecated():
    with pytest.warns(DeprecationWarning, match="depths"):
        value = theory.lambda_max("tanh", "orthogonal", depths=4, sigma_w=1.05, sigma_b=0.0)
    assert value == theory.lambda_max("tanh", "orthogonal", 4, 1.05, 0.0)
