"""Train one run of a grid: resumable, checkpointed, with divergence recorded.

Files of a run, in ``<out>/runs/<run_id>/``:

* ``config.json``  — the :class:`RunConfig`, the resolved (σ_w, σ_b), the input scale;
* ``steps.csv``, ``evals.csv`` — the records (see :mod:`isometry.training.records`);
* ``checkpoint.npz`` — parameters, optimizer state, step (while the run is unfinished);
* ``status.json``  — written last: ``finished`` or ``diverged``, with a message. A run with a
  status is skipped when the grid is run again; one without resumes from its checkpoint.

Every file is replaced atomically; the records are written before the checkpoint that they
belong to, and on resumption rows after the checkpoint's step are dropped, so an interruption
at any moment resumes to exactly the numbers of an uninterrupted run (same seed, same thread
count: the batch order is a pure function of (seed, epoch), see :mod:`isometry.training.data`).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from isometry._internal import memory as _memory
from isometry._internal import work as _work
from isometry._internal.files import write_text_atomically
from isometry._internal.locks import DirectoryLock
from isometry._internal.progress import ProgressLike, progress_callback
from isometry._internal.results import Result
from isometry.training.backend import array_module, require_device_memory, synchronize, to_numpy
from isometry.training.checkpoints import read_checkpoint, save_checkpoint
from isometry.training.config import RunConfig
from isometry.training.data import Batcher, Dataset
from isometry.training.initialization import initial_parameters, resolve_scales
from isometry.training.losses import make_loss
from isometry.training.model import MLP
from isometry.training.optimizers import make_optimizer
from isometry.training.records import EVAL_COLUMNS, STEP_COLUMNS, read_table, write_table
from isometry.training.schedules import learning_rate, validate_schedule

__all__ = ["RunOutcome", "Trainer", "train_run"]

SYNC_EVERY = 50  # steps between device→host copies of the per-step losses


@dataclass(repr=False)
class RunOutcome(Result):
    """How one run of a grid ended: its id, state, steps and time.

    Returned by :func:`train_run` and, one per run, :func:`run_experiment`.

    Parameters
    ----------
    run_id : str
        The run's :attr:`RunConfig.run_id` (its folder under ``out_dir/runs/``).
    state : str
        ``"finished"`` or ``"diverged"`` (a non-finite loss).
    steps_done : int
        Updates done.
    message : str, default ""
        Why a run diverged.
    seconds : float, default 0.0
        Wall time of the run.
    skipped : bool, default False
        Whether it had already ended in an earlier call (and was not run again).
    resumed_from : int, optional
        The checkpoint's step when the run resumed.
    final : dict, optional
        The last training and test losses and accuracies (``train_loss``, ``train_accuracy``,
        ``test_loss``, ``test_accuracy``).

    See Also
    --------
    train_run, run_experiment

    Examples
    --------
    >>> from isometry.training import RunOutcome
    >>> RunOutcome("tanh-demo", "finished", 10).skipped
    False
    """

    run_id: str
    state: str  # 'finished', 'diverged'
    steps_done: int
    message: str = ""
    seconds: float = 0.0
    skipped: bool = False  # already finished (or diverged) in an earlier call
    resumed_from: int | None = None
    final: dict[str, Any] = field(default_factory=dict)


def input_scale(x_train: np.ndarray, target_second_moment: float | None) -> float:
    """Factor c with E|c·x|²/n_in = target (1 when there is no target)."""
    if target_second_moment is None:
        return 1.0
    # In row blocks: a float64 copy of all of CIFAR-10 would be 1.2 GB.
    total = sum(
        float(np.sum(np.square(x_train[i : i + 4096], dtype=np.float64)))
        for i in range(0, len(x_train), 4096)
    )
    second = total / x_train.size
    if not second > 0:
        raise ValueError("the training inputs are all zero; they cannot be scaled to q*")
    return math.sqrt(target_second_moment / second)


class Trainer:
    """The model, loss, optimizer and data of one run on one device.

    ``step(k)`` does update k (0-based) and returns the minibatch loss and accuracy before it (as
    device scalars) and its learning rate; ``evaluate()`` gives loss and accuracy on the test
    split. :func:`train_run` drives it with checkpoints and records.

    Parameters
    ----------
    config : RunConfig
        The run.
    dataset : Dataset
        Its data (host arrays, uploaded to the device here; when the run is given by q*, the
        inputs are scaled so that the first pre-activations have variance q*).

    Raises
    ------
    ValueError
        If the loss does not fit the targets or a split is empty.
    MemoryError
        If the copy of the data does not fit (checked before allocating).

    See Also
    --------
    train_run

    Examples
    --------
    >>> from isometry.training import RunConfig, Trainer, load_dataset
    >>> data = load_dataset("teacher", {"n_train": 64, "n_test": 32, "features": 8})
    >>> config = RunConfig("teacher", 16, 2, "tanh", "orthogonal", "sgd", 0.05, seed=0,
    ...                    q_star=0.5, batch_size=16)
    >>> trainer = Trainer(config, data)
    >>> loss, accuracy, rate = trainer.step(0)
    >>> rate, bool(float(loss) > 0)
    (0.05, True)
    """

    def __init__(self, config: RunConfig, dataset: Dataset) -> None:
        self.config = c = config
        self.xp = xp = array_module(c.device)
        if dataset.regression != (c.loss == "squared_error"):
            raise ValueError(
                f"loss {c.loss!r} does not fit dataset {dataset.name!r} "
                f"({'regression' if dataset.regression else 'class'} targets)"
            )
        for split in ("train", "test"):
            if len(getattr(dataset, f"x_{split}")) == 0:
                raise ValueError(
                    f"dataset {dataset.name!r} has no {split}ing examples (n_{split} must be >= 1)"
                )
        self.schedule = validate_schedule(c.schedule)
        sizes = [dataset.features] + [c.width] * c.depth + [dataset.classes]
        self.scales = resolve_scales(
            c.activation, c.init, c.q_star, c.sigma_w, c.sigma_b, layer_sizes=sizes
        )
        target_dtype = np.dtype(c.dtype) if dataset.regression else np.dtype(np.int64)
        n_examples = len(dataset.x_train) + len(dataset.x_test)
        upload_bytes = n_examples * (
            dataset.features * np.dtype(c.dtype).itemsize
            + int(np.prod(dataset.y_train.shape[1:], dtype=np.int64)) * target_dtype.itemsize
        )
        # Host: the converted (scaled) copy of the inputs before it is uploaded; device: the uploaded copy.
        _memory.require(
            f"run {c.run_id}: a {c.dtype} copy of the {n_examples} examples", upload_bytes
        )
        if xp is not np:
            require_device_memory(xp, f"run {c.run_id}: the {n_examples} examples", upload_bytes)
        self.input_scale = input_scale(dataset.x_train, self.scales.input_second_moment)
        self.model = MLP(sizes, c.activation, xp=xp, dtype=c.dtype, bias=c.bias)
        weights, biases = initial_parameters(
            sizes, c.init, self.scales.sigma_w, self.scales.sigma_b, c.seed, c.dtype
        )
        self.model.set_parameters(weights, biases)
        del weights, biases
        self.loss = make_loss(c.loss, xp, c.batch_size, dataset.classes, c.dtype)
        self.optimizer = make_optimizer(
            c.optimizer, xp, self.model.n_parameters, c.dtype, **c.optimizer_options
        )

        def upload(x: np.ndarray, y: np.ndarray) -> tuple[Any, Any]:
            xs = x.astype(c.dtype, copy=self.input_scale != 1.0)
            if self.input_scale != 1.0:
                xs *= xs.dtype.type(self.input_scale)
            return xp.asarray(xs), xp.asarray(y.astype(target_dtype, copy=False))

        self.x_train, self.y_train = upload(dataset.x_train, dataset.y_train)
        self.x_test, self.y_test = upload(dataset.x_test, dataset.y_test)
        self.batcher = Batcher(xp, self.x_train, self.y_train, c.batch_size, c.seed)
        self._pad_x = xp.zeros((c.batch_size, dataset.features), dtype=c.dtype)
        self._pad_y = xp.zeros((c.batch_size, *self.y_test.shape[1:]), dtype=self.y_test.dtype)

    def step(self, k: int) -> tuple[Any, Any, float]:
        """Update k (0-based): (minibatch loss, accuracy) before it, as device scalars, and its rate."""
        x, y = self.batcher(k)
        logits = self.model.forward(x)
        loss, accuracy = self.loss(logits, y)
        self.model.backward(self.loss.grad)
        lr = learning_rate(self.config.learning_rate, self.schedule, k)
        self.optimizer.step(self.model.theta, self.model.grad, lr)
        return loss, accuracy, lr

    def evaluate(self) -> tuple[float, float]:
        """Loss and accuracy on the test split, in batches of the training batch size."""
        b = self.config.batch_size
        n = self.x_test.shape[0]
        total_loss, total_acc = 0.0, 0.0
        for start in range(0, n, b):
            r = min(b, n - start)
            if r == b:
                x, y = self.x_test[start : start + b], self.y_test[start : start + b]
            else:  # pad the last batch so the training workspace is reused
                self._pad_x[:r] = self.x_test[start:]
                self._pad_y[:r] = self.y_test[start:]
                x, y = self._pad_x, self._pad_y
            logits = self.model.forward(x)
            loss, acc = self.loss(logits[:r], y[:r], gradient=False)
            total_loss = total_loss + loss * r
            total_acc = total_acc + acc * r
        return float(total_loss) / n, float(total_acc) / n


def _write_json(path: Path, data: dict[str, Any]) -> None:
    write_text_atomically(path, json.dumps(data, indent=2, default=str) + "\n")


def _renamed(row: dict[str, Any]) -> dict[str, Any]:
    """A steps.csv row of an earlier version (column ``learning_rate``) in today's columns."""
    if "learning_rate" in row and "step_learning_rate" not in row:
        row = {**row, "step_learning_rate": row.pop("learning_rate")}
    return row


