"""Training helpers shared by the paper modules: seed-to-seed summaries of learning speed, the
'ordering' verdict, and the spectrum of a trained network's Jacobian."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from isometry.experiments._support import steps_to_target
from isometry.experiments.report import Row

__all__ = ["faster_row", "hidden_jacobian_singular_values", "plot_curves", "speed_summary"]


def speed_summary(runs: Sequence[dict[str, Any]], target: float, budget: int) -> dict[str, Any]:
    """Steps to ``target`` per seed (censored runs count as 2 × budget), their median and range,
    the final test accuracies and how many seeds reached the target."""
    steps = np.array([steps_to_target(r, target, budget) for r in runs])
    final = np.array([r["accuracy"][-1] for r in runs])
    return {
        "steps": steps.tolist(),
        "median": float(np.median(steps)),
        "min": float(steps.min()),
        "max": float(steps.max()),
        "reached": int(np.sum(steps <= budget)),
        "seeds": len(runs),
        "final_median": float(np.median(final)),
        "final_min": float(final.min()),
        "final_max": float(final.max()),
    }


def _spread(s: dict[str, Any], budget: int) -> str:
    def f(v: float) -> str:
        return f"{v:.0f}" if v <= budget else "not reached"

    return f"median {f(s['median'])} (range {f(s['min'])}–{f(s['max'])}, {s['reached']}/{s['seeds']} seeds reached)"


def faster_row(
    label_fast: str,
    fast: dict[str, Any],
    label_slow: str,
    slow: dict[str, Any],
    target: float,
    budget: int,
    *,
    paper: str,
) -> Row:
    """The ordering claim 'A reaches the target in fewer steps than B', judged over seeds:
    every seed of A (its slowest) must be faster than B's median, so one lucky seed cannot pass."""
    ok = fast["max"] < slow["median"]
    return Row.check(
        f"steps to {target:.0%} test acc.: {label_fast} vs {label_slow}",
        ok,
        measured=f"{_spread(fast, budget)} vs {_spread(slow, budget)}",
        paper=paper,
        rule=f"pass if the slowest of the {fast['seeds']} seeds of {label_fast} beats the median of "
        f"{label_slow} (no lucky run: the whole spread is compared); not reaching the target in "
        f"{budget} steps counts as slower than any run that did",
    )


def hidden_jacobian_singular_values(model: Any, x: np.ndarray) -> np.ndarray:
    """Singular values of J = D_L W_L ⋯ D_2 W_2 = ∂x^L/∂x^1, the square hidden-to-hidden part of
    a trained network's Jacobian, at each input row of ``x`` (in float64 on the host, with the
    trainer's own activation code): an array (inputs, N)."""
    from isometry.training.activations import activation
    from isometry.training.backend import to_numpy

    weights = [np.asarray(to_numpy(w), dtype=np.float64) for w in model.weights]
    biases = [
        None if b is None else np.asarray(to_numpy(b), dtype=np.float64) for b in model.biases
    ]
    phi = activation(model.phi.name, np)
    out = []
    for row in np.asarray(x, dtype=np.float64):
        a, jac = row, None
        for layer in range(model.depth):  # hidden layers 1..L (the output layer is left out)
            h = weights[layer] @ a + (0.0 if biases[layer] is None else biases[layer])
            a = phi.forward(h, np.empty_like(h))
            if layer >= 1:
                step = phi.derivative(h, a, np.empty_like(h))[:, None] * weights[layer]
                jac = step if jac is None else step @ jac
        if jac is None:
            raise ValueError("the hidden Jacobian needs a model with depth >= 2")
        out.append(np.linalg.svd(jac, compute_uv=False))
    return np.array(out)


def plot_curves(
    ax: Any, groups: Mapping[str, Sequence[dict[str, Any]]], colors: Sequence[str], target: float
) -> None:
    """Test accuracy against step: the median over seeds as a line, min–max over seeds shaded."""
    for (label, runs), color in zip(groups.items(), colors):
        steps = runs[0]["steps"]
        n = min(len(r["accuracy"]) for r in runs)
        acc = np.array([r["accuracy"][:n] for r in runs])
        ax.plot(
            steps[:n], np.median(acc, axis=0), color=color, label=f"{label} (median of {len(runs)})"
        )
        ax.fill_between(steps[:n], acc.min(axis=0), acc.max(axis=0), color=color, alpha=0.18, lw=0)
    ax.axhline(target, color="0.4", ls=":", lw=1, label=f"target {target:.0%}")
    ax.set_xlabel("SGD step")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(
        0, 1.3
    )  # room above the curves (accuracy ≤ 1) for the legend, which then hides nothing
    ax.legend(loc="upper center", ncol=2)


def steps_until_target(
    config: Any, dataset: Any, target: float, *, eval_every: int, cache: Any = None
) -> dict[str, Any]:
    """Train ``config`` (a RunConfig) with the package's Trainer and stop at the first evaluation
    (every ``eval_every`` steps, on the test split) where the test accuracy reaches ``target``,
    or after ``config.steps`` updates, or when the loss stops being finite (diverged). Only the
    time to the target is wanted, so the rest of the budget is not spent.

    Returns ``{"steps": evaluated steps, "accuracy": test accuracies, "state": ...}`` in the shape
    that :func:`steps_to_target` reads. ``cache``: a folder where the result is kept as
    ``<run_id>.json`` (written atomically) and read back on a rerun."""
    import json
    import math
    from pathlib import Path

    from isometry._internal.files import write_text_atomically
    from isometry.training import Trainer

    path = None if cache is None else Path(cache) / f"{config.run_id}.json"
    if path is not None and path.is_file():
        saved = json.loads(path.read_text())
        return {
            "steps": np.array(saved["steps"], dtype=float),
            "accuracy": np.array(saved["accuracy"], dtype=float),
            "state": saved["state"],
        }
    trainer = Trainer(config, dataset)
    steps, accuracy, state = [0], [trainer.evaluate()[1]], "budget"
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for k in range(config.steps):
            loss, _, _ = trainer.step(k)
            done = k + 1
            if done % eval_every == 0 or done == config.steps:
                if not math.isfinite(float(loss)):
                    state = "diverged"
                    break
                steps.append(done)
                accuracy.append(trainer.evaluate()[1])
                if accuracy[-1] >= target:
                    state = "reached"
                    break
    if path is not None:
        write_text_atomically(
            path, json.dumps({"steps": steps, "accuracy": accuracy, "state": state}) + "\n"
        )
    return {
        "steps": np.array(steps, dtype=float),
        "accuracy": np.array(accuracy, dtype=float),
        "state": state,
    }
