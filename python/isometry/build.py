"""What this build of isometry was compiled with."""

from __future__ import annotations

from typing import Any

from isometry._internal.core import _core

__all__ = ["build_info"]


def build_info() -> dict[str, Any]:
    """What this build of isometry was compiled with, and the thread settings in effect.

    Returns
    -------
    dict
        ``"version"``, ``"compiler"``, ``"cxx_standard"``; ``"openmp"`` and
        ``"openmp_max_threads"`` (at load); ``"blas"`` (the configuration it was built with),
        ``"blas_runtime"`` and ``"blas_threads"``; ``"cuda"``: how the CUDA extension was
        built, whether it loads (and why not) and the devices it sees; ``"threads"``: the
        effective thread counts, wait settings and adaptation mode now (see
        :func:`isometry.set_num_threads`).

    See Also
    --------
    set_num_threads, get_num_threads

    Examples
    --------
    >>> info = isometry.build_info()
    >>> info["version"] == isometry.__version__, "threads" in info, "cuda" in info
    (True, True, True)
    """
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
