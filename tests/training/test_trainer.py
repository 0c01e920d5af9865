"""The trainer: gradients against finite differences, learning, resumption, divergence, errors."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

import isometry
from isometry.training import Experiment, RunConfig, run_experiment, train_run
from isometry.training.activations import Activation
from isometry.training.data import Batcher, epoch_order
from isometry.training.initialization import initial_parameters, resolve_scales
from isometry.training.losses import SoftmaxCrossEntropy, SquaredError
from isometry.training.model import MLP
from isometry.training.optimizers import make_optimizer
from isometry.training.records import read_table
from isometry.training.synthetic import teacher_task

ACTIVATIONS = ["tanh", "hard_tanh", "relu", "linear", "erf"]
PAIRS = [(a, i) for a in ACTIVATIONS for i in ("orthogonal", "gaussian")] + [
    ("relu", "parameter_sharing")
]


def _finite_difference_check(model: MLP, loss_of) -> float:
    """max |analytic − central difference| / max |analytic| over every parameter."""
    analytic = model.grad.copy()
    theta = model.theta
    numeric = np.empty_like(analytic)
    h = 1e-6
    for i in range(theta.size):
        keep = theta[i]
        theta[i] = keep + h
        plus = loss_of()
        theta[i] = keep - h
        minus = loss_of()
        theta[i] = keep
        numeric[i] = (plus - minus) / (2 * h)
    return float(np.max(np.abs(numeric - analytic)) / np.max(np.abs(analytic)))


@pytest.mark.parametrize(("activation", "init"), PAIRS, ids=[f"{a}-{i}" for a, i in PAIRS])
def test_backward_matches_finite_differences(activation, init):
    sizes = [5, 6, 6, 6, 3]
    scales = resolve_scales(activation, init, 0.7, None, None, layer_sizes=sizes)
    # Biases are drawn nonzero (except parameter sharing, whose biases are 0 by construction).
    w, b = initial_parameters(
        sizes, init, scales.sigma_w, 0.0 if init == "parameter_sharing" else 0.3, 3, "float64"
    )
    model = MLP(sizes, activation, dtype="float64")
    model.set_parameters(w, b)
    rng = np.random.default_rng(1)
    x, y = 1.5 * rng.standard_normal((4, 5)), rng.integers(0, 3, 4)
    loss = SoftmaxCrossEntropy(np, 4, 3, "float64")
    loss(model.forward(x), y)
    model.backward(loss.grad)
    err = _finite_difference_check(
        model, lambda: float(loss(model.forward(x), y, gradient=False)[0])
    )
    # Central differences with h = 1e-6 in float64: truncation ~h² and rounding ~ε/h ≈ 1e-10.
    assert err < 1e-6


def test_squared_error_gradient_without_biases():
    sizes = [4, 5, 5, 3]
    w, _ = initial_parameters(sizes, "orthogonal", 1.0, 0.0, 0, "float64")
    model = MLP(sizes, "linear", dtype="float64", bias=False)
    model.set_parameters(w)
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    loss = SquaredError(np, 6, 3, "float64")
    loss(model.forward(x), y)
    model.backward(loss.grad)
    assert model.n_parameters == 4 * 5 + 5 * 5 + 5 * 3
    assert (
        _finite_difference_check(model, lambda: float(loss(model.forward(x), y, gradient=False)[0]))
        < 1e-6
    )


def test_softmax_cross_entropy_matches_direct_formula():
    rng = np.random.default_rng(3)
    logits, labels = 30 * rng.standard_normal((7, 4)), rng.integers(0, 4, 7)
    loss, acc = SoftmaxCrossEntropy(np, 7, 4, "float64")(logits.copy(), labels)
    log_softmax = (
        logits
        - np.log(np.sum(np.exp(logits - logits.max(1, keepdims=True)), 1, keepdims=True))
        - logits.max(1, keepdims=True)
    )
    assert float(loss) == pytest.approx(-np.mean(log_softmax[np.arange(7), labels]), rel=1e-13)
    assert float(acc) == np.mean(np.argmax(logits, 1) == labels)


def test_erf_without_scipy_matches_scipy(monkeypatch):
    scipy_special = pytest.importorskip("scipy.special")
    h = np.linspace(-4, 4, 101)
    expected = scipy_special.erf(np.sqrt(np.pi) / 2 * h)
    monkeypatch.setitem(sys.modules, "scipy.special", None)  # import fails: the math.erf path
    out = np.empty_like(h)
    Activation("erf", np).forward(h, out)
    np.testing.assert_allclose(out, expected, rtol=0, atol=4e-16)  # both are correctly rounded erf


def _adam_reference(theta, grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    m = v = np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta = theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return theta


def test_optimizers_follow_their_update_rules():
    rng = np.random.default_rng(4)
    theta0 = rng.standard_normal(10)
    grads = [rng.standard_normal(10) for _ in range(3)]
    results = {}
    for name in ("sgd", "momentum", "rmsprop", "adam"):
        theta = theta0.copy()
        opt = make_optimizer(name, np, 10, "float64")
        for g in grads:
            opt.step(theta, g, 0.1)
        results[name] = theta
    np.testing.assert_allclose(results["sgd"], theta0 - 0.1 * sum(grads), rtol=1e-14)
    v1 = grads[0]
    v2 = 0.9 * v1 + grads[1]
    v3 = 0.9 * v2 + grads[2]
    np.testing.assert_allclose(results["momentum"], theta0 - 0.1 * (v1 + v2 + v3), rtol=1e-14)
    s, expected = np.zeros(10), theta0.copy()
    for g in grads:
        s = 0.99 * s + 0.01 * g * g
        expected = expected - 0.1 * g / (np.sqrt(s) + 1e-8)
    np.testing.assert_allclose(results["rmsprop"], expected, rtol=1e-13)
    np.testing.assert_allclose(results["adam"], _adam_reference(theta0, grads, 0.1), rtol=1e-13)


def test_epoch_order_is_a_seeded_permutation():
    a, b = epoch_order(1000, 7, 0), epoch_order(1000, 7, 0)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.sort(a), np.arange(1000))
    assert not np.array_equal(a, epoch_order(1000, 7, 1))
    assert not np.array_equal(a, epoch_order(1000, 8, 0))
    x = np.arange(10.0)[:, None]
    batcher = Batcher(np, x, np.arange(10), 3, seed=1)
    assert batcher.steps_per_epoch == 3  # 10 // 3: the last incomplete batch is dropped
    order = epoch_order(10, 1, 1)
    xb, yb = batcher(4)  # epoch 1, second batch
    np.testing.assert_array_equal(yb, order[3:6])


def _teacher_config(**changes) -> RunConfig:
    base = dict(
        dataset="teacher",
        width=32,
        depth=4,
        activation="tanh",
        init="orthogonal",
        optimizer="sgd",
        learning_rate=0.05,
        seed=0,
        q_star=0.5,
        batch_size=32,
        steps=240,
        eval_every=40,
        checkpoint_every=80,
        dtype="float32",
    )
    base.update(changes)
    return RunConfig(**base)


@pytest.fixture(scope="module")
def teacher():
    return teacher_task(2048, 512, 32, 4, seed=5)


def test_learns_a_separable_task_well_above_chance(tmp_path, teacher):
    outcome = train_run(
        _teacher_config(steps=480, learning_rate=0.1), teacher, tmp_path, progress=False
    )
    assert outcome.state == "finished"
    # Chance is 1/4; a 4-layer tanh net learns the linear teacher to > 80% test accuracy in 480
    # SGD steps (observed 0.908 for this seed), while the initial network is near chance.
    evals = read_table(tmp_path / "runs" / outcome.run_id / "evals.csv")
    assert evals[0]["test_accuracy"] < 0.5
    assert outcome.final["test_accuracy"] > 0.8
    steps = read_table(tmp_path / "runs" / outcome.run_id / "steps.csv")
    assert [r["step"] for r in steps] == list(range(1, 481))
    assert np.mean([r["train_loss"] for r in steps[-20:]]) < 0.5 * np.mean(
        [r["train_loss"] for r in steps[:20]]
    )


class _Interrupt(Exception):
    pass


@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
def test_resume_gives_the_numbers_of_an_uninterrupted_run(tmp_path, teacher, optimizer):
    config = _teacher_config(
        optimizer=optimizer, learning_rate=0.01 if optimizer == "adam" else 0.02, steps=200
    )
    whole = train_run(config, teacher, tmp_path / "whole", progress=False, keep_parameters=True)

    def interrupt(done):
        if done == 130:  # between the checkpoints at 80 and 160
            raise _Interrupt

    with pytest.raises(_Interrupt):
        train_run(config, teacher, tmp_path / "split", progress=False, callback=interrupt)
    run_dir = tmp_path / "split" / "runs" / config.run_id
    assert (run_dir / "checkpoint.npz").is_file() and not (run_dir / "status.json").exists()
    resumed = train_run(config, teacher, tmp_path / "split", progress=False, keep_parameters=True)
    assert resumed.resumed_from == 80
    for name in ("steps.csv", "evals.csv"):
        assert (run_dir / name).read_text() == (
            tmp_path / "whole" / "runs" / config.run_id / name
        ).read_text()
    with (
        np.load(run_dir / "final.npz") as a,
        np.load(tmp_path / "whole" / "runs" / config.run_id / "final.npz") as b,
    ):
        np.testing.assert_array_equal(a["theta"], b["theta"])
    assert resumed.final == whole.final
    again = train_run(config, teacher, tmp_path / "split", progress=False)
    assert again.skipped and again.state == "finished"


def test_divergence_is_recorded_with_a_message(tmp_path, teacher):
    config = _teacher_config(
        activation="relu",
        init="gaussian",
        q_star=None,
        sigma_w=3.0,
        sigma_b=0.0,
        depth=6,
        learning_rate=50.0,
        steps=100,
    )
    outcome = train_run(config, teacher, tmp_path, progress=False)
    assert outcome.state == "diverged"
    assert "diverged" in outcome.message and f"step {outcome.steps_done}" in outcome.message
    run_dir = tmp_path / "runs" / config.run_id
    status = json.loads((run_dir / "status.json").read_text())
    assert status["state"] == "diverged" and status["steps_done"] == outcome.steps_done < 100
    rows = read_table(run_dir / "steps.csv")
    assert rows[-1]["step"] == outcome.steps_done and not np.isfinite(rows[-1]["train_loss"])
    assert all(np.isfinite(r["train_loss"]) for r in rows[:-1])
    assert not (run_dir / "checkpoint.npz").exists()


def test_grid_writes_tidy_tables_and_skips_finished_runs(tmp_path, teacher):
    exp = Experiment(
        name="t",
        inits=["orthogonal", "parameter_sharing"],
        activations=["tanh", "relu"],
        depths=[2, 3],
        q_stars=[0.5],
        learning_rates=[0.05],
        width=16,
        batch_size=32,
        steps=20,
        eval_every=10,
        checkpoint_every=10,
    )
    assert len(exp.runs()) == 6 and exp.skipped() == [
        "parameter_sharing × tanh: parameter sharing needs relu"
    ]
    outcomes = run_experiment(exp, tmp_path, dataset=teacher, progress=False)
    assert all(o.state == "finished" and not o.skipped for o in outcomes)
    runs = read_table(tmp_path / "runs.csv")
    steps = read_table(tmp_path / "steps.csv")
    evals = read_table(tmp_path / "evals.csv")
    assert len(runs) == 6 and len(steps) == 6 * 20 and len(evals) == 6 * 3
    assert {r["init"] for r in steps} == {"orthogonal", "parameter_sharing"}
    env = json.loads((tmp_path / "experiment.json").read_text())
    assert env["environment"]["isometry"] == isometry.build_info() and env["environment"][
        "device"
    ].startswith("cpu")
    again = run_experiment(exp, tmp_path, dataset=teacher, progress=False)
    assert all(o.skipped for o in again)
    pytest.importorskip("matplotlib")
    from isometry.plotting.training import plot_experiment, steps_to_accuracy

    paths = plot_experiment(tmp_path, [0.3])
    assert paths and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)
    table = steps_to_accuracy(tmp_path, 0.3)
    for row in table:  # the first evaluation at or above the target, recomputed from evals.csv
        mine = [e for e in evals if e["run_id"] == row["run_id"]]
        hits = [e["step"] for e in mine if e["test_accuracy"] >= 0.3]
        assert row["steps"] == (min(hits) if hits else None)


def test_parameter_sharing_network_computes_the_linear_network_of_its_blocks():
    # docs/theory/relu_finite_width.md: with zero biases, relu on [W0; −W0]... equals the product
    # of the W0 blocks.
    sizes = [5, 8, 8, 3]
    w, b = initial_parameters(sizes, "parameter_sharing", 1.0, 0.0, 2, "float64")
    model = MLP(sizes, "relu", dtype="float64")
    model.set_parameters(w, b)
    x = np.random.default_rng(0).standard_normal((4, 5))
    w1, w2, w3 = w[0][:4], w[1][:4, :4], w[2][:, :4]
    np.testing.assert_allclose(model.forward(x), x @ (w3 @ w2 @ w1).T, atol=1e-13)


def test_bad_input_errors(teacher, tmp_path):
    with pytest.raises(ValueError, match="activation must be one of"):
        MLP([3, 4, 2], "sigmoid")
    with pytest.raises(ValueError, match="needs activation='relu'"):
        resolve_scales("tanh", "parameter_sharing", 0.5, None, None, layer_sizes=[4, 4, 2])
    with pytest.raises(ValueError, match="either q_star or sigma_w"):
        resolve_scales("tanh", "orthogonal", 0.5, 1.0, None, layer_sizes=[4, 4, 2])
    with pytest.raises(ValueError, match="init must be one of"):
        resolve_scales("tanh", "xavier", 0.5, None, None, layer_sizes=[4, 4, 2])
    with pytest.raises(ValueError, match="optimizer must be one of"):
        make_optimizer("lbfgs", np, 3, "float32")
    with pytest.raises(ValueError, match="depths must be a positive integer"):
        Experiment(name="x", depths=[0])
    with pytest.raises(TypeError, match="depths must be a positive integer"):
        Experiment(name="x", depths=[2.5])
    with pytest.raises(ValueError, match="learning_rates must be > 0"):
        Experiment(name="x", learning_rates=[-1.0])
    with pytest.raises(ValueError, match="schedule name must be one of"):
        Experiment(name="x", schedule={"name": "linear"})
    with pytest.raises(ValueError, match="unknown experiment setting"):
        Experiment.from_dict({"name": "x", "depth": 3})
    with pytest.raises(ValueError, match="width must be even"):
        Experiment(name="x", inits=["parameter_sharing"], activations=["relu"], width=7)
    with pytest.raises(ValueError, match="device must be one of"):
        Experiment(name="x", device="tpu")
    with pytest.raises(ValueError, match="batch_size 4096 is larger"):
        train_run(_teacher_config(batch_size=4096), teacher, tmp_path, progress=False)
    with pytest.raises(ValueError, match="does not fit dataset"):
        train_run(_teacher_config(loss="squared_error"), teacher, tmp_path, progress=False)
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 3\)"):
        MLP([3, 4, 2], "tanh").forward(np.zeros((2, 5), dtype=np.float32))


def test_gpu_device_without_cupy_says_so(monkeypatch):
    from isometry.training.backend import array_module

    monkeypatch.setitem(sys.modules, "cupy", None)
    with pytest.raises(ImportError, match="device='gpu' needs CuPy"):
        array_module("gpu")


def test_schedules(tmp_path):
    from isometry.training.schedules import learning_rate, validate_schedule

    assert learning_rate(
        0.1, validate_schedule({"name": "step", "every": 10, "factor": 0.5}), 25
    ) == pytest.approx(0.025)
    assert learning_rate(
        0.1, validate_schedule({"name": "cosine", "steps": 100}), 50
    ) == pytest.approx(0.05)
    assert learning_rate(
        0.1, validate_schedule({"name": "exponential", "half_life": 10}), 20
    ) == pytest.approx(0.025)
    assert learning_rate(
        0.1, validate_schedule({"name": "constant", "warmup": 4}), 1
    ) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="every must be an integer >= 1"):
        validate_schedule({"name": "step", "factor": 0.5})
    # Step counts are integers >= 1: 0.5 used to divide by int(0.5) = 0 at the first step, 2.5 was
    # silently truncated to 2, and warmup=inf kept the rate at 0 forever.
    for key, schedule in (
        ("every", {"name": "step", "every": 0.5, "factor": 0.5}),
        ("every", {"name": "step", "every": 2.5, "factor": 0.5}),
        ("steps", {"name": "cosine", "steps": 0}),
        ("warmup", {"name": "constant", "warmup": float("inf")}),
        ("warmup", {"name": "constant", "warmup": True}),
    ):
        with pytest.raises(ValueError, match=f"{key} must be an integer >= 1"):
            validate_schedule(schedule)
    for key, schedule in (
        ("factor", {"name": "step", "every": 2, "factor": float("nan")}),
        ("half_life", {"name": "exponential", "half_life": float("inf")}),
    ):
        with pytest.raises(ValueError, match=f"{key} must be a finite number > 0"):
            validate_schedule(schedule)
    with pytest.raises(ValueError, match="warmup must be an integer >= 1"):
        Experiment(name="x", schedule={"name": "constant", "warmup": 2.5})
    with pytest.raises(
        ValueError, match="every must be an integer >= 1"
    ):  # a RunConfig made by hand
        train_run(
            _teacher_config(schedule={"name": "step", "every": 0.5, "factor": 0.5}),
            teacher_task(64, 32, 4, 2),
            tmp_path,
            progress=False,
        )


def test_cli_train_runs_a_small_grid(tmp_path, capsys):
    from isometry.cli import main

    config = tmp_path / "exp.json"
    config.write_text(
        json.dumps(
            {
                "name": "tiny",
                "dataset": "teacher",
                "data_options": {"n_train": 256, "n_test": 128, "features": 16, "classes": 3},
                "depths": [2],
                "width": 8,
                "batch_size": 32,
                "steps": 10,
                "eval_every": 5,
                "checkpoint_every": 5,
                "q_stars": [0.5],
                "learning_rates": [0.1],
            }
        )
    )
    assert (
        main(
            [
                "train",
                "--config",
                str(config),
                "--out",
                str(tmp_path / "o"),
                "--no-progress",
                "--no-plots",
                "--activations",
                "tanh,erf",
            ]
        )
        == 0
    )
    assert len(read_table(tmp_path / "o" / "runs.csv")) == 2
    assert main(["train", "smoke", "--dry-run"]) == 0
    assert main(["train", "--list"]) == 0
    assert main(["train", "nonexistent"]) == 2
    assert "unknown experiment 'nonexistent'" in capsys.readouterr().err


# -- first-layer scale ------------------------------------------------------------------------
TALL = [("tanh", "orthogonal"), ("tanh", "gaussian"), ("relu", "parameter_sharing")]


@pytest.mark.parametrize(("activation", "init"), TALL, ids=[f"{a}-{i}" for a, i in TALL])
def test_first_layer_pre_activations_have_variance_q_star(activation, init):
    from isometry.training.runner import Trainer

    # n_in = 16 inputs into N₁ = 256 units (128 blocks for parameter sharing): orthonormal columns,
    # where E(Wx)_i² = σ_w²|x|²/N₁, not /n_in. Before the fix q¹ was 16/256 of q* (orthogonal).
    data = teacher_task(2048, 64, 16, 4, seed=5)
    config = _teacher_config(activation=activation, init=init, width=256, depth=2, dtype="float64")
    trainer = Trainer(config, data)
    h = trainer.x_train @ trainer.model.weights[0].T + trainer.model.biases[0]
    q1 = float(np.mean(h * h))
    if init == "gaussian":
        # Σ_ij W_ij² over N₁·n_in = 4096 iid entries: relative standard error √(2/4096) = 2.2%;
        # 10% is 4.5 of them.
        assert q1 == pytest.approx(0.5, rel=0.10)
    else:
        # The weight part is exact (|Qx| = |x|); what is left is the mean of N₁ = 256 bias draws
        # b_i², σ_b²·√(2/256) = 0.0034 for tanh (σ_b² = 0.038 at q* = 0.5), and a cross term
        # 2 b·Wx̄ of the same order: 3% of q* is over 4 of these. Parameter sharing has b = 0.
        assert q1 == pytest.approx(0.5, rel=0.03 if init == "orthogonal" else 1e-12)


def test_first_layer_fan_by_init():
    from isometry.training.initialization import first_layer_fan

    assert first_layer_fan("gaussian", [16, 256, 10]) == 16
    assert first_layer_fan("orthogonal", [16, 256, 10]) == 256
    assert first_layer_fan("orthogonal", [300, 256, 10]) == 300
    assert first_layer_fan("parameter_sharing", [16, 256, 10]) == 128  # the W0 block is 128 × 16
    assert first_layer_fan("parameter_sharing", [200, 256, 10]) == 200
    assert first_layer_fan("parameter_sharing", [16, 40]) == 40  # a single layer is W0 itself


# -- joined tables ----------------------------------------------------------------------------
def _per_run_concatenation(out, runs, name):
    """The joined table rebuilt by hand: each run's own rows, its configuration in front, in grid order."""
    from isometry.training.grid import CONFIG_COLUMNS

    rows = []
    for run in runs:
        d = run.to_dict()
        cfg = {"run_id": run.run_id, **{k: d[k] for k in CONFIG_COLUMNS if k != "run_id"}}
        # σ_w, σ_b as the run resolved them (written by the run itself, e.g. from q*).
        resolved = json.loads((out / "runs" / run.run_id / "config.json").read_text())
        cfg["sigma_w"], cfg["sigma_b"] = resolved["resolved_sigma_w"], resolved["resolved_sigma_b"]
        rows += [{**cfg, **r} for r in read_table(out / "runs" / run.run_id / name)]
    return rows


