"""Run a whole :class:`~isometry.training.config.Experiment` grid into one output folder.

``<out>/experiment.json`` holds the experiment, the environment (``isometry.build_info()``, the
device, library versions) and the list of runs; ``runs.csv`` one row per run (configuration,
state, final numbers), rewritten atomically after each run; ``steps.csv`` and ``evals.csv`` every
ended run's records joined with its configuration (tidy: one row per run and step), in the order
of the grid. The joined tables are built once per call, when the grid is done or interrupted, by
streaming each run's own ``runs/<id>/steps.csv`` / ``evals.csv`` through once (a big grid's tables
run to gigabytes: rebuilding them after every run would be quadratic, and reading them into
memory would not fit); during a call, each run's own files are complete as soon as it ends.
Every file is replaced atomically. Running the same command again skips finished runs and
resumes the interrupted one.
"""

from __future__ import annotations

import datetime
import functools
import json
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from isometry._internal.files import open_atomically, write_text_atomically
from isometry._internal.locks import DirectoryLock
from isometry._internal.progress import ProgressLike, wants_progress
from isometry.build import build_info
from isometry.datasets.dataset import Dataset
from isometry.training.backend import array_module, device_name
from isometry.training.config import TEACHER_DEFAULTS, Experiment, RunConfig, validate_data_options
from isometry.training.records import EVAL_COLUMNS, STEP_COLUMNS, table_text, write_table
from isometry.training.runner import RunOutcome, require_work, train_run

__all__ = ["CONFIG_COLUMNS", "environment", "load_dataset", "run_experiment"]

CONFIG_COLUMNS = (
    "run_id",
    "dataset",
    "activation",
    "init",
    "depth",
    "width",
    "optimizer",
    "q_star",
    "sigma_w",
    "sigma_b",
    "learning_rate",
    "seed",
    "batch_size",
    "dtype",
    "device",
)
RUN_COLUMNS = (
    *CONFIG_COLUMNS,
    "state",
    "steps_done",
    "final_train_loss",
    "final_train_accuracy",
    "final_test_loss",
    "final_test_accuracy",
    "seconds",
    "message",
)


