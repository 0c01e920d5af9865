"""``isometry sweep plot``: the finite-width views of a store (matplotlib, imported only here).

* ``finite_width.png``: KS distance and |λ_max/λ_max^∞ − 1| against width, one line per
  configuration (everything but width and seed), mean over seeds with the spread as error bars,
  on log–log axes with the fitted power law N^slope in the legend;
* ``spectra_<i>.png``: for each configuration, the measured law of log10 λ (pooled over seeds)
  at each width over the large-width density λρ(λ)·ln 10;
* ``worst_matching.csv``: the configurations and widths furthest from the theory (by KS), also
  printed.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from isometry._internal.files import write_text_atomically
from isometry.plotting._figure import save_figure

__all__ = ["configurations", "plot_store", "power_law_slope"]

_IGNORED = {"key", "seed", "width", "status", "error"}
_PARAMETER_COLUMNS = (
    "kind",
    "activation",
    "weights",
    "depth",
    "sigma_w",
    "sigma_b",
    "q_star",
    "c",
    "q0",
    "dtype",
    "method",
    "probes",
    "steps",
    "storage",
    "blas_threads",
)


def power_law_slope(width: np.ndarray, value: np.ndarray) -> float:
    """Least-squares slope of log value against log width (NaN with fewer than two points)."""
    ok = (width > 0) & (value > 0) & np.isfinite(value)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(width[ok]), np.log(value[ok]), 1)[0])


def configurations(table: Any) -> list[tuple[str, Any]]:
    """(label, rows) per configuration: finished rows grouped by every parameter but width and seed."""
    done = table[table["status"] == "done"]
    columns = [c for c in _PARAMETER_COLUMNS if c in done.columns]
    if done.empty:
        return []
    keyed = done.assign(
        _config=["|".join(map(repr, r)) for r in done[columns].itertuples(index=False)]
    )
    out = []
    for _, rows in keyed.groupby("_config", sort=True):
        first = rows.iloc[0]
        parts = [str(first["activation"]), str(first["weights"]), f"L={first['depth']}"]
        for name, symbol in (
            ("q_star", "q^*"),
            ("c", "c"),
            ("sigma_w", r"\sigma_w"),
            ("sigma_b", r"\sigma_b"),
        ):
            if name in rows and isinstance(first[name], float) and not math.isnan(first[name]):
                parts.append(f"${symbol}={first[name]:.3g}$")
        out.append((", ".join(parts), rows))
    return out


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            'isometry sweep plot needs matplotlib: pip install "isometry[plot]"'
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _finite_width(plt: Any, configs: list[tuple[str, Any]], path: Path) -> Path:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    columns = (
        ("ks", r"KS distance to the large-width law"),
        ("lambda_max_rel_error", r"$|\lambda_{\max}/\lambda_{\max}^{\infty} - 1|$"),
    )
    for ax, (column, label) in zip(axes, columns):
        for name, rows in configs:
            stats = (
                rows.groupby("width")[column].agg(["mean", "std", "count"]).dropna(subset=["mean"])
            )
            if stats.empty:
                continue
            widths = stats.index.to_numpy(dtype=float)
            mean = stats["mean"].to_numpy()
            slope = power_law_slope(widths, mean)
            ax.errorbar(
                widths,
                mean,
                yerr=stats["std"].fillna(0).to_numpy(),
                marker="o",
                ms=4,
                capsize=3,
                label=f"{name}: slope {slope:.2f}" if np.isfinite(slope) else name,
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"width $N$")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    axes[0].set_title(
        r"distance to theory vs width (mean $\pm$ sd over seeds; fit $\propto N^{\mathrm{slope}}$)",
        fontsize=9,
    )
    axes[1].set_title(r"largest eigenvalue of $JJ^T$ vs the large-width edge", fontsize=9)
    fig.tight_layout()
    try:
        save_figure(fig, path, dpi=110)  # atomic: no half-written picture
    finally:
        plt.close(fig)
    return path


def _theory_curve(first: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """λρ(λ)·ln 10 of the large-width law for this configuration (density per decade), or None."""
    from isometry import ConvergenceError, theory

    try:
        if first["kind"] == "resnet_jacobian_spectrum":
            law = theory.resnet_density(float(first["c_theory"]))
        else:
            if isinstance(first.get("q0"), float) and not math.isnan(first["q0"]):
                return None  # the law holds at q0 = q*
            weights = "gaussian" if first["weights"] == "gaussian" else "orthogonal"
            law = theory.jacobian_density(
                first["activation"],
                weights,
                int(first["depth"]),
                float(first["sigma_w_used"]),
                float(first["sigma_b_used"]),
            )
    except (ValueError, ConvergenceError, KeyError):
        return None
    keep = law.x > 0
    return law.x[keep], law.x[keep] * law.density[keep] * math.log(10)


def _spectra(plt: Any, store: Path, name: str, rows: Any, path: Path) -> Path:
    from isometry.sweep.store import Store

    data = Store(store)
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    widths = sorted(rows["width"].unique())
    span = [np.inf, -np.inf]  # log10 range of the measured spectra: the theory curve is cut to it
    colors = plt.cm.viridis(np.linspace(0.1, 0.9, len(widths)))
    for width, color in zip(widths, colors):
        members = rows[rows["width"] == width]
        if members.iloc[0]["kind"] == "jacobian_spectral_density":
            curves = [data.arrays(k) for k in members["key"]]
            x = curves[0]["x"]
            density = np.mean([np.interp(x, c["x"], c["density"]) for c in curves], axis=0)
            ax.plot(
                np.log10(x),
                x * density * math.log(10),
                color=color,
                lw=1.2,
                label=f"$N={width}$ (Lanczos)",
            )
            span = [min(span[0], np.log10(x[0])), max(span[1], np.log10(x[-1]))]
            continue
        pooled = np.concatenate([data.arrays(k)["eigenvalues"] for k in members["key"]])
        floor = float(members["resolution"].max())
        resolved = pooled[pooled > floor]
        if resolved.size < 2:
            continue
        bins = np.linspace(np.log10(resolved.min()), np.log10(resolved.max()) + 1e-9, 60)
        counts, _ = np.histogram(np.log10(resolved), bins)
        span = [min(span[0], bins[0]), max(span[1], bins[-1])]
        ax.stairs(
            counts / pooled.size / np.diff(bins),
            bins,
            color=color,
            lw=1.2,
            label=f"$N={width}$ ({len(members)} seeds)",
        )
    curve = _theory_curve(rows.iloc[0])
    if curve is not None:
        x, per_decade = curve
        ax.plot(
            np.log10(x),
            per_decade,
            "k--",
            lw=1.2,
            label=r"large-width law $\lambda\rho(\lambda)\ln 10$",
        )
    if np.all(np.isfinite(span)):
        ax.set_xlim(span[0] - 0.5, span[1] + 0.5)
    ax.set_xlabel(r"$\log_{10}\lambda$, $\lambda$ an eigenvalue of $JJ^T$")
    ax.set_ylabel(r"density per decade of $\lambda$")
    ax.set_title(name, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    try:
        save_figure(fig, path, dpi=110)  # atomic: no half-written picture
    finally:
        plt.close(fig)
    return path


def _worst(table: Any, path: Path, count: int = 10) -> Path:
    done = table[(table["status"] == "done") & table["ks"].notna()]
    columns = [
        c
        for c in (
            "kind",
            "activation",
            "weights",
            "width",
            "depth",
            "q_star",
            "sigma_w_used",
            "sigma_b_used",
            "ks",
            "w1_log10",
            "lambda_max_rel_error",
            "m1_rel_error",
        )
        if c in done
    ]
    worst = (
        done.groupby([c for c in columns[:8] if c in done.columns], dropna=False)[columns[8:]]
        .mean()
        .sort_values("ks", ascending=False)
        .head(count)
    )
    write_text_atomically(path, worst.to_csv())
    print("worst-matching configurations (mean over seeds, by KS):")
    print(worst.to_string(float_format=lambda v: f"{v:.4g}"))
    return path


def plot_store(
    store: str | os.PathLike[str], out: str | os.PathLike[str] | None = None
) -> list[Path]:
    """Draw the figures and the worst-matching table of ``store`` into ``out`` (default STORE/plots)."""
    from isometry import sweep

    plt = _pyplot()
    table = sweep.load(store)
    folder = Path(out) if out is not None else Path(store) / "plots"
    folder.mkdir(parents=True, exist_ok=True)
    configs = configurations(table)
    if not configs:
        raise ValueError(f"store {str(store)!r} has no finished tasks to plot")
    paths = [_finite_width(plt, configs, folder / "finite_width.png")]
    for i, (name, rows) in enumerate(configs):
        paths.append(_spectra(plt, Path(store), name, rows, folder / f"spectra_{i}.png"))
    if "ks" in table:
        paths.append(_worst(table, folder / "worst_matching.csv"))
    return paths
