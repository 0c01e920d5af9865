"""Experiment grids and the single runs they expand into.

An :class:`Experiment` is a grid — init × activation × depth × optimizer × q* × learning rate ×
seed — over otherwise fixed settings; :meth:`Experiment.runs` expands it into :class:`RunConfig`s.
A run is identified by a readable name plus a hash of its full configuration, so a finished
run is found again (and skipped) however the grid around it changes, and a changed setting
never resumes an old run by mistake.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from isometry._internal import validation as _validation
from isometry.training.activations import ACTIVATIONS
from isometry.training.backend import DEVICES
from isometry.training.initialization import INITS
from isometry.training.losses import LOSSES
from isometry.training.optimizers import OPTIMIZERS, validate_grid_options
from isometry.training.schedules import validate_schedule

__all__ = ["DATASETS", "Experiment", "RunConfig", "validate_data_options"]

DATASETS = ("cifar10", "mnist", "teacher", "digits")  # all classification tasks: integer labels
# data_options of the teacher task when not given (see isometry.training.synthetic.teacher_task).
TEACHER_DEFAULTS = {"n_train": 4096, "n_test": 1024, "features": 256, "classes": 10, "data_seed": 0}


def validate_data_options(dataset: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """``data_options`` checked for ``dataset``: n_train / n_test (positive integers, the first
    examples of each split kept) for every dataset; features, classes, data_seed for 'teacher'."""
    if not isinstance(options, Mapping):
        raise TypeError(f"data_options must be a dict, got {options!r}")
    allowed = set(TEACHER_DEFAULTS) if dataset == "teacher" else {"n_train", "n_test"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(
            f"data_options for {dataset!r} take {sorted(allowed)}; got unknown {unknown}"
        )
    checked = dict(options)
    for key in ("n_train", "n_test", "features"):
        if key in checked:
            checked[key] = _validation.positive_int(f"data_options[{key!r}]", checked[key])
    if "classes" in checked:
        checked["classes"] = _validation.positive_int("data_options['classes']", checked["classes"])
        if checked["classes"] < 2:
            raise ValueError(
                f"data_options['classes'] must be at least 2, got {checked['classes']}"
            )
    if "data_seed" in checked:
        checked["data_seed"] = _validation.seed(checked["data_seed"])
    return checked


def _number_text(x: float | None) -> str:
    return "none" if x is None else f"{x:g}"


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines one training run's numbers.

    Usually made by :meth:`Experiment.runs`. ``run_id`` is a readable name plus a hash of the
    whole configuration (``digest``), so a finished run is found again however the grid around it
    changes; ``to_dict()`` gives the fields as plain values.

    Parameters
    ----------
    dataset : str
        ``"teacher"`` (synthetic), ``"digits"``, ``"mnist"`` or ``"cifar10"``.
    width : int
        Hidden units per layer.
    depth : int
        Number of hidden layers L.
    activation : str
        φ of the hidden layers: ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"``.
    init : str
        The weight ensemble of the initialisation: ``"orthogonal"``, ``"gaussian"`` or
        ``"parameter_sharing"`` (relu only).
    optimizer : str
        ``"sgd"``, ``"momentum"``, ``"rmsprop"`` or ``"adam"``.
    learning_rate : float
        The base learning rate; positive.
    seed : int
        The Philox key of the initialisation and the batch order.
    q_star : float, optional
        Initialise at the critical point with this fixed point q* (and scale the inputs to
        q*); otherwise ``sigma_w`` and ``sigma_b``.
    sigma_w : float, optional
        With ``q_star`` left out: σ_w, the weight standard deviation (times √N); positive.
    sigma_b : float, optional
        With ``q_star`` left out: σ_b, the bias standard deviation; at least 0.
    batch_size : int, default 128
        Examples per update.
    steps : int, default 1000
        Number of updates.
    eval_every : int, default 100
        Updates between evaluations on the test split.
    checkpoint_every : int, default 500
        Updates between checkpoints (a killed run resumes from the last one).
    schedule : dict, default {"name": "constant"}
        The learning-rate schedule: ``name`` and its settings (``warmup`` for every schedule).
    loss : str, default "cross_entropy"
        ``"cross_entropy"`` (class labels) or ``"squared_error"`` (regression targets).
    dtype : str, default "float32"
        ``"float32"`` or ``"float64"``.
    device : str, default "cpu"
        ``"cpu"`` (NumPy) or ``"gpu"`` (CuPy).
    bias : bool, default True
        Whether the layers have biases.
    optimizer_options : dict, optional
        Settings of the optimizer (e.g. ``momentum``, ``beta1``).
    data_options : dict, optional
        ``n_train`` / ``n_test`` (the first examples of each split kept) for every dataset;
        ``features``, ``classes``, ``data_seed`` for ``"teacher"``.

    See Also
    --------
    Experiment, train_run

    Examples
    --------
    >>> from isometry.training import RunConfig
    >>> c = RunConfig("teacher", 32, 4, "tanh", "orthogonal", "sgd", 0.01, seed=0, q_star=0.25)
    >>> c.run_id.startswith("tanh-orthogonal-L4-sgd-q0.25-lr0.01-s0-")
    True
    """

    dataset: str
    width: int
    depth: int
    activation: str
    init: str
    optimizer: str
    learning_rate: float
    seed: int
    q_star: float | None = None
    sigma_w: float | None = None
    sigma_b: float | None = None
    batch_size: int = 128
    steps: int = 1000
    eval_every: int = 100
    checkpoint_every: int = 500
    schedule: Mapping[str, Any] = field(default_factory=lambda: {"name": "constant"})
    loss: str = "cross_entropy"
    dtype: str = "float32"
    device: str = "cpu"
    bias: bool = True
    optimizer_options: Mapping[str, float] = field(default_factory=dict)
    data_options: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["schedule"] = dict(self.schedule)
        d["optimizer_options"] = dict(self.optimizer_options)
        d["data_options"] = dict(self.data_options)
        return d

    @property
    def digest(self) -> str:
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:10]

    @property
    def run_id(self) -> str:
        scale = (
            f"q{_number_text(self.q_star)}"
            if self.q_star is not None
            else (f"sw{_number_text(self.sigma_w)}-sb{_number_text(self.sigma_b or 0.0)}")
        )
        return (
            f"{self.activation}-{self.init}-L{self.depth}-{self.optimizer}-{scale}-"
            f"lr{self.learning_rate:g}-s{self.seed}-{self.digest}"
        )


