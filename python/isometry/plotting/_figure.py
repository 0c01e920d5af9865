"""The one lazy matplotlib import and the one atomic figure writer of the package."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from isometry._internal.files import atomic_path, destination

__all__ = ["pyplot", "save_figure"]


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


def figure_path(fig: Any, path: str | os.PathLike[str]) -> tuple[Path, str]:
    """(the path the picture goes to, its format): the format is the file's extension; a name
    without one gets ``.png`` added (and the returned path says so); an extension matplotlib
    cannot write is refused with the list of those it can."""
    path = Path(path)
    supported = fig.canvas.get_supported_filetypes()
    if not path.suffix:
        path = path.with_name(path.name + ".png")
    fmt = path.suffix[1:].lower()
    if fmt not in supported:
        raise ValueError(f"cannot write a figure to {path}: the extension .{fmt} is not a picture format "
                         f"matplotlib writes; use one of {', '.join('.' + k for k in sorted(supported))}")
    return path, fmt


def save_figure(fig: Any, path: str | os.PathLike[str], dpi: int = 120) -> Path:
    """Write ``fig`` atomically (see :mod:`isometry._internal.files`): a temporary file with the
    same extension, renamed into place when complete; no half-written picture is ever visible.
    Returns the path written (``.png`` added to a name without an extension)."""
    try:
        path, fmt = figure_path(fig, path)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=dpi, format=fmt)
    except BaseException:
        pyplot().close(fig)  # the caller's close is skipped by the exception
        raise
    return destination(path)
