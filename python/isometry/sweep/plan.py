"""The dry run: how many tasks, how much memory and time each, and what the store already holds."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from isometry.sweep import estimate
from isometry.sweep.engine import local_cluster_size, pending_tasks
from isometry.sweep.spec import Spec, task_key
from isometry.sweep.store import Store

__all__ = ["describe"]

GIB = float(1 << 30)


def _config(params: dict[str, Any]) -> str:
    """The task's parameters less seed and kind, as one short line."""
    skip = {"seed", "kind", "blas_threads"}
    return ", ".join(f"{k}={v}" for k, v in params.items() if k not in skip and v is not None)


def describe(spec: Spec, store: str | Path, workers: int | None = None) -> str:
    """Text of the plan: per configuration (all seeds together) memory and time per task."""
    target = Store(store)
    tasks = spec.tasks()
    statuses = target.statuses()
    todo, done, failed = pending_tasks(spec, target, retry_failed=False)
    todo_keys = {task_key(p) for p in todo}
    rate = estimate.calibrate()
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for params in tasks:
        groups[_config(params)].append(params)
    lines = [
        (
            f"{spec.kind}: {len(tasks)} tasks ({len(groups)} configurations x {len(spec.seeds)} seeds), "
            f"BLAS threads per task {spec.blas_threads}"
        )
    ]
    total_seconds = todo_seconds = 0.0
    peak = 0
    lines.append(f"  {'memory':>9} {'time/task':>10} {'in store':>12}  configuration")
    for config, members in groups.items():
        memory = estimate.memory_bytes(members[0])
        seconds = estimate.seconds(members[0], rate)
        peak = max(peak, memory)
        total_seconds += seconds * len(members)
        todo_seconds += seconds * sum(task_key(p) in todo_keys for p in members)
        held = [statuses.get(task_key(p)) for p in members]
        state = f"{held.count('done')} done" + (
            f", {held.count('failed')} failed" if "failed" in held else ""
        )
        lines.append(f"  {memory / GIB:8.3f}G {seconds:9.2f}s {state:>12}  {config}")
    count, omp = local_cluster_size(workers, spec.blas_threads)
    parallel = count if workers != 1 else 1
    lines.append(
        f"total: {total_seconds:.0f} s of task time; {len(todo)} tasks to run (~{todo_seconds:.0f} s, "
        f"~{todo_seconds / parallel:.0f} s on {parallel} local worker(s) of {omp} OpenMP thread(s)); "
        f"largest task {peak / GIB:.3f} GiB"
    )
    lines.append(
        f"store {str(target.path)!r}: {done} done, {failed} failed (rerun with --retry-failed), "
        f"{len(todo)} new or to retry"
    )
    lines.append(
        f"times are estimates from a flop count at {rate / 1e9:.1f} GFLOP/s measured here (a factor ~2)"
    )
    return "\n".join(lines)