def _small_grid(**changes):
    base = dict(
        name="t",
        inits=["orthogonal", "gaussian"],
        activations=["tanh"],
        depths=[2, 3],
        q_stars=[0.5],
        learning_rates=[0.05],
        width=16,
        batch_size=32,
        steps=20,
        eval_every=10,
        checkpoint_every=10,
    )
    return Experiment(**{**base, **changes})


def test_joined_tables_are_the_per_run_files_and_each_is_read_once(tmp_path, teacher, monkeypatch):
    import builtins

    exp = _small_grid()
    runs = exp.runs()
    opened: dict[str, int] = {}
    real_open = builtins.open

    def counting_open(file, *args, **kwargs):
        path = str(file)
        if f"{tmp_path}/runs/" in path and path.endswith(("steps.csv", "evals.csv")):
            opened[path] = opened.get(path, 0) + 1
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    run_experiment(exp, tmp_path, dataset=teacher, progress=False)
    monkeypatch.undo()
    # Four runs: the joining read each run's two files once (it read all finished runs' files
    # after every run before: the first run's 4 times).
    assert len(opened) == 2 * len(runs) and set(opened.values()) == {1}
    for name in ("steps.csv", "evals.csv"):
        assert read_table(tmp_path / name) == _per_run_concatenation(tmp_path, runs, name)
    assert len(read_table(tmp_path / "steps.csv")) == 4 * 20


