"""What the reproductions share: the run context, Monte Carlo spectra, training grids on real
data, and a few statistics. Numerics come from the package (theory, jacobian_spectrum,
training); this module only arranges them."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from isometry.montecarlo.mlp import JacobianSpectrum, jacobian_spectrum
from isometry.montecarlo.theory_comparison import resolution_floor

__all__ = [
    "Context",
    "Outcome",
    "limited_threads",
    "log10_hist",
    "mean_se",
    "pyplot",
    "q_text",
    "spectra",
    "steps_to_target",
    "train_grid",
    "training_data",
]

# Colours and markers reused across figures so one configuration looks the same everywhere.
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]


@dataclass
class Context:
    """Where and how an entry runs. ``params`` are the entry's settings at this scale."""

    name: str
    scale: str
    out: Path
    device: str
    params: dict[str, Any]
    data_dir: str | None = None
    log: Callable[[str], None] = print
    notes: list[str] = field(default_factory=list)
    # Set when the run is outside the regime the claim is about (a validity condition stated in
    # the entry before it runs, checked on the run): the verdict is then INCONCLUSIVE, with this
    # reason, and the table is still shown. Never set from whether the rows passed.
    inconclusive: str = ""


@dataclass
class Outcome:
    rows: list
    figure: Any
    data: dict[str, Any] = field(default_factory=dict)


def pyplot():
    """matplotlib.pyplot in the reproductions' style (imported by isometry.plotting only)."""
    from isometry.plotting.reproductions import reproduction_pyplot

    return reproduction_pyplot()


def mean_se(values: Sequence[float]) -> tuple[float, float]:
    """Mean and its standard error (0 for a single value)."""
    v = np.asarray(values, dtype=float)
    if v.size < 2:
        return float(v.mean()), 0.0
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(v.size))


def spectra(
    ctx: Context,
    activation: str,
    weights: str,
    depth: int,
    sigma_w: float,
    sigma_b: float,
    *,
    width: int | None = None,
    seeds: int | None = None,
    base: str | None = None,
) -> list[JacobianSpectrum]:
    """``seeds`` independent networks (seeds 0, 1, ...) at the entry's width, started at q*."""
    width = width or ctx.params["width"]
    count = seeds or ctx.params.get("seeds", 1)
    device = ctx.device if weights != "parameter_sharing" else "cpu"
    return [
        jacobian_spectrum(
            width,
            depth,
            activation=activation,
            weights=weights,
            sigma_w=sigma_w,
            sigma_b=sigma_b,
            seed=s,
            base=base,
            device=device,
        )
        for s in range(count)
    ]


def pooled(results: Sequence[JacobianSpectrum]) -> tuple[np.ndarray, float]:
    """All eigenvalues of several networks and the largest resolution floor among them."""
    return np.concatenate([r.eigenvalues for r in results]), max(
        resolution_floor(r) for r in results
    )


def normalized_variance(r: JacobianSpectrum) -> float:
    """m₂/m₁² − 1 of one network's spectrum (scale-free: the quantity the theory fixes)."""
    ev = r.eigenvalues
    return float(np.mean(ev**2) / np.mean(ev) ** 2 - 1.0)


