"""Training grids on Dask workers: the same numbers as the sequential grid, and resumable."""

from __future__ import annotations

import logging

import pytest

distributed = pytest.importorskip("distributed")

from isometry.cli import main
from isometry.training import Experiment, run_experiment
from isometry.training.records import read_table
from isometry.training.synthetic import teacher_task


def test_grid_on_two_workers_equals_sequential_and_resumes(tmp_path):
    teacher = teacher_task(512, 128, 16, 3, seed=2)
    exp = Experiment(
        name="d",
        inits=["orthogonal", "gaussian"],
        activations=["tanh", "relu"],
        depths=[2],
        q_stars=[0.5],
        learning_rates=[0.05],
        width=12,
        batch_size=32,
        steps=12,
        eval_every=6,
        checkpoint_every=6,
    )
    run_experiment(exp, tmp_path / "seq", dataset=teacher, progress=False)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        outcomes = run_experiment(
            exp, tmp_path / "dask", dataset=teacher, progress=False, client=client
        )
        assert len(outcomes) == 4 and all(o.state == "finished" and not o.skipped for o in outcomes)
        again = run_experiment(
            exp, tmp_path / "dask", dataset=teacher, progress=False, client=client
        )
        assert all(o.skipped for o in again)
    for name in ("steps.csv", "evals.csv"):
        assert read_table(tmp_path / "seq" / name) == read_table(
            tmp_path / "dask" / name
        )  # every float, bitwise
    seq = {r["run_id"]: r for r in read_table(tmp_path / "seq" / "runs.csv")}
    par = {r["run_id"]: r for r in read_table(tmp_path / "dask" / "runs.csv")}
    assert seq.keys() == par.keys()
    for run_id, row in seq.items():
        assert {k: v for k, v in row.items() if k != "seconds"} == {
            k: v for k, v in par[run_id].items() if k != "seconds"
        }


def test_train_cli_rejects_bad_workers(capsys):
    assert main(["train", "smoke", "--workers", "0", "--out", "unused"]) == 2
    assert "--workers must be a positive integer" in capsys.readouterr().err
