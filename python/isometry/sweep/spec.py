"""Sweep specifications: parse a TOML spec, check all of it, and expand it into tasks.

A spec names one task kind and a grid over that kind's arguments (a scalar is a fixed value, a
list an axis of the grid), times a list of seeds::

    [sweep]
    kind = "jacobian_spectrum"   # or "resnet_jacobian_spectrum", "jacobian_spectral_density"
    seeds = [0, 1, 2]            # or a count: seeds = 3 means 0, 1, 2
    blas_threads = 1             # OpenBLAS threads per task (part of the numerics, see below)

    [grid]
    width = [128, 256, 512, 1024]
    depth = 32
    activation = ["tanh", "relu"]
    weights = "orthogonal"
    q_star = 0.5                 # (σ_w, σ_b) on the critical line with this q*; or sigma_w/sigma_b

The whole spec is checked before anything runs, and every error names the key. Whether one
combination is computable (a power-of-two width for structured weights, a q* on the critical
line of that activation) is the task's business: such a task is recorded as failed with its
message and the sweep goes on.

``blas_threads`` is part of every task's parameters: OpenBLAS blocks its GEMMs by its thread
count, so results are bitwise reproducible only at a fixed BLAS thread count (OpenMP thread
counts do not change any bits). Each task sets it for its own duration.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import numbers
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["KINDS", "NUMERICS_VERSION", "Spec", "SpecError", "load_spec", "parse_spec", "task_key"]

# The q* of the API's default network (isometry.theory._arguments.DEFAULT_Q_STAR; a test checks
# they agree): kept literal here so that reading a spec needs no compiled extension.
DEFAULT_Q_STAR = 0.5

#: Bump when a change in isometry changes the numbers a task with the same parameters produces:
#: finished tasks of an older version are then recomputed instead of reused.
NUMERICS_VERSION = 1

ACTIVATIONS = ("linear", "tanh", "hard_tanh", "relu", "erf")
#: The most seeds a count may ask for (each is a task of every grid point; a count is expanded).
MAX_SEEDS = 10**6


class SpecError(ValueError):
    """A sweep specification that cannot run; the message names the key.

    A ``ValueError``, raised by :func:`load_spec` (and so :func:`run`) before any task runs.

    See Also
    --------
    load_spec

    Examples
    --------
    >>> import isometry.sweep
    >>> try:
    ...     isometry.sweep.load_spec({"sweep": {"kind": "jacobian_spectrum"},
    ...                               "grid": {"width": 16, "depht": 2}})
    ... except isometry.sweep.SpecError as error:
    ...     print(error)
    unknown key(s) grid.depht for kind 'jacobian_spectrum'; allowed: width, depth, activation, sigma_w, sigma_b, dtype, method, weights, q_star, q0
    """


def _choice(*allowed: str) -> Callable[[str, object], object]:
    def check(name: str, value: object) -> object:
        if not isinstance(value, str) or value not in allowed:
            raise SpecError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
        return value

    return check


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise SpecError(f"{name} must be a positive integer, got {value!r}")
    if (
        int(value) > 2**62
    ):  # sizes are multiplied out in estimates; nothing computable is this large
        raise SpecError(f"{name} must be at most 2**62, got an integer of {len(str(value))} digits")
    return int(value)


def _real(positive: bool) -> Callable[[str, object], object]:
    def check(name: str, value: object) -> object:
        try:
            finite = math.isfinite(value)  # type: ignore[arg-type]
        except (TypeError, OverflowError):  # not a number, or an integer beyond the doubles
            finite = False
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not finite:
            raise SpecError(f"{name} must be a finite real number, got {str(value)[:40]}")
        x = float(value)
        if positive and not x > 0:
            raise SpecError(f"{name} must be > 0, got {value!r}")
        if not positive and not x >= 0:
            raise SpecError(f"{name} must be >= 0, got {value!r}")
        return x

    return check


def _boolean(name: str, value: object) -> object:
    if not isinstance(value, bool):
        raise SpecError(f"{name} must be true or false, got {value!r}")
    return value


_COMMON: dict[str, tuple[Callable[[str, object], object], object]] = {
    # key: (check, default); a default of None means "not given" (see the exclusive groups).
    "width": (_positive_int, None),
    "depth": (_positive_int, None),
    "activation": (_choice(*ACTIVATIONS), "tanh"),
    "sigma_w": (_real(True), None),
    "sigma_b": (_real(False), None),
}
_DENSE = {
    "dtype": (_choice("float64", "float32"), "float64"),
    "method": (_choice("eigh", "svd"), "eigh"),
}

KINDS: dict[str, dict[str, tuple[Callable[[str, object], object], object]]] = {
    "jacobian_spectrum": {
        **_COMMON,
        **_DENSE,
        "weights": (_choice("orthogonal", "gaussian"), "orthogonal"),
        "q_star": (_real(True), None),
        "q0": (_real(True), None),
    },
    "resnet_jacobian_spectrum": {
        **_COMMON,
        **_DENSE,
        "weights": (_choice("orthogonal", "gaussian"), "orthogonal"),
        "c": (_real(True), None),
        "residual_scale": (_real(True), None),
        "input_variance": (_real(True), 1.0),
    },
    "jacobian_spectral_density": {
        **_COMMON,
        "weights": (
            _choice("structured_orthogonal", "gaussian", "orthogonal"),
            "orthogonal",
        ),
        "q_star": (_real(True), None),
        "q0": (_real(True), None),
        "probes": (_positive_int, 8),
        "steps": (_positive_int, 60),
        "probe": (_choice("rademacher", "gaussian"), "rademacher"),
        "storage": (_choice("auto", "dense", "onthefly"), "auto"),
        "structured_blocks": (_positive_int, 3),
        "reorthogonalize": (_boolean, True),
        "rule": (_choice("radau", "gauss"), "radau"),
        # How many Dask tasks one network's probes are split over (results do not depend on it).
        "probe_chunks": (_positive_int, 1),
    },
}

# Keys that choose (σ_w, σ_b) in place of giving them: at most one way per task.
_TARGETS = {"q_star": ("sigma_w", "sigma_b"), "c": ("sigma_w",)}


def task_key(params: Mapping[str, Any]) -> str:
    """A stable name for a task: a hash of its parameters and :data:`NUMERICS_VERSION`."""
    text = json.dumps({"numerics": NUMERICS_VERSION, "params": dict(params)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Spec:
    """A checked sweep specification: the task kind, the grid, the seeds and the BLAS threads.

    Made by :func:`load_spec`. ``tasks()`` lists every task's full parameters (defaults filled
    in), in grid order then seeds.

    Parameters
    ----------
    kind : str
        The task: ``"jacobian_spectrum"``, ``"resnet_jacobian_spectrum"`` or
        ``"jacobian_spectral_density"``.
    grid : dict of str to tuple
        Argument name → its values (every axis a tuple; a fixed value is a 1-tuple).
    seeds : tuple of int
        The seeds each grid point runs with.
    blas_threads : int
        OpenBLAS threads per task: part of the numerics (OpenBLAS blocks its GEMMs by its thread
        count, so results are bitwise reproducible only at a fixed count).
    name : str, default ""
        The sweep's name.
    source : str, default ""
        The TOML text, kept with the store for provenance.

    See Also
    --------
    load_spec, run

    Examples
    --------
    >>> import isometry.sweep
    >>> spec = isometry.sweep.load_spec(
    ...     {"sweep": {"kind": "jacobian_spectrum", "seeds": 2},
    ...      "grid": {"width": [16, 32], "depth": 2}})
    >>> spec.grid["width"], spec.seeds, len(spec.tasks())
    ((16, 32), (0, 1), 4)
    """

    kind: str
    grid: dict[str, tuple[Any, ...]]
    seeds: tuple[int, ...]
    blas_threads: int
    name: str = ""
    source: str = ""  # the TOML text, kept with the store for provenance

    def tasks(self) -> list[dict[str, Any]]:
        """Every task's full parameters (defaults filled in), grid order then seeds."""
        keys = list(self.grid)
        out = []
        for values in itertools.product(*(self.grid[k] for k in keys)):
            base: dict[str, Any] = {"kind": self.kind}
            for key, (_, default) in KINDS[self.kind].items():
                base[key] = default
            base.update(zip(keys, values))
            for seed in self.seeds:
                out.append({**base, "seed": seed, "blas_threads": self.blas_threads})
        return out


