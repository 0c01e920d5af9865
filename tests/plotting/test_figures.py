"""Every plotting function takes ax= and returns the Figure; labels are mathtext; colorbars are
labelled; files are written when a path is given."""

from __future__ import annotations

import numpy as np
import pytest

import isometry
from isometry import plotting, theory

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def spectrum():
    return isometry.jacobian_spectrum(48, 4, activation="hard_tanh", q_star=0.5)


def _fresh_axes(count=1):
    from matplotlib.figure import Figure

    fig = Figure()
    return fig, fig.subplots(1, count, squeeze=False)[0]


def test_plots_draw_into_the_callers_axes(spectrum, tmp_path):
    law = theory.jacobian_density(
        "hard_tanh", "orthogonal", 4, spectrum.sigma_w, spectrum.sigma_b, points=200
    )
    fig, axes = _fresh_axes(2)
    assert plotting.plot_spectrum(spectrum, theory=law, ax=axes) is fig
    assert "$" in axes[0].get_xlabel() and "$" in axes[1].get_ylabel()
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert any("atom" in t and "mass" in t for t in labels)  # the atom at 0 with its mass
    fig, (ax,) = _fresh_axes()
    assert plotting.plot_density(law, ax=ax) is fig
    fig, (ax,) = _fresh_axes()
    density = isometry.jacobian_spectral_density(64, 2, q_star=0.5, probes=2, steps=6)
    assert plotting.plot_spectral_density(density, theory=law, ax=ax) is fig
    path = tmp_path / "s.png"
    figure = plotting.plot_spectrum(spectrum, path)
    assert path.read_bytes()[:4] == b"\x89PNG" and len(figure.axes) == 2


def test_phase_diagram_colorbars_are_labelled_with_several_ticks(tmp_path):
    diagram = theory.phase_diagram(
        "tanh", np.linspace(0.5, 3, 8), np.linspace(0, 1.5, 8), progress=False
    )
    fig = plotting.plot_phase_diagram(diagram, tmp_path / "pd.png")
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 3 and all(bar.get_ylabel() for bar in bars)
    chi = next(bar for bar in bars if "chi_1" in bar.get_ylabel())
    lo, hi = chi.get_ylim()
    ticks = [t for t in chi.get_yticks() if lo <= t <= hi]
    assert len(ticks) > 2
    with pytest.warns(DeprecationWarning):
        plotting.plot_phase_diagram(diagram, diagram.sigma_w, diagram.sigma_b, tmp_path / "old.png")


def test_outliers_far_below_the_bulk_are_marked():
    from isometry.plotting.spectrum import isolated

    values = np.concatenate([[1e-6], np.geomspace(0.1, 10, 200)])
    assert isolated(values) == (1, 0)
    assert isolated(np.geomspace(1e-12, 1, 200)) == (
        0,
        0,
    )  # a spectrum spanning decades is no outlier


def test_resnet_and_relu_figures(tmp_path):
    r = isometry.resnet_jacobian_spectrum(48, 4, activation="relu", sigma_w=1.4)
    fig = plotting.plot_resnet_spectrum(r, theory.resnet_density(r.c), tmp_path / "r.png")
    assert len(fig.axes) == 2
    depths = np.arange(6)
    bands = {
        name: np.tile([[0.5, 1.0, 2.0]], (6, 1)) * (1 + 0.1 * i)
        for i, name in enumerate(["chain", "simulation", "exact"])
    }
    fig, (ax,) = _fresh_axes()
    assert plotting.plot_relu_signal(depths, bands, np.ones(6), ax=ax) is fig
    assert "$" in ax.get_ylabel()