def log10_hist(
    ax: Any,
    eigenvalues: np.ndarray,
    floor: float,
    *,
    bins: int = 60,
    color: str,
    label: str,
    lo: float | None = None,
    hi: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Histogram of log₁₀ λ (eigenvalues at or below ``floor`` counted in the first bin) scaled
    to a density of log₁₀ λ; returns (edges, heights)."""
    ev = np.maximum(eigenvalues, floor)
    lo = math.log10(floor) if lo is None else lo
    hi = math.log10(ev.max()) + 0.05 if hi is None else hi
    heights, edges = np.histogram(np.clip(np.log10(ev), lo, hi), bins=bins, range=(lo, hi))
    heights = heights / (ev.size * np.diff(edges))
    ax.stairs(heights, edges, fill=True, alpha=0.35, color=color, label=label)
    return edges, heights


def q_text(q: float) -> str:
    """q* for a figure: 1/64 rather than 0.015625 (an exact reciprocal of an integer), else %g."""
    inverse = 1.0 / q
    if inverse > 1 and abs(inverse - round(inverse)) < 1e-9 * inverse:
        return f"1/{round(inverse)}"
    return f"{q:g}"


def log10_density(density: Any) -> tuple[np.ndarray, np.ndarray]:
    """The continuous part of a JacobianDensity as a density of log₁₀ λ: λ ρ(λ) ln 10."""
    x = np.asarray(density.x)
    keep = x > 0
    return np.log10(x[keep]), x[keep] * np.asarray(density.density)[keep] * math.log(10.0)


@contextlib.contextmanager
def limited_threads(scale: str) -> Iterator[None]:
    """Quick scale: OpenMP and every BLAS (ours and NumPy's) on one thread. Its problems (width
    ≤ 400 spectra, 64-unit training layers) are too small to split, and on a shared machine the
    threads' spin-waiting made them 20–40× slower (measured at load 10–14 on 2 cores: a width-400,
    depth-32 orthogonal spectrum 19.5 s with 2 threads, 0.48 s with 1; a width-128 training step
    0.49 s against 12 ms). Full scale keeps the machine's settings. threadpoolctl comes with
    scikit-learn (the ``reproduce`` extra); without it nothing changes."""
    if scale != "quick":
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1):
        yield


# -- training on real data ---------------------------------------------------------------------


def training_data(ctx: Context) -> tuple[Any, str]:
    """The dataset for the training entries and a sentence for the report.

    Quick scale: scikit-learn's bundled 8×8 digits (real handwritten images that ship inside the
    wheel, so this runs offline). Full scale: CIFAR-10 from ``--data-dir`` (or $ISOMETRY_DATA,
    ~/.cache/isometry) when the archive is there, else the digits again, said in the report."""
    from isometry.datasets import digits

    if ctx.scale == "full":
        from isometry import datasets

        try:
            data = datasets.cifar10(ctx.data_dir, progress=False)
            return data, (
                "CIFAR-10 (50,000 training / 10,000 test images, per-channel standardised), "
                "the papers' dataset"
            )
        except (OSError, ValueError) as exc:
            ctx.log(f"{ctx.name}: CIFAR-10 not available ({exc}); using the digits dataset")
            note = (
                "CIFAR-10 was not found (give --data-dir with cifar-10-python.tar.gz), so this full-scale "
                "run used scikit-learn's 8×8 digits instead"
            )
            return digits(), note
    return digits(), (
        "scikit-learn's bundled 8×8 handwritten digits (1,437 training / 360 test images, "
        "standardised) — real images available offline; the papers used CIFAR-10"
    )


def train_grid(ctx: Context, dataset: Any, name: str, **settings: Any) -> list[dict[str, Any]]:
    """Run a training grid (resumable, under ``<entry>/training/``) and return one dict per run:
    its configuration, outcome, and test-accuracy curve (steps, accuracies)."""
    from isometry.training import Experiment, run_experiment
    from isometry.training.records import read_table

    n_train, n_test = len(dataset.x_train), len(dataset.x_test)
    experiment = Experiment(
        name=name,
        dataset=dataset.name if dataset.name in ("cifar10", "digits") else "digits",
        data_options={"n_train": n_train, "n_test": n_test},
        device=ctx.device,
        **settings,
    )
    out = ctx.out / "training"
    outcomes = run_experiment(
        experiment,
        out,
        dataset=dataset,
        progress=False,
        log=lambda m: ctx.log(f"  {ctx.name}: {m}"),
    )
    rows = []
    for run, outcome in zip(experiment.runs(), outcomes):
        evals = read_table(out / "runs" / run.run_id / "evals.csv")
        rows.append(
            {
                "config": run,
                "state": outcome.state,
                "seconds": outcome.seconds,
                "steps": np.array([e["step"] for e in evals], dtype=float),
                "accuracy": np.array([e["test_accuracy"] for e in evals], dtype=float),
            }
        )
    return rows


def steps_to_target(run: dict[str, Any], target: float, budget: int) -> float:
    """First evaluated step with test accuracy ≥ target; ``budget`` × 2 (a censored value, drawn
    and counted as 'not reached') when the run never got there or diverged."""
    hit = np.nonzero(run["accuracy"] >= target)[0]
    return float(run["steps"][hit[0]]) if hit.size else float(2 * budget)
