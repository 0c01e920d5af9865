"""Training experiments: deep fully connected networks trained by hand-written backprop on NumPy
(CPU) or CuPy (GPU), initialised from isometry's own samplers, run as resumable grids.

    from isometry.training import Experiment, run_experiment, named_experiment
    run_experiment(named_experiment("smoke"), "runs/smoke")

Modules: ``model`` (forward/backward), ``activations``, ``losses``, ``optimizers``,
``schedules``, ``data`` (seeded batches), ``synthetic`` (tasks), ``initialization``, ``config``
(grids), ``runner`` (one run), ``grid`` (a whole experiment), ``checkpoints``, ``records``,
``presets`` (named experiments), ``plots``, ``deep_linear`` (Saxe et al. experiments).
"""

from isometry.training.config import Experiment, RunConfig
from isometry.training.data import Batcher, Dataset
from isometry.training.grid import load_dataset, run_experiment
from isometry.training.model import MLP
from isometry.training.presets import PRESETS, named_experiment
from isometry.training.runner import RunOutcome, Trainer, train_run

__all__ = [
    "MLP",
    "PRESETS",
    "Batcher",
    "Dataset",
    "Experiment",
    "RunConfig",
    "RunOutcome",
    "Trainer",
    "load_dataset",
    "named_experiment",
    "run_experiment",
    "train_run",
]