def test_joined_tables_after_an_interrupted_and_resumed_grid(tmp_path, teacher):
    exp = _small_grid()
    runs = exp.runs()
    run_experiment(exp, tmp_path / "whole", dataset=teacher, progress=False)

    def interrupt(run, done):
        if run.run_id == runs[2].run_id and done == 15:
            raise _Interrupt

    with pytest.raises(_Interrupt):
        run_experiment(exp, tmp_path / "split", dataset=teacher, progress=False, callback=interrupt)
    # Interrupted in the third run: the tables hold the two runs that ended, runs.csv agrees.
    assert read_table(tmp_path / "split" / "evals.csv") == _per_run_concatenation(
        tmp_path / "split", runs[:2], "evals.csv"
    )
    assert [r["state"] for r in read_table(tmp_path / "split" / "runs.csv")] == ["finished"] * 2 + [
        "pending"
    ] * 2
    outcomes = run_experiment(exp, tmp_path / "split", dataset=teacher, progress=False)
    assert [o.skipped for o in outcomes] == [True, True, False, False] and outcomes[
        2
    ].resumed_from == 10
    for name in ("steps.csv", "evals.csv"):
        assert read_table(tmp_path / "split" / name) == _per_run_concatenation(
            tmp_path / "split", runs, name
        )
        # The resumed grid's numbers are those of the uninterrupted one, byte for byte.
        assert (tmp_path / "split" / name).read_text() == (tmp_path / "whole" / name).read_text()


