"""Pictures of an experiment folder: accuracy vs steps, and steps to reach an accuracy vs depth.

Needs matplotlib (``pip install "isometry[plot]"``); the tables work without it.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from isometry.plotting._figure import pyplot as _pyplot
from isometry.plotting._figure import save_figure
from isometry.training.records import read_table, write_table

__all__ = ["experiment_plots", "plot_accuracy_curves", "plot_experiment", "plot_steps_to_accuracy", "steps_to_accuracy"]

FAMILY = ("activation", "init", "optimizer", "q_star")  # one curve per family (best learning rate)


def _label(row: dict[str, Any], keys: tuple[str, ...]) -> str:
    parts = []
    for k in keys:
        v = row.get(k)
        if k == "q_star":
            parts.append(f"q*={v:g}" if isinstance(v, float) else f"σw={row.get('sigma_w')}")
        elif k == "learning_rate":
            parts.append(f"lr={v:g}")
        else:
            parts.append(str(v))
    return " ".join(parts)


def steps_to_accuracy(out_dir: str | Path, target: float) -> list[dict[str, Any]]:
    """Per run: the first evaluated step with test accuracy ≥ target (None: never reached)."""
    out = Path(out_dir)
    reached: dict[str, dict[str, Any]] = {}
    for row in read_table(out / "evals.csv"):
        entry = reached.setdefault(row["run_id"], {**{k: row[k] for k in (
            "run_id", "activation", "init", "depth", "optimizer", "q_star", "sigma_w", "learning_rate", "seed")},
            "target": target, "steps": None})
        acc = row["test_accuracy"]
        if entry["steps"] is None and isinstance(acc, float) and acc >= target:
            entry["steps"] = row["step"]
    return list(reached.values())


def plot_accuracy_curves(out_dir: str | Path, path: str | Path) -> Path:
    """Test accuracy vs step, one panel per depth, one line per run (configuration and rate)."""
    plt = _pyplot()
    rows = read_table(Path(out_dir) / "evals.csv")
    if not rows:
        raise ValueError(f"{out_dir}/evals.csv has no finished runs to plot")
    by_depth: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    labels = {}
    for r in rows:
        by_depth[r["depth"]][r["run_id"]].append((r["step"], r["test_accuracy"]))
        labels[r["run_id"]] = _label(r, (*FAMILY, "learning_rate"))
    depths = sorted(by_depth)
    fig, axes = plt.subplots(1, len(depths), figsize=(4.2 * len(depths), 3.6), squeeze=False, sharey=True)
    for ax, depth in zip(axes[0], depths):
        for run_id, points in sorted(by_depth[depth].items(), key=lambda kv: labels[kv[0]]):
            steps, acc = zip(*sorted(points))
            ax.plot(steps, acc, label=labels[run_id], lw=1.3)
        ax.set_title(f"depth {depth}")
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("test accuracy")
    axes[0][-1].legend(fontsize=6.5, loc="lower right")
    fig.tight_layout()
    path = save_figure(fig, path, dpi=130)
    plt.close(fig)
    return Path(path)


def plot_steps_to_accuracy(out_dir: str | Path, path: str | Path, target: float) -> Path:
    """Steps to reach ``target`` test accuracy vs depth, best learning rate per configuration.

    Configurations that never reach the target at some depth are drawn up to the last depth
    where they did, and listed in the legend with "(not reached at depth …)"; when no run
    reaches it the panel says so. The step axis is logarithmic only when every drawn value is
    positive (a target already met by the initial network takes 0 steps).
    """
    plt = _pyplot()
    table = steps_to_accuracy(out_dir, target)
    if not table:
        raise ValueError(f"{out_dir}/evals.csv has no finished runs to plot")
    write_table(Path(path).with_suffix(".csv"), ("run_id", "activation", "init", "depth", "optimizer", "q_star",
                                                  "sigma_w", "learning_rate", "seed", "target", "steps"), table)
    best: dict[str, dict[int, int | None]] = defaultdict(dict)
    for r in table:
        fam = _label(r, FAMILY)
        prev = best[fam].get(r["depth"])
        if r["steps"] is not None and (prev is None or r["steps"] < prev):
            best[fam][r["depth"]] = r["steps"]
        else:
            best[fam].setdefault(r["depth"], prev)
    fig, ax = plt.subplots(figsize=(5.5, 4))
    drawn: list[int] = []
    for fam, per_depth in sorted(best.items()):
        depths = sorted(per_depth)
        pts = [(d, per_depth[d]) for d in depths if per_depth[d] is not None]
        missing = [d for d in depths if per_depth[d] is None]
        label = fam + (f" (not reached at depth {', '.join(map(str, missing))})" if missing else "")
        if pts:
            ax.plot(*zip(*pts), "o-", label=label)
            drawn += [steps for _, steps in pts]
        else:
            ax.plot([], [], "x", label=label)
    ax.set_xlabel("depth L")
    ax.set_ylabel(f"steps to {target:.0%} test accuracy")
    ax.set_xscale("log")
    if drawn and min(drawn) > 0:
        ax.set_yscale("log")
    if not drawn:
        ax.set_yticks([])
        ax.text(0.5, 0.5, f"no run reached {target:.0%} test accuracy", transform=ax.transAxes,
                ha="center", va="center")
    all_depths = sorted({r["depth"] for r in table})
    ax.set_xlim(all_depths[0] / 1.3, all_depths[-1] * 1.3)  # a log axis needs limits even with no data
    ax.set_xticks(all_depths, [str(d) for d in all_depths])
    from matplotlib.ticker import NullLocator

    ax.xaxis.set_minor_locator(NullLocator())  # only the depths as x ticks
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=6.5)
    fig.tight_layout()
    path = save_figure(fig, path, dpi=130)
    plt.close(fig)
    return Path(path)


def experiment_plots(out_dir: str | Path, targets: list[float]) -> list[tuple[Path, Callable[[], Path]]]:
    """(path, draw) for every picture of an experiment folder, in ``<out>/plots/``; ``draw()`` draws it."""
    folder = Path(out_dir) / "plots"
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(folder / "accuracy_vs_steps.png", functools.partial(plot_accuracy_curves, out_dir,
                                                                 folder / "accuracy_vs_steps.png"))]
    for target in targets:
        path = folder / f"steps_to_{round(100 * target)}pct_vs_depth.png"
        jobs.append((path, functools.partial(plot_steps_to_accuracy, out_dir, path, target)))
    return jobs


def plot_experiment(out_dir: str | Path, targets: list[float]) -> list[Path]:
    """All pictures of an experiment folder into ``<out>/plots/``."""
    return [draw() for _, draw in experiment_plots(out_dir, targets)]
