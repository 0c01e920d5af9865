"""What the fuzz suite calls, and how it draws the arguments (hypothesis strategies).

Every public entry point is listed with a cheap valid baseline call; a generated call keeps
most arguments at the baseline and replaces a few with values drawn by the argument's kind:
mostly plausible values (small sizes, so that valid calls stay fast), sometimes adversarial
ones (0, negatives, 2**31, 2**63, 10**20, 10**400, ±inf, NaN, 1e±308, subnormals, wrong types).
Entry points added later with new parameter names still get fuzzed through the generic kinds.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

ACTIVATION_NAMES = ["linear", "tanh", "hard_tanh", "relu", "erf"]
CUSTOM = [("__special__", "swish"), ("__special__", "softsign")]

HUGE_INTS = [
    0,
    -1,
    -(2**31),
    2**31 - 1,
    2**31,
    2**32,
    2**53 + 1,
    2**63 - 1,
    2**63,
    2**64,
    10**20,
    10**400,
]
NASTY_FLOATS = [
    0.0,
    -0.0,
    -1.0,
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -1e308,
    1e300,
    1e200,
    1e150,
    1e30,
    1e10,
    2.0**63,
    1e-300,
    5e-324,
    1e-30,
    1e-12,
]
WRONG_TYPES = [
    "1",
    "",
    None,
    True,
    [],
    [1.0],
    {"a": 1},
    complex(1, 1),
    b"1",
    np.float32(1.5),
    np.int64(3),
    np.array([1.0, 2.0]),
]


def adversarial() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(HUGE_INTS),
        st.sampled_from(NASTY_FLOATS),
        st.sampled_from(WRONG_TYPES),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True, allow_infinity=True),
    )


def _log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


def kinds() -> dict[str, st.SearchStrategy[Any]]:
    """Plausible values per parameter name (kept cheap: the suite runs thousands of calls)."""
    small = st.integers(1, 40)
    return {
        "width": st.one_of(small, st.sampled_from([2, 4, 8, 16, 32])),
        "n": small,
        "m": st.one_of(st.none(), small),
        "depth": st.integers(1, 6),
        "depths": st.one_of(
            st.integers(1, 20), st.lists(st.integers(1, 20), min_size=1, max_size=4)
        ),
        "probes": st.integers(1, 5),
        "steps": st.integers(1, 24),
        "points": st.integers(2, 200),
        "order": st.integers(1, 8),
        "samples": st.integers(1, 500),
        "structured_blocks": st.integers(1, 4),
        "steps_per_unit": st.integers(10, 200),
        "sigma_w": st.one_of(_log_uniform(0.2, 4.0), st.sampled_from([1.0, 1.05, 2**0.5, 2.0])),
        "sigma_b": st.one_of(st.just(0.0), _log_uniform(1e-3, 2.0)),
        "q": _log_uniform(1e-3, 10.0),
        "q0": st.one_of(st.none(), _log_uniform(0.05, 5.0)),
        "q_star": _log_uniform(0.01, 5.0),
        "c": st.one_of(_log_uniform(0.01, 4.0), st.floats(-1, 1)),
        "sigma0_sq": _log_uniform(0.01, 20.0),
        "input_variance": _log_uniform(0.1, 10.0),
        "input_norm_sq": st.one_of(st.none(), _log_uniform(0.1, 10.0)),
        "residual_scale": st.one_of(st.none(), _log_uniform(0.01, 1.0)),
        "resolution": st.sampled_from([0.0, 1e-12, 1e-6, 0.5]),
        "s": _log_uniform(0.1, 10.0),
        "u0": _log_uniform(1e-4, 0.5),
        "uf": _log_uniform(0.5, 9.0),
        "tau": _log_uniform(0.1, 10.0),
        "t": st.floats(0, 20),
        "T": st.floats(0, 20),
        "activation": st.one_of(st.sampled_from(ACTIVATION_NAMES), st.sampled_from(CUSTOM)),
        "weights": st.sampled_from(
            ["orthogonal", "gaussian", "structured_orthogonal", "parameter_sharing"]
        ),
        "base": st.sampled_from([None, "orthogonal", "gaussian"]),
        "kind": st.sampled_from(["bernoulli", "smooth"]),
        "dtype": st.sampled_from(["float64", "float32"]),
        "method": st.sampled_from(["eigh", "svd", "lanczos"]),
        "probe": st.sampled_from(["rademacher", "gaussian"]),
        "storage": st.sampled_from(["auto", "dense", "onthefly"]),
        "rule": st.sampled_from(["radau", "gauss"]),
        "seed": st.one_of(
            st.integers(0, 10),
            st.integers(0, 2**64 - 1),
            st.none(),  # fresh entropy
            st.integers(0, 2**70).map(lambda v: ("__special__", f"seedseq:{v}")),
            st.integers(0, 2**32).map(lambda v: ("__special__", f"generator:{v}")),
        ),
        "sigma_w2": st.one_of(_log_uniform(0.04, 16.0), st.sampled_from([1.0, 1.05, 2.0])),
        "sigma_b2": st.one_of(st.just(0.0), _log_uniform(1e-6, 4.0)),
        "layers": st.integers(2, 60),
        "max_operations": _log_uniform(1e3, 1e10),
        "max_seconds": st.one_of(st.none(), _log_uniform(1e-6, 5.0), st.just(math.inf)),
        "x": st.one_of(
            st.none(),
            st.lists(_log_uniform(1e-4, 50.0), min_size=1, max_size=20).map(
                lambda v: np.array(sorted(v))
            ),
        ),
        "widths": st.lists(st.integers(1, 40), min_size=1, max_size=5),
        "layer_sizes": st.lists(st.integers(1, 24), min_size=2, max_size=4),
        "sigma_w_grid": st.lists(_log_uniform(0.3, 4.0), min_size=1, max_size=4).map(sorted),
        "sigma_b_grid": st.lists(st.floats(0, 2), min_size=1, max_size=4).map(sorted),
        "reorthogonalize": st.booleans(),
        "standardize": st.booleans(),
        "device": st.sampled_from(["cpu", "cpu", "cpu", "gpu"]),
    }


#: Entry points: target -> (positional baseline, keyword baseline, io_ok). Arguments not listed
#: (progress, out, download) stay at their defaults: no terminal, no device arrays, no network.
API: dict[str, tuple[list[str], dict[str, Any], bool]] = {
    "isometry.gaussian": (
        ["n"],
        {"n": 6, "m": 4, "std": 1.0, "seed": 1, "dtype": "float64"},
        False,
    ),
    "isometry.haar_orthogonal": (["n"], {"n": 6, "m": 4, "seed": 1, "dtype": "float64"}, False),
    "isometry.jacobian_spectrum": (
        ["width", "depth"],
        {
            "width": 16,
            "depth": 3,
            "activation": "tanh",
            "weights": "orthogonal",
            "sigma_w": 1.05,
            "sigma_b": 0.0,
            "seed": 0,
            "dtype": "float64",
            "method": "eigh",
            "max_seconds": None,
        },
        False,
    ),
    "isometry.jacobian_spectral_density": (
        ["width", "depth"],
        {
            "width": 16,
            "depth": 3,
            "activation": "tanh",
            "weights": "structured_orthogonal",
            "sigma_w": 1.05,
            "sigma_b": 0.0,
            "probes": 2,
            "steps": 12,
            "points": 50,
            "seed": 0,
            "max_seconds": None,
        },
        False,
    ),
    "isometry.resnet_jacobian_spectrum": (
        ["width", "depth"],
        {
            "width": 16,
            "depth": 3,
            "activation": "tanh",
            "weights": "gaussian",
            "sigma_w": 1.0,
            "seed": 0,
            "max_seconds": None,
        },
        False,
    ),
    "isometry.default_q0": (
        ["activation", "sigma_w", "sigma_b"],
        {"activation": "tanh", "sigma_w": 1.05, "sigma_b": 0.0},
        False,
    ),
    "isometry.theory.q_star": (
        ["activation", "sigma_w", "sigma_b"],
        {"activation": "tanh", "sigma_w": 1.3, "sigma_b": 0.1},
        False,
    ),
    "isometry.theory.chi1": (
        ["activation", "sigma_w", "sigma_b"],
        {"activation": "tanh", "sigma_w": 1.3, "sigma_b": 0.1},
        False,
    ),
    "isometry.theory.length_map": (
        ["activation", "q", "sigma_w", "sigma_b"],
        {"activation": "tanh", "q": 0.5, "sigma_w": 1.3, "sigma_b": 0.1},
        False,
    ),
    "isometry.theory.derivative_moments": (
        ["activation", "q"],
        {"activation": "tanh", "q": 0.5, "order": 3},
        False,
    ),
    "isometry.theory.c_star": (
        ["activation", "sigma_w", "sigma_b"],
        {"activation": "tanh", "sigma_w": 1.8, "sigma_b": 0.3},
        False,
    ),
    "isometry.theory.correlation_map": (
        ["activation", "c", "sigma_w", "sigma_b"],
        {"activation": "tanh", "c": 0.5, "sigma_w": 1.8, "sigma_b": 0.3},
        False,
    ),
    "isometry.theory.depth_scales": (
        ["activation", "sigma_w", "sigma_b"],
        {"activation": "tanh", "sigma_w": 1.8, "sigma_b": 0.3},
        False,
    ),
    "isometry.theory.critical_point": (
        ["activation", "q_star"],
        {"activation": "tanh", "q_star": 0.5},
        False,
    ),
    "isometry.theory.edge_of_chaos": (
        ["activation", "sigma_b"],
        {"activation": "tanh", "sigma_b": 0.3},
        False,
    ),
    "isometry.theory.jacobian_moments": (
        ["activation", "weights", "depth", "sigma_w", "sigma_b"],
        {
            "activation": "tanh",
            "weights": "orthogonal",
            "depth": 4,
            "sigma_w": 1.05,
            "sigma_b": 0.0,
            "order": 4,
        },
        False,
    ),
    "isometry.theory.jacobian_density": (
        ["activation", "weights", "depth", "sigma_w", "sigma_b"],
        {
            "activation": "tanh",
            "weights": "orthogonal",
            "depth": 4,
            "sigma_w": 1.05,
            "sigma_b": 0.0,
            "points": 100,
        },
        False,
    ),
    "isometry.theory.lambda_max": (
        ["activation", "weights", "depths", "sigma_w", "sigma_b"],
        {
            "activation": "tanh",
            "weights": "orthogonal",
            "depths": 4,
            "sigma_w": 1.05,
            "sigma_b": 0.0,
        },
        False,
    ),
    "isometry.theory.universal_density": (
        ["kind", "sigma0_sq"],
        {"kind": "smooth", "sigma0_sq": 1.0, "points": 100},
        False,
    ),
    "isometry.theory.length_trajectory": (
        ["activation", "sigma_w", "sigma_b", "q0", "depth"],
        {"activation": "tanh", "sigma_w": 1.3, "sigma_b": 0.1, "q0": 1.0, "depth": 5},
        False,
    ),
    "isometry.theory.spectrum_mean_and_normalized_variance": (
        ["activation", "weights", "depth", "sigma_w", "q"],
        {"activation": "tanh", "weights": "orthogonal", "depth": 4, "sigma_w": 1.05, "q": 0.5},
        False,
    ),
    "isometry.theory.phase_diagram": (
        ["activation", "sigma_w_grid", "sigma_b_grid"],
        {"activation": "tanh", "sigma_w_grid": [1.0, 2.0], "sigma_b_grid": [0.0, 0.5]},
        False,
    ),
    "isometry.theory.relu_death_probability": (
        ["widths"],
        {"widths": [4, 4, 4], "sigma_b": 0.0},
        False,
    ),
    "isometry.theory.relu_log_norm_moments": (
        ["widths"],
        {"widths": [4, 4, 4], "sigma_w": 1.4},
        False,
    ),
    "isometry.theory.relu_mean_field_norm": (
        ["widths"],
        {"widths": [4, 4, 4], "sigma_w": 1.4},
        False,
    ),
    "isometry.theory.relu_norm_moments": (["widths"], {"widths": [4, 4, 4], "sigma_w": 1.4}, False),
    "isometry.theory.relu_output_law": (
        ["widths"],
        {"widths": [4, 4], "sigma_w": 1.4, "points": 512},
        False,
    ),
    "isometry.theory.sample_relu_chain": (
        ["widths"],
        {"widths": [4, 4], "sigma_w": 1.4, "samples": 100},
        False,
    ),
    "isometry.theory.resnet_density": (["c"], {"c": 0.5, "points": 100}, False),
    "isometry.theory.resnet_edges": (["c"], {"c": 0.5}, False),
    "isometry.theory.resnet_moments": (["c"], {"c": 0.5, "order": 4}, False),
    "isometry.theory.resnet_parameter": (
        ["activation", "sigma_w"],
        {"activation": "tanh", "sigma_w": 1.0, "sigma_b": 0.0, "depth": 8},
        False,
    ),
    "isometry.theory.resnet_parameter_table": (
        [],
        {"sigma_w": 1.0, "sigma_b": 0.0, "depth": 8},
        False,
    ),
    "isometry.theory.resnet_sigma_w": (
        ["activation", "c"],
        {"activation": "tanh", "c": 1.0, "sigma_b": 0.0, "depth": 8},
        False,
    ),
    "isometry.theory.deep_linear.learning_time": (
        ["s", "u0", "uf"],
        {"s": 2.0, "u0": 0.01, "uf": 1.9, "depth": 3, "tau": 1.0},
        False,
    ),
    "isometry.theory.deep_linear.learning_time_infinite_depth": (
        ["s", "u0", "uf"],
        {"s": 2.0, "u0": 0.01, "uf": 1.9},
        False,
    ),
    "isometry.theory.deep_linear.mode_strength": (
        ["t", "s", "u0"],
        {"t": 1.0, "s": 2.0, "u0": 0.01},
        False,
    ),
    "isometry.theory.deep_linear.mode_strength_deep": (
        ["t", "s", "u0", "depth"],
        {"t": 1.0, "s": 2.0, "u0": 0.01, "depth": 3, "steps_per_unit": 100},
        False,
    ),
    "isometry.theory.deep_linear.mode_strength_infinite_depth": (
        ["T", "s", "u0"],
        {"T": 1.0, "s": 2.0, "u0": 0.01, "steps_per_unit": 100},
        False,
    ),
    "isometry.theory.critical_sigma_b": (
        ["activation", "sigma_w"],
        {"activation": "tanh", "sigma_w": 1.3},
        False,
    ),
    "isometry.theory.relu_norm_ratio_moments": (
        ["widths"],
        {"widths": [4, 4, 4], "sigma_w": 1.4, "sigma_b": 0.0},
        False,
    ),
    "isometry.theory.deep_linear.learning_time_large_depth": (
        ["s", "u0", "uf", "layers"],
        {"s": 2.0, "u0": 0.01, "uf": 1.9, "layers": 5, "tau": 1.0},
        False,
    ),
    "isometry.length_trajectory_mc": (
        ["width", "depth"],
        {
            "width": 16,
            "depth": 3,
            "activation": "tanh",
            "weights": "orthogonal",
            "sigma_w": 1.05,
            "sigma_b": 0.0,
            "seed": 0,
            "max_operations": 1e8,
        },
        False,
    ),
    # set_num_threads changes the whole worker: this wrapper restores one thread afterwards.
    "fuzz_data.set_num_threads_restored": (["n"], {"n": 2}, False),
    "isometry.init.network_weights": (
        ["layer_sizes"],
        {
            "layer_sizes": [4, 6, 3],
            "weights": "orthogonal",
            "sigma_w": 1.0,
            "sigma_b": 0.1,
            "seed": 0,
        },
        False,
    ),
    "isometry.init.parameter_sharing": (
        ["layer_sizes"],
        {"layer_sizes": [4, 8, 3], "base": "orthogonal", "sigma_w": 1.0, "seed": 0},
        False,
    ),
    "isometry.datasets.cifar10": (
        ["data_dir"],
        {
            "data_dir": ("__special__", "data:cifar10-folder"),
            "standardize": True,
            "dtype": "float32",
            "progress": False,
        },
        True,
    ),
    "isometry.datasets.mnist": (
        ["data_dir"],
        {
            "data_dir": ("__special__", "data:mnist-folder"),
            "standardize": True,
            "dtype": "float32",
            "progress": False,
        },
        True,
    ),
}

DATA_DIRS = [
    "cifar10-folder",
    "cifar10-folder-bad-labels",
    "cifar10-folder-truncated",
    "cifar10-archive-bad",
    "cifar10-folder-evil",
    "mnist-folder",
    "mnist-folder-bad-magic",
    "mnist-folder-short",
    "empty",
]


#: Entry points that take the network as σ, as σ² (``sigma_w2``/``sigma_b2``) or, with neither,
#: critical at ``q_star`` (True: q_star is accepted).
NETWORK_FORMS = {
    "isometry.jacobian_spectrum": True,
    "isometry.jacobian_spectral_density": True,
    "isometry.resnet_jacobian_spectrum": False,
    "isometry.theory.jacobian_moments": True,
    "isometry.theory.jacobian_density": True,
}


@st.composite
def network_form(draw: st.DrawFn, values: dict[str, Any], q_star: bool) -> None:
    """Replace (σ_w, σ_b) of ``values`` by one of the other forms of the same network."""
    form = draw(st.sampled_from(["sigma", "squares", "w2 only", "critical", "both kinds"]))
    if form == "sigma":
        return
    values.pop("sigma_w", None)
    values.pop("sigma_b", None)
    if form in ("squares", "w2 only", "both kinds"):
        values["sigma_w2"] = draw(kinds()["sigma_w2"])
    if form in ("squares", "both kinds"):
        values["sigma_b2"] = draw(kinds()["sigma_b2"])
    if form == "both kinds":  # σ and σ² of one parameter: refused, naming both
        values["sigma_w"] = 1.0
    if form == "critical" and q_star and draw(st.booleans()):
        values["q_star"] = draw(kinds()["q_star"])


@st.composite
def api_call(draw: st.DrawFn, targets: list[str] | None = None) -> dict[str, Any]:
    target = draw(st.sampled_from(sorted(targets or API)))
    positional, baseline, io_ok = API[target]
    table = kinds()
    values = dict(baseline)
    if target in NETWORK_FORMS and draw(st.booleans()):
        draw(network_form(values, NETWORK_FORMS[target]))
    names = list(values)
    # Replace a few arguments (sometimes none: the baseline itself must work).
    for name in draw(st.lists(st.sampled_from(names), max_size=3, unique=True)) if names else []:
        if name == "data_dir":
            values[name] = ("__special__", "data:" + draw(st.sampled_from(DATA_DIRS)))
            continue
        plausible = table.get(name, st.floats(-10, 10))
        values[name] = draw(st.one_of(plausible, plausible, adversarial()))
    args = []
    for name in positional:  # positional until the first one left out, keywords after it
        if name not in values:
            break
        args.append(values.pop(name))
    return {"kind": "api", "target": target, "args": args, "kwargs": values, "io_ok": io_ok}


#: A few result methods whose arguments are user data.
@st.composite
def method_call(draw: st.DrawFn) -> dict[str, Any]:
    which = draw(st.sampled_from(["ks", "ks_to", "cdf"]))
    eigen = draw(
        st.one_of(
            st.lists(st.floats(0, 10), min_size=1, max_size=30).map(np.array),
            st.sampled_from(
                [
                    np.array([]),
                    np.array([np.nan, 1.0]),
                    np.array([-1.0, 0.0, 1.0]),
                    np.array([np.inf]),
                    "abc",
                    None,
                    [[1.0, 2.0]],
                ]
            ),
        )
    )
    if which == "ks":
        return {
            "kind": "api",
            "target": "isometry.theory.jacobian_density",
            "args": ["relu", "orthogonal", 4, 2**0.5, 0.0],
            "kwargs": {"points": 100},
            "method": "ks_distance",
            "method_args": [eigen],
        }
    if which == "ks_to":
        return {
            "kind": "api",
            "target": "isometry.jacobian_spectral_density",
            "args": [16, 2],
            "kwargs": {"sigma_w": 1.05, "probes": 2, "steps": 8, "points": 20},
            "method": "ks_distance",
            "method_args": [eigen],
        }
    return {
        "kind": "api",
        "target": "isometry.theory.resnet_density",
        "args": [0.5],
        "kwargs": {"points": 100},
        "method": "cdf",
        "method_args": [eigen],
    }


# ---------------------------------------------------------------------------------------------
# Sweep specs (isometry.sweep.load_spec and `isometry sweep SPEC --dry-run`).

SPEC_KINDS = ["jacobian_spectrum", "resnet_jacobian_spectrum", "jacobian_spectral_density"]


@st.composite
def sweep_spec(draw: st.DrawFn) -> dict[str, Any]:
    """A small valid spec with a few keys replaced by plausible or adversarial values (TOML
    has no None, bytes or complex: those become strings in the file)."""
    kind = draw(st.sampled_from(SPEC_KINDS))
    sweep: dict[str, Any] = {"kind": kind, "seeds": draw(st.integers(1, 3))}
    grid: dict[str, Any] = {"width": draw(st.sampled_from([8, 16, [8, 16]])), "depth": 2}
    if kind == "jacobian_spectral_density":
        grid.update(weights="structured_orthogonal", probes=2, steps=6)
    keys = [
        ("sweep", "kind"),
        ("sweep", "seeds"),
        ("sweep", "blas_threads"),
        ("sweep", "bogus"),
        ("grid", "width"),
        ("grid", "depth"),
        ("grid", "activation"),
        ("grid", "weights"),
        ("grid", "sigma_w"),
        ("grid", "sigma_b"),
        ("grid", "q_star"),
        ("grid", "q0"),
        ("grid", "c"),
        ("grid", "probes"),
        ("grid", "steps"),
        ("grid", "dtype"),
        ("grid", "not_a_key"),
    ]
    plain = st.one_of(
        st.integers(-3, 40),
        st.floats(-2, 4),
        st.sampled_from(["tanh", "relu", "orthogonal", "gaussian", "bogus", ""]),
        st.lists(st.integers(1, 16), max_size=3),
        st.booleans(),
    )
    for section, key in draw(st.lists(st.sampled_from(keys), max_size=3, unique=True)):
        table = sweep if section == "sweep" else grid
        table[key] = draw(st.one_of(plain, plain, adversarial()))
    out = {"sweep": sweep, "grid": grid}
    if draw(st.integers(0, 9)) == 0:
        out = draw(st.sampled_from([{}, {"sweep": sweep}, {"grid": grid}, {"extra": {}, **out}]))
    return out


def _plain(value: Any) -> Any:
    """A spec value as TOML can carry it (None, bytes, complex, arrays become strings)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


