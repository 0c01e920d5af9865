"""Learning dynamics of deep linear networks (Saxe, McClelland & Ganguli, ICLR 2014;
docs/theory/deep_linear.md).

A network of D weight matrices (N_l = D + 1 layers) trained by continuous-time gradient descent
on whitened inputs (Σ¹¹ = I), started on the decoupled balanced manifold, learns each mode α of
the input–output correlation Σ³¹ = Σ_α s_α u_α v_αᵀ independently; its strength
u = u_αᵀ W_D ⋯ W_1 v_α follows

    τ du/dt = D u^{2 − 2/D} (s − u)                             (eq. 15, D = N_l − 1)

D = 2 (one hidden layer) has the closed form (eq. 12)

    u(t) = s e^{2st/τ} / (e^{2st/τ} − 1 + s/u₀)

and the time from u₀ to u_f (eq. 11) t = (τ/2s) ln[u_f (s − u₀) / (u₀ (s − u_f))]. For large D,
τ du/dt ≈ D u² (s − u) (eq. 16): with the time rescaled as T = D t/τ the dynamics have a
depth-independent limit, whose learning time is (eq. 17 × D/τ)

    T = s⁻² ln[u_f (s − u₀) / (u₀ (s − u_f))] + 1/(s u₀) − 1/(s u_f).

With a learning rate η ∝ 1/D (the paper's scaling, O(1/(N_l s²))), gradient-descent steps are
t/τ = η·steps, so the number of steps to learn tends to a depth-independent constant.

All functions take u₀ in (0, s) and, where asked, u_f in (u₀, s). D may be any real ≥ 1.
"""

from __future__ import annotations

import math

import numpy as np

from isometry._internal import validation as _validation

__all__ = [
    "learning_time",
    "learning_time_infinite_depth",
    "learning_time_large_depth",
    "mode_strength",
    "mode_strength_deep",
    "mode_strength_infinite_depth",
]


def _check(s: float, u0: float, uf: float | None = None) -> tuple[float, float, float | None]:
    s = _validation.real("s", s, positive=True)
    u0 = _validation.real("u0", u0, positive=True)
    if not u0 < s:
        raise ValueError(f"u0 must lie in (0, s) = (0, {s}), got {u0}")
    if uf is not None:
        uf = _validation.real("uf", uf, positive=True)
        if not u0 < uf < s:
            raise ValueError(f"uf must lie in (u0, s) = ({u0}, {s}), got {uf}")
    return s, u0, uf


def _checked_interval(s: float, u0: float, uf: float) -> tuple[float, float, float]:
    """_check for the functions whose end point uf is required."""
    if uf is None:
        raise TypeError(
            "uf (the mode strength at the end of learning) is required: a number in (u0, s)"
        )
    s, u0, end = _check(s, u0, uf)
    if end is None:  # unreachable: _check returns the checked uf it was given
        raise TypeError("uf is required")
    return s, u0, end


def _depth(depth: float) -> float:
    depth = _validation.real("depth", depth, positive=True)
    if depth < 1:
        raise ValueError(f"depth (number of weight matrices D) must be >= 1, got {depth}")
    return depth


def mode_strength(t: np.ndarray | float, s: float, u0: float, tau: float = 1.0) -> np.ndarray:
    """u(t) of one mode of a network with one hidden layer (D = 2), in closed form.

    Parameters
    ----------
    t : float or array_like
        Times, at least 0.
    s : float
        The strength s of the mode in the input–output correlation (its singular value); positive.
    u0 : float
        The mode's strength u₀ at t = 0; in (0, s).
    tau : float, default 1.0
        The time constant τ = 1/λ of continuous-time gradient descent with learning rate λ;
        positive.

    Returns
    -------
    ndarray
        u(t) = s e^(2st/τ) / (e^(2st/τ) − 1 + s/u₀) (SMG14 eq. 12), of the shape of ``t``.

    Raises
    ------
    ValueError
        If an argument is out of range.

    See Also
    --------
    mode_strength_deep, learning_time

    Notes
    -----
    Evaluated as s / (1 + (s/u₀ − 1) e^(−2st/τ)), which does not overflow at large t.

    References
    ----------
    .. [1] A. M. Saxe, J. L. McClelland, S. Ganguli, "Exact solutions to the nonlinear dynamics of
       learning in deep linear neural networks", ICLR 2014.

    Examples
    --------
    >>> from isometry.theory import deep_linear
    >>> deep_linear.mode_strength([0.0, 1.0, 50.0], s=1.0, u0=0.01).round(6).tolist()
    [0.01, 0.069453, 1.0]
    """
    s, u0, _ = _check(s, u0)
    tau = _validation.real("tau", tau, positive=True)
    t = np.asarray(t, dtype=np.float64)
    if np.any(t < 0) or not np.all(np.isfinite(t)):
        raise ValueError("t must be finite and >= 0")
    # Divided through by e^{2st/τ} so that large t does not overflow: s / (1 + (s/u₀ − 1) e^{−2st/τ}).
    return s / (1.0 + (s / u0 - 1.0) * np.exp(-2.0 * s * t / tau))


