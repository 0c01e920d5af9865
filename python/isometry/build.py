"""What this build of isometry was compiled with."""

from __future__ import annotations

from typing import Any

from isometry._internal.core import _core

__all__ = ["build_info"]


def build_info() -> dict[str, Any]:
    """Compiler, OpenMP threads, BLAS (configuration and threads), CUDA, version, and the effective
    thread counts and wait settings (``info["threads"]``, see :func:`isometry.set_num_threads`)."""
    from isometry import __version__

    info: dict[str, Any] = {"version": __version__}
    core = _core.build_info()
    for key in ("cuda_option", "cuda_build"):  # reported inside info["cuda"]
        core.pop(key, None)
    info.update(core)
    from isometry._internal import gpu as _gpu

    info["cuda"] = _gpu.status()
    from isometry._internal.threads import thread_info

    info["threads"] = thread_info()  # effective counts now (openmp_max_threads: at load)
    return info