# -- plots ------------------------------------------------------------------------------------
def test_plots_when_no_run_or_every_run_reaches_the_target(tmp_path, teacher, capsys):
    pytest.importorskip("matplotlib")
    from isometry.cli import main
    from isometry.plotting.training import plot_steps_to_accuracy, steps_to_accuracy

    exp = _small_grid(steps=10, eval_every=5)
    run_experiment(exp, tmp_path, dataset=teacher, progress=False)
    assert all(r["steps"] is None for r in steps_to_accuracy(tmp_path, 0.999))  # 10 steps: never
    assert all(r["steps"] == 0 for r in steps_to_accuracy(tmp_path, 0.01))  # the initial network
    for target in (0.999, 0.01):  # no value at all / only zeros: neither can go on a log axis
        path = tmp_path / f"t{target}.png"
        plot_steps_to_accuracy(tmp_path, path, target)  # returns the Figure
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The command never fails once the runs are written (here: a target that is never reached).
    config = tmp_path / "exp.json"
    config.write_text(
        json.dumps(
            {
                **exp.to_dict(),
                "accuracy_targets": [0.999],
                "data_options": {"n_train": 256, "n_test": 64, "features": 8, "classes": 3},
            }
        )
    )
    assert (
        main(["train", "--config", str(config), "--out", str(tmp_path / "cli"), "--no-progress"])
        == 0
    )
    err = capsys.readouterr().err
    assert (
        "steps_to_100pct_vs_depth.png" in err
        and "accuracy_vs_steps.png" in err
        and "error" not in err
    )


