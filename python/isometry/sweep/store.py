"""The results store: a directory of Parquet files that pandas or pyarrow open without isometry.

Layout::

    STORE/store.json                   format and numerics version (what the files mean)
    STORE/rows/<key>.<status>.parquet  one row per task (status "done" or "failed"), written once
    STORE/arrays/<key>.parquet         that task's arrays, one row of list<double> columns
    STORE/results.parquet              all rows in one tidy table (rebuilt at the end of each run)
    STORE/specs/<hash>.toml            every spec that has run into this store
    STORE/sweep.log                    progress lines of every run

A task is committed when its row file appears: its arrays are written first and every file is
written to a temporary name and renamed, so a killed process leaves either the whole task or none
of it (a stray hidden temporary file at most, ignored, and removed by the next write once its
writer is gone). One sweep at a time writes into a store: :func:`isometry.sweep.run` holds the
store's directory lock (``STORE/.isometry.lock``) while it runs. ``<key>`` is the hash of the
task's parameters and the numerics version (:func:`isometry.sweep.spec.task_key`).

Read it without isometry::

    import pandas as pd
    table = pd.read_parquet("STORE/results.parquet")        # or load(STORE) for the newest rows
    eigenvalues = pd.read_parquet(f"STORE/arrays/{key}.parquet")["eigenvalues"][0]
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from isometry._internal.files import atomic_path

__all__ = ["Store"]

FORMAT = 1
_STATUSES = ("done", "failed")
_STRAY_SECONDS = 600  # a temporary file this old was left by a killed writer


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise ImportError(
            'the sweep store needs pyarrow and pandas: pip install "isometry[sweep]"'
        ) from None
    return pyarrow


def _replace(path: Path, write: Any) -> None:
    """Call write(tmp_path), then rename tmp_path to path: the package's one atomic writer
    (synced, regular files only; see :mod:`isometry._internal.files`)."""
    with atomic_path(path) as tmp:
        write(str(tmp))


class Store:
    """One store directory (created on first use)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    # -- layout -----------------------------------------------------------------------------
    @property
    def rows(self) -> Path:
        return self.path / "rows"

    @property
    def arrays_dir(self) -> Path:
        return self.path / "arrays"

    def create(self) -> None:
        from isometry.sweep.spec import NUMERICS_VERSION

        for folder in (self.rows, self.arrays_dir, self.path / "specs"):
            folder.mkdir(parents=True, exist_ok=True)
        # Left by a process killed mid-write in an earlier version's naming (old enough not to
        # belong to a live writer); today's temporaries are removed by isometry._internal.files.
        for stray in self.path.rglob(".tmp-*"):
            with contextlib.suppress(OSError):
                if time.time() - stray.stat().st_mtime > _STRAY_SECONDS:
                    stray.unlink()
        manifest = self.path / "store.json"
        if manifest.exists():
            info = json.loads(manifest.read_text())
            if info.get("format") != FORMAT:
                raise ValueError(
                    f"store {str(self.path)!r} has format {info.get('format')}, this isometry writes "
                    f"format {FORMAT}; use a new --store directory"
                )
            return
        info = {
            "format": FORMAT,
            "numerics_version": NUMERICS_VERSION,
            "created": time.time(),
            "layout": "rows/<key>.<status>.parquet, arrays/<key>.parquet, results.parquet",
        }
        _replace(manifest, lambda tmp: Path(tmp).write_text(json.dumps(info, indent=2) + "\n"))

    def save_spec(self, source: str) -> None:
        import hashlib

        if source:
            name = hashlib.sha256(source.encode()).hexdigest()[:16]
            target = self.path / "specs" / f"{name}.toml"
            if not target.exists():
                _replace(target, lambda tmp: Path(tmp).write_text(source))

    def log(self, line: str) -> None:
        with open(self.path / "sweep.log", "a") as fh:
            fh.write(time.strftime("%Y-%m-%d %H:%M:%S ") + line + "\n")

    # -- what is there ------------------------------------------------------------------------
    def statuses(self) -> dict[str, str]:
        """key -> "done" or "failed" for every committed task ("done" wins if both are there)."""
        out: dict[str, str] = {}
        if not self.rows.is_dir():
            return out
        for name in os.listdir(self.rows):
            parts = name.split(".")
            if name.startswith(".") or len(parts) != 3 or parts[1] not in _STATUSES:
                continue
            if out.get(parts[0]) != "done":
                out[parts[0]] = parts[1]
        return out

    # -- writing ------------------------------------------------------------------------------
    def commit(self, result: dict[str, Any]) -> None:
        """Write one task's arrays, then its row (the row's appearance is the commit)."""
        pa = _pyarrow()
        row, arrays = result["row"], result["arrays"]
        key, status = row["key"], row["status"]
        if arrays:
            table = pa.table(
                {
                    name: pa.array(
                        [np.ravel(np.asarray(a, dtype=float))], type=pa.list_(pa.float64())
                    )
                    for name, a in arrays.items()
                }
            )
            shapes = {name: list(np.shape(a)) for name, a in arrays.items()}
            table = table.replace_schema_metadata({"shapes": json.dumps(shapes)})
            _replace(
                self.arrays_dir / f"{key}.parquet", lambda tmp: pa.parquet.write_table(table, tmp)
            )
        row_table = pa.Table.from_pylist([row])
        _replace(
            self.rows / f"{key}.{status}.parquet",
            lambda tmp: pa.parquet.write_table(row_table, tmp),
        )
        if status == "done":  # a retried task that now succeeded
            (self.rows / f"{key}.failed.parquet").unlink(missing_ok=True)

    def compact(self) -> Path:
        """Rewrite results.parquet from the row files (one tidy table)."""
        pa = _pyarrow()
        table = self.table()
        target = self.path / "results.parquet"
        _replace(target, lambda tmp: pa.parquet.write_table(table, tmp))
        return target

    # -- reading ------------------------------------------------------------------------------
    def table(self) -> Any:
        """All committed rows as one pyarrow Table (columns unified; missing values null)."""
        pa = _pyarrow()
        statuses = self.statuses()
        tables = [
            pa.parquet.read_table(self.rows / f"{key}.{status}.parquet")
            for key, status in sorted(statuses.items())
        ]
        if not tables:
            return pa.table({"key": pa.array([], pa.string()), "status": pa.array([], pa.string())})
        return pa.concat_tables(tables, promote_options="permissive")

    def arrays(self, key: str) -> dict[str, np.ndarray]:
        """One task's arrays as numpy arrays in their stored shapes."""
        pa = _pyarrow()
        path = self.arrays_dir / f"{key}.parquet"
        if not path.exists():
            raise KeyError(
                f"no arrays for task {key!r} in {str(self.path)!r} (failed, or not run yet)"
            )
        table = pa.parquet.read_table(path)
        shapes = json.loads((table.schema.metadata or {}).get(b"shapes", b"{}"))
        return {
            name: np.asarray(table.column(name)[0].as_py(), dtype=float).reshape(
                shapes.get(name, (-1,))
            )
            for name in table.column_names
        }