def environment(device: str) -> dict[str, Any]:
    xp = array_module(device)
    env = {
        "isometry": build_info(),
        "device": device_name(xp),
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    if xp is not np:
        env["cupy"] = xp.__version__
        env["cuda_runtime"] = xp.cuda.runtime.runtimeGetVersion()
    return env


def load_dataset(
    name: str,
    options: dict[str, Any],
    *,
    data_dir: str | None = None,
    download: bool = False,
    progress: bool = True,
) -> Dataset:
    """An experiment's dataset, cut to ``n_train`` / ``n_test`` examples when those are given.

    Parameters
    ----------
    name : str
        ``"teacher"`` (synthetic), ``"digits"``, ``"mnist"`` or ``"cifar10"``.
    options : dict
        ``n_train`` / ``n_test`` (the first examples of each split kept) for every dataset;
        ``features``, ``classes``, ``data_seed`` for ``"teacher"``.
    data_dir : str, optional
        Where CIFAR-10 or MNIST lie (see :func:`isometry.datasets.data_directory`).
    download : bool, default False
        Fetch a missing dataset.
    progress : bool, default True
        Show a download's progress.

    Returns
    -------
    Dataset
        The data.

    Raises
    ------
    ValueError
        If an option is unknown or out of range.
    FileNotFoundError
        If CIFAR-10 or MNIST is missing and ``download`` is False (the message names the file).

    See Also
    --------
    isometry.datasets.mnist, isometry.datasets.cifar10

    Examples
    --------
    >>> from isometry.training import load_dataset
    >>> d = load_dataset("teacher", {"n_train": 100, "n_test": 20, "features": 5, "classes": 3})
    >>> d.x_train.shape, d.x_test.shape, d.classes
    ((100, 5), (20, 5), 3)
    """
    options = validate_data_options(name, options)
    n_train, n_test = options.pop("n_train", None), options.pop("n_test", None)
    if name == "teacher":
        from isometry.training.synthetic import teacher_task

        settings = {**TEACHER_DEFAULTS, **options}
        data = teacher_task(
            n_train or settings["n_train"],
            n_test or settings["n_test"],
            settings["features"],
            settings["classes"],
            seed=settings["data_seed"],
        )
    elif name == "digits":  # bundled with scikit-learn: nothing to find or download
        from isometry.datasets import digits

        data = digits()
    else:
        from isometry import datasets

        loader = datasets.cifar10 if name == "cifar10" else datasets.mnist
        data = loader(data_dir, download=download, progress=progress)
    if n_train is not None and n_train < len(data.x_train):
        data.x_train, data.y_train = data.x_train[:n_train], data.y_train[:n_train]
    if n_test is not None and n_test < len(data.x_test):
        data.x_test, data.y_test = data.x_test[:n_test], data.y_test[:n_test]
    return data


def _config_row(run: RunConfig) -> dict[str, Any]:
    """The configuration cells of a run, with the σ_w and σ_b it trains with (resolved from q*
    when the run is given by q*, so the columns are never empty)."""
    d = run.to_dict()
    row = {"run_id": run.run_id, **{k: d[k] for k in CONFIG_COLUMNS if k != "run_id"}}
    if run.q_star is not None:
        row["sigma_w"], row["sigma_b"] = _critical_sigmas(run.activation, run.init, run.q_star)
    return row


@functools.lru_cache(maxsize=256)
def _critical_sigmas(activation: str, init: str, q_star: float) -> tuple[float, float]:
    """(σ_w, σ_b) of a run given by q* (as ``initialization.resolve_scales`` computes them)."""
    if init == "parameter_sharing":
        return 1.0, 0.0
    from isometry import theory

    sigma_w, sigma_b = theory.critical_point(activation, float(q_star))
    return float(sigma_w), float(sigma_b)


def _write_runs_table(out: Path, runs: list[RunConfig], outcomes: dict[str, RunOutcome]) -> None:
    rows = []
    for run in runs:
        cfg = _config_row(run)
        if run.run_id in outcomes:
            o = outcomes[run.run_id]
            rows.append(
                {
                    **cfg,
                    "state": o.state,
                    "steps_done": o.steps_done,
                    "message": o.message,
                    "seconds": o.seconds,
                    **{f"final_{k}": v for k, v in o.final.items()},
                }
            )
        else:
            rows.append({**cfg, "state": "pending"})
    write_table(out / "runs.csv", RUN_COLUMNS, rows)


def _join(out: Path, name: str, columns: tuple[str, ...], ended: list[RunConfig]) -> None:
    """``out/name``: each ended run's ``runs/<id>/name`` with its configuration cells in front of
    every line, streamed line by line (each run's file is opened once; no rows are held)."""
    header = ",".join(columns)
    with open_atomically(out / name) as dst:
        dst.write(",".join(CONFIG_COLUMNS) + "," + header + "\n")
        for run in ended:
            prefix = table_text(CONFIG_COLUMNS, [_config_row(run)]).split("\n")[1] + ","
            path = out / "runs" / run.run_id / name
            with open(path, newline="") as src:
                first = src.readline().rstrip("\n")
                if first == header.replace("step_learning_rate", "learning_rate"):
                    first = header  # written by an earlier version: same columns, old name
                if first != header:
                    raise ValueError(f"{path}: columns {first!r}, expected {header!r}")
                for line in src:
                    dst.write(prefix + line)


def _join_tables(out: Path, runs: list[RunConfig]) -> None:
    ended = [run for run in runs if (out / "runs" / run.run_id / "status.json").is_file()]
    _join(out, "steps.csv", STEP_COLUMNS, ended)
    _join(out, "evals.csv", EVAL_COLUMNS, ended)


class _GridClock:
    """Whole-grid ETA: seconds per unit of work so far × the work still to do, where a run's
    work is steps × depth × width² (a training step costs ~ depth matrix products of width²)."""

    def __init__(self, runs: list[RunConfig]) -> None:
        self.left = {r.run_id: self._work(r, r.steps) for r in runs}
        self.work_done = 0.0
        self.seconds = 0.0

    @staticmethod
    def _work(run: RunConfig, steps: int) -> float:
        return float(steps) * run.depth * run.width**2

    def finished(self, run: RunConfig, outcome: RunOutcome) -> None:
        self.left.pop(run.run_id, None)
        if not outcome.skipped:
            self.work_done += self._work(
                run, max(outcome.steps_done - (outcome.resumed_from or 0), 0)
            )
            self.seconds += outcome.seconds

    def describe(self, i: int) -> str:
        total = i + len(self.left)
        if not self.left:
            return f" [grid {i}/{total} done]"
        if self.work_done == 0:
            return f" [grid {i}/{total}]"
        remaining = sum(self.left.values()) * self.seconds / self.work_done
        return f" [grid {i}/{total}, about {_duration(remaining)} left]"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def run_experiment(
    experiment: Experiment,
    out_dir: str | Path,
    *,
    data_dir: str | None = None,
    download: bool = False,
    progress: ProgressLike = None,
    dataset: Dataset | None = None,
    callback: Callable[[RunConfig, int], None] | None = None,
    log: Callable[[str], None] | None = None,
    client: Any = None,
) -> list[RunOutcome]:
    """Train every run of an experiment, skipping the finished ones.

    Parameters
    ----------
    experiment : Experiment
        The grid.
    out_dir : str or pathlib.Path
        Its folder: ``runs/<run_id>/`` per run, and the experiment's tables. Locked for the
        whole call (``out_dir/.isometry.lock``): a second process writing into it gets
        ``DirectoryLockedError`` (an ``OSError``) naming this one; a lock left by a killed
        process is taken over.
    data_dir : str, optional
        Where CIFAR-10 or MNIST lie (see :func:`isometry.datasets.data_directory`).
    download : bool, default False
        Fetch a missing dataset.
    progress : bool, callable or None, default None
        None: a progress bar on stderr when it is a terminal, nothing otherwise; ``True``
        always, ``False`` never; a callable is called with (done, total) and may raise to stop.
        One bar per run.
    dataset : Dataset, optional
        Data to use instead of loading ``experiment.dataset``.
    callback : callable, optional
        Called with (run config, steps done) after every update; not with ``client``.
    log : callable, optional
        Called with one line per run (the grid's progress and estimated time left) and when a run
        resumes from a checkpoint or restarts.
    client : dask.distributed.Client, optional
        Run the grid's runs as Dask tasks on its workers: the same numbers, logged in the order
        they finish.

    Returns
    -------
    list of RunOutcome
        One per run, in grid order.

    Raises
    ------
    ValueError
        If the grid has no runs, or ``callback`` is given with ``client``.

    See Also
    --------
    named_experiment, train_run

    Examples
    --------
    >>> import tempfile
    >>> from isometry.training import Experiment, run_experiment
    >>> e = Experiment("demo", data_options={"n_train": 64, "n_test": 32, "features": 8},
    ...                depths=[2], seeds=[0, 1], width=16, batch_size=16, steps=4,
    ...                eval_every=2, checkpoint_every=2)
    >>> outcomes = run_experiment(e, tempfile.mkdtemp(), progress=False)
    >>> [o.state for o in outcomes]
    ['finished', 'finished']
    """
    if client is not None and callback is not None:
        raise ValueError(
            "callback is called in the training process: it cannot be used with client="
        )
    progress = wants_progress(progress)
    out = Path(out_dir)
    with DirectoryLock(out, what=f"training {experiment.name!r}") as lock:
        if lock.stale_holder and log is not None:
            log(
                f"{out}: took over the lock of process {lock.stale_holder.get('pid')}, "
                "which is no longer running"
            )
        return _run_experiment(
            experiment,
            out,
            data_dir=data_dir,
            download=download,
            progress=progress,
            dataset=dataset,
            callback=callback,
            log=log,
            client=client,
        )


def _run_experiment(
    experiment: Experiment,
    out: Path,
    *,
    data_dir: str | None,
    download: bool,
    progress: bool,
    dataset: Dataset | None,
    callback: Callable[[RunConfig, int], None] | None,
    log: Callable[[str], None] | None,
    client: Any,
) -> list[RunOutcome]:
    runs = experiment.runs()
    if not runs:
        raise ValueError(
            f"experiment {experiment.name!r} has no runs (every combination was skipped: "
            f"{experiment.skipped()})"
        )
    say = log or (lambda _msg: None)
    if dataset is None:
        dataset = load_dataset(
            experiment.dataset,
            experiment.data_options,
            data_dir=data_dir,
            download=download,
            progress=progress,
        )
    write_text_atomically(
        out / "experiment.json",
        json.dumps(
            {
                "experiment": experiment.to_dict(),
                "environment": environment(experiment.device),
                "dataset": {
                    "name": dataset.name,
                    "n_train": len(dataset.x_train),
                    "n_test": len(dataset.x_test),
                    "features": dataset.features,
                    "outputs": dataset.classes,
                    **dataset.info,
                },
                "skipped_combinations": experiment.skipped(),
                "runs": [r.run_id for r in runs],
            },
            indent=2,
            default=str,
        )
        + "\n",
    )
    for run in runs:  # every run's estimate before the first starts (see runner.require_work)
        require_work(run, dataset)
    outcomes: dict[str, RunOutcome] = {}
    eta = _GridClock(runs)
    try:
        if client is not None:
            from isometry.training.distributed import train_on_dask

            finished = train_on_dask(client, runs, dataset, out)
        else:

            def hook(run: RunConfig) -> Callable[[int], None] | None:
                return None if callback is None else (lambda done: callback(run, done))

            finished = (
                (run, train_run(run, dataset, out, progress=progress, callback=hook(run), log=say))
                for run in runs
            )
        for i, (run, outcome) in enumerate(finished, start=1):
            outcomes[run.run_id] = outcome
            eta.finished(run, outcome)
            what = "already " + outcome.state if outcome.skipped else outcome.state
            resumed = f", resumed from step {outcome.resumed_from}" if outcome.resumed_from else ""
            acc = outcome.final.get("test_accuracy")
            say(
                f"[{i}/{len(runs)}] {run.run_id}: {what} ({outcome.steps_done} steps{resumed}"
                + (f", test accuracy {acc:.4f}" if isinstance(acc, float) else "")
                + (f", {outcome.seconds:.1f} s" if not outcome.skipped else "")
                + ")"
                + (f"\n    {outcome.message}" if outcome.state == "diverged" else "")
                + eta.describe(i)
            )
            _write_runs_table(out, runs, outcomes)
    except BaseException as interruption:
        # Interrupted: still join the runs that ended, so the tables match runs.csv. The
        # interruption is what propagates; a failure to join rides along as a note on it.
        try:
            _join_tables(out, runs)
        except Exception as failure:  # noqa: BLE001 - reported with the interruption, not lost
            note = f"also, joining {out}/steps.csv and evals.csv failed: {failure!r}"
            if hasattr(interruption, "add_note"):  # Python >= 3.11
                interruption.add_note(note)
            else:
                print(note, file=sys.stderr)
        raise
    _join_tables(out, runs)
    return [outcomes[r.run_id] for r in runs]
