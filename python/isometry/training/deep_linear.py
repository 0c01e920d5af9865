"""Saxe et al. (2014) experiments with the trainer on deep linear networks.

(a) :func:`mode_strength_experiment` — a task with known input–output singular values s_α
    (:func:`~isometry.training.synthetic.saxe_task`), a network of D weight matrices started on
    the decoupled balanced manifold (every mode at strength u₀) or from small random weights,
    trained by full-batch gradient descent; the mode strengths u_α = u_αᵀ W_D⋯W_1 v_α against
    the closed form (D = 2) or the integrated deep reduction (D > 2) of
    :mod:`isometry.theory.deep_linear`.
(b) :func:`learning_time_vs_depth` — steps to learn a task vs depth for orthogonal (W_l = Q_l,
    balanced, every singular value of W_D⋯W_1 equal to 1) and scaled Gaussian (N(0, 1/N))
    initialisations, with the learning rate η = c/(D s_max²) scaled as in the paper.
(c) the same on MNIST (PCA-whitened inputs, one-hot targets) when the files are present:
    :func:`mnist_task`.

The network is :class:`~isometry.training.model.MLP` with ``activation='linear'``, no biases,
the squared error loss (1/2P) Σ|ŷ − y|² and plain SGD on the full batch, so t/τ = η·steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from isometry._internal import validation as _validation
from isometry._internal import work as _work
from isometry._internal.core import _core
from isometry._internal.progress import ProgressBar
from isometry._internal.results import Result
from isometry.datasets.dataset import Dataset
from isometry.sampling.network import network_weights
from isometry.theory import deep_linear as theory
from isometry.training.losses import SquaredError
from isometry.training.model import MLP
from isometry.training.optimizers import make_optimizer
from isometry.training.synthetic import saxe_task

__all__ = [
    "DepthResult",
    "ModeResult",
    "learning_time_vs_depth",
    "mnist_task",
    "mode_strength_experiment",
]


def end_to_end(weights: Sequence[np.ndarray]) -> np.ndarray:
    total = weights[0]
    for w in weights[1:]:
        total = w @ total
    return total


def decoupled_weights(
    u: np.ndarray, v: np.ndarray, u0: float, width: int, depth: int, seed: int
) -> list[np.ndarray]:
    """W_1 = R_1 a Vᵀ, W_l = R_l a R_{l−1}ᵀ, W_D = U a R_{D−1}ᵀ with a = u₀^{1/D} on the k modes:
    balanced (every layer equal strength a) and W_D⋯W_1 = u₀ U Vᵀ (docs/theory/deep_linear.md)."""
    k = u.shape[1]
    a = u0 ** (1.0 / depth)
    rs = [
        np.ascontiguousarray(
            _core.haar_columns_f64(width, k, seed, _core.STREAMS["synthetic_data"], 20 + l)
        )
        for l in range(depth - 1)
    ]
    left = [*rs, u]
    right = [v, *rs]
    return [a * (lo @ ri.T) for lo, ri in zip(left, right)]


def _train_linear(
    dataset: Dataset,
    weights: list[np.ndarray],
    lr: float,
    steps: int,
    record_every: int,
    on_record=None,
    stop_loss: float | None = None,
    progress: ProgressBar | None = None,
) -> tuple[list[int], list[float], int | None, bool]:
    """Full-batch SGD on the linear network; (recorded steps, losses, first step ≤ stop_loss, diverged)."""
    sizes = [weights[0].shape[1], *[w.shape[0] for w in weights]]
    model = MLP(sizes, "linear", dtype="float64", bias=False)
    model.set_parameters(weights)
    x, y = dataset.x_train, dataset.y_train
    loss_fn = SquaredError(np, len(x), sizes[-1], "float64")
    opt = make_optimizer("sgd", np, model.n_parameters, "float64")
    steps_out, losses = [], []
    reached = None
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(steps + 1):
            loss, _ = loss_fn(model.forward(x), y)
            loss = float(loss)
            if k % record_every == 0 or k == steps:
                steps_out.append(k)
                losses.append(loss)
                if on_record is not None:
                    on_record(k, model)
            if not np.isfinite(loss) or loss > 1e6 * (losses[0] + 1):
                return steps_out, losses, reached, True
            if stop_loss is not None and loss <= stop_loss:
                reached = k
                break
            if k == steps:
                break
            model.backward(loss_fn.grad)
            opt.step(model.theta, model.grad, lr)
            if progress is not None and k % 100 == 0:
                progress(k, steps)
    return steps_out, losses, reached, False


@dataclass(repr=False)
class ModeResult(Result):
    singular_values: np.ndarray
    depth: int
    u0: float
    learning_rate: float
    init: str
    steps: np.ndarray
    simulated: np.ndarray  # (len(steps), k): u_αᵀ W_D⋯W_1 v_α
    theory: np.ndarray  # same shape, eq. 12 (D = 2) or eq. 15 integrated, from the simulated u_α(0)
    losses: np.ndarray

    @property
    def time(self) -> np.ndarray:
        """t/τ = η·steps."""
        return self.learning_rate * self.steps


def mode_strength_experiment(
    singular_values: Sequence[float] = (3.0, 2.0, 1.0, 0.5),
    *,
    width: int = 16,
    depth: int = 2,
    u0: float = 1e-3,
    learning_rate: float = 0.01,
    steps: int | None = None,
    init: str = "decoupled",
    record_every: int = 10,
    seed: int = 0,
    n_in: int = 16,
    n_out: int = 16,
) -> ModeResult:
    """(a): simulated mode strengths against the theory.

    ``init='decoupled'``: exactly on the balanced decoupled manifold (every mode starts at u₀);
    the theory curve is then exact up to the O(η) error of discrete steps. ``init='random'``:
    iid Gaussian weights of std u₀^{1/D}/√width (small random init, the paper's simulations);
    each mode's theory curve starts from its simulated u_α(0) (|u_α(0)| where it is negative),
    and agreement is only approximate (cross-mode coupling, eq. 5).
    """
    s = np.asarray(singular_values, dtype=np.float64)
    depth = _validation.positive_int("depth", depth)
    width = _validation.positive_int("width", width)
    _validation.choice("init", init, ("decoupled", "random"))
    if width < s.size:
        raise ValueError(f"width must be at least the number of modes {s.size}, got {width}")
    u0 = _validation.real("u0", u0, positive=True)
    learning_rate = _validation.real("learning_rate", learning_rate, positive=True)
    data, u, s, v = saxe_task(s, n_in, n_out, seed=seed)  # checks the singular values
    if not u0 < s.min():
        # The theory needs every mode to start below its target strength (u₀ < s_α); clipping u₀
        # would draw the curve of a different initial condition.
        raise ValueError(f"u0 must be < min(singular_values) = {s.min():g}, got {u0:g}")
    if (
        steps is None
    ):  # long enough for the weakest mode to be learned: 1.5× its D = 2 time to s − 1%
        slowest = theory.learning_time(s.min(), min(u0, 0.5 * s.min()), 0.99 * s.min(), depth)
        steps = int(1.5 * slowest / learning_rate) + 1
    if init == "decoupled":
        weights = decoupled_weights(u, v, u0, width, depth, seed)
    else:
        sizes = [n_in] + [width] * (depth - 1) + [n_out]
        # Entries N(0, σ_w²/fan_in) with σ_w^D = u₀: typical singular values of W_D⋯W_1 ~ u₀.
        weights, _ = network_weights(
            sizes, weights="gaussian", sigma_w=u0 ** (1.0 / depth), seed=seed
        )
    sims = []
    steps_out, losses, _, diverged = _train_linear(
        data,
        weights,
        learning_rate,
        steps,
        record_every,
        on_record=lambda k, m: sims.append(np.einsum("ia,ij,ja->a", u, end_to_end(m.weights), v)),
    )
    if diverged:
        raise ValueError(
            f"gradient descent diverged with learning_rate={learning_rate}; use a smaller one"
        )
    sim = np.array(sims)
    t = learning_rate * np.asarray(steps_out, dtype=np.float64)
    curves = []
    for a in range(s.size):
        start = max(float(abs(sim[0, a])), 1e-12)  # a mode at exactly 0 would stay there
        if not start < s[a]:
            raise ValueError(
                f"the random initial network has mode strength |u(0)| = {start:g} >= s = {s[a]:g} "
                f"for mode {a}, where the theory does not apply; use a smaller u0 (got {u0:g})"
            )
        curves.append(
            theory.mode_strength(t, s[a], start)
            if depth == 2
            else theory.mode_strength_deep(t, s[a], start, depth, steps_per_unit=200)
        )
    return ModeResult(
        s,
        depth,
        u0,
        learning_rate,
        init,
        np.asarray(steps_out),
        sim,
        np.array(curves).T,
        np.asarray(losses),
    )


@dataclass(repr=False)
class DepthResult(Result):
    task: str
    criterion: float
    depths: list[int]
    learning_rates: dict[str, list[float]] = field(default_factory=dict)
    steps_to_learn: dict[str, list[int | None]] = field(
        default_factory=dict
    )  # None: not within max_steps
    diverged: dict[str, list[bool]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


def learning_time_vs_depth(
    dataset: Dataset,
    depths: Sequence[int] = (2, 4, 8, 16, 32),
    *,
    inits: Sequence[str] = ("orthogonal", "gaussian"),
    width: int | None = None,
    lr_scale: float | Sequence[float] = (0.25, 0.5, 1.0, 2.0, 4.0),
    criterion: float = 0.05,
    max_steps: int = 20000,
    seed: int = 0,
    progress: bool = False,
) -> DepthResult:
    """(b)/(c): gradient-descent steps until the training loss has fallen to
    E_min + criterion·(E₀ − E_min), E₀ = ½⟨|y|²⟩ (the zero map) and E_min the least-squares
    optimum, for D weight matrices of width ``width`` (default: the input width).

    Learning rate η = lr_scale/(D s_max²), s_max the largest singular value of (1/P) Σ y xᵀ
    (the paper's O(1/(N_l s²)) scaling). Given several scales, each (init, depth) keeps the one
    that learns fastest without diverging: Saxe et al. compare learning times at the optimal
    learning rate for each depth, and a single fixed scale mixes the depth dependence of the
    optimal rate into the comparison. ``orthogonal``: every W_l Haar orthogonal (σ_w = 1;
    Stiefel for non-square ends); ``gaussian``: iid N(0, 1/fan_in) — norm preserving on
    average, but the product's singular values spread with depth.
    """
    x, y = dataset.x_train, dataset.y_train
    p = len(x)
    width = width or x.shape[1]
    corr = y.T @ x / p
    s_max = float(np.linalg.svd(corr, compute_uv=False)[0])
    e0 = 0.5 * float(np.mean(np.sum(y * y, axis=1)))
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    e_min = 0.5 * float(np.mean(np.sum((x @ coef - y) ** 2, axis=1)))
    stop = e_min + criterion * (e0 - e_min)
    result = DepthResult(
        dataset.name,
        criterion,
        list(depths),
        info={
            "s_max": s_max,
            "E0": e0,
            "E_min": e_min,
            "stop_loss": stop,
            "width": width,
            "lr_scale": lr_scale,
            "max_steps": max_steps,
        },
    )
    scales = (
        [float(v) for v in lr_scale]
        if isinstance(lr_scale, Sequence | np.ndarray)
        else [float(lr_scale)]
    )
    depths = [_validation.positive_int("depths", d, 10**4) for d in depths]
    max_steps = _validation.positive_int("max_steps", max_steps, _validation.C_INT_MAX)
    n, p = (width or x.shape[1]), len(x)
    _work.require(
        f"learning_time_vs_depth(width={n}, depths={list(depths)}, max_steps={max_steps})",
        len(inits) * len(scales) * sum(depths) * max_steps * 6.0 * p * n * n / _work.FLOPS_BLAS3,
        reduce="width, depths, max_steps or the learning-rate scales",
    )
    if not scales or not all(np.isfinite(v) and v > 0 for v in scales):
        raise ValueError(
            f"lr_scale must be a positive number or a non-empty sequence of them, got {lr_scale!r}"
        )
    result.info["lr_scales"] = scales
    for init in inits:
        result.learning_rates[init], result.steps_to_learn[init], result.diverged[init] = [], [], []
        for depth in depths:
            sizes = [x.shape[1]] + [width] * (depth - 1) + [y.shape[1]]
            best: tuple[int | None, float, bool] | None = (
                None  # (steps, lr, diverged) of the best scale
            )
            for scale in scales:
                weights, _ = network_weights(sizes, weights=init, sigma_w=1.0, seed=seed)
                lr = scale / (depth * s_max**2)
                bar = ProgressBar(f"{init} D={depth} lr×{scale:g}") if progress else None
                _, _, reached, diverged = _train_linear(
                    dataset, weights, lr, max_steps, max_steps, stop_loss=stop, progress=bar
                )
                if best is None or (reached is not None and (best[0] is None or reached < best[0])):
                    best = (reached, lr, diverged)
            assert best is not None
            result.learning_rates[init].append(best[1])
            result.steps_to_learn[init].append(best[0])
            result.diverged[init].append(best[2])
    return result


def mnist_task(data: Dataset, components: int = 64, n_train: int = 10000) -> Dataset:
    """(c): MNIST inputs projected on their top ``components`` principal components and whitened
    (Σ¹¹ = I, the setting of the theory), one-hot targets; the first ``n_train`` images."""
    x = data.x_train[:n_train].astype(np.float64)
    x = x - x.mean(axis=0)
    _, sv, vt = np.linalg.svd(x, full_matrices=False)
    z = x @ vt[:components].T / (sv[:components] / np.sqrt(len(x)))
    y = np.eye(10)[data.y_train[:n_train]]
    return Dataset("mnist-whitened", z, y, z, y, 10, {"components": components, "n_train": len(x)})