def _status(directory: Path) -> dict[str, Any] | None:
    path = directory / "status.json"
    return json.loads(path.read_text()) if path.is_file() else None


def require_work(config: RunConfig, dataset: Dataset) -> None:
    """The run's time, estimated from its size (forward and backward pass ~6 flops per weight
    and example, the test-set evaluations, a per-layer Python overhead). A training run is a
    deliberate long job: the ten-minute default does not apply, but ``$ISOMETRY_MAX_SECONDS``
    (``--max-seconds``) does, so that a limit set by the caller also stops ``steps=2**31``."""
    c = config
    weights = (
        dataset.features * c.width + max(c.depth - 1, 0) * c.width**2 + c.width * dataset.classes
    )
    per_step = 6.0 * c.batch_size * weights / _work.FLOPS_BLAS3 + 3e-5 * c.depth + 1e-4
    evaluations = (c.steps // max(c.eval_every, 1) + 1) * 2.0 * len(dataset.x_test) * weights
    with _work.default_limit(math.inf):
        _work.require(
            f"training run {c.run_id} ({c.steps} steps, depth {c.depth}, width {c.width})",
            c.steps * per_step + evaluations / _work.FLOPS_BLAS3,
            reduce="steps, depth, width or batch_size",
        )


def train_run(
    config: RunConfig,
    dataset: Dataset,
    out_dir: str | Path,
    *,
    progress: ProgressLike = None,
    callback: Callable[[int], None] | None = None,
    keep_parameters: bool = False,
    log: Callable[[str], None] | None = None,
) -> RunOutcome:
    """Train one run, resuming from its checkpoint, with its files in ``out_dir/runs/<run_id>/``.

    Parameters
    ----------
    config : RunConfig
        The run.
    dataset : Dataset
        Its data.
    out_dir : str or pathlib.Path
        The experiment's folder.
    progress : bool, callable or None, default None
        None: a progress bar on stderr when it is a terminal, nothing otherwise; ``True``
        always, ``False`` never; a callable is called with (done, total) and may raise to stop.
    callback : callable, optional
        Called with the steps done after every update (for tests and monitoring; an exception
        from it interrupts the run, which then resumes from its last checkpoint).
    keep_parameters : bool, default False
        Save the final parameters as ``final.npz``; otherwise the checkpoint is deleted when the
        run ends, to save disk (128 MB per run at depth 200, width 400).
    log : callable, optional
        Called with one line when the run resumes from a checkpoint or restarts from step 0.

    Returns
    -------
    RunOutcome
        How it ended; ``skipped=True`` when the folder holds a run that already ended.

    Raises
    ------
    ValueError
        If the configuration does not fit the data.
    MemoryError
        If the data or the network does not fit (checked before allocating).

    See Also
    --------
    run_experiment, Trainer

    Notes
    -----
    The folder holds ``config.json``, ``steps.csv`` and ``evals.csv`` (written atomically), the
    checkpoint and ``status.json`` once the run ends. The batch order is a pure function of
    (seed, epoch), so a resumed run gives the same numbers as an uninterrupted one.

    Examples
    --------
    >>> import tempfile
    >>> from isometry.training import RunConfig, load_dataset, train_run
    >>> data = load_dataset("teacher", {"n_train": 64, "n_test": 32, "features": 8})
    >>> config = RunConfig("teacher", 16, 2, "tanh", "orthogonal", "sgd", 0.05, seed=0,
    ...                    q_star=0.5, batch_size=16, steps=8, eval_every=4, checkpoint_every=4)
    >>> out = tempfile.mkdtemp()
    >>> outcome = train_run(config, data, out, progress=False)
    >>> outcome.state, outcome.steps_done, train_run(config, data, out).skipped
    ('finished', 8, True)
    """
    run_id = config.run_id
    directory = Path(out_dir) / "runs" / run_id
    with DirectoryLock(directory, what=f"run {run_id}"):  # one process per run: claim it
        return _train_run(config, dataset, directory, progress, callback, keep_parameters, log)


def _train_run(
    config: RunConfig,
    dataset: Dataset,
    directory: Path,
    progress: ProgressLike,
    callback: Callable[[int], None] | None,
    keep_parameters: bool,
    log: Callable[[str], None] | None,
) -> RunOutcome:
    run_id = config.run_id
    status = _status(directory)
    if status is not None:
        return RunOutcome(
            run_id,
            status["state"],
            status["steps_done"],
            status.get("message", ""),
            status.get("seconds", 0.0),
            skipped=True,
            final=status.get("final", {}),
        )
    require_work(config, dataset)
    started = time.perf_counter()
    trainer = Trainer(config, dataset)
    xp, c = trainer.xp, config
    _write_json(
        directory / "config.json",
        {
            "run_id": run_id,
            **c.to_dict(),
            "resolved_sigma_w": trainer.scales.sigma_w,
            "resolved_sigma_b": trainer.scales.sigma_b,
            "input_scale": trainer.input_scale,
            "layer_sizes": trainer.model.sizes,
            "n_parameters": trainer.model.n_parameters,
        },
    )
    checkpoint = directory / "checkpoint.npz"
    step_rows: list[dict[str, Any]] = []
    eval_rows: list[dict[str, Any]] = []
    start, resumed_from = 0, None
    saved = read_checkpoint(checkpoint, run_id) if checkpoint.is_file() else None
    if saved is not None:
        start, theta, optimizer_state = saved
        trainer.model.theta[...] = xp.asarray(theta)
        trainer.optimizer.load_state(optimizer_state)
        step_rows = [_renamed(r) for r in read_table(directory / "steps.csv") if r["step"] <= start]
        eval_rows = [r for r in read_table(directory / "evals.csv") if r["step"] <= start]
        resumed_from = start
        if log is not None:
            log(f"{run_id}: resuming from step {start} of {c.steps} (checkpoint)")
    elif log is not None and (directory / "steps.csv").is_file():
        log(
            f"{run_id}: restarting from step 0 of {c.steps} (an earlier attempt left no checkpoint)"
        )
    if not eval_rows:
        loss, acc = trainer.evaluate()
        eval_rows.append({"step": 0, "test_loss": loss, "test_accuracy": acc})

    def save_records() -> None:
        write_table(directory / "steps.csv", STEP_COLUMNS, step_rows)
        write_table(directory / "evals.csv", EVAL_COLUMNS, eval_rows)

    bar = progress_callback(progress, f"{run_id[:48]}")
    pending: list[tuple[int, Any, Any, float]] = []
    state, message = "finished", ""

    def flush() -> int | None:
        """Move pending per-step values to the host; the first non-finite step, if any."""
        if not pending:
            return None
        losses = to_numpy(xp.stack([p[1] for p in pending]).astype(np.float64))
        accs = to_numpy(xp.stack([p[2] for p in pending]).astype(np.float64))
        bad = None
        for (k, _, _, lr), loss, acc in zip(pending, losses, accs):
            step_rows.append(
                {
                    "step": k + 1,
                    "epoch": trainer.batcher.epoch_of(k),
                    "step_learning_rate": lr,
                    "train_loss": float(loss),
                    "train_accuracy": float(acc),
                }
            )
            if not math.isfinite(float(loss)):
                bad = k + 1
                break
        pending.clear()
        return bad

    done = start
    with np.errstate(
        over="ignore", invalid="ignore", divide="ignore"
    ):  # divergence is recorded, not warned
        for k in range(start, c.steps):
            loss, acc, lr = trainer.step(k)
            pending.append((k, loss, acc, lr))
            done = k + 1
            boundary = done % c.eval_every == 0 or done % c.checkpoint_every == 0 or done == c.steps
            if boundary or len(pending) >= SYNC_EVERY:
                bad = flush()
                if bad is not None:
                    row = step_rows[-1]
                    state, done = "diverged", bad
                    message = (
                        f"diverged: training loss became {row['train_loss']} at step {bad} "
                        f"(learning rate {row['step_learning_rate']:g}); the run stopped there — "
                        "try a smaller learning rate"
                    )
                    break
                if done % c.eval_every == 0 or done == c.steps:
                    tl, ta = trainer.evaluate()
                    eval_rows.append({"step": done, "test_loss": tl, "test_accuracy": ta})
                if done % c.checkpoint_every == 0 and done < c.steps:
                    save_records()
                    save_checkpoint(
                        checkpoint,
                        run_id=run_id,
                        step=done,
                        theta=trainer.model.theta,
                        optimizer_state=trainer.optimizer.state(),
                    )
            if bar is not None:
                bar(done, c.steps)
            if callback is not None:
                callback(done)
    synchronize(xp)
    seconds = time.perf_counter() - started
    save_records()
    final = {
        "train_loss": step_rows[-1]["train_loss"] if step_rows else None,
        "train_accuracy": step_rows[-1]["train_accuracy"] if step_rows else None,
        "test_loss": eval_rows[-1]["test_loss"],
        "test_accuracy": eval_rows[-1]["test_accuracy"],
    }
    if keep_parameters and state == "finished":
        save_checkpoint(
            directory / "final.npz",
            run_id=run_id,
            step=done,
            theta=trainer.model.theta,
            optimizer_state={},
        )
    _write_json(
        directory / "status.json",
        {
            "run_id": run_id,
            "state": state,
            "steps_done": done,
            "message": message,
            "seconds": seconds,
            "resumed_from": resumed_from,
            "final": final,
        },
    )
    if checkpoint.is_file():
        checkpoint.unlink()
    return RunOutcome(run_id, state, done, message, seconds, resumed_from=resumed_from, final=final)
