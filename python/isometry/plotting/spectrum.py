"""Pictures of Monte Carlo spectra beside the theory (matplotlib, imported only when plotting)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from isometry.montecarlo.mlp import JacobianSpectrum
from isometry.plotting._figure import pyplot as _pyplot
from isometry.plotting._figure import save_figure
from isometry.montecarlo.theory_comparison import resolution_floor
from isometry.theory.freeprob import JacobianDensity

__all__ = ["plot_spectrum"]


def plot_spectrum(
    result: JacobianSpectrum,
    path: str | os.PathLike[str],
    theory_q: np.ndarray | None = None,
    theory: JacobianDensity | None = None,
) -> Path:
    """Histogram of the eigenvalues of J Jᵀ beside the theory, and q^l per layer.

    Log-x (fraction of eigenvalues per unit ln λ, against x·ρ(x)) when the spectrum spans
    decades, else a density (against ρ(x)). ``theory`` overlays the free-probability density and
    marks its atoms; ``theory_q`` (the mean-field length-map trajectory) is drawn over q^l.
    """
    plt = _pyplot()
    path = Path(path)
    ev = result.eigenvalues
    # Eigenvalues below this are rounding noise of the eigensolver, counted, not binned.
    floor = resolution_floor(result)
    resolved = ev[ev > floor]
    n = ev.size
    fig, (ax_hist, ax_q) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1.6, 1]})
    spans_decades = resolved.size > 1 and resolved[-1] / resolved[0] > 100
    if resolved.size:
        if spans_decades:
            bins = np.geomspace(resolved[0], resolved[-1] * (1 + 1e-12), 60)
            counts, _ = np.histogram(resolved, bins)
            ax_hist.stairs(counts / n / np.diff(np.log(bins)), bins, fill=True, alpha=0.6,
                           label=f"Monte Carlo, N={result.width}")
            ax_hist.set_xscale("log")
        else:
            lo = min(resolved[0], theory.support[0]) if theory is not None and theory.support[1] > 0 else resolved[0]
            bins = np.linspace(lo, resolved[-1] * (1 + 1e-12), 60)
            counts, _ = np.histogram(resolved, bins)
            ax_hist.stairs(counts / n / np.diff(bins), bins, fill=True, alpha=0.6, label=f"Monte Carlo, N={result.width}")
    if theory is not None and theory.support[1] > 0:
        x = theory.x
        y = x * theory.density if spans_decades else theory.density
        keep = (x >= (resolved[0] if resolved.size else 0)) if spans_decades else np.ones_like(x, bool)
        ax_hist.plot(x[keep], y[keep], "k-", lw=1.2, label="free-probability theory (N → ∞)")
    if theory is not None:
        for location, mass in theory.atoms:
            if location > 0:
                ax_hist.axvline(location, color="tab:red", lw=1, ls="--", label=f"atom at {location:.4g}, mass {mass:.3g}")
            else:
                measured = np.mean(ev <= floor)
                ax_hist.plot([], [], " ", label=f"atom at 0: mass {mass:.3g} (Monte Carlo {measured:.3g})")
    unresolved = ev.size - resolved.size
    if unresolved and (theory is None or all(loc > 0 for loc, _ in theory.atoms)):
        ax_hist.plot([], [], " ", label=f"{unresolved} eigenvalues ≤ {floor:.1e} (not shown)")
    ax_hist.set_xlabel("eigenvalue λ of J Jᵀ")
    ax_hist.set_ylabel("fraction per unit ln λ" if spans_decades else "density")
    ax_hist.legend(loc="best", fontsize=7)
    s = result.summary()
    title = (f"{result.activation}, {result.weights}, L={result.depth}, σ_w={result.sigma_w:g}, "
             f"σ_b={result.sigma_b:g}\nmean {s['mean']:.4g}, var {s['variance']:.4g}, max {s['max']:.4g}")
    if theory is not None:
        title += f"; KS(theory, MC) = {theory.ks_distance(ev, floor):.3f}"
    ax_hist.set_title(title, fontsize=9)
    layers = np.arange(1, result.depth + 1)
    ax_q.plot(layers, result.q, "o", ms=3, label="Monte Carlo q^l = |h^l|²/N")
    if theory_q is not None:
        ax_q.plot(layers, theory_q, "-", color="k", lw=1, label="mean-field length map")
    ax_q.set_xlabel("layer l")
    ax_q.set_ylabel("q^l")
    ax_q.set_title("pre-activation variance per layer", fontsize=9)
    ax_q.legend(loc="best", fontsize=8)
    fig.tight_layout()
    path = save_figure(fig, path)
    plt.close(fig)
    return path


def plot_density(density: JacobianDensity, path: str | os.PathLike[str], title: str = "") -> Path:
    """The limiting density of J Jᵀ (log-x, as x·ρ(x), when its support spans decades) and atoms."""
    plt = _pyplot()
    path = Path(path)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    x = density.x
    log_axis = x[0] > 0 and x[-1] / x[0] > 100
    if density.support[1] > 0:
        ax.plot(x, x * density.density if log_axis else density.density, "k-", lw=1.2, label="continuous part")
    for location, mass in density.atoms:
        if location > 0:
            ax.axvline(location, color="tab:red", ls="--", lw=1, label=f"atom at {location:.4g}, mass {mass:.3g}")
        else:
            ax.plot([], [], " ", label=f"atom at 0, mass {mass:.3g}")
    if log_axis:
        ax.set_xscale("log")
    ax.set_xlabel("eigenvalue λ of J Jᵀ")
    ax.set_ylabel("λ ρ(λ) (per unit ln λ)" if log_axis else "ρ(λ)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = save_figure(fig, path)
    plt.close(fig)
    return path


def plot_phase_diagram(diagram, sigma_w: np.ndarray, sigma_b: np.ndarray, path: str | os.PathLike[str],
                       title: str = "") -> Path:
    """Panels of q*, χ₁ and ξ_c over (σ_w, σ_b); the χ₁ = 1 contour is the edge of chaos."""
    plt = _pyplot()
    from matplotlib.colors import LogNorm

    path = Path(path)
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    extent = (sigma_w[0], sigma_w[-1], sigma_b[0], sigma_b[-1])
    panels = [("q*", diagram.q_star, None), ("χ₁", diagram.chi1, LogNorm()), ("ξ_c (depth scale)", diagram.xi_c, LogNorm())]
    for ax, (name, values, norm) in zip(axes, panels):
        shown = np.where(np.isfinite(values) & (values > 0), values, np.nan) if norm is not None else values
        image = ax.imshow(shown, origin="lower", extent=extent, aspect="auto", norm=norm, cmap="viridis")
        fig.colorbar(image, ax=ax)
        chi = np.where(np.isfinite(diagram.chi1), diagram.chi1, np.nan)
        ax.contour(sigma_w, sigma_b, chi, levels=[1.0], colors="w", linewidths=1.5)
        ax.set_xlabel("σ_w")
        ax.set_ylabel("σ_b")
        ax.set_title(f"{title}: {name}; white: edge of chaos χ₁ = 1", fontsize=9)
    fig.tight_layout()
    path = save_figure(fig, path)
    plt.close(fig)
    return path
