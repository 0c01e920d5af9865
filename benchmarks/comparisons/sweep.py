"""s. Sweep engine: one 16-task sweep of (1024, 16) tanh spectra, sequential in this process vs a
2-worker Dask LocalCluster with 1 BLAS thread each; speed-up and the engine + store overhead.

* sequential: ``isometry.sweep.run(..., workers=1)``: the same tasks (spectrum, theory comparison,
  commit to the store), one after another in this process on one core (1 BLAS thread, the spec's,
  and 1 OpenMP thread): each task exactly as a worker below runs it, so the ratio measures what
  the engine adds, not a change of threads per task. The same run with this process's OpenMP
  threads (2 here: our elementwise loops then use the second core) is reported beside it;
* LocalCluster: ``isometry.sweep.run(..., client=...)`` on a cluster of 2 worker processes with 1
  BLAS and 1 OpenMP thread each, started before the clock (its start-up is reported apart);
* plain loop: ``isometry.jacobian_spectrum`` 16 times at this process's thread count, no theory,
  no store: what the tasks' spectra cost alone.

Overhead of engine and store per task = (wall × workers − Σ time inside the tasks) / tasks: for
the sequential run the commit, bookkeeping and final compaction; for the cluster also the
scheduling, transfers and the idle tail. Goal: < 3 % of a 1 s task, i.e. < 30 ms per task.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import isometry
from comparisons.common import Context, SectionResult

SPEC = """
[sweep]
kind = "jacobian_spectrum"
seeds = {seeds}
blas_threads = 1
[grid]
width = {width}
depth = {depth}
activation = "tanh"
weights = "orthogonal"
sigma_w = 1.05
sigma_b = 0.0
"""


def _overhead(wall: float, workers: int, table) -> float:
    """Seconds per task that the workers spent outside the task functions."""
    return (wall * workers - float(table["seconds"].sum())) / len(table)


def run(ctx: Context) -> SectionResult:
    width, depth, tasks = (128, 4, 4) if ctx.quick else (1024, 16, 16)
    result = SectionResult(
        f"s. Sweep engine: {tasks} tasks of ({width}, {depth}) tanh spectra, 1 process vs 2 Dask "
        f"workers"
    )
    try:
        import distributed

        from isometry import sweep
    except ImportError as exc:
        result.notes.append(f'sweep section skipped: {exc} (pip install "isometry[sweep]")')
        return result
    text = SPEC.format(seeds=tasks, width=width, depth=depth)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        isometry.jacobian_spectrum(
            width, depth, activation="tanh", sigma_w=1.05, seed=99
        )  # warm-up
        start = time.perf_counter()
        for seed in range(tasks):
            isometry.jacobian_spectrum(width, depth, activation="tanh", sigma_w=1.05, seed=seed)
        plain = time.perf_counter() - start

        sweep.run(
            text.replace(f"seeds = {tasks}", "seeds = [99]"),
            root / "warm",
            workers=1,
            progress=False,
        )
        start = time.perf_counter()
        sweep.run(text, root / "sequential_omp", workers=1, progress=False)
        sequential_omp = time.perf_counter() - start

        with isometry.threads(1):  # one core, as each worker below
            start = time.perf_counter()
            sweep.run(text, root / "sequential", workers=1, progress=False)
            sequential = time.perf_counter() - start
        seq_table = sweep.load(root / "sequential")

        start = time.perf_counter()
        env = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        with (
            distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                env=env,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            client.wait_for_workers(2)
            startup = time.perf_counter() - start
            sweep.run(
                text.replace(f"seeds = {tasks}", "seeds = [99]"),
                root / "warm2",
                client=client,
                progress=False,
            )  # import isometry on the workers before the clock
            client.run(lambda: __import__("isometry.sweep.tasks"))
            start = time.perf_counter()
            sweep.run(text, root / "cluster", client=client, progress=False)
            clustered = time.perf_counter() - start
        cl_table = sweep.load(root / "cluster")
        size = sum(
            p.stat().st_size
            for p in (root / "cluster").rglob("*.parquet")
            if p.parent.name in ("rows", "arrays")
        )

    speedup = sequential / clustered
    seq_overhead = _overhead(sequential, 1, seq_table)
    cl_overhead = _overhead(clustered, 2, cl_table)
    theory_share = float((seq_table["seconds"] - seq_table["compute_seconds"]).mean())
    omp_label = f"sweep, in this process, 1 BLAS + {ctx.threads} OpenMP"
    plain_label = f"plain loop, jacobian_spectrum only ({ctx.threads} threads)"
    result.tables.append(
        "\n".join(
            [
                f"  {'run':<44} {'wall s':>8} {'per task s':>10}",
                f"  {plain_label:<44} {plain:8.2f} {plain / tasks:10.3f}",
                f"  {'sweep, in this process, 1 core (1+1 threads)':<44} {sequential:8.2f} {sequential / tasks:10.3f}",
                f"  {omp_label:<44} {sequential_omp:8.2f} {sequential_omp / tasks:10.3f}",
                f"  {'sweep, LocalCluster 2 workers x 1 thread':<44} {clustered:8.2f} {clustered / tasks:10.3f}",
                f"  {'  (cluster start-up, not in the above)':<44} {startup:8.2f}",
            ]
        )
    )
    goal = (
        ""
        if ctx.quick
        else (" (goal >= 1.8: met)" if speedup >= 1.8 else " (goal >= 1.8: NOT met)")
    )
    result.targets.append(f"sweep speed-up, 2 workers vs 1 process: {speedup:.2f}x{goal}")
    for label, overhead in (("in process", seq_overhead), ("LocalCluster", cl_overhead)):
        verdict = (
            ""
            if ctx.quick
            else (
                " (goal < 30 ms = 3 % of 1 s: met)"
                if overhead < 0.03
                else " (goal < 30 ms = 3 % of 1 s: NOT met)"
            )
        )
        result.targets.append(
            f"engine + store overhead per task, {label}: {overhead * 1e3:.1f} ms{verdict}"
        )
    result.notes.append(
        f"sweep tasks include the theory comparison (density, moments, KS, W1), "
        f"{theory_share * 1e3:.0f} ms per task here beyond the spectrum itself"
    )
    result.notes.append(
        f"speed-up against the in-process run with {ctx.threads} OpenMP threads: "
        f"{sequential_omp / clustered:.2f}x"
    )
    result.notes.append(
        f"store size per task: {size / tasks / 1024:.1f} KiB (row + eigenvalues + q^l, Parquet)"
    )
    result.data = {
        "plain_s": plain,
        "sequential_s": sequential,
        "sequential_openmp_s": sequential_omp,
        "cluster_s": clustered,
        "startup_s": startup,
        "speedup": speedup,
        "overhead_in_process_s": seq_overhead,
        "overhead_cluster_s": cl_overhead,
        "store_bytes_per_task": size / tasks,
        "tasks": tasks,
        "width": width,
        "depth": depth,
    }
    return result
