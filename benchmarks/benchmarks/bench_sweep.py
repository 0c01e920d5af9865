"""Sweep engine and store: per-task cost of running in process and of committing to Parquet.

The 2-worker LocalCluster against one process (the speed-up target) is measured in
benchmarks/compare.py (section sweep): starting a cluster per sample is too heavy for asv.
"""

import itertools
import shutil
import tempfile
from pathlib import Path

import numpy as np

from .common import SEED, pin_threads

SPEC = """
[sweep]
kind = "jacobian_spectrum"
seeds = [{seed}, {seed2}, {seed3}, {seed4}]
[grid]
width = 256
depth = 8
activation = "tanh"
sigma_w = 1.05
"""


def _sweep():
    try:
        from isometry import sweep
    except ImportError as exc:  # pragma: no cover - without the sweep extra
        raise NotImplementedError(str(exc)) from None
    try:
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise NotImplementedError(f"needs isometry[sweep]: {exc}") from None
    return sweep


class SweepInProcess:
    """Four (256, 8) tanh tasks with their theory comparison, committed one by one."""

    number = 1
    repeat = (1, 5, 60.0)
    rounds = 1
    warmup_time = 0

    def setup(self):
        pin_threads()
        self.sweep = _sweep()
        self.folder = Path(tempfile.mkdtemp())
        self.runs = itertools.count()
        s = SEED % 1000
        self.spec = SPEC.format(seed=s, seed2=s + 1, seed3=s + 2, seed4=s + 3)
        self.sweep.run(self.spec, self.folder / "warm", workers=1, progress=False)

    def teardown(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    def time_sweep_four_tasks(self):
        self.sweep.run(self.spec, self.folder / str(next(self.runs)), workers=1, progress=False)


class StoreCommit:
    """One task's row and a 1024-eigenvalue array written atomically (the per-task store cost)."""

    def setup(self):
        _sweep()
        from isometry.sweep.store import Store

        self.folder = Path(tempfile.mkdtemp())
        self.store = Store(self.folder)
        self.store.create()
        self.keys = itertools.count()
        rng = np.random.default_rng(SEED)
        self.arrays = {
            "eigenvalues": np.sort(rng.random(1024)),
            "q": rng.random(16),
            "q_theory": rng.random(16),
        }
        self.row = {
            "kind": "jacobian_spectrum",
            "width": 1024,
            "depth": 16,
            "status": "done",
            "error": "",
            **{f"m{k}": float(k) for k in range(1, 5)},
            "ks": 0.01,
            "seconds": 1.0,
        }

    def teardown(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    def time_commit(self):
        self.store.commit(
            {"row": {**self.row, "key": f"k{next(self.keys)}"}, "arrays": self.arrays}
        )

    def track_bytes_per_task(self):
        self.store.commit({"row": {**self.row, "key": "size"}, "arrays": self.arrays})
        files = [
            self.folder / "rows" / "size.done.parquet",
            self.folder / "arrays" / "size.parquet",
        ]
        return sum(f.stat().st_size for f in files)

    track_bytes_per_task.unit = "bytes"
