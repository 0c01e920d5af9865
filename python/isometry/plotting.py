"""Pictures of Monte Carlo spectra beside the theory (matplotlib, imported only when plotting)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from isometry.spectrum import JacobianSpectrum

__all__ = ["plot_spectrum"]


def _pyplot():
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(
            "plotting needs matplotlib: pip install 'isometry[plot]' (or pip install matplotlib)"
        ) from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save_atomically(fig, path: Path) -> None:
    """Write to a temporary file beside the target and rename, so no half-written picture remains."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=120)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def plot_spectrum(
    result: JacobianSpectrum, path: str | os.PathLike[str], theory_q: np.ndarray | None = None
) -> Path:
    """Histogram of the eigenvalues of J Jᵀ (log-x when they span decades) and q^l per layer.

    ``theory_q`` (the mean-field length-map trajectory) is drawn over the empirical q^l.
    """
    plt = _pyplot()
    path = Path(path)
    ev = result.eigenvalues
    # Eigenvalues below this are rounding noise of the eigensolver, shown as a count, not binned.
    floor = float(ev[-1]) * (1e-30 if result.method == "svd" else 1e-13) * (1e8 if result.dtype == "float32" else 1.0)
    resolved = ev[ev > floor]
    fig, (ax_hist, ax_q) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1.6, 1]})
    spans_decades = resolved.size > 1 and resolved[-1] / resolved[0] > 100
    if spans_decades:
        bins = np.geomspace(resolved[0], resolved[-1], 60)
        ax_hist.set_xscale("log")
    else:
        bins = 60
    ax_hist.hist(resolved, bins=bins, density=not spans_decades, color="tab:blue", alpha=0.75,
                 label=f"Monte Carlo, N={result.width}")
    unresolved = ev.size - resolved.size
    if unresolved:
        ax_hist.plot([], [], " ", label=f"{unresolved} eigenvalues ≤ {floor:.1e} (not shown)")
    ax_hist.set_xlabel("eigenvalue λ of J Jᵀ")
    ax_hist.set_ylabel("count per bin" if spans_decades else "density")
    ax_hist.legend(loc="best", fontsize=8)
    s = result.summary()
    ax_hist.set_title(
        f"{result.activation}, {result.weights}, L={result.depth}, σ_w={result.sigma_w:g}, "
        f"σ_b={result.sigma_b:g}\nmean {s['mean']:.4g}, var {s['variance']:.4g}, "
        f"max {s['max']:.4g}",
        fontsize=9,
    )
    layers = np.arange(1, result.depth + 1)
    ax_q.plot(layers, result.q, "o", ms=3, label="Monte Carlo q^l = |h^l|²/N")
    if theory_q is not None:
        ax_q.plot(layers, theory_q, "-", color="k", lw=1, label="mean-field length map")
    ax_q.set_xlabel("layer l")
    ax_q.set_ylabel("q^l")
    ax_q.set_title("pre-activation variance per layer", fontsize=9)
    ax_q.legend(loc="best", fontsize=8)
    fig.tight_layout()
    _save_atomically(fig, path)
    plt.close(fig)
    return path
