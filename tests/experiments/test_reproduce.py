"""isometry reproduce: one cheap entry end to end (report.json, figures, index.html) and --list."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("matplotlib")

from isometry import cli
from isometry.experiments import list_reproductions, registry, reproduce

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Every claim of the five papers named in the issue has an entry (names fixed here, independently of
# the registry, so a lost entry fails this test).
EXPECTED = {
    "psg17_density_vs_depth",
    "psg17_relu_no_isometry",
    "psg17_sigmoid_isometry",
    "psg17_hard_tanh_q_star",
    "psg17_learning_speed",
    "psg17_learning_time_vs_depth",
    "psg17_isometry_during_training",
    "psg17_nonzero_q_star",
    "psg18_bernoulli_universality",
    "psg18_smooth_universality",
    "saxe_mode_trajectories",
    "saxe_depth_independence",
    "saxe_tanh_gain",
    "bd19_output_distribution",
    "bd19_he_lacks_isometry",
    "bd19_parameter_sharing_training",
    "tarnowski_universal_c",
    "tarnowski_c_table",
}


def test_list_names_every_entry(capsys):
    assert cli.main(["reproduce", "--list"]) == 0
    out = capsys.readouterr().out
    for name in EXPECTED:
        assert f"{name}\n" in out
    assert set(registry()) == EXPECTED
    for entry in list_reproductions():
        assert entry["quick"] and entry["full"] and entry["claim"]


def test_cheap_entry_end_to_end(tmp_path, capsys):
    # tarnowski_c_table: 15 ResNet spectra at width 400 (~10 s on a loaded 2-core machine).
    assert cli.main(["reproduce", "tarnowski_c_table", "--out", str(tmp_path)]) == 0
    entry = tmp_path / "tarnowski_c_table"
    report = json.loads((entry / "report.json").read_text())
    assert report["verdict"] == "PASS" and report["scale"] == "quick"
    assert report["rows"] and all(
        {"quantity", "theory", "measured", "paper", "tolerance", "passed"} <= set(r)
        for r in report["rows"]
    )
    assert (entry / "figure.png").read_bytes()[:8] == PNG_SIGNATURE
    assert (entry / "figure.pdf").read_bytes()[:5] == b"%PDF-"
    index = (tmp_path / "index.html").read_text()
    assert "tarnowski_c_table/figure.png" in index and "PASS" in index
    # ReLU: c = σ_w²/2 exactly; the table's Monte Carlo value must agree (4 s.e. + 2 %, as the entry states).
    relu = next(r for r in report["rows"] if r["quantity"].startswith("c for ReLU at"))
    assert abs(relu["measured"] - 0.5) <= 0.5 * 0.02 + 0.05
    # Rerunning reuses the finished report (no recomputation: same seconds recorded).
    again = reproduce("tarnowski_c_table", out=tmp_path, log=lambda _m: None)
    assert again.seconds == report["seconds"]


def test_bad_names_are_refused(tmp_path, capsys):
    assert cli.main(["reproduce", "no_such_entry", "--out", str(tmp_path)]) == 2
    assert "unknown reproduction" in capsys.readouterr().err
    assert cli.main(["reproduce", "--out", str(tmp_path)]) == 2
    with pytest.raises(ValueError, match="scale"):
        reproduce("tarnowski_c_table", scale="huge", out=tmp_path)


def test_digits_dataset():
    pytest.importorskip("sklearn")
    from isometry.datasets import digits

    data = digits()
    # scikit-learn's bundled copy of the UCI digits: 1,797 images of 8×8 pixels, ten classes.
    assert data.x_train.shape == (1437, 64) and data.x_test.shape == (360, 64)
    assert sorted(set(data.y_train.tolist())) == list(range(10)) and data.classes == 10
    # standardised on the training split: per-pixel mean 0, overall standard deviation 1
    assert abs(float(data.x_train.mean(axis=0).max())) < 1e-5
    assert abs(float(data.x_train.std()) - 1.0) < 1e-5


def test_jobs_must_be_positive(tmp_path, capsys):
    assert cli.main(["reproduce", "tarnowski_c_table", "--jobs", "0", "--out", str(tmp_path)]) == 2
    assert "--jobs must be >= 1" in capsys.readouterr().err


@pytest.mark.slow
def test_entries_in_parallel_give_the_numbers_of_one_process(tmp_path):
    # Reproducible for any worker count: an entry run beside another one in a pool of two
    # worker processes writes the same table as when run alone in this process.
    alone, pooled = tmp_path / "alone", tmp_path / "pooled"
    assert (
        cli.main(["reproduce", "bd19_he_lacks_isometry", "--jobs", "1", "--out", str(alone)]) == 0
    )
    assert (
        cli.main(
            ["reproduce", "bd19_he_lacks_isometry", "tarnowski_c_table", "--jobs", "2"]
            + ["--out", str(pooled)]
        )
        == 0
    )
    rows = [
        json.loads((d / "bd19_he_lacks_isometry" / "report.json").read_text())["rows"]
        for d in (alone, pooled)
    ]
    assert rows[0] == rows[1]
    assert (pooled / "tarnowski_c_table" / "report.json").is_file()


def test_training_stopped_at_the_target_follows_the_full_run(tmp_path):
    # steps_until_target (its own loop over Trainer.step) against the grid runner's full run of
    # the same configuration: the same test accuracies at the same evaluated steps up to the
    # first one at or above the target, and nothing trained after it.
    pytest.importorskip("sklearn")
    from isometry.datasets import digits
    from isometry.experiments._training import steps_until_target
    from isometry.training import RunConfig, train_run
    from isometry.training.records import read_table

    data = digits()
    config = RunConfig(
        dataset="digits",
        width=32,
        depth=4,
        activation="tanh",
        init="orthogonal",
        optimizer="sgd",
        learning_rate=0.1,
        seed=3,
        q_star=1 / 64,
        batch_size=32,
        steps=120,
        eval_every=5,
        checkpoint_every=1000,
    )
    train_run(config, data, tmp_path / "full", progress=False)
    evals = read_table(tmp_path / "full" / "runs" / config.run_id / "evals.csv")
    full_steps = [e["step"] for e in evals]
    full_acc = [e["test_accuracy"] for e in evals]
    target = 0.6
    first = next(i for i, a in enumerate(full_acc) if a >= target)  # the run must get there
    run = steps_until_target(config, data, target, eval_every=5, cache=tmp_path / "cache")
    assert run["state"] == "reached"
    assert run["steps"].tolist() == full_steps[: first + 1]
    assert run["accuracy"].tolist() == pytest.approx(full_acc[: first + 1], abs=1e-12)
    # the cached result is read back, not recomputed
    again = steps_until_target(config, data, target, eval_every=5, cache=tmp_path / "cache")
    assert again["steps"].tolist() == run["steps"].tolist()
