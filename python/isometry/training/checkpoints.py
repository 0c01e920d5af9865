"""Checkpoints: parameters, optimizer state and the step count in one .npz, written atomically."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from isometry._internal.files import atomic_open
from isometry.training.backend import to_numpy

__all__ = ["load_checkpoint", "read_checkpoint", "save_checkpoint"]


def save_checkpoint(
    path: Path, *, run_id: str, step: int, theta: Any, optimizer_state: dict[str, Any]
) -> None:
    """Write to a temporary file beside ``path`` and rename: a crash leaves the previous checkpoint."""
    arrays = {"theta": to_numpy(theta), "step": np.int64(step), "run_id": np.array(run_id)}
    for key, value in optimizer_state.items():
        arrays[f"opt_{key}"] = np.int64(value) if key == "t" else to_numpy(value)
    with atomic_open(path, "wb") as fh:
        np.savez(fh, **arrays)


def load_checkpoint(path: Path, run_id: str) -> tuple[int, np.ndarray, dict[str, Any]]:
    """(step, theta, optimizer state) from ``path``; ValueError if it belongs to another run."""
    # Opened here, so the file is closed even when np.load fails on a truncated archive.
    with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as data:
        saved = str(data["run_id"])
        if saved != run_id:
            raise ValueError(f"{path} is a checkpoint of run {saved!r}, not {run_id!r}")
        state = {
            key[4:]: (int(data[key]) if key == "opt_t" else data[key].copy())
            for key in data.files
            if key.startswith("opt_")
        }
        return int(data["step"]), data["theta"].copy(), state


def read_checkpoint(path: Path, run_id: str) -> tuple[int, np.ndarray, dict[str, Any]] | None:
    """:func:`load_checkpoint`, or None with a warning when the file cannot be read (truncated by a
    full disk or a copy, corrupted): an unreadable checkpoint counts as absent, and the run
    restarts from step 0 instead of failing for ever. A checkpoint of another run still raises."""
    try:
        return load_checkpoint(path, run_id)
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
    except ValueError as exc:
        if "is a checkpoint of run" in str(exc):
            raise
        reason = f"{type(exc).__name__}: {exc}"
    warnings.warn(
        f"{path} is unreadable ({reason}); it is ignored and run {run_id} restarts from step 0",
        RuntimeWarning,
        stacklevel=2,
    )
    return None