def learning_time(s: float, u0: float, uf: float, depth: float = 2, tau: float = 1.0) -> float:
    """The time for a mode to grow from u₀ to u_f under τ du/dt = D u^(2−2/D) (s − u).

    Parameters
    ----------
    s : float
        The strength s of the mode in the input–output correlation (its singular value); positive.
    u0 : float
        The mode's strength u₀ at t = 0; in (0, s).
    uf : float
        The strength u_f to reach; in (u0, s).
    depth : float, default 2
        D, the number of weight matrices (any real ≥ 1).
    tau : float, default 1.0
        The time constant τ = 1/λ of continuous-time gradient descent with learning rate λ;
        positive.

    Returns
    -------
    float
        t (SMG14 eq. 15; for D = 2 exactly eq. 11, t = (τ/2s) ln[u_f (s − u₀) / (u₀ (s − u_f))]).

    Raises
    ------
    ValueError
        If an argument is out of range.

    See Also
    --------
    learning_time_large_depth, mode_strength_deep

    Notes
    -----
    In the logit variable w = ln(u/(s − u)) the integrand is smooth,
    dt = (τ/(D s)) u^(2/D − 1) dw, so 64-point Gauss–Legendre on panels of unit length gives it to
    rounding.

    References
    ----------
    .. [1] A. M. Saxe, J. L. McClelland, S. Ganguli, "Exact solutions to the nonlinear dynamics of
       learning in deep linear neural networks", ICLR 2014.

    Examples
    --------
    >>> import math
    >>> from isometry.theory import deep_linear
    >>> t = deep_linear.learning_time(1.0, 0.01, 0.5)
    >>> math.isclose(t, 0.5 * math.log(99.0), rel_tol=1e-13)  # eq. 11
    True
    """
    s, u0, uf = _checked_interval(s, u0, uf)
    depth = _depth(depth)
    tau = _validation.real("tau", tau, positive=True)
    w0, wf = math.log(u0 / (s - u0)), math.log(uf / (s - uf))
    nodes, weights = np.polynomial.legendre.leggauss(64)
    panels = max(1, math.ceil(wf - w0))
    edges = np.linspace(w0, wf, panels + 1)
    total = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        w = 0.5 * (b - a) * nodes + 0.5 * (a + b)
        u = s / (1.0 + np.exp(-w))
        total += 0.5 * (b - a) * float(np.dot(weights, u ** (2.0 / depth - 1.0)))
    return tau * total / (depth * s)


def learning_time_infinite_depth(s: float, u0: float, uf: float) -> float:
    """The rescaled learning time T = D t/τ of the infinite-depth dynamics du/dT = u² (s − u).

    Parameters
    ----------
    s : float
        The strength s of the mode in the input–output correlation (its singular value); positive.
    u0 : float
        The mode's strength u₀ at t = 0; in (0, s).
    uf : float
        The strength u_f to reach; in (u0, s).

    Returns
    -------
    float
        T = s⁻² ln[u_f (s − u₀) / (u₀ (s − u_f))] + 1/(s u₀) − 1/(s u_f) (SMG14 eq. 17 times D/τ).

    Raises
    ------
    ValueError
        If an argument is out of range.

    See Also
    --------
    learning_time_large_depth, mode_strength_infinite_depth

    References
    ----------
    .. [1] A. M. Saxe, J. L. McClelland, S. Ganguli, "Exact solutions to the nonlinear dynamics of
       learning in deep linear neural networks", ICLR 2014.

    Examples
    --------
    >>> from isometry.theory import deep_linear
    >>> round(deep_linear.learning_time_infinite_depth(1.0, 0.01, 0.5), 6)  # ln 99 + 100 − 2
    102.59512
    """
    s, u0, uf = _checked_interval(s, u0, uf)
    return math.log(uf * (s - u0) / (u0 * (s - uf))) / s**2 + 1.0 / (s * u0) - 1.0 / (s * uf)