# -- argument checks --------------------------------------------------------------------------
def test_data_options_are_checked_up_front():
    for value, error in ((-5, ValueError), (0, ValueError), (2.5, TypeError)):
        with pytest.raises(error, match=r"data_options\['n_train'\] must be a positive integer"):
            Experiment(name="x", data_options={"n_train": value})
    with pytest.raises(ValueError, match=r"data_options\['n_test'\] must be a positive integer"):
        Experiment(name="x", dataset="cifar10", data_options={"n_test": 0})
    with pytest.raises(ValueError, match=r"data_options for 'mnist' take \['n_test', 'n_train'\]"):
        Experiment(name="x", dataset="mnist", data_options={"features": 3})
    with pytest.raises(ValueError, match=r"data_options\['classes'\] must be at least 2"):
        Experiment(name="x", data_options={"classes": 1})
    with pytest.raises(ValueError, match="batch_size 128 is larger than the 100 training examples"):
        Experiment(name="x", data_options={"n_train": 100})
    with pytest.raises(ValueError, match="loss 'squared_error' needs regression targets"):
        Experiment(name="x", loss="squared_error")


def test_empty_splits_are_refused(tmp_path, teacher):
    from isometry.datasets.dataset import Dataset

    empty_test = Dataset(
        "t", teacher.x_train, teacher.y_train, teacher.x_test[:0], teacher.y_test[:0], 4
    )
    with pytest.raises(ValueError, match="no testing examples"):
        train_run(_teacher_config(), empty_test, tmp_path, progress=False)


