"""The one lazy matplotlib import and the one atomic figure writer of the package."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from isometry._internal.files import default_file_mode

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


def save_figure(fig: Any, path: str | os.PathLike[str], dpi: int = 120) -> Path:
    """Write ``fig`` to a temporary file beside ``path`` (same suffix, so matplotlib picks the
    format from it) and rename it into place: no half-written picture is ever visible."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=dpi)
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
