"""Checkpoints: parameters, optimizer state and the step count in one .npz, written atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from isometry._internal.files import default_file_mode
from isometry.training.backend import to_numpy

__all__ = ["load_checkpoint", "save_checkpoint"]


def save_checkpoint(
    path: Path, *, run_id: str, step: int, theta: Any, optimizer_state: dict[str, Any]
) -> None:
    """Write to a temporary file beside ``path`` and rename: a crash leaves the previous checkpoint."""
    arrays = {"theta": to_numpy(theta), "step": np.int64(step), "run_id": np.array(run_id)}
    for key, value in optimizer_state.items():
        arrays[f"opt_{key}"] = np.int64(value) if key == "t" else to_numpy(value)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load_checkpoint(path: Path, run_id: str) -> tuple[int, np.ndarray, dict[str, Any]]:
    """(step, theta, optimizer state) from ``path``; ValueError if it belongs to another run."""
    with np.load(path, allow_pickle=False) as data:
        saved = str(data["run_id"])
        if saved != run_id:
            raise ValueError(f"{path} is a checkpoint of run {saved!r}, not {run_id!r}")
        state = {
            key[4:]: (int(data[key]) if key == "opt_t" else data[key].copy())
            for key in data.files
            if key.startswith("opt_")
        }
        return int(data["step"]), data["theta"].copy(), state
