"""Training tables that leave Python cleanly: distinct column names in the joined steps.csv,
σ_w/σ_b filled in for runs given by q*, and messages when a run resumes or restarts."""

from __future__ import annotations

import csv

import pytest

from isometry import theory
from isometry.training import Experiment, run_experiment
from isometry.training.synthetic import teacher_task


@pytest.fixture(scope="module")
def teacher():
    return teacher_task(512, 128, 16, 3, seed=2)


class _Stop(Exception):
    pass


def test_joined_tables_have_distinct_columns_and_resolved_sigmas(tmp_path, teacher):
    exp = Experiment(
        name="t",
        inits=["orthogonal"],
        activations=["tanh"],
        depths=[2],
        q_stars=[0.5],
        learning_rates=[0.05],
        width=16,
        batch_size=32,
        steps=12,
        eval_every=6,
        checkpoint_every=6,
    )
    lines: list[str] = []
    run_experiment(exp, tmp_path, dataset=teacher, progress=False, log=lines.append)
    with open(tmp_path / "steps.csv", newline="") as fh:
        header = next(csv.reader(fh))
    assert len(header) == len(set(header)) and "step_learning_rate" in header
    with open(tmp_path / "runs.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    sigma_w, sigma_b = theory.critical_point("tanh", 0.5)
    assert float(rows[0]["sigma_w"]) == sigma_w and float(rows[0]["sigma_b"]) == sigma_b
    assert any("[grid 1/1 done]" in line for line in lines)


def test_a_resumed_run_says_from_which_step(tmp_path, teacher):
    exp = Experiment(
        name="r",
        inits=["orthogonal"],
        activations=["tanh"],
        depths=[2, 3],
        q_stars=[0.5],
        learning_rates=[0.05],
        width=16,
        batch_size=32,
        steps=20,
        eval_every=5,
        checkpoint_every=10,
    )

    def stop(run, done):
        if run.depth == 3 and done == 15:
            raise _Stop

    with pytest.raises(_Stop):
        run_experiment(exp, tmp_path, dataset=teacher, progress=False, callback=stop)
    lines: list[str] = []
    run_experiment(exp, tmp_path, dataset=teacher, progress=False, log=lines.append)
    assert any("resuming from step 10 of 20" in line for line in lines)
    assert any("already finished" in line for line in lines)
