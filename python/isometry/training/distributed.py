"""A training grid's runs as Dask tasks (``isometry train --workers N | --scheduler ADDRESS``).

Each run is one task, ``train_run`` on a worker, writing its own ``runs/<id>/`` files as on one
machine (the output folder must be visible to the workers: a LocalCluster, or a shared filesystem
on a cluster). A run is a pure function of its configuration and seed, so the numbers equal a
sequential run's; a run whose worker dies is rescheduled by Dask and resumes from its last
checkpoint, like an interrupted sequential run. The dataset is sent to the workers once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from isometry.datasets.dataset import Dataset
from isometry.training.config import RunConfig
from isometry.training.runner import RunOutcome, train_run

__all__ = ["train_on_dask"]


def _train(config: RunConfig, dataset: Dataset, out: str) -> RunOutcome:
    return train_run(config, dataset, out, progress=False)


def train_on_dask(
    client: Any, runs: list[RunConfig], dataset: Dataset, out: Path
) -> Iterator[tuple[RunConfig, RunOutcome]]:
    """(run, outcome) for every run, in the order they finish on ``client``'s workers."""
    from distributed import as_completed

    # hash=False: a key of its own per call. With the default content hash, a second grid on the
    # same data reuses the key that the first call is still releasing, and Dask loses it.
    shared = client.scatter(dataset, broadcast=True, hash=False)
    futures = {
        client.submit(
            _train, run, shared, str(out), key=f"isometry-train-{run.run_id}", retries=1
        ): run
        for run in runs
    }
    try:
        for future in as_completed(futures):
            yield futures[future], future.result()
            future.release()
    finally:
        client.cancel(list(futures))
