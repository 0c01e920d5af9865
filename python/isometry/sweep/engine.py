"""Run a sweep's tasks on Dask (``distributed``) or in this process, committing each to the store.

Engines:

* ``client`` (a ``distributed.Client``, or a scheduler address such as ``tcp://host:8786``): the
  tasks go to that cluster (``dask-jobqueue``, Kubernetes, ``dask scheduler`` + ``dask worker``).
* ``workers=1``: in this process, one task after another (no Dask needed).
* neither: a ``LocalCluster`` of worker processes sized to this machine: ``workers`` processes
  (default cores // blas_threads) of one task slot each, with OpenMP threads = cores // workers;
  ``OMP_NUM_THREADS`` and ``OPENBLAS_NUM_THREADS`` are set in each worker's environment before
  it starts, so before the extension and its OpenBLAS load.

Every task is a pure function of its parameters (:mod:`isometry.sweep.tasks`), so where and in
which order it runs changes no bit. Results come back to this process and are committed one by one
as they finish (:class:`~isometry.sweep.store.Store`): killing this process loses only the tasks
in flight. A worker that dies mid-task (killed, out of memory) is replaced by the nanny and its
task rescheduled by Dask (``distributed.scheduler.allowed-failures`` times, 3 by default); a task
that kills every worker it lands on is recorded as failed.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from isometry._internal.locks import DirectoryLock
from isometry.sweep.progress import SweepProgress
from isometry.sweep.spec import NUMERICS_VERSION, Spec, load_spec, task_key
from isometry.sweep.store import Store
from isometry.sweep.tasks import run_task

__all__ = ["SweepReport", "dask_client", "local_cluster_size", "pending_tasks", "run"]

INSTALL_HINT = 'pip install "isometry[sweep]"'


@dataclass(frozen=True)
class SweepReport:
    """What one call of :func:`run` did.

    Parameters
    ----------
    total : int
        Tasks in the spec.
    already_done : int
        Tasks found finished in the store and skipped.
    skipped_failed : int
        Tasks found failed and left alone (``retry_failed=False``).
    ran : int
        Tasks run by this call.
    done : int
        Of those, the ones that finished.
    failed : int
        Of those, the ones that failed.
    seconds : float
        Wall time of the call.
    store : pathlib.Path
        The store's folder.

    See Also
    --------
    run

    Examples
    --------
    >>> import tempfile
    >>> import isometry.sweep
    >>> spec = {"sweep": {"kind": "jacobian_spectrum", "seeds": 2},
    ...         "grid": {"width": 16, "depth": [2, 4]}}
    >>> store = tempfile.mkdtemp()
    >>> report = isometry.sweep.run(spec, store, workers=1, progress=False)
    >>> report.total == report.already_done + report.skipped_failed + report.ran
    True
    """

    total: int  # tasks in the spec
    already_done: int  # found finished in the store and skipped
    skipped_failed: int  # found failed and left alone (retry_failed=False)
    ran: int
    done: int
    failed: int
    seconds: float
    store: Path


def _require_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ImportError(
            f"running a sweep on Dask needs dask[distributed]: {INSTALL_HINT} "
            f"(or run in this process with workers=1)"
        ) from None
    return distributed


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def local_cluster_size(workers: int | None, blas_threads: int) -> tuple[int, int]:
    """(worker processes, OpenMP threads each) for this machine: workers × threads = cores."""
    n = cores()
    count = workers if workers is not None else max(1, n // blas_threads)
    return count, max(1, n // count)


def pending_tasks(
    spec: Spec, store: Store, retry_failed: bool
) -> tuple[list[dict[str, Any]], int, int]:
    """(tasks to run, already done, failed and skipped) for this spec and store."""
    statuses = store.statuses()
    todo, done, skipped = [], 0, 0
    for params in spec.tasks():
        status = statuses.get(task_key(params))
        if status == "done":
            done += 1
        elif status == "failed" and not retry_failed:
            skipped += 1
        else:
            todo.append(params)
    return todo, done, skipped


@contextlib.contextmanager
def dask_client(client: Any, workers: int | None, blas_threads: int) -> Iterator[Any]:
    """The Client to submit to: the given one, one connected to an address, or a LocalCluster."""
    distributed = _require_distributed()
    if client is not None and not isinstance(client, str):
        yield client
        return
    if isinstance(client, str):
        with distributed.Client(client, timeout="30s") as connected:
            yield connected
        return
    count, omp = local_cluster_size(workers, blas_threads)
    env = {
        "OMP_NUM_THREADS": str(omp),
        "OPENBLAS_NUM_THREADS": str(blas_threads),
        "MKL_NUM_THREADS": "1",
    }
    import logging

    with (
        distributed.LocalCluster(
            n_workers=count,
            threads_per_worker=1,
            processes=True,
            env=env,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as local,
    ):
        yield local


def _lost(params: dict[str, Any], exc: BaseException) -> dict[str, Any]:
    """A failed row for a task the cluster could not run at all (it killed its workers)."""
    row = {
        "key": task_key(params),
        **params,
        "status": "failed",
        "error": f"{type(exc).__name__}: {exc} (the task killed the workers it ran on; out of memory?)",
        "numerics_version": NUMERICS_VERSION,
        "seconds": float("nan"),
        "finished": time.time(),
    }
    return {"row": {k: float("nan") if v is None else v for k, v in row.items()}, "arrays": {}}


def _run_in_process(todo: list[dict[str, Any]], store: Store, progress: SweepProgress) -> None:
    for params in todo:
        progress.submitted(1)
        result = run_task(params)
        store.commit(result)
        progress.finish(result["row"]["status"])


def _run_on_dask(
    todo: list[dict[str, Any]], store: Store, progress: SweepProgress, client: Any
) -> None:
    from distributed import as_completed

    futures = {}
    for params in todo:
        # A readable, stable Dask key; the store key already names the task uniquely.
        future = client.submit(
            run_task, params, key=f"isometry-sweep-{task_key(params)}", retries=1
        )
        futures[future] = params
    progress.submitted(len(futures))
    try:
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker and the like: the task, not the sweep
                result = _lost(futures[future], exc)
            store.commit(result)
            progress.finish(result["row"]["status"])
            future.release()
    finally:
        client.cancel(list(futures))


def run(
    spec: str | Path | Mapping[str, Any] | Spec,
    store: str | os.PathLike[str],
    *,
    client: Any = None,
    workers: int | None = None,
    progress: bool = True,
    retry_failed: bool = False,
) -> SweepReport:
    """Run every task of a sweep that is not yet in its store.

    Parameters
    ----------
    spec : str, pathlib.Path, mapping or Spec
        As for :func:`load_spec`: a TOML file path or text, a mapping, or a Spec.
    store : str or os.PathLike
        The sweep's store: a folder holding ``store.json`` and one committed record per task. Created if missing.
    client : distributed.Client or str, optional
        A Dask client, or a scheduler address such as ``tcp://host:8786``: run the tasks on that
        cluster.
    workers : int, optional
        With no ``client``: 1 runs the tasks in this process, one after another (no Dask needed);
        otherwise a ``LocalCluster`` of this many worker processes (default: cores //
        blas_threads).
    progress : bool, default True
        Show a progress bar of the tasks.
    retry_failed : bool, default False
        Rerun the tasks recorded as failed.

    Returns
    -------
    SweepReport
        The counts of tasks found done, skipped, run, done and failed, and the time.

    Raises
    ------
    SpecError
        If the spec cannot run (before anything runs).
    ValueError
        If both ``client`` and ``workers`` are given, or ``workers`` is not a positive integer.
    ImportError
        If Dask or pyarrow is needed and missing (the message names the extra).

    See Also
    --------
    load, arrays, load_spec

    Notes
    -----
    Every task is a pure function of its parameters, so where and in which order it runs changes
    no bit. Results come back to this process and are committed one by one as they finish:
    killing it loses only the tasks in flight. A task whose computation fails is recorded as
    failed with its message and the sweep goes on.

    Examples
    --------
    >>> import tempfile
    >>> import isometry.sweep
    >>> spec = {"sweep": {"kind": "jacobian_spectrum", "seeds": 2},
    ...         "grid": {"width": 16, "depth": [2, 4]}}
    >>> store = tempfile.mkdtemp()
    >>> report = isometry.sweep.run(spec, store, workers=1, progress=False)
    >>> report.total, report.done, report.failed
    (4, 4, 0)
    >>> isometry.sweep.run(spec, store, workers=1, progress=False).already_done  # nothing to redo
    4
    """
    start = time.perf_counter()
    spec = load_spec(spec)
    if client is not None and workers is not None:
        raise ValueError("give client (a Dask Client or scheduler address) or workers, not both")
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    target = Store(store)
    # One sweep per store at a time: a second one would run the same pending tasks again and
    # race the final compaction. Workers never write into the store (this process commits).
    with DirectoryLock(target.path, what="isometry sweep"):
        target.create()
        target.save_spec(spec.source)
        todo, already, skipped = pending_tasks(spec, target, retry_failed)
        bar = SweepProgress(len(todo), show=progress, log=target.log)
        target.log(
            f"start: {len(spec.tasks())} tasks in the spec, {already} already done, {skipped} "
            f"failed and skipped, {len(todo)} to run"
        )
        try:
            if todo and client is None and workers == 1:
                _run_in_process(todo, target, bar)
            elif todo:
                with dask_client(client, workers, spec.blas_threads) as connected:
                    _run_on_dask(todo, target, bar, connected)
        finally:
            bar.close()
            target.compact()
    return SweepReport(
        total=len(spec.tasks()),
        already_done=already,
        skipped_failed=skipped,
        ran=bar.finished,
        done=bar.done,
        failed=bar.failed,
        seconds=time.perf_counter() - start,
        store=target.path,
    )
