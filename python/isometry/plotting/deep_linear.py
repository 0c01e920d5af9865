"""Pictures of the deep-linear (Saxe et al.) experiments: mode strengths against the closed
form, and learning time against depth. Each takes ``ax=`` and returns the ``Figure``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from isometry.plotting._figure import axes, finish, plain_log_ticks, style
from isometry.training.deep_linear import DepthResult, ModeResult

__all__ = ["plot_learning_time_vs_depth", "plot_mode_strengths"]


def plot_mode_strengths(
    results: Sequence[ModeResult], path: str | os.PathLike[str] | None = None, *, ax: Any = None
) -> Any:
    """Mode strength u against t/τ per result (one panel each): lines theory, dots simulation."""
    with style():
        fig, panels = axes(ax, len(results), (4.6 * len(results), 3.6))
        for axis, r in zip(panels, results):
            for a, s in enumerate(r.singular_values):
                (line,) = axis.plot(r.time, r.theory[:, a], lw=1.5, label=f"$s={s:g}$")
                every = max(1, len(r.time) // 40)
                axis.plot(
                    r.time[::every], r.simulated[::every, a], "o", ms=3, color=line.get_color()
                )
            axis.set_title(
                f"$D={r.depth}$ weight matrices, {r.init} init, $u_0={r.u0:g}$, "
                f"$\\eta={r.learning_rate:g}$"
            )
            axis.set_xlabel(r"$t/\tau = \eta\cdot$steps")
            axis.set_ylabel("mode strength $u$")
            axis.legend(
                title="lines: theory, dots: simulation", title_fontsize=7, loc="lower right"
            )
        return finish(fig, path)


def plot_learning_time_vs_depth(
    result: DepthResult, path: str | os.PathLike[str] | None = None, *, ax: Any = None
) -> Any:
    """Gradient-descent steps to learn against depth D per initialisation (log–log)."""
    from matplotlib.ticker import NullLocator

    with style():
        fig, (axis,) = axes(ax, 1, (5.2, 3.8))
        for init, steps in result.steps_to_learn.items():
            pts = [(d, s) for d, s in zip(result.depths, steps) if s is not None]
            missing = [d for d, s in zip(result.depths, steps) if s is None]
            label = init + (
                f" (not learned at $D$={', '.join(map(str, missing))})" if missing else ""
            )
            axis.plot(*zip(*pts), "o-", label=label) if pts else axis.plot([], [], "x", label=label)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xticks(result.depths, [str(d) for d in result.depths])
        axis.xaxis.set_minor_locator(NullLocator())  # only the depths as x ticks
        axis.set_xlabel("$D$ (weight matrices)")
        axis.set_ylabel("GD steps to learn")
        scales = result.info.get("lr_scales", [result.info["lr_scale"]])
        which = (
            f"best of {{{', '.join(f'{v:g}' for v in scales)}}}"
            if len(scales) > 1
            else f"{scales[0]:g}"
        )
        axis.set_title(
            f"{result.task}: $\\eta$ = scale$/(D\\,s_{{max}}^2)$, scale {which} per depth;\n"
            f"loss to {result.criterion:g} of the way"
        )
        axis.legend(loc="best")
        plain_log_ticks(axis.yaxis)
        return finish(fig, path)