@st.composite
def spec_call(draw: st.DrawFn) -> dict[str, Any]:
    """isometry.sweep.load_spec on a mapping (anything), or on a TOML file written from one."""
    spec = draw(sweep_spec())
    if draw(st.booleans()):
        return {"kind": "api", "target": "isometry.sweep.load_spec", "args": [spec], "kwargs": {}}
    text = json.dumps(_plain(spec), default=str)
    return {
        "kind": "api",
        "target": "isometry.sweep.load_spec",
        "args": [("__special__", f"sweep-spec:{text}")],
        "kwargs": {},
        "io_ok": True,
    }


# ---------------------------------------------------------------------------------------------
# The command line.

CLI_BASE: dict[str, list[str]] = {
    "spectrum": ["--width", "16", "--depth", "3", "--no-progress"],
    "theory": ["--sigma-w", "1.05", "--depth", "4", "--points", "100", "--output", "density.csv"],
    "phase-diagram": ["--grid", "3"],
    "resnet": ["--width", "16", "--depth", "4", "--no-progress"],
    "relu-finite-width": ["--width", "4", "--depth", "3", "--samples", "200", "--networks", "50"],
    "train": [
        "--config",
        ("__special__", "train-config"),
        "--out",
        "out",
        "--no-progress",
        "--no-plots",
    ],
    "deep-linear": [
        "--out",
        "dl",
        "--depths",
        "2",
        "--width",
        "4",
        "--lr-scale",
        "1",
        "--max-steps",
        "20",
    ],
    "info": [],
    "density": [
        "--width",
        "16",
        "--depth",
        "3",
        "--weights",
        "structured_orthogonal",
        "--probes",
        "2",
        "--steps",
        "8",
        "--points",
        "50",
        "--no-progress",
    ],
    "sweep": ["SPEC", "--store", ("__special__", "path:store"), "--dry-run", "--no-progress"],
    "reproduce": ["--list"],
}

