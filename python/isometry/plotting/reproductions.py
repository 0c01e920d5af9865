"""The figure style and the figure files of ``isometry reproduce`` (isometry.experiments).

Each reproduction draws its own panels with the pyplot returned here; this module owns the
matplotlib import, the shared style, and the atomic PNG + PDF writer, so that the experiments
package never imports matplotlib itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from isometry._internal.files import atomic_path
from isometry.plotting._figure import pyplot as _pyplot

__all__ = ["reproduction_pyplot", "save_reproduction_figure"]

_STYLE = {
    "font.size": 9,
    "axes.titlesize": 9,
    "legend.fontsize": 7.5,
    "legend.framealpha": 0.85,
    "mathtext.fontset": "cm",
}


def reproduction_pyplot() -> Any:
    """matplotlib.pyplot (Agg) with the reproductions' compact style applied."""
    try:
        plt = _pyplot()
    except ImportError as exc:
        raise ImportError(
            "isometry reproduce draws figures: pip install 'isometry[reproduce]'"
        ) from exc
    plt.rcParams.update(_STYLE)
    return plt


def save_reproduction_figure(fig: Any, directory: Path, stem: str = "figure") -> list[str]:
    """``stem.png`` (raster, 150 dpi) and ``stem.pdf`` (vector), each written atomically with a
    tight bounding box (the legends sit below the panels). Returns the file names."""
    names = []
    directory.mkdir(parents=True, exist_ok=True)
    for suffix, options in ((".png", {"dpi": 150}), (".pdf", {})):
        path = directory / f"{stem}{suffix}"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, bbox_inches="tight", format=suffix[1:], **options)
        names.append(path.name)
    return names
