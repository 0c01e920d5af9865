"""The one lazy matplotlib import and the one atomic figure writer of the package."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from isometry._internal.files import atomic_path, destination

__all__ = [
    "COLORS",
    "STYLE",
    "axes",
    "figure_path",
    "finish",
    "log_ticks",
    "plain_log_ticks",
    "pyplot",
    "save_figure",
    "style",
]


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend, or an ImportError saying which extra installs it."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(
            'plotting needs matplotlib: pip install "isometry[plot]" (or pip install matplotlib)'
        ) from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figure_path(path: str | os.PathLike[str]) -> tuple[Path, str]:
    """(the path a picture goes to, its format): the format is the file's extension; a name
    without one gets ``.png`` added (and the returned path says so); an extension matplotlib
    cannot write is refused with the list of those it can. Call it before a long computation
    to refuse a bad name early."""
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError as exc:
        raise ImportError(
            'plotting needs matplotlib: pip install "isometry[plot]" (or pip install matplotlib)'
        ) from exc

    path = Path(path)
    supported = FigureCanvasBase.get_supported_filetypes()
    if not path.suffix:
        path = path.with_name(path.name + ".png")
    fmt = path.suffix[1:].lower()
    if fmt not in supported:
        raise ValueError(
            f"cannot write a figure to {path}: the extension .{fmt} is not a picture format "
            f"matplotlib writes; use one of {', '.join('.' + k for k in sorted(supported))}"
        )
    return path, fmt


def save_figure(fig: Any, path: str | os.PathLike[str], dpi: int = 120) -> Path:
    """Write ``fig`` atomically (see :mod:`isometry._internal.files`): a temporary file with the
    same extension, renamed into place when complete; no half-written picture is ever visible.
    Returns the path written (``.png`` added to a name without an extension; the file a
    symbolic link names)."""
    path, fmt = figure_path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format=fmt)
    return destination(path)


#: The one style of every figure of the package (applied inside each plotting function, so the
#: user's own rcParams are untouched outside it): mathtext in the DejaVu fonts, sizes that stay
#: readable at a single journal column, light grids, colour-blind-safe cycle (Okabe–Ito).
STYLE: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 7.5,
    "legend.framealpha": 0.85,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "mathtext.fontset": "dejavusans",
    "axes.prop_cycle": None,  # filled in by style() (needs matplotlib's cycler)
    "savefig.dpi": 150,
    "figure.dpi": 100,
}
#: Okabe & Ito (2008): distinguishable for the common colour-vision deficiencies and in grey.
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def style() -> Any:
    """A context manager applying :data:`STYLE` (``matplotlib.rc_context``)."""
    try:
        import matplotlib
        from cycler import cycler
    except ImportError as exc:
        raise ImportError(
            'plotting needs matplotlib: pip install "isometry[plot]" (or pip install matplotlib)'
        ) from exc
    rc: dict[str, Any] = {**STYLE, "axes.prop_cycle": cycler(color=COLORS)}
    return matplotlib.rc_context(rc)  # type: ignore[arg-type]  # matplotlib types the keys as a Literal of every rc name


def axes(
    ax: Any, panels: int, figsize: tuple[float, float], **subplots: Any
) -> tuple[Any, list[Any]]:
    """(figure, list of axes) to draw ``panels`` panels into.

    ``ax=None``: a new ``matplotlib.figure.Figure`` (no pyplot, so no global state and nothing to
    close) with ``panels`` axes in a row; one ``Axes``: only the first (main) panel is drawn there;
    a sequence of ``panels`` axes: one panel each. The figure returned is the axes' own.
    """
    if ax is None:
        try:
            from matplotlib.figure import Figure
        except ImportError as exc:
            raise ImportError(
                'plotting needs matplotlib: pip install "isometry[plot]" (or pip install matplotlib)'
            ) from exc
        fig = Figure(figsize=figsize, layout="constrained")
        made = fig.subplots(1, panels, squeeze=False, **subplots)[0]
        return fig, list(made)
    if hasattr(ax, "figure") and not isinstance(ax, (list, tuple)):
        return ax.figure, [ax]
    listed = list(ax.ravel() if hasattr(ax, "ravel") else ax)
    if not 1 <= len(listed) <= panels:
        raise ValueError(
            f"ax must be one Axes or a sequence of up to {panels} Axes, got {len(listed)}"
        )
    return listed[0].figure, listed


def finish(fig: Any, path: str | os.PathLike[str] | None, dpi: int = 150) -> Any:
    """Save ``fig`` atomically when ``path`` is given; return the figure."""
    if path is not None:
        save_figure(fig, path, dpi=dpi)
    return fig


def log_ticks(axis: Any) -> None:
    """Plain decade labels on a log axis (10⁻², 10⁰, …; no "6×10⁰" minor labels)."""
    from matplotlib.ticker import LogFormatterSciNotation, NullFormatter

    axis.set_major_formatter(LogFormatterSciNotation())
    axis.set_minor_formatter(NullFormatter())


def plain_log_ticks(axis: Any) -> None:
    """Plain numbers (20, 50, 100) on a log axis spanning few decades, instead of "2×10¹"; only
    the decades are labelled when it spans more than two."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    lo, hi = sorted(axis.get_view_interval())
    plain = FuncFormatter(lambda v, _pos: f"{v:g}")
    axis.set_major_formatter(plain)
    if lo > 0 and hi / lo > 100:
        axis.set_minor_formatter(NullFormatter())
    else:
        axis.set_minor_formatter(plain)