FLAGS: dict[str, dict[str, str]] = {
    "spectrum": {
        "--width": "width",
        "--depth": "depth",
        "--sigma-w": "sigma_w",
        "--sigma-w2": "sigma_w2",
        "--q-star": "q_star",
        "--sigma-b": "sigma_b",
        "--q0": "q",
        "--seed": "seed",
        "--activation": "activation_name",
        "--weights": "weights",
        "--dtype": "dtype",
        "--method": "method",
        "--plot": "plot",
        "--json": "flag",
    },
    "theory": {
        "--depth": "depth",
        "--sigma-w": "sigma_w",
        "--sigma-b": "sigma_b",
        "--q-star": "q_star",
        "--order": "order",
        "--points": "points",
        "--output": "output",
        "--plot": "plot",
        "--activation": "activation_name",
        "--weights": "weights",
    },
    "phase-diagram": {
        "--grid": "grid",
        "--activation": "activation_name",
        "--plot": "plot",
        "--sigma-w": "pair",
        "--sigma-b": "pair",
    },
    "resnet": {
        "--width": "width",
        "--depth": "depth",
        "--sigma-w": "sigma_w",
        "--sigma-b": "sigma_b",
        "--c": "c",
        "--residual-scale": "residual_scale",
        "--seed": "seed",
        "--json": "flag",
        "--activation": "activation_name",
        "--weights": "weights",
        "--plot": "plot",
    },
    "relu-finite-width": {
        "--width": "width",
        "--depth": "depth",
        "--samples": "samples",
        "--networks": "samples",
        "--sigma-w": "sigma_w",
        "--sigma-b": "sigma_b",
        "--seed": "seed",
        "--plot": "plot",
        "--json": "flag",
    },
    "train": {
        "--steps": "steps",
        "--width": "width",
        "--depths": "widths_text",
        "--seeds": "widths_text",
        "--batch-size": "width",
        "--eval-every": "steps",
        "--checkpoint-every": "steps",
        "--learning-rates": "floats_text",
        "--q-stars": "floats_text",
        "--activations": "words",
        "--inits": "words",
    },
    "deep-linear": {
        "--depths": "widths_text",
        "--width": "width",
        "--max-steps": "steps",
        "--lr-scale": "floats_text",
        "--seed": "seed",
    },
    "info": {"--json": "flag"},
    "density": {
        "--width": "width",
        "--depth": "depth",
        "--sigma-w": "sigma_w",
        "--sigma-w2": "sigma_w2",
        "--sigma-b": "sigma_b",
        "--sigma-b2": "sigma_b2",
        "--q-star": "q_star",
        "--q0": "q",
        "--seed": "seed_text",
        "--probes": "probes",
        "--steps": "steps",
        "--points": "points",
        "--rule": "words",
        "--storage": "words",
        "--weights": "weights",
        "--activation": "activation_name",
        "--plot": "plot",
        "--save": "output",
        "--json": "flag",
    },
    "sweep": {},  # the spec itself is what is fuzzed (see cli_call)
    "reproduce": {},
}