def _as_axis(name: str, value: object, check: Callable[[str, object], object]) -> tuple[Any, ...]:
    values = value if isinstance(value, list) else [value]
    if not values:
        raise SpecError(f"{name} is an empty list; give at least one value")
    checked = []
    for i, v in enumerate(values):
        checked.append(check(f"{name}[{i}]" if isinstance(value, list) else name, v))
    if len(set(map(repr, checked))) != len(checked):
        raise SpecError(f"{name} lists a value twice: {values!r}")
    return tuple(checked)


def _seeds(value: object) -> tuple[int, ...]:
    if isinstance(value, bool):
        raise SpecError(f"sweep.seeds must be a count or a list of integers, got {value!r}")
    if isinstance(value, int):
        if not 1 <= value <= MAX_SEEDS:
            raise SpecError(f"sweep.seeds as a count must be in [1, {MAX_SEEDS}], got {value}")
        return tuple(range(value))
    if isinstance(value, list) and value:
        for i, s in enumerate(value):
            if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s < 2**64:
                raise SpecError(f"sweep.seeds[{i}] must be an integer in [0, 2**64), got {s!r}")
        if len(set(value)) != len(value):
            raise SpecError(f"sweep.seeds lists a seed twice: {value!r}")
        return tuple(value)
    raise SpecError(
        f"sweep.seeds must be a positive count or a non-empty list of integers, got {value!r}"
    )


