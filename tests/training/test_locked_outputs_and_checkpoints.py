"""Training outputs: one writer per folder (real processes), unreadable checkpoints restart,
datasets validated at construction."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from isometry import datasets
from isometry.datasets import Dataset
from isometry.training import Experiment, run_experiment
from isometry.training.runner import train_run

SPEC = {
    "name": "lock",
    "dataset": "teacher",
    "data_options": {"n_train": 256, "n_test": 64, "features": 16, "classes": 4},
    "inits": ["orthogonal"],
    "activations": ["tanh"],
    "depths": [2],
    "optimizers": ["sgd"],
    "q_stars": [0.5],
    "learning_rates": [0.01],
    "seeds": [0, 1, 2],
    "width": 16,
    "batch_size": 32,
    "steps": 400,
    "eval_every": 100,
    "checkpoint_every": 100,
    "dtype": "float64",
}


def test_two_train_processes_on_one_out(tmp_path):
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps(SPEC))
    out = tmp_path / "out"
    argv = [
        sys.executable,
        "-m",
        "isometry",
        "train",
        "--config",
        str(config),
        "--out",
        str(out),
        "--no-plots",
        "--no-progress",
    ]
    first = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not (out / ".isometry.lock").exists() or not (out / ".isometry.lock").read_text():
        assert time.time() < deadline and first.poll() is None, (
            "the first process never took the lock"
        )
        time.sleep(0.05)
    second = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=120)
    _first_out, first_err = first.communicate(timeout=300)
    if first.returncode == 0 and second.returncode == 0:
        pytest.skip(
            "the first process finished before the second started (machine too fast to race)"
        )
    assert first.returncode == 0, first_err
    assert second.returncode == 1, second.stderr
    assert "Traceback" not in second.stderr
    assert f"in use by process {first.pid}" in second.stderr
    # The folder describes exactly the one grid that ran, every run finished once.
    runs = (out / "runs.csv").read_text().splitlines()
    assert len(runs) == 1 + 3 and all(",finished," in line for line in runs[1:])


def test_truncated_checkpoint_restarts_from_zero_with_a_warning(tmp_path):
    experiment = Experiment.from_dict({**SPEC, "seeds": [0], "steps": 200})
    run = experiment.runs()[0]
    from isometry.training.grid import load_dataset

    data = load_dataset("teacher", SPEC["data_options"], progress=False)

    class Stop(Exception):
        pass

    def stop_at(done):
        if done == 150:
            raise Stop

    with pytest.raises(Stop):
        train_run(run, data, tmp_path, progress=False, callback=stop_at)
    checkpoint = tmp_path / "runs" / run.run_id / "checkpoint.npz"
    raw = checkpoint.read_bytes()
    checkpoint.write_bytes(raw[: len(raw) // 2])  # a full disk or a cut copy
    with pytest.warns(RuntimeWarning, match="unreadable .* restarts from step 0"):
        outcome = train_run(run, data, tmp_path, progress=False)
    assert (
        outcome.state == "finished" and outcome.resumed_from is None and outcome.steps_done == 200
    )
    # Same numbers as an uninterrupted run (the restart is from scratch, same seed).
    fresh = train_run(run, data, tmp_path / "fresh", progress=False)
    assert outcome.final == fresh.final


def test_run_experiment_locks_its_folder(tmp_path):
    from isometry._internal.locks import DirectoryLock, DirectoryLockedError

    experiment = Experiment.from_dict(
        {**SPEC, "seeds": [0], "steps": 10, "eval_every": 5, "checkpoint_every": 5}
    )
    # Another writer (here: this process, through another lock object) holds the folder.
    with DirectoryLock(tmp_path), pytest.raises(DirectoryLockedError, match="in use by process"):
        run_experiment(experiment, tmp_path, progress=False)


def _dataset(**change):
    rng = np.random.default_rng(0)
    parts = {
        "name": "custom",
        "x_train": rng.normal(size=(8, 3)),
        "y_train": np.arange(8) % 2,
        "x_test": rng.normal(size=(4, 3)),
        "y_test": np.arange(4) % 2,
        "classes": 2,
    }
    parts.update(change)
    return Dataset(**parts)


def test_dataset_values_are_validated_at_construction():
    x = np.random.default_rng(0).normal(size=(8, 3))
    x[5, 1] = np.nan
    with pytest.raises(ValueError, match="x_train has a non-finite value .* row 5, column 1"):
        _dataset(x_train=x)
    with pytest.raises(ValueError, match="y_test has label 7 .* outside 0..1"):
        _dataset(y_test=np.array([0, 1, 7, 0]))
    with pytest.raises(TypeError, match="integer class labels"):
        _dataset(y_train=np.zeros(8))
    with pytest.raises(TypeError, match="float dtype"):
        _dataset(x_train=np.zeros((8, 3), dtype=np.int8))
    assert _dataset().features == 3


@pytest.mark.parametrize("loader", [datasets.cifar10, datasets.mnist])
def test_loaders_refuse_integer_dtypes(loader, tmp_path):
    with pytest.raises(ValueError, match="dtype must be 'float64' or 'float32'"):
        loader(tmp_path, dtype="int8")