def _text(value: Any) -> str:
    return repr(value) if isinstance(value, float) and not math.isfinite(value) else str(value)


@st.composite
def cli_value(draw: st.DrawFn, kind: str) -> list[Any]:
    table = kinds()
    junk = st.one_of(
        st.sampled_from(
            [
                "abc",
                "",
                "-",
                "1e400",
                "-1e400",
                "nan",
                "inf",
                "-inf",
                "0x10",
                "9223372036854775808",
                "100000000000000000000",
                "2147483648",
                "-1",
                "0",
                "1e-320",
                "1e308",
                "1e200",
                "1e30",
            ]
        ),
        adversarial().map(_text),
    )
    if kind == "flag":
        return []
    if kind == "seed_text":
        return [draw(st.one_of(st.sampled_from(["random", "none", "0x10", "7"]), junk))]
    if kind == "plot":
        return [
            draw(
                st.sampled_from(
                    [
                        ("__special__", "path:fig.png"),
                        ("__special__", "path:fig"),
                        ("__special__", "path:sub/dir/fig.svg"),
                        ("__special__", "path:."),
                        ("__special__", "path:fig.unknownext"),
                    ]
                )
            )
        ]
    if kind == "output":
        return [
            draw(
                st.sampled_from(
                    [
                        ("__special__", "path:out.csv"),
                        ("__special__", "path:."),
                        ("__special__", "path:deep/er/out.csv"),
                    ]
                )
            )
        ]
    if kind == "pair":
        return [
            draw(st.one_of(st.floats(0, 4).map(_text), junk)),
            draw(st.one_of(st.floats(0, 4).map(_text), junk)),
        ]
    if kind == "activation_name":
        return [draw(st.sampled_from(ACTIVATION_NAMES + ["sigmoid"]))]
    if kind == "widths_text":
        return [
            draw(
                st.one_of(
                    st.lists(st.integers(1, 12), min_size=1, max_size=3).map(
                        lambda v: ",".join(map(str, v))
                    ),
                    junk,
                )
            )
        ]
    if kind == "floats_text":
        return [
            draw(
                st.one_of(
                    st.lists(_log_uniform(1e-3, 1.0), min_size=1, max_size=2).map(
                        lambda v: ",".join(map(repr, v))
                    ),
                    junk,
                )
            )
        ]
    if kind == "words":
        return [draw(st.sampled_from(["tanh", "relu,tanh", "orthogonal", "gaussian", "bogus", ""]))]
    if kind == "grid":
        return [draw(st.one_of(st.integers(2, 6).map(str), junk))]
    plausible = table.get(kind, st.floats(-10, 10))
    return [
        draw(
            st.one_of(
                plausible.filter(lambda v: not isinstance(v, (tuple, list, np.ndarray))).map(
                    lambda v: "0" if v is None else _text(v)
                ),
                junk,
            )
        )
    ]