def parse_spec(data: Mapping[str, Any], source: str = "") -> Spec:
    """Check a spec given as a mapping (the parsed TOML) and return it; SpecError names the key."""
    unknown = set(data) - {"sweep", "grid"}
    if unknown:
        raise SpecError(f"unknown section(s) {sorted(unknown)}; a spec has [sweep] and [grid]")
    sweep = data.get("sweep")
    if not isinstance(sweep, Mapping):
        raise SpecError("missing [sweep] section (with kind = ... and seeds = ...)")
    unknown = set(sweep) - {"kind", "seeds", "blas_threads", "name"}
    if unknown:
        raise SpecError(
            f"unknown key(s) sweep.{', sweep.'.join(sorted(unknown))}; allowed: kind, seeds, "
            f"blas_threads, name"
        )
    kind = sweep.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise SpecError(f"sweep.kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}")
    seeds = _seeds(sweep.get("seeds", 1))
    blas_threads = _positive_int("sweep.blas_threads", sweep.get("blas_threads", 1))
    if blas_threads > 1024:  # isometry.set_num_threads' range
        raise SpecError(f"sweep.blas_threads must be in [1, 1024], got {blas_threads}")
    name = sweep.get("name", "")
    if not isinstance(name, str):
        raise SpecError(f"sweep.name must be a string, got {name!r}")
    grid_in = data.get("grid")
    if not isinstance(grid_in, Mapping):
        raise SpecError("missing [grid] section (width = ..., depth = ..., ...)")
    allowed = KINDS[kind]
    unknown = set(grid_in) - set(allowed)
    if unknown:
        raise SpecError(
            f"unknown key(s) grid.{', grid.'.join(sorted(unknown))} for kind {kind!r}; "
            f"allowed: {', '.join(allowed)}"
        )
    grid = {
        key: _as_axis(f"grid.{key}", grid_in[key], allowed[key][0])
        for key in allowed
        if key in grid_in
    }
    for key in ("width", "depth"):
        if key not in grid:
            raise SpecError(f"grid.{key} is required")
    for target, replaced in _TARGETS.items():
        clash = [k for k in replaced if k in grid]
        if target in grid and clash:
            raise SpecError(
                f"grid.{target} picks {' and '.join(replaced)} itself: remove grid.{clash[0]} "
                f"or grid.{target}"
            )
    if "q_star" in grid and "q0" in grid:
        raise SpecError("grid.q_star starts every layer at q*: remove grid.q0 or grid.q_star")
    # The same network as the API call with the same arguments left out: for the MLP kinds no
    # σ at all means the critical network at the API's default q*, σ_b alone the edge of chaos
    # at that σ_b (σ_w left to the task), σ_w alone σ_b = 0; the ResNet entry point's defaults
    # are σ_w = 1, σ_b = 0.
    if kind == "resnet_jacobian_spectrum":
        if "c" not in grid:
            grid.setdefault("sigma_w", (1.0,))
        grid.setdefault("sigma_b", (0.0,))
    elif "q_star" not in grid:
        if "sigma_w" not in grid and "sigma_b" not in grid:
            grid["q_star"] = (DEFAULT_Q_STAR,)
        elif "sigma_w" in grid:
            grid.setdefault("sigma_b", (0.0,))
    return Spec(
        kind=kind, grid=grid, seeds=seeds, blas_threads=blas_threads, name=name, source=source
    )


