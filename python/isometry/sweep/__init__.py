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
    """Every committed task of a sweep store as a pandas DataFrame, one row per task.

    Parameters
    ----------
    store : str or os.PathLike
        The sweep's store: a folder holding ``store.json`` and one committed record per task.

    Returns
    -------
    pandas.DataFrame
        One row per task: its ``key``, parameters and ``status`` (``error`` when it failed),
        the σ_w, σ_b and q0 used, the moments m1..m4 and λ_max beside the theory's, the KS and
        log10-Wasserstein distances to the theory law, and where and how long it ran.

    Raises
    ------
    ImportError
        If pandas is not installed (the message names the extra).
    FileNotFoundError
        If ``store`` is not a sweep store.

    See Also
    --------
    run, arrays

    Examples
    --------
    >>> import tempfile
    >>> import isometry.sweep
    >>> spec = {"sweep": {"kind": "jacobian_spectrum", "seeds": 2},
    ...         "grid": {"width": 16, "depth": [2, 4]}}
    >>> store = tempfile.mkdtemp()
    >>> report = isometry.sweep.run(spec, store, workers=1, progress=False)
    >>> table = isometry.sweep.load(store)
    >>> len(table), sorted(set(table.depth))
    (4, [2, 4])
    """
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
    """The arrays of one task of a sweep store as NumPy arrays.

    Parameters
    ----------
    store : str or os.PathLike
        The sweep's store: a folder holding ``store.json`` and one committed record per task.
    key : str
        The task's key (the ``key`` column of :func:`load`).

    Returns
    -------
    dict of str to ndarray
        The task's arrays in their stored shapes: ``eigenvalues`` (dense kinds) or ``x``,
        ``density``, ``density_error``, ``nodes``, ``quadrature_weights``, ``moments`` and
        ``moment_errors`` (matrix-free), and the simulated and mean-field q^l (``q``,
        ``q_theory``).

    Raises
    ------
    KeyError
        If the store holds no arrays for ``key`` (failed, or not run yet).

    See Also
    --------
    load

    Examples
    --------
    >>> import tempfile
    >>> import isometry.sweep
    >>> spec = {"sweep": {"kind": "jacobian_spectrum", "seeds": 2},
    ...         "grid": {"width": 16, "depth": [2, 4]}}
    >>> store = tempfile.mkdtemp()
    >>> report = isometry.sweep.run(spec, store, workers=1, progress=False)
    >>> table = isometry.sweep.load(store)
    >>> arrays = isometry.sweep.arrays(store, table.key[0])
    >>> arrays["eigenvalues"].shape
    (16,)
    """
    return Store(store).arrays(key)
