"""Atomic file writes: a reader never sees a half-written file, an interruption leaves none."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["default_file_mode", "write_text_atomically"]


def default_file_mode() -> int:
    """0o666 less the umask: what open() would have given (mkstemp makes files 0o600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_text_atomically(path: str | os.PathLike[str], text: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
