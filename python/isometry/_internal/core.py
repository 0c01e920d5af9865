"""Load the compiled core after the OpenBLAS it links against.

``libscipy_openblas.so`` ships in the ``scipy_openblas32`` wheel; importing that package first
loads it into the process, so ``_core`` resolves its BLAS symbols whatever the RPATH says.
"""

from __future__ import annotations

from isometry._internal import threads as _threads

# Wait settings of libgomp and OpenBLAS: read once, when the libraries load just below.
_added = _threads.apply_runtime_defaults()
try:
    import scipy_openblas32  # noqa: F401  (loads libscipy_openblas.so)

    from isometry import _core
finally:
    _threads.restore_environment(_added)
_threads.apply_adaptation_from_environment()

__all__ = ["_core"]
