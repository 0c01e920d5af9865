"""Pictures of Monte Carlo spectra beside the theory, limiting densities and phase diagrams.

Every function draws into ``ax=`` (one Axes: the main panel only; a sequence: one per panel)
or a new figure, saves to ``path`` when one is given, and returns the ``Figure``.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np

from isometry.montecarlo.mlp import JacobianSpectrum
from isometry.montecarlo.theory_comparison import resolution_floor
from isometry.plotting._figure import COLORS, axes, finish, log_ticks, style
from isometry.theory.freeprob import JacobianDensity

__all__ = [
    "isolated",
    "plot_density",
    "plot_phase_diagram",
    "plot_spectral_density",
    "plot_spectrum",
]

PathLike = str | os.PathLike[str] | None
LAMBDA = r"eigenvalue $\lambda$ of $JJ^{\top}$"
PER_LN = r"$\lambda\,\rho(\lambda)$ (fraction per unit $\ln\lambda$)"


def isolated(
    values: np.ndarray, gap_decades: float = 1.0, most: int | None = None
) -> tuple[int, int]:
    """(below, above): how many of the sorted positive ``values`` sit apart from the bulk, below
    or above it, by a gap of more than ``gap_decades`` in log10 — at most ``most`` (default
    max(3, 1 %)) on each side, so a spectrum that merely spans decades has none."""
    v = np.log10(np.asarray(values, dtype=float))
    if v.size < 4:
        return 0, 0
    most = max(3, v.size // 100) if most is None else most
    gaps = np.diff(v)
    wide = np.flatnonzero(gaps > gap_decades)
    below = int(wide[0] + 1) if wide.size and wide[0] + 1 <= most else 0
    above = int(v.size - 1 - wide[-1]) if wide.size and v.size - 1 - wide[-1] <= most else 0
    return below, above


def _mark_outliers(
    ax: Any, values: np.ndarray, *, note: str, color: str, where: str, text_left: bool | None = None
) -> None:
    """Markers at the outlying eigenvalues and one annotation saying what they are (the text
    on the left or right of the panel: by default on the side of the outliers)."""
    if values.size == 0:
        return
    y = ax.get_ylim()[1] * 0.06
    ax.plot(values, np.full(values.size, y), "v", color=color, ms=6, zorder=5)
    count = values.size
    at = f"{values[0]:.2g}" if count == 1 else f"{values[0]:.2g}–{values[-1]:.2g}"
    text = f"{count} eigenvalue{'s' if count > 1 else ''} at {at}:\n{note}"
    left = (where == "below") if text_left is None else text_left
    ax.annotate(
        text,
        xy=(values[0] if where == "below" else values[-1], y),
        xycoords="data",
        xytext=(0.03, 0.62) if left else (0.97, 0.62),
        textcoords="axes fraction",
        fontsize=7,
        color=color,
        ha="left" if left else "right",
        va="center",
        bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": color, "alpha": 0.9},
        arrowprops={"arrowstyle": "->", "color": color, "lw": 0.8},
    )


def _atoms(
    ax: Any, atoms: list[tuple[float, float]], log_axis: bool, measured_at_zero: float | None = None
) -> None:
    """Atoms as stems ending in a marker, labelled with their mass; an atom at 0 on a log axis
    as a marker at the left edge with an arrow."""
    top = ax.get_ylim()[1]
    for location, mass in atoms:
        if location > 0:
            ax.vlines(location, 0, 0.8 * top, color=COLORS[1], lw=1.2, ls="--")
            ax.plot(
                [location],
                [0.8 * top],
                "D",
                color=COLORS[1],
                ms=5,
                zorder=5,
                label=f"atom at $\\lambda={location:.4g}$, mass {mass:.3g}",
            )
        else:
            extra = "" if measured_at_zero is None else f" (Monte Carlo {measured_at_zero:.3g})"
            label = f"atom at $\\lambda=0$, mass {mass:.3g}{extra}"
            if log_axis:
                x0 = ax.get_xlim()[0]
                ax.plot(
                    [x0],
                    [0.5 * top],
                    "<",
                    color=COLORS[1],
                    ms=7,
                    zorder=5,
                    clip_on=False,
                    label=label,
                )
                ax.annotate(
                    f"atom at $\\lambda=0$\nmass {mass:.3g}",
                    xy=(x0, 0.5 * top),
                    xytext=(9, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=7,
                    color=COLORS[1],
                )
            else:
                ax.vlines(0.0, 0, 0.8 * top, color=COLORS[1], lw=1.2, ls="--")
                ax.plot([0.0], [0.8 * top], "D", color=COLORS[1], ms=5, zorder=5, label=label)


def plot_spectrum(
    result: JacobianSpectrum,
    path: PathLike = None,
    theory_q: np.ndarray | None = None,
    theory: JacobianDensity | None = None,
    *,
    ax: Any = None,
) -> Any:
    """Histogram of the eigenvalues of J Jᵀ beside the theory (panel 1), and q^l per layer (2).

    Log-x (fraction of eigenvalues per unit ln λ, against λρ(λ)) when the spectrum spans
    decades, else a density (against ρ(λ)). ``theory`` overlays the free-probability density and
    draws its atoms as markers with their mass; ``theory_q`` (the mean-field length map) is drawn
    over q^l. Eigenvalues below the eigensolver's floor are counted, not binned; a few isolated
    far from the bulk are marked and explained.
    """
    with style():
        fig, panels = axes(ax, 2, (10, 3.8), gridspec_kw={"width_ratios": [1.6, 1]})
        _spectrum_panel(panels[0], result, theory)
        if len(panels) > 1:
            _q_panel(panels[1], result, theory_q)
        return finish(fig, path)


def _spectrum_panel(ax: Any, result: JacobianSpectrum, theory: JacobianDensity | None) -> None:
    ev = result.eigenvalues
    floor = resolution_floor(result)
    resolved = ev[ev > floor]
    n = ev.size
    below, above = isolated(resolved) if resolved.size else (0, 0)
    if below and theory is not None:
        # Outliers only where the law expects less than one eigenvalue: below the bulk's start,
        # counting neither atom at 0 (those eigenvalues are at the rounding floor, not here).
        at_zero = sum(mass for location, mass in theory.atoms if location <= 0)
        if n * (theory.cdf(resolved[below] * 0.999) - at_zero) >= 1:
            below = 0
    bulk = resolved[below : resolved.size - above]
    spans_decades = bulk.size > 1 and bulk[-1] / bulk[0] > 100
    has_theory = theory is not None and theory.support[1] > 0
    if bulk.size:
        if spans_decades:
            bins = np.geomspace(bulk[0], bulk[-1] * (1 + 1e-12), 60)
            counts, _ = np.histogram(bulk, bins)
            ax.stairs(
                counts / n / np.diff(np.log(bins)),
                bins,
                fill=True,
                alpha=0.45,
                color=COLORS[0],
                label=f"Monte Carlo, $N={result.width}$",
            )
            ax.set_xscale("log")
            log_ticks(ax.xaxis)
        else:
            lo = min(bulk[0], theory.support[0]) if has_theory and theory is not None else bulk[0]
            bins = np.linspace(lo, bulk[-1] * (1 + 1e-12), 60)
            counts, _ = np.histogram(bulk, bins)
            ax.stairs(
                counts / n / np.diff(bins),
                bins,
                fill=True,
                alpha=0.45,
                color=COLORS[0],
                label=f"Monte Carlo, $N={result.width}$",
            )
    if has_theory and theory is not None:
        x = theory.x
        y = x * theory.density if spans_decades else theory.density
        lo, _ = theory.quantile_range(1e-4)
        keep = (
            (x >= max(lo, bulk[0] if bulk.size else 0)) if spans_decades else np.ones_like(x, bool)
        )
        ax.plot(
            x[keep],
            y[keep],
            "-",
            color="k",
            lw=1.2,
            label=r"free-probability theory ($N\to\infty$)",
        )
    ax.set_ylim(bottom=0)
    unresolved = n - resolved.size
    if unresolved and (theory is None or all(loc > 0 for loc, _ in theory.atoms)):
        ax.plot(
            [],
            [],
            " ",
            label=f"{unresolved} eigenvalue{'s' if unresolved > 1 else ''} $\\leq$ {floor:.1e} "
            "(rounding; not shown)",
        )
    # On a log axis the bulk sits right (text left); on a linear one it leans left (text right).
    _mark_outliers(
        ax,
        resolved[:below],
        color=COLORS[3],
        where="below",
        text_left=spans_decades,
        note="the smallest singular values² of this\nfinite network (none in the $N\\to\\infty$ law)",
    )
    _mark_outliers(
        ax,
        resolved[resolved.size - above :],
        color=COLORS[3],
        where="above",
        note="outliers above the bulk",
    )
    if (below or above) and spans_decades:
        ax.set_xlim(min(ax.get_xlim()[0], resolved[0] / 2), max(ax.get_xlim()[1], resolved[-1] * 2))
    elif below or above:
        pad = 0.03 * (resolved[-1] - resolved[0])
        ax.set_xlim(
            min(ax.get_xlim()[0], resolved[0] - pad), max(ax.get_xlim()[1], resolved[-1] + pad)
        )
    if theory is not None:
        _atoms(ax, theory.atoms, spans_decades, measured_at_zero=float(np.mean(ev <= floor)))
    ax.set_xlabel(LAMBDA)
    ax.set_ylabel(PER_LN if spans_decades else r"density $\rho(\lambda)$")
    ax.legend(loc="best")
    s = result.statistics()
    title = (
        f"{result.activation}, {result.weights}, $L={result.depth}$, $\\sigma_w={result.sigma_w:.4g}$, "
        f"$\\sigma_b={result.sigma_b:.4g}$\nmean {s['mean']:.4g}, var {s['variance']:.4g}, "
        f"max {s['max']:.4g}"
    )
    if theory is not None:
        title += f"; KS(theory, MC) = {theory.ks_distance(ev, floor):.3f}"
    ax.set_title(title)


def _q_panel(ax: Any, result: Any, theory_q: np.ndarray | None) -> None:
    layers = np.arange(1, result.depth + 1)
    ax.plot(layers, result.q, "o", ms=3, color=COLORS[0], label=r"Monte Carlo $q^l = |h^l|^2/N$")
    if theory_q is not None:
        ax.plot(layers, theory_q, "-", color="k", lw=1, label="mean-field length map")
    ax.set_xlabel("layer $l$")
    ax.set_ylabel("$q^l$")
    ax.set_title("pre-activation variance per layer")
    ax.legend(loc="best")


def plot_density(
    density: JacobianDensity, path: PathLike = None, title: str | None = None, *, ax: Any = None
) -> Any:
    """The limiting density of J Jᵀ and its atoms (markers, with their mass).

    Log-x, as λρ(λ), when the support spans decades; the x-range starts where the CDF of the
    continuous part passes 1e-4 (the density of deep networks can reach down to 1e-40 and
    below, with no visible mass there).
    """
    with style():
        fig, (ax,) = axes(ax, 1, (6.4, 3.8))
        x = density.x
        lo, hi = density.quantile_range(1e-4)
        log_axis = lo > 0 and x[-1] / lo > 100
        if density.support[1] > 0:
            keep = x >= lo
            ax.plot(
                x[keep],
                (x * density.density if log_axis else density.density)[keep],
                "-",
                color="k",
                lw=1.2,
                label="continuous part",
            )
        if log_axis:
            ax.set_xscale("log")
            log_ticks(ax.xaxis)
            ax.set_xlim(lo, max(density.lambda_max, hi) * 1.3)
        ax.set_ylim(bottom=0)
        if density.support[1] <= 0:
            ax.set_ylim(0, 1)
        _atoms(ax, density.atoms, log_axis)
        ax.set_xlabel(LAMBDA)
        ax.set_ylabel(PER_LN if log_axis else r"$\rho(\lambda)$")
        ax.set_title(title if title is not None else _density_title(density))
        ax.legend(loc="best")
        return finish(fig, path)


def _density_title(density: JacobianDensity) -> str:
    if density.activation is None:
        return f"limiting spectrum, $\\lambda_{{max}} = {density.lambda_max:.4g}$"
    return (
        f"{density.activation}, {density.weights}, $L={density.depth}$\n$\\sigma_w={density.sigma_w:.4g}$, "
        f"$\\sigma_b={density.sigma_b:.4g}$, $q^*={density.q_star:.4g}$"
    )


def plot_spectral_density(
    result: Any, path: PathLike = None, *, theory: JacobianDensity | None = None, ax: Any = None
) -> Any:
    """A matrix-free (Lanczos) density as λρ(λ) with its ±2 standard-error band, over the theory."""
    with style():
        fig, (ax,) = axes(ax, 1, (6.4, 3.8))
        x = result.x
        y, err = x * result.density, x * result.density_error
        ax.plot(
            x,
            y,
            "-",
            color=COLORS[0],
            lw=1.3,
            label=f"Lanczos, $N={result.width}$, {result.probes} probes",
        )
        if np.all(np.isfinite(err)):
            ax.fill_between(
                x,
                np.maximum(y - 2 * err, 0),
                y + 2 * err,
                color=COLORS[0],
                alpha=0.25,
                lw=0,
                label=r"$\pm 2$ standard errors",
            )
        lo = x[0]
        if theory is not None and theory.support[1] > 0:
            t_lo, _ = theory.quantile_range(1e-4)
            keep = theory.x >= max(t_lo, lo)
            ax.plot(
                theory.x[keep],
                (theory.x * theory.density)[keep],
                "--",
                color="k",
                lw=1.1,
                label=r"theory ($N\to\infty$)",
            )
            lo = max(min(lo, t_lo), x[0])
        ax.set_xscale("log")
        log_ticks(ax.xaxis)
        ax.set_xlim(lo, x[-1])
        ax.set_ylim(bottom=0)
        if theory is not None:
            _atoms(ax, theory.atoms, True, measured_at_zero=result.mass_at_zero)
        below = float(result.cdf(result.resolved_from))
        ax.plot(
            [],
            [],
            " ",
            label=f"mass below $\\lambda={result.resolved_from:.2g}$: {below:.3g} (not resolved)",
        )
        ax.set_xlabel(LAMBDA)
        ax.set_ylabel(PER_LN)
        ax.set_title(
            f"{result.activation}, {result.weights}, $L={result.depth}$\n"
            f"$\\sigma_w={result.sigma_w:.4g}$, $\\sigma_b={result.sigma_b:.4g}$"
        )
        ax.legend(loc="best")
        return finish(fig, path)


def plot_phase_diagram(
    diagram: Any, *args: Any, title: str = "", ax: Any = None, path: PathLike = None
) -> Any:
    """Panels of q*, χ₁ and ξ_c over (σ_w, σ_b) with labelled colorbars; the white χ₁ = 1
    contour is the edge of chaos. ``plot_phase_diagram(diagram, path)``; ``ax``: one Axes (the
    χ₁ panel only) or three."""
    if (
        len(args) >= 2 and np.ndim(args[0]) == 1
    ):  # the earlier (diagram, sigma_w, sigma_b, path) form
        warnings.warn(
            "plot_phase_diagram(diagram, sigma_w, sigma_b, path) is deprecated: the grid is "
            "part of the diagram; call plot_phase_diagram(diagram, path)",
            DeprecationWarning,
            stacklevel=2,
        )
        args = args[2:]
    if args:
        path = args[0]
    from matplotlib.colors import LogNorm
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    sigma_w, sigma_b = diagram.sigma_w, diagram.sigma_b
    panels = [
        ("chi1", r"$\chi_1$ (slope of one layer)", diagram.chi1, True),
        ("q_star", r"$q^*$ (fixed point of the length map)", diagram.q_star, False),
        ("xi_c", r"$\xi_c$ (depth scale, layers)", diagram.xi_c, True),
    ]
    with style():
        fig, drawn = axes(ax, 3, (12, 3.6))
        chi = np.where(np.isfinite(diagram.chi1), diagram.chi1, np.nan)
        for axis, (_, label, values, log) in zip(drawn, panels):
            shown = np.where(np.isfinite(values) & (values > 0), values, np.nan) if log else values
            norm = None
            if log:
                finite = shown[np.isfinite(shown)]
                norm = LogNorm(vmin=finite.min(), vmax=finite.max()) if finite.size else LogNorm()
            image = axis.imshow(
                shown,
                origin="lower",
                extent=(sigma_w[0], sigma_w[-1], sigma_b[0], sigma_b[-1]),
                aspect="auto",
                norm=norm,
                cmap="viridis",
                interpolation="nearest",
            )
            bar = fig.colorbar(image, ax=axis)
            bar.set_label(label)
            if log:
                # Decades alone give two ticks over a typical χ₁ range: add 2 and 5 per decade.
                bar.locator = LogLocator(base=10, subs=(1.0, 2.0, 5.0))
                bar.formatter = FuncFormatter(lambda v, _pos: f"{v:g}")
                bar.update_ticks()
                bar.ax.yaxis.set_minor_formatter(NullFormatter())
            if np.any(np.isfinite(chi)) and np.nanmin(chi) < 1 < np.nanmax(chi):
                contour = axis.contour(
                    sigma_w, sigma_b, chi, levels=[1.0], colors="w", linewidths=1.5
                )
                axis.clabel(contour, fmt={1.0: r"$\chi_1=1$"}, fontsize=7)
            axis.grid(False)
            axis.set_xlabel(r"$\sigma_w$")
            axis.set_ylabel(r"$\sigma_b$")
            axis.set_title(
                f"{title}: {label.split(' (')[0]}; white: edge of chaos"
                if title
                else f"{label.split(' (')[0]}; white: edge of chaos"
            )
        return finish(fig, path)