def learning_time_large_depth(
    s: float, u0: float, uf: float, layers: int, tau: float = 1.0
) -> float:
    """The large-depth learning time t = (τ/N_l) T of a network of ``layers`` = N_l layers.

    Parameters
    ----------
    s : float
        The strength s of the mode in the input–output correlation (its singular value); positive.
    u0 : float
        The mode's strength u₀ at t = 0; in (0, s).
    uf : float
        The strength u_f to reach; in (u0, s).
    layers : int
        N_l, the layers of units, input and output included (N_l − 1 weight matrices, as in the
        paper); at least 2.
    tau : float, default 1.0
        The time constant τ = 1/λ of continuous-time gradient descent with learning rate λ;
        positive.

    Returns
    -------
    float
        t in the units of τ (SMG14 eq. 17).

    Raises
    ------
    ValueError
        If an argument is out of range.

    See Also
    --------
    learning_time_infinite_depth, learning_time

    Notes
    -----
    T is :func:`learning_time_infinite_depth`. This is the large-depth form of eq. 15, whose rate
    (N_l − 1) u^(2 − 2/(N_l − 1)) it replaces by N_l u² (eq. 16): relative error O(log(s/u₀)/N_l)
    against :func:`learning_time` with ``depth = N_l − 1``.

    References
    ----------
    .. [1] A. M. Saxe, J. L. McClelland, S. Ganguli, "Exact solutions to the nonlinear dynamics of
       learning in deep linear neural networks", ICLR 2014.

    Examples
    --------
    >>> from isometry.theory import deep_linear
    >>> t = deep_linear.learning_time_large_depth(1.0, 0.01, 0.5, layers=1001)
    >>> exact = deep_linear.learning_time(1.0, 0.01, 0.5, depth=1000)
    >>> round(float(t / exact) - 1, 4)  # relative error O(log(s/u₀)/N_l); 0.065 at N_l = 101
    0.0063
    """
    s, u0, uf = _checked_interval(s, u0, uf)
    layers = _validation.positive_int("layers", layers)
    if layers < 2:
        raise ValueError(f"layers (N_l, input and output included) must be >= 2, got {layers}")
    tau = _validation.real("tau", tau, positive=True)
    return tau / layers * learning_time_infinite_depth(s, u0, uf)


def _rk4(rhs, u0: float, times: np.ndarray, max_step: float) -> np.ndarray:
    # About 4 µs per Runge–Kutta step in Python: refuse integrations that would run for hours.
    steps = float(times[-1]) / max_step if times.size else 1.0
    if not math.isfinite(steps) or steps > 2**62:
        raise ValueError(f"t/step = {steps:g} integration steps: lower t, s or steps_per_unit")
    _validation.grid_points(
        "steps_per_unit·t (integration steps)",
        max(1, math.ceil(steps)),
        per_point_seconds=4e-6,
        minimum=1,
        bytes_per_point=0,
    )
    out = np.empty(times.size)
    u, t = u0, 0.0
    for i, target in enumerate(times):
        n = max(1, math.ceil((target - t) / max_step))
        h = (target - t) / n
        for _ in range(n):
            k1 = rhs(u)
            k2 = rhs(u + 0.5 * h * k1)
            k3 = rhs(u + 0.5 * h * k2)
            k4 = rhs(u + h * k3)
            u += h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
        t = target
        out[i] = u
    return out


def _times(t: np.ndarray | float) -> tuple[np.ndarray, tuple[int, ...]]:
    try:
        t = np.asarray(t, dtype=np.float64)
    except OverflowError:  # an integer beyond the double range
        raise ValueError("t must be finite and >= 0 (|t| < 1.8e308)") from None
    flat = t.ravel()
    if np.any(flat < 0) or not np.all(np.isfinite(flat)):
        raise ValueError("t must be finite and >= 0")
    if np.any(np.diff(flat) < 0):
        raise ValueError("t must be non-decreasing")
    return flat, t.shape