def _list(name: str, value: Any) -> list:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        value = [value]
    if len(value) == 0:
        raise ValueError(f"{name} must not be empty")
    return list(value)


@dataclass
class Experiment:
    """A grid of training runs: list fields are the grid axes, the rest is shared by every run.

    :meth:`runs` expands it into :class:`RunConfig` objects (init × activation × depth ×
    optimizer × q* × learning rate × seed); combinations that do not exist (parameter sharing with
    anything but relu) are left out and listed by :meth:`skipped`. ``to_dict``/``from_dict`` and
    ``replace(**changes)`` (None values ignored) make new ones. Every field is checked on
    construction.

    Parameters
    ----------
    name : str
        The experiment's name.
    dataset : str, default "teacher"
        ``"teacher"`` (synthetic), ``"digits"``, ``"mnist"`` or ``"cifar10"``.
    data_options : dict, optional
        ``n_train`` / ``n_test`` (the first examples of each split kept) for every dataset;
        ``features``, ``classes``, ``data_seed`` for ``"teacher"``.
    inits : list of str, default ["orthogonal"]
        Initialisations: ``"orthogonal"``, ``"gaussian"``, ``"parameter_sharing"`` (relu only).
    activations : list of str, default ["tanh"]
        Activations: ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"``.
    depths : list of int, default [10]
        Numbers of hidden layers.
    optimizers : list of str, default ["sgd"]
        ``"sgd"``, ``"momentum"``, ``"rmsprop"``, ``"adam"``.
    q_stars : list of float or None, default [1.0]
        Fixed points q* of the critical initialisations; None means "use ``sigma_w`` /
        ``sigma_b``".
    learning_rates : list of float or dict, default [1e-3]
        A list (used with every optimizer) or a dict optimizer → list (the papers tune the rate
        per optimizer).
    seeds : list of int, default [0]
        Philox keys of the initialisation and batch order.
    width : int, default 400
        Hidden units per layer (even for parameter sharing).
    sigma_w : float, optional
        For ``q_stars`` entries None: σ_w, the weight standard deviation (times √N); positive.
    sigma_b : float, optional
        For ``q_stars`` entries None: σ_b, the bias standard deviation; at least 0.
    batch_size : int, default 128
        Examples per update.
    steps : int, default 1000
        Number of updates.
    eval_every : int, default 100
        Updates between evaluations on the test split.
    checkpoint_every : int, default 500
        Updates between checkpoints (a killed run resumes from the last one).
    schedule : dict, default {"name": "constant"}
        The learning-rate schedule: ``name`` and its settings (``warmup`` for every schedule).
    loss : str, default "cross_entropy"
        ``"cross_entropy"`` (class labels) or ``"squared_error"`` (regression targets).
    dtype : str, default "float32"
        ``"float32"`` or ``"float64"``.
    device : str, default "cpu"
        ``"cpu"`` (NumPy) or ``"gpu"`` (CuPy).
    bias : bool, default True
        Whether the layers have biases.
    optimizer_options : dict, optional
        Optimizer name → its settings.
    accuracy_targets : list of float, default [0.3]
        Test accuracies in (0, 1] for the plots of steps to reach each (``isometry train``).
    description : str, default ""
        Free text.

    Raises
    ------
    ValueError
        If a setting is out of range (the message names it).

    See Also
    --------
    named_experiment, run_experiment, RunConfig

    Examples
    --------
    >>> from isometry.training import Experiment
    >>> e = Experiment("demo", depths=[2, 4], seeds=[0, 1], width=16, steps=10)
    >>> len(e.runs()), e.runs()[0].depth
    (4, 2)
    """

    name: str
    dataset: str = "teacher"
    data_options: dict[str, Any] = field(default_factory=dict)
    inits: list[str] = field(default_factory=lambda: ["orthogonal"])
    activations: list[str] = field(default_factory=lambda: ["tanh"])
    depths: list[int] = field(default_factory=lambda: [10])
    optimizers: list[str] = field(default_factory=lambda: ["sgd"])
    q_stars: list[float | None] = field(default_factory=lambda: [1.0])
    learning_rates: list[float] | dict[str, list[float]] = field(default_factory=lambda: [1e-3])
    seeds: list[int] = field(default_factory=lambda: [0])
    width: int = 400
    sigma_w: float | None = None
    sigma_b: float | None = None
    batch_size: int = 128
    steps: int = 1000
    eval_every: int = 100
    checkpoint_every: int = 500
    schedule: dict[str, Any] = field(default_factory=lambda: {"name": "constant"})
    loss: str = "cross_entropy"
    dtype: str = "float32"
    device: str = "cpu"
    bias: bool = True
    optimizer_options: dict[str, dict[str, float]] = field(default_factory=dict)
    accuracy_targets: list[float] = field(default_factory=lambda: [0.3])
    description: str = ""

    def __post_init__(self) -> None:
        self.validate()

    # -- validation -----------------------------------------------------------------------
    def validate(self) -> None:
        _validation.choice("dataset", self.dataset, DATASETS)
        self.inits = [_validation.choice("inits", v, INITS) for v in _list("inits", self.inits)]
        self.activations = [
            _validation.choice("activations", v, ACTIVATIONS)
            for v in _list("activations", self.activations)
        ]
        self.optimizers = [
            _validation.choice("optimizers", v, OPTIMIZERS)
            for v in _list("optimizers", self.optimizers)
        ]
        self.depths = [_validation.positive_int("depths", d) for d in _list("depths", self.depths)]
        self.seeds = [_validation.seed(s) for s in _list("seeds", self.seeds)]
        self.q_stars = [
            None if q is None else _validation.real("q_stars", q, positive=True)
            for q in _list("q_stars", self.q_stars)
        ]
        if None in self.q_stars and self.sigma_w is None:
            raise ValueError("q_stars contains None (explicit scales) but sigma_w is not set")
        if self.sigma_w is not None:
            self.sigma_w = _validation.real("sigma_w", self.sigma_w, positive=True)
        if self.sigma_b is not None:
            self.sigma_b = _validation.real("sigma_b", self.sigma_b, nonnegative=True)
        if isinstance(self.learning_rates, Mapping):
            unknown = sorted(set(self.optimizers) - set(self.learning_rates))
            if unknown:
                raise ValueError(f"learning_rates has no entry for optimizer(s) {unknown}")
            self.learning_rates = {
                k: [_validation.real("learning_rates", x, positive=True) for x in _list(k, v)]
                for k, v in self.learning_rates.items()
            }
        else:
            self.learning_rates = [
                _validation.real("learning_rates", x, positive=True)
                for x in _list("learning_rates", self.learning_rates)
            ]
        for name in ("width", "batch_size", "steps", "eval_every", "checkpoint_every"):
            setattr(self, name, _validation.positive_int(name, getattr(self, name)))
        self.schedule = validate_schedule(self.schedule)
        _validation.choice("loss", self.loss, LOSSES)
        if self.loss != "cross_entropy":  # every dataset of a grid has class labels
            raise ValueError(
                f"loss {self.loss!r} needs regression targets; dataset {self.dataset!r} has class "
                "labels, use loss='cross_entropy'"
            )
        self.data_options = validate_data_options(self.dataset, self.data_options)
        n_train = self.data_options.get(
            "n_train", TEACHER_DEFAULTS["n_train"] if self.dataset == "teacher" else None
        )
        if n_train is not None and self.batch_size > n_train:
            raise ValueError(
                f"batch_size {self.batch_size} is larger than the {n_train} training examples "
                "(data_options['n_train'])"
            )
        self.optimizer_options = validate_grid_options(self.optimizers, self.optimizer_options)
        self.dtype = _validation.dtype(self.dtype)
        _validation.choice("device", self.device, DEVICES)
        for target in self.accuracy_targets:
            if not (isinstance(target, numbers.Real) and 0 < target <= 1):
                raise ValueError(f"accuracy_targets must lie in (0, 1], got {target!r}")
        if "parameter_sharing" in self.inits and self.width % 2:
            raise ValueError(
                f"init 'parameter_sharing' mirrors hidden units: width must be even, got {self.width}"
            )

    # -- expansion ------------------------------------------------------------------------
    def _valid(self, init: str, activation: str) -> bool:
        return init != "parameter_sharing" or activation == "relu"

    def skipped(self) -> list[str]:
        return [
            f"{init} × {act}: parameter sharing needs relu"
            for init, act in itertools.product(self.inits, self.activations)
            if not self._valid(init, act)
        ]

    def runs(self) -> list[RunConfig]:
        out = []
        for init, act, depth, opt, q, seed in itertools.product(
            self.inits, self.activations, self.depths, self.optimizers, self.q_stars, self.seeds
        ):
            if not self._valid(init, act):
                continue
            rates = (
                self.learning_rates[opt]
                if isinstance(self.learning_rates, dict)
                else self.learning_rates
            )
            for lr in rates:
                out.append(
                    RunConfig(
                        dataset=self.dataset,
                        width=self.width,
                        depth=depth,
                        activation=act,
                        init=init,
                        optimizer=opt,
                        learning_rate=lr,
                        seed=seed,
                        q_star=q,
                        sigma_w=self.sigma_w if q is None else None,
                        sigma_b=self.sigma_b if q is None else None,
                        batch_size=self.batch_size,
                        steps=self.steps,
                        eval_every=self.eval_every,
                        checkpoint_every=self.checkpoint_every,
                        schedule=dict(self.schedule),
                        loss=self.loss,
                        dtype=self.dtype,
                        device=self.device,
                        bias=self.bias,
                        optimizer_options=dict(self.optimizer_options.get(opt, {})),
                        data_options=dict(self.data_options),
                    )
                )
        return out

    # -- (de)serialisation ---------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Experiment:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown experiment setting(s) {unknown}; allowed: {sorted(known)}")
        if "name" not in data:
            raise ValueError("an experiment needs a 'name'")
        return cls(**dict(data))

    def replace(self, **changes: Any) -> Experiment:
        d = self.to_dict()
        d.update({k: v for k, v in changes.items() if v is not None})
        return Experiment.from_dict(d)
