"""Monte Carlo campaigns: grids of spectra against the large-width theory, on Dask, into a store.

    import isometry.sweep
    report = isometry.sweep.run("study.toml", "runs/study")            # LocalCluster sized to the machine
    isometry.sweep.run("study.toml", "runs/study", workers=1)          # in this process
    isometry.sweep.run("study.toml", "runs/study", client="tcp://scheduler:8786")
    table = isometry.sweep.load("runs/study")                          # pandas DataFrame, one row per task
    isometry.sweep.arrays("runs/study", table.key[0])                  # that task's eigenvalues, q^l, ...

Needs the ``sweep`` extra (``pip install "isometry[sweep]"``: dask[distributed], pyarrow, pandas).
``import isometry`` never imports Dask; this package imports it only when a sweep runs on it.
The spec format: :mod:`isometry.sweep.spec`; the store: :mod:`isometry.sweep.store`.
"""

from __future__ import annotations

import os
from typing import Any

from isometry.sweep.engine import SweepReport, run
from isometry.sweep.spec import NUMERICS_VERSION, Spec, SpecError, load_spec
from isometry.sweep.store import Store

__all__ = [
    "NUMERICS_VERSION",
    "Spec",
    "SpecError",
    "SweepReport",
    "arrays",
    "load",
    "load_spec",
    "run",
]


def load(store: str | os.PathLike[str]) -> Any:
    """Every committed task of ``store`` as a pandas DataFrame (one row per task)."""
    try:
        import pandas  # noqa: F401
    except ImportError:
        raise ImportError(
            'isometry.sweep.load needs pandas: pip install "isometry[sweep]"'
        ) from None
    path = Store(store)
    if not (path.path / "store.json").exists():
        raise FileNotFoundError(f"{str(path.path)!r} is not a sweep store (no store.json)")
    return path.table().to_pandas()


def arrays(store: str | os.PathLike[str], key: str) -> dict[str, Any]:
    """The arrays of task ``key`` (eigenvalues or density and quadrature, q^l, ...) as numpy arrays."""
    return Store(store).arrays(key)
