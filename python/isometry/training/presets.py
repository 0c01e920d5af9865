"""Named experiment configurations (``isometry train <name>``).

* ``pennington2017`` — the CIFAR-10 comparison of Pennington, Schoenholz & Ganguli (2017) at the
  paper's scale: width 400, depths up to 200, tanh (orthogonal and Gaussian, several q* on the
  critical line) against ReLU, SGD and Adam, batch 128. Tens of GPU-hours in full; meant for
  ``--device gpu``. The learning rates and q* values are reasonable choices in the paper's
  spirit, not a transcription of its tuned values (the paper's text is not in our sources).
* ``smoke`` — the same comparison shrunk to finish in a few minutes on 2 CPU cores. It uses the
  synthetic ``teacher`` task (Gaussian inputs, labels from a random linear teacher; always
  available, identical on every machine) rather than CIFAR-10, so CI and a fresh checkout give
  the same numbers; ``isometry train smoke --dataset cifar10`` runs it on CIFAR-10 when present.
* ``relu_parameter_sharing`` — ReLU networks: Burkholz–Dubatovka parameter sharing (orthogonal
  W0, perfectly isometric Jacobian) against He initialisation (Gaussian, σ_w = √2 — the ReLU
  critical point) and orthogonal σ_w = √2, on CIFAR-10.
* ``relu_parameter_sharing_smoke`` — that comparison on the teacher task, CPU-sized.
"""

from __future__ import annotations

from typing import Any

from isometry.training.config import Experiment

__all__ = ["PRESETS", "named_experiment"]

PRESETS: dict[str, dict[str, Any]] = {
    "pennington2017": dict(
        name="pennington2017",
        dataset="cifar10",
        description="CIFAR-10, width 400: orthogonal vs Gaussian tanh at several q* vs ReLU; learning "
        "speed vs depth (Pennington, Schoenholz & Ganguli 2017). GPU scale.",
        inits=["orthogonal", "gaussian"],
        activations=["tanh", "relu"],
        depths=[10, 25, 50, 100, 200],
        optimizers=["sgd", "adam"],
        q_stars=[1 / 64, 0.25, 1.0],
        learning_rates={"sgd": [1e-3, 1e-2], "adam": [1e-4, 1e-3]},
        seeds=[0],
        width=400,
        batch_size=128,
        steps=50_000,
        eval_every=500,
        checkpoint_every=2500,
        accuracy_targets=[0.3, 0.4],
        device="gpu",
    ),
    "smoke": dict(
        name="smoke",
        dataset="teacher",
        data_options={"n_train": 8192, "n_test": 2048, "features": 256, "classes": 10},
        description="The pennington2017 comparison shrunk for 2 CPU cores (synthetic teacher task).",
        inits=["orthogonal", "gaussian"],
        activations=["tanh", "relu"],
        depths=[10, 30, 60],
        optimizers=["sgd"],
        q_stars=[0.25],
        learning_rates=[0.02],
        seeds=[0],
        width=128,
        batch_size=64,
        steps=600,
        eval_every=50,
        checkpoint_every=200,
        accuracy_targets=[0.3, 0.5],
    ),
    "relu_parameter_sharing": dict(
        name="relu_parameter_sharing",
        dataset="cifar10",
        description="ReLU: parameter sharing (Burkholz & Dubatovka 2019) vs He (Gaussian σ_w=√2) vs "
        "orthogonal σ_w=√2 on CIFAR-10, width 400. GPU scale.",
        inits=["parameter_sharing", "gaussian", "orthogonal"],
        activations=["relu"],
        depths=[10, 50, 100, 200],
        optimizers=["sgd", "adam"],
        q_stars=[1.0],
        learning_rates={"sgd": [1e-3, 1e-2], "adam": [1e-4, 1e-3]},
        seeds=[0],
        width=400,
        batch_size=128,
        steps=20_000,
        eval_every=500,
        checkpoint_every=2500,
        accuracy_targets=[0.3, 0.4],
        device="gpu",
    ),
    "relu_parameter_sharing_smoke": dict(
        name="relu_parameter_sharing_smoke",
        dataset="teacher",
        data_options={"n_train": 4096, "n_test": 1024, "features": 128, "classes": 10},
        description="relu_parameter_sharing shrunk for 2 CPU cores (synthetic teacher task).",
        inits=["parameter_sharing", "gaussian", "orthogonal"],
        activations=["relu"],
        depths=[8, 32],
        optimizers=["sgd"],
        q_stars=[1.0],
        learning_rates=[0.02],
        seeds=[0],
        width=64,
        batch_size=64,
        steps=300,
        eval_every=50,
        checkpoint_every=100,
        accuracy_targets=[0.3, 0.5],
    ),
}


def named_experiment(name: str, **overrides: Any) -> Experiment:
    """A preset experiment (``PRESETS``), with some settings replaced.

    Parameters
    ----------
    name : str
        A key of ``isometry.training.PRESETS``: ``"pennington2017"``, ``"smoke"``,
        ``"relu_parameter_sharing"``, ``"relu_parameter_sharing_smoke"``.
    **overrides
        Settings of :class:`Experiment` to replace; None values are ignored.

    Returns
    -------
    Experiment
        The checked experiment.

    Raises
    ------
    ValueError
        If ``name`` is not a preset, or an override is unknown or out of range.

    See Also
    --------
    Experiment, run_experiment

    Examples
    --------
    >>> from isometry.training import named_experiment
    >>> e = named_experiment("smoke", steps=50, device=None)
    >>> e.steps, e.device, e.dataset
    (50, 'cpu', 'teacher')
    """
    if name not in PRESETS:
        raise ValueError(f"unknown experiment {name!r}; named experiments: {', '.join(PRESETS)}")
    return Experiment.from_dict(PRESETS[name]).replace(**overrides)