def test_optimizer_options_are_checked():
    with pytest.raises(
        ValueError,
        match=r"optimizer 'sgd' takes no options; got unknown option\(s\) \['momentum'\]",
    ):
        Experiment(name="x", optimizer_options={"sgd": {"momentum": 0.9}})
    with pytest.raises(ValueError, match=r"beta1 must lie in \[0, 1\), got 1.5"):
        Experiment(
            name="x",
            optimizers=["adam"],
            learning_rates=[1e-3],
            optimizer_options={"adam": {"beta1": 1.5}},
        )
    with pytest.raises(
        ValueError,
        match=r"takes only \['beta1', 'beta2', 'eps'\]; got unknown option\(s\) \['beta_1'\]",
    ):
        Experiment(name="x", optimizers=["adam"], optimizer_options={"adam": {"beta_1": 0.8}})
    with pytest.raises(
        ValueError, match=r"options for \['adam'\], which are not in optimizers \['sgd'\]"
    ):
        Experiment(name="x", optimizer_options={"adam": {"beta1": 0.8}})
    with pytest.raises(ValueError, match="eps must be > 0"):
        make_optimizer("rmsprop", np, 3, "float64", eps=0.0)
    with pytest.raises(ValueError, match="momentum must be a finite number"):
        make_optimizer("momentum", np, 3, "float64", momentum=float("nan"))
    exp = Experiment(
        name="x", optimizers=["momentum"], optimizer_options={"momentum": {"momentum": 0.5}}
    )
    assert exp.runs()[0].optimizer_options == {"momentum": 0.5}
    # A given option is the one used: μ = 0.5 in v ← μv + g.
    theta, opt = np.zeros(2), make_optimizer("momentum", np, 2, "float64", momentum=0.5)
    for _ in range(2):
        opt.step(theta, np.ones(2), 1.0)
    np.testing.assert_array_equal(theta, [-2.5, -2.5])  # −(1) − (0.5 + 1)


