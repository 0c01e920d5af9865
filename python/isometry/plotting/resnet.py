"""Pictures for the ResNet spectra and the finite-width ReLU signal (matplotlib, imported only
when plotting). Each takes ``ax=`` and returns the ``Figure``; ``path`` saves it."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from isometry.montecarlo.resnet import ResnetSpectrum
from isometry.plotting._figure import COLORS, axes, finish, log_ticks, style
from isometry.plotting.spectrum import LAMBDA, PER_LN, _mark_outliers
from isometry.theory.freeprob import JacobianDensity

__all__ = ["plot_relu_signal", "plot_resnet_spectrum"]

PathLike = str | os.PathLike[str] | None


def plot_resnet_spectrum(
    result: ResnetSpectrum,
    theory: JacobianDensity,
    path: PathLike = None,
    c2_mean_field: np.ndarray | None = None,
    *,
    ax: Any = None,
) -> Any:
    """Histogram of log λ against λρ(λ) of the universal law (panel 1), and c₂^l per layer (2).

    Eigenvalues above twice the law's upper edge (ReLU ResNets: the mean signal the activations
    acquire) are marked as outliers and left out of the bins, so the bulk stays readable.
    """
    with style():
        fig, panels = axes(ax, 2, (10, 3.8), gridspec_kw={"width_ratios": [1.6, 1]})
        ax_hist = panels[0]
        ev = result.eigenvalues
        positive = ev[ev > 0]
        edge = theory.support[1]
        bulk, outliers = positive[positive <= 2 * edge], positive[positive > 2 * edge]
        bins = np.geomspace(bulk[0], bulk[-1] * (1 + 1e-12), 70)
        counts, _ = np.histogram(bulk, bins)
        ax_hist.stairs(
            counts / ev.size / np.diff(np.log(bins)),
            bins,
            fill=True,
            alpha=0.45,
            color=COLORS[0],
            label=f"Monte Carlo, $N={result.width}$, $L={result.depth}$",
        )
        ax_hist.plot(
            theory.x,
            theory.x * theory.density,
            "k-",
            lw=1.2,
            label=f"universal law, $c = {result.c:.4g}$",
        )
        ax_hist.set_xscale("log")
        log_ticks(ax_hist.xaxis)
        ax_hist.set_ylim(bottom=0)
        _mark_outliers(
            ax_hist,
            outliers,
            color=COLORS[3],
            where="above",
            note="above twice the edge of the law\n(the mean signal of a non-odd φ)",
        )
        if outliers.size:
            ax_hist.set_xlim(right=outliers[-1] * 2)
        ax_hist.set_xlabel(LAMBDA)
        ax_hist.set_ylabel(PER_LN)
        ax_hist.legend(loc="upper left")
        ax_hist.set_title(
            f"ResNet, {result.activation}, {result.weights}, $\\sigma_w={result.sigma_w:.4g}$, "
            f"$\\sigma_b={result.sigma_b:.4g}$; KS = {theory.ks_distance(ev):.4f}"
        )
        if len(panels) > 1:
            ax_c = panels[1]
            layers = np.arange(1, result.depth + 1)
            ax_c.plot(
                layers,
                result.c2,
                "o",
                ms=3,
                color=COLORS[0],
                label=r"Monte Carlo $c_2^l = \sigma_w^2\,\langle\phi'(h^l)^2\rangle$",
            )
            if c2_mean_field is not None:
                ax_c.plot(layers, c2_mean_field, "k-", lw=1, label="mean field")
            ax_c.set_xlabel("layer $l$")
            ax_c.set_ylabel("$c_2^l$")
            ax_c.set_title("per-layer parameter")
            ax_c.legend(loc="best")
        return finish(fig, path)


#: name: (colour, line style, hatch) — bands told apart by hatching and outline, not only by hue.
_BANDS = {
    "exact": (COLORS[0], "-", "////"),
    "chain": (COLORS[2], "--", "\\\\\\\\"),
    "simulation": (COLORS[1], ":", "...."),
}


def plot_relu_signal(
    depths: np.ndarray,
    bands: dict[str, np.ndarray],
    mean_field: np.ndarray,
    path: PathLike = None,
    title: str = "",
    *,
    ax: Any = None,
) -> Any:
    """|x^l|²/|x^0|² against l: mean field, and per method the median (thick line) and its
    10–90 % band. The first band (the exact law when given) is shaded and hatched; the others
    are drawn as outlines in their own line style, so bands that agree stay distinguishable
    instead of merging into one grey.

    ``bands[name]`` is an array (len(depths), 3) of the 10 %, 50 % and 90 % quantiles."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    order = sorted(bands, key=lambda name: name != "exact")
    with style():
        fig, (ax,) = axes(ax, 1, (7, 4.2))
        handles: list[Any] = [Line2D([], [], color="k", lw=1.8, label="mean field (= exact mean)")]
        ax.plot(depths, mean_field, "k-", lw=1.8)
        for i, name in enumerate(order):
            q = bands[name]
            color, ls, hatch = _BANDS.get(name, (COLORS[3 + i % 4], "-.", "xx"))
            lower = np.maximum(q[:, 0], 1e-300)
            if i == 0:
                ax.fill_between(depths, lower, q[:, 2], facecolor=color, alpha=0.15, lw=0)
                ax.fill_between(
                    depths,
                    lower,
                    q[:, 2],
                    facecolor="none",
                    edgecolor=color,
                    hatch=hatch,
                    lw=0,
                    alpha=0.5,
                )
                handles.append(
                    Patch(
                        facecolor=color,
                        alpha=0.3,
                        hatch=hatch,
                        edgecolor=color,
                        label=f"{name}: 10–90 % band",
                    )
                )
            else:
                ax.plot(depths, lower, color=color, ls=ls, lw=1.2)
                ax.plot(depths, q[:, 2], color=color, ls=ls, lw=1.2)
                handles.append(
                    Line2D(
                        [], [], color=color, ls=ls, lw=1.2, label=f"{name}: 10 % and 90 % quantiles"
                    )
                )
            ax.plot(depths, q[:, 1], color=color, ls=ls, lw=2.0)
            handles.append(Line2D([], [], color=color, ls=ls, lw=2.0, label=f"{name}: median"))
        ax.set_yscale("log")
        log_ticks(ax.yaxis)
        ax.set_xlabel("layer $l$")
        ax.set_ylabel(r"$|x^l|^2 / |x^0|^2$")
        ax.set_title(title)
        ax.legend(handles=handles, loc="lower left", ncol=2)
        return finish(fig, path)