def _tomllib() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    try:
        import tomli
    except ImportError:  # pragma: no cover - only on Python 3.10 without the extra
        raise ImportError(
            'reading a sweep spec on Python 3.10 needs tomli: pip install "isometry[sweep]"'
        ) from None
    return tomli


def load_spec(spec: str | Path | Mapping[str, Any] | Spec) -> Spec:
    """A checked :class:`Spec` from a TOML file, TOML text, a mapping, or a Spec.

    Parameters
    ----------
    spec : str, pathlib.Path, mapping or Spec
        A path to a ``.toml`` file, TOML text, the parsed TOML as a mapping (sections
        ``[sweep]``: ``kind``, ``seeds`` (a count or a list), ``blas_threads``, ``name``; and
        ``[grid]``: a value or a list of values per argument of the task), or a Spec (returned as
        it is).

    Returns
    -------
    Spec
        The whole spec, checked, with the defaults of the API filled in (no σ at all: the
        critical network at q* = 0.5).

    Raises
    ------
    SpecError
        If the spec cannot run or the file cannot be read; the message names the key.

    See Also
    --------
    run, Spec

    Examples
    --------
    >>> import isometry.sweep
    >>> spec = isometry.sweep.load_spec('''
    ... [sweep]
    ... kind = "jacobian_spectrum"
    ... seeds = [0, 1]
    ... [grid]
    ... width = [16, 32]
    ... depth = 2
    ... ''')
    >>> spec.kind, len(spec.tasks()), spec.grid["q_star"]
    ('jacobian_spectrum', 4, (0.5,))
    """
    if isinstance(spec, Spec):
        return spec
    if isinstance(spec, Mapping):
        return parse_spec(spec)
    toml = _tomllib()
    text = str(spec)
    if isinstance(spec, Path) or (not any(c in text for c in "\n=[") and text.endswith(".toml")):
        path = Path(spec)
        try:
            text = path.read_text()
        except OSError as exc:
            raise SpecError(f"cannot read the spec {str(path)!r}: {exc.strerror}") from None
    try:
        data = toml.loads(text)
    except toml.TOMLDecodeError as exc:
        raise SpecError(f"the spec is not valid TOML: {exc}") from None
    return parse_spec(data, source=text)