def mode_strength_deep(
    t: np.ndarray | float,
    s: float,
    u0: float,
    depth: float,
    tau: float = 1.0,
    steps_per_unit: int = 2000,
) -> np.ndarray:
    """u(t) of one mode of a deep linear network with D weight matrices, by classical RK4.

    Parameters
    ----------
    t : float or array_like
        Times, at least 0 and non-decreasing.
    s : float
        The strength s of the mode in the input–output correlation (its singular value); positive.
    u0 : float
        The mode's strength u₀ at t = 0; in (0, s).
    depth : float
        D, the number of weight matrices (any real ≥ 1).
    tau : float, default 1.0
        The time constant τ = 1/λ of continuous-time gradient descent with learning rate λ;
        positive.
    steps_per_unit : int, default 2000
        RK4 steps per fastest time scale τ/(D s·max(s, u₀)^(1−2/D)).

    Returns
    -------
    ndarray
        u(t) solving τ du/dt = D u^(2−2/D) (s − u) (SMG14 eq. 15), of the shape of ``t``.

    Raises
    ------
    ValueError
        If an argument is out of range.

    See Also
    --------
    mode_strength, learning_time

    Notes
    -----
    The global error is ~(1/steps_per_unit)⁴ relative: about 1e-12 with the default.

    References
    ----------
    .. [1] A. M. Saxe, J. L. McClelland, S. Ganguli, "Exact solutions to the nonlinear dynamics of
       learning in deep linear neural networks", ICLR 2014.

    Examples
    --------
    >>> import numpy as np
    >>> from isometry.theory import deep_linear
    >>> t = np.array([0.5, 1.0, 2.0])
    >>> u = deep_linear.mode_strength_deep(t, s=1.0, u0=0.1, depth=2)
    >>> bool(np.allclose(u, deep_linear.mode_strength(t, s=1.0, u0=0.1), rtol=1e-10))  # D = 2
    True
    """
    s, u0, _ = _check(s, u0)
    depth = _depth(depth)
    tau = _validation.real("tau", tau, positive=True)
    steps_per_unit = _validation.positive_int(
        "steps_per_unit", steps_per_unit, _validation.C_INT_MAX
    )
    flat, shape = _times(t)
    rate = depth * s * max(s, u0) ** (1.0 - 2.0 / depth) / tau
    return _rk4(
        lambda u: depth / tau * u ** (2.0 - 2.0 / depth) * (s - u),
        u0,
        flat,
        1.0 / (steps_per_unit * rate),
    ).reshape(shape)


def mode_strength_infinite_depth(
    T: np.ndarray | float, s: float, u0: float, steps_per_unit: int = 2000
) -> np.ndarray:
    """u(T) of the infinite-depth limit du/dT = u² (s − u), T = D t/τ, by classical RK4.

    Parameters
    ----------
    T : float or array_like
        Rescaled times T = D t/τ, at least 0 and non-decreasing.
    s : float
        The strength s of the mode in the input–output correlation (its singular value); positive.
    u0 : float
        The mode's strength u₀ at t = 0; in (0, s).
    steps_per_unit : int, default 2000
        RK4 steps per time scale 1/s².

    Returns
    -------
    ndarray
        u(T) (SMG14 eq. 16), of the shape of ``T``.

    Raises
    ------
    ValueError
        If an argument is out of range.

    See Also
    --------
    learning_time_infinite_depth, mode_strength_deep

    References
    ----------
    .. [1] A. M. Saxe, J. L. McClelland, S. Ganguli, "Exact solutions to the nonlinear dynamics of
       learning in deep linear neural networks", ICLR 2014.

    Examples
    --------
    >>> from isometry.theory import deep_linear
    >>> T = deep_linear.learning_time_infinite_depth(1.0, 0.01, 0.5)
    >>> round(float(deep_linear.mode_strength_infinite_depth(T, 1.0, 0.01)), 9)
    0.5
    """
    s, u0, _ = _check(s, u0)
    steps_per_unit = _validation.positive_int(
        "steps_per_unit", steps_per_unit, _validation.C_INT_MAX
    )
    flat, shape = _times(T)
    return _rk4(lambda u: u * u * (s - u), u0, flat, 1.0 / (steps_per_unit * s * s)).reshape(shape)