def test_upload_refuses_with_a_memory_estimate(tmp_path, teacher, monkeypatch):
    from isometry._internal import memory as _memory

    monkeypatch.setattr(_memory, "available_bytes", lambda: 10_000)
    # (2048 + 512) examples × (32 float32 inputs + one int64 label) = 0.0004 GiB.
    with pytest.raises(
        MemoryError, match=r"a float32 copy of the 2560 examples needs about 0\.00 GiB"
    ):
        train_run(_teacher_config(), teacher, tmp_path, progress=False)


# -- threads ----------------------------------------------------------------------------------
THREAD_SCRIPT = r"""
import sys
from pathlib import Path
from isometry.training import RunConfig, train_run
from isometry.training.synthetic import teacher_task

config = RunConfig(dataset="teacher", width=24, depth=3, activation="tanh", init="orthogonal", optimizer="adam",
                   learning_rate=0.01, seed=2, q_star=0.5, batch_size=32, steps=30, eval_every=10,
                   checkpoint_every=20)
outcome = train_run(config, teacher_task(256, 64, 16, 4, seed=1), sys.argv[1], progress=False)
run = Path(sys.argv[1]) / "runs" / outcome.run_id
sys.stdout.write((run / "steps.csv").read_text() + (run / "evals.csv").read_text())
"""