#: `isometry reproduce` without running an entry (the entries take seconds to minutes): the
#: listing and the argument checks in front of the runs.
REPRODUCE_ARGV = [
    ["--list"],
    [],
    ["no_such_entry"],
    ["--all", "--jobs", "0"],
    ["--all", "--jobs", "-3", "--scale", "quick"],
    ["--scale", "bogus", "x"],
    ["--known-failure", "psg17_learning_time_vs_depth"],
    ["--list", "--device", "tpu"],
]


@st.composite
def cli_call(draw: st.DrawFn) -> dict[str, Any]:
    command = draw(st.sampled_from(sorted(CLI_BASE)))
    argv: list[Any] = [command, *CLI_BASE[command]]
    if command == "sweep":
        text = json.dumps(_plain(draw(sweep_spec())), default=str)
        argv[1] = ("__special__", f"sweep-spec:{text}")
        if draw(st.integers(0, 9)) == 0:  # run it for real, in this process, tiny as it is
            argv.remove("--dry-run")
            argv += ["--workers", "1"]
        elif draw(st.integers(0, 9)) == 0:
            argv = ["sweep", "plot", "--store", ("__special__", "path:store")]
    if command == "reproduce":
        argv = ["reproduce", *draw(st.sampled_from(REPRODUCE_ARGV))]
    flags = FLAGS[command]
    for flag in (
        draw(st.lists(st.sampled_from(sorted(flags)), max_size=3, unique=True)) if flags else []
    ):
        argv += [flag, *draw(cli_value(flags[flag]))]
    # The options every command takes: --threads before it, --max-seconds after it.
    if draw(st.integers(0, 5)) == 0:
        argv = ["--threads", *draw(cli_value("width")), *argv]
    if draw(st.integers(0, 5)) == 0:
        argv += ["--max-seconds", *draw(cli_value("max_seconds"))]
    return {"kind": "cli", "argv": argv}
