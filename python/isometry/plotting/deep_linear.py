"""Pictures of the deep-linear (Saxe et al.) experiments: mode strengths against the closed
form, and learning time against depth."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from isometry.plotting._figure import pyplot as _pyplot
from isometry.plotting._figure import save_figure
from isometry.training.deep_linear import DepthResult, ModeResult

__all__ = ["plot_learning_time_vs_depth", "plot_mode_strengths"]


def plot_mode_strengths(results: Sequence[ModeResult], path: str | Path) -> Path:
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 3.8), squeeze=False)
    for ax, r in zip(axes[0], results):
        for a, s in enumerate(r.singular_values):
            line, = ax.plot(r.time, r.theory[:, a], lw=1.5, label=f"s={s:g}")
            ax.plot(r.time[::max(1, len(r.time) // 40)], r.simulated[::max(1, len(r.time) // 40), a], "o",
                    ms=3, color=line.get_color())
        ax.set_title(f"D={r.depth} weight matrices, {r.init} init, u₀={r.u0:g}, η={r.learning_rate:g}", fontsize=9)
        ax.set_xlabel("t/τ = η·steps")
        ax.set_ylabel("mode strength u")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, title="lines: theory, dots: simulation", title_fontsize=7)
    fig.tight_layout()
    path = save_figure(fig, path, dpi=130)
    plt.close(fig)
    return Path(path)


def plot_learning_time_vs_depth(result: DepthResult, path: str | Path) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    for init, steps in result.steps_to_learn.items():
        pts = [(d, s) for d, s in zip(result.depths, steps) if s is not None]
        missing = [d for d, s in zip(result.depths, steps) if s is None]
        label = init + (f" (not learned at D={', '.join(map(str, missing))})" if missing else "")
        ax.plot(*zip(*pts), "o-", label=label) if pts else ax.plot([], [], "x", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(result.depths, [str(d) for d in result.depths])
    from matplotlib.ticker import NullLocator

    ax.xaxis.set_minor_locator(NullLocator())  # only the depths as x ticks
    ax.set_xlabel("D (weight matrices)")
    ax.set_ylabel("GD steps to learn")
    scales = result.info.get("lr_scales", [result.info["lr_scale"]])
    which = f"best of {{{', '.join(f'{v:g}' for v in scales)}}}" if len(scales) > 1 else f"{scales[0]:g}"
    ax.set_title(f"{result.task}: η = scale/(D s_max²), scale {which} per depth; "
                 f"loss to {result.criterion:g} of the way", fontsize=9)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    fig.tight_layout()
    path = save_figure(fig, path, dpi=130)
    plt.close(fig)
    return Path(path)
