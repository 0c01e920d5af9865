"""Pictures for the ResNet spectra and the finite-width ReLU signal (matplotlib, imported only
when plotting)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from isometry.plotting._figure import pyplot as _pyplot
from isometry.plotting._figure import save_figure
from isometry.montecarlo.resnet import ResnetSpectrum
from isometry.theory.freeprob import JacobianDensity

__all__ = ["plot_relu_signal", "plot_resnet_spectrum"]


def plot_resnet_spectrum(result: ResnetSpectrum, theory: JacobianDensity, path: str | os.PathLike[str],
                         c2_mean_field: np.ndarray | None = None) -> Path:
    """Histogram of log λ against λρ(λ) of the universal law, and c₂^l per layer."""
    plt = _pyplot()
    path = Path(path)
    ev = result.eigenvalues
    positive = ev[ev > 0]
    fig, (ax_hist, ax_c) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1.6, 1]})
    bins = np.geomspace(positive[0], positive[-1] * (1 + 1e-12), 70)
    counts, _ = np.histogram(positive, bins)
    ax_hist.stairs(counts / ev.size / np.diff(np.log(bins)), bins, fill=True, alpha=0.6,
                   label=f"Monte Carlo, N={result.width}, L={result.depth}")
    ax_hist.plot(theory.x, theory.x * theory.density, "k-", lw=1.2, label=f"universal law, c = {result.c:.4g}")
    ax_hist.set_xscale("log")
    ax_hist.set_xlabel("eigenvalue λ of J Jᵀ")
    ax_hist.set_ylabel("fraction per unit ln λ")
    ax_hist.legend(fontsize=8)
    ax_hist.set_title(f"ResNet, {result.activation}, {result.weights}, σ_w={result.sigma_w:.4g}, "
                      f"σ_b={result.sigma_b:g}; KS = {theory.ks_distance(ev):.4f}", fontsize=9)
    layers = np.arange(1, result.depth + 1)
    ax_c.plot(layers, result.c2, "o", ms=3, label="Monte Carlo c₂^l = σ_w² ⟨φ'(h)²⟩")
    if c2_mean_field is not None:
        ax_c.plot(layers, c2_mean_field, "k-", lw=1, label="mean field")
    ax_c.set_xlabel("layer l")
    ax_c.set_ylabel("c₂^l")
    ax_c.legend(fontsize=8)
    fig.tight_layout()
    path = save_figure(fig, path)
    plt.close(fig)
    return path


def plot_relu_signal(depths: np.ndarray, bands: dict[str, np.ndarray], mean_field: np.ndarray,
                     path: str | os.PathLike[str], title: str = "") -> Path:
    """|x^l|²/|x^0|² against l: mean field, and median with 10-90 % band per method.

    ``bands[name]`` is an array (len(depths), 3) of the 10 %, 50 % and 90 % quantiles."""
    plt = _pyplot()
    path = Path(path)
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    ax.plot(depths, mean_field, "k-", lw=1.5, label="mean field (= exact mean)")
    styles = {"exact": ("tab:blue", "-"), "chain": ("tab:green", "--"), "simulation": ("tab:red", ":")}
    for name, q in bands.items():
        color, ls = styles.get(name, ("tab:gray", "-"))
        ax.plot(depths, q[:, 1], color=color, ls=ls, label=f"{name}: median")
        ax.fill_between(depths, np.maximum(q[:, 0], 1e-300), q[:, 2], color=color, alpha=0.15,
                        label=f"{name}: 10-90 %")
    ax.set_yscale("log")
    ax.set_xlabel("layer l")
    ax.set_ylabel("|x^l|² / |x^0|²")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    path = save_figure(fig, path)
    plt.close(fig)
    return path
