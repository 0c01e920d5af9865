"""The array module behind the trainer: NumPy on the CPU, CuPy on a CUDA device.

Every training module is written once against ``xp`` (the subset of the array API that NumPy and
CuPy share: matmul with ``out=``, ufuncs with ``out=``, ``take``, ``argmax``...). CuPy is imported
only when ``device='gpu'`` is asked for, so ``import isometry.training`` never needs it.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from isometry._internal import memory as _memory
from isometry._internal import validation as _validation

__all__ = [
    "DEVICES",
    "array_module",
    "device_name",
    "require_device_memory",
    "synchronize",
    "to_numpy",
]

from isometry._names import CUPY_INSTALL_HINT, DEVICES  # noqa: E402  (DEVICES re-exported: training configs check it)


def array_module(device: str) -> ModuleType:
    """numpy for ``'cpu'``; cupy for ``'gpu'`` (a clear ImportError/RuntimeError when it cannot)."""
    device = _validation.choice("device", device, DEVICES)
    if device == "cpu":
        return np
    try:
        import cupy
    except ImportError as exc:
        raise ImportError(
            f"device='gpu' needs CuPy ({CUPY_INSTALL_HINT}); it is not "
            f"installed here ({exc}). Use device='cpu' to train with NumPy."
        ) from exc
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # cupy raises CUDARuntimeError without a driver
        raise RuntimeError(
            f"device='gpu': CuPy is installed but finds no CUDA device ({exc})"
        ) from exc
    if count < 1:
        raise RuntimeError("device='gpu': CuPy is installed but finds no CUDA device")
    return cupy


def to_numpy(a: Any) -> np.ndarray:
    """A host copy of ``a`` (a no-op view for numpy arrays)."""
    if isinstance(a, np.ndarray):
        return a
    return a.get()  # cupy.ndarray


def require_device_memory(xp: ModuleType, what: str, needed_bytes: int) -> None:
    """MemoryError stating the estimate when ``needed_bytes`` does not fit on ``xp``'s device.

    numpy: the host's available memory (:func:`isometry._internal.memory.require`). cupy: the device's
    free memory plus what CuPy's pool holds unused (it hands that back before allocating anew).
    """
    if xp is np:
        _memory.require(what, needed_bytes)
        return
    from isometry._internal import gpu

    free, total = xp.cuda.runtime.memGetInfo()
    pool = xp.get_default_memory_pool()
    free += pool.total_bytes() - pool.used_bytes()
    gpu.check_fits(what, needed_bytes, free, total, xp.cuda.Device().id)


def synchronize(xp: ModuleType) -> None:
    """Wait for queued device work (timings must include it); nothing to do for numpy."""
    if xp is not np:
        xp.cuda.get_current_stream().synchronize()


def device_name(xp: ModuleType) -> str:
    if xp is np:
        import platform

        return f"cpu ({platform.processor() or platform.machine()})"
    props = xp.cuda.runtime.getDeviceProperties(xp.cuda.Device().id)
    name = props["name"]
    return f"gpu ({name.decode() if isinstance(name, bytes) else name})"