def test_training_is_independent_of_the_thread_counts(tmp_path):
    import os
    import subprocess

    texts = {}
    for omp, blas in ((1, 1), (2, 2)):
        env = dict(os.environ, OMP_NUM_THREADS=str(omp), OPENBLAS_NUM_THREADS=str(blas))
        texts[omp, blas] = subprocess.run(
            [sys.executable, "-c", THREAD_SCRIPT, str(tmp_path / f"{omp}-{blas}")],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    # The data order and initial weights are Philox draws (thread-free by construction). OpenBLAS
    # may round big products differently per thread count (tests/test_threads.py); for this
    # small net the bits agree, and nothing of the trainer's own may depend on the threads.
    assert texts[1, 1].count("\n") == 30 + 4 + 2
    assert texts[1, 1] == texts[2, 2]


def test_device_memory_check_counts_free_memory_and_the_pools_spare_blocks():
    from types import SimpleNamespace

    from isometry.training.backend import require_device_memory

    # A stand-in for cupy (no GPU here): 1 GiB free on the device, and CuPy's pool holds 3 GiB of
    # which 1 GiB is in use, so 2 GiB more can be reused: 3 GiB in all, 92% of it usable (the
    # same rule as the isometry._cuda kernels: isometry._internal.gpu.check_fits).
    gib = 1 << 30
    pool = SimpleNamespace(total_bytes=lambda: 3 * gib, used_bytes=lambda: gib)
    fake = SimpleNamespace(
        cuda=SimpleNamespace(
            runtime=SimpleNamespace(memGetInfo=lambda: (gib, 80 * gib)),
            Device=lambda: SimpleNamespace(id=0),
        ),
        get_default_memory_pool=lambda: pool,
    )
    require_device_memory(fake, "x", int(2.75 * gib))  # 2.75 < 0.92 × 3 = 2.76
    with pytest.raises(
        MemoryError,
        match=r"x needs about 2\.77 GiB of GPU memory but only 3\.00 GiB of 80\.00 GiB is free on GPU 0",
    ):
        require_device_memory(fake, "x", int(2.77 * gib))
