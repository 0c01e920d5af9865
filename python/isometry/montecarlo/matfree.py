"""Matrix-free spectra of J Jᵀ at any width: stochastic Lanczos quadrature with J·v and Jᵀ·v only.

Why Lanczos and not the kernel polynomial method (KPM): the spectrum of J Jᵀ of a deep network
near criticality can span many decades. KPM expands the density in Chebyshev polynomials on
[0, λ_max]: a fixed, uniform resolution, and Gibbs-type leakage (damped by the Jackson kernel)
into the pile-up of small eigenvalues. Lanczos builds the Gauss(-Radau) rule of the measure
itself, which places its nodes where the mass is and brackets the CDF rigorously at every node.
Measured with ``benchmarks/matfree_method_choice.py`` (width 1024, depth 32, orthogonal, 8
Rademacher probes, the same number of products for both; KS to the exact spectrum above
1e-10·λ_max): tanh σ_w = 1.05, σ_b = 0 (a narrow spectrum, λ_max = 3.1): SLQ 0.016–0.017, KPM
0.015–0.017 — a tie; tanh at the critical point with q* = 0.8 (68 % of λ below 1e-4·λ_max):
SLQ 0.050 / 0.031 / 0.014 vs KPM 0.55 / 0.52 / 0.49 at 20 / 40 / 80 products per probe;
hard-tanh at q* = 0.5 (atom at 0): SLQ 0.039 / 0.025 / 0.029 vs KPM 0.40 / 0.37 / 0.35.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np

from isometry._internal import memory as _memory
from isometry._internal import validation as _validation
from isometry._internal.core import _core
from isometry._internal.results import Result
from isometry._names import MATFREE_METHODS, ensembles
from isometry.montecarlo import _pipeline as _p
from isometry.montecarlo import _quadrature
from isometry.montecarlo._pipeline import ProgressLike, SeedLike

__all__ = ["SpectralDensity", "jacobian_spectral_density"]

MATFREE_WEIGHTS = ensembles("matfree")
STORAGES = ("auto", "dense", "onthefly")
PROBES = ("rademacher", "gaussian")
METHODS = MATFREE_METHODS
RULES = ("radau", "gauss")
# storage="auto" stores Gaussian weights densely (faster: no regeneration) below this size.
_AUTO_DENSE_BYTES = 2 << 30

ProgressCallback = Callable[[int, int], None]


class _Law(Protocol):
    def cdf(self, t: np.ndarray | float) -> np.ndarray: ...


def _as_float(t: Any, values: np.ndarray) -> np.ndarray | float:
    """A float for a scalar ``t``, the array otherwise."""
    return float(values) if np.ndim(t) == 0 else values


@dataclass(frozen=True, repr=False)
class SpectralDensity(Result):
    """The spectral law of J Jᵀ estimated by stochastic Lanczos quadrature.

    Returned by :func:`jacobian_spectral_density`. ``cdf(t)`` and ``cdf_error(t)`` give the
    estimated distribution function and its standard error, ``ks_distance`` and
    ``wasserstein_log10`` compare it with another law or a sample, ``statistics()`` has the
    moments with their errors and the mass at 0.

    Parameters
    ----------
    x : ndarray
        The grid of the continuous part (log-spaced by default, from ``resolved_from``).
    density : ndarray
        The continuous part's density on ``x``: the mean over probes.
    density_error : ndarray
        The standard error of that mean (NaN with one probe: there is no spread to measure).
    nodes : ndarray
        Each probe's quadrature nodes, shape (probes, steps + 1): Gauss–Radau with the fixed node
        0 first (``rule="radau"``), or Gauss.
    quadrature_weights : ndarray
        The matching quadrature weights; unused slots have weight 0.
    steps_taken : ndarray
        Lanczos steps of each probe (fewer than ``steps`` where the Krylov space closed).
    moments : ndarray
        ``moments[k-1]`` estimates m_k = tr (J Jᵀ)^k / N (exact per probe for k ≤ 2·steps − 1).
    moment_errors : ndarray
        Their standard errors: the spread over probes (NaN with one probe).
    mass_at_zero : float
        Half of ``mass_at_zero_bound``: what ``cdf`` puts at 0 (the midpoint of the
        Chebyshev–Markov–Stieltjes bracket); the other half is spread from ``resolution`` up to the
        first positive node.
    mass_at_zero_bound : float
        The quadrature weight at 0 (the Radau node, and nodes at or below ``resolution``): an upper
        bound on the mass at 0 that tightens with the steps.
    resolution : float
        Nodes at or below it count as 0.
    resolved_from : float
        Where the estimate is resolved: Lanczos (any polynomial method) resolves the edge at 0
        only on a linear scale ~λ_max/steps², so below the first positive node only the total
        mass is known (to within the bracket); distances are computed from there up.
    q : ndarray
        The empirical q^l = ‖h^l‖²/N for l = 1..depth.
    zero_derivatives : int
        Σ_l #{i : φ'(h^l_i) = 0}.
    width : int
        Number of units N of every layer.
    depth : int
        Number of layers L.
    activation : str
        φ, one of ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"``.
    weights : str
        The weight ensemble.
    storage : str
        How the layers were held: ``"dense"`` (stored) or ``"onthefly"`` (regenerated from the seed
        at every product).
    sigma_w : float
        σ_w as used (a standard deviation): resolved when it was not given.
    sigma_b : float
        σ_b as used.
    q0 : float
        The variance of the first pre-activations.
    seed : int
        The Philox key used: pass it back to repeat the run bit for bit.
    probes : int
        Number of random probe vectors.
    steps : int
        Lanczos steps per probe.
    seconds : float
        Wall time of the computation.
    device : str, default "cpu"
        Where it was computed: ``"cpu"`` or ``"gpu"``.
    critical_q_star : float, optional
        When σ_w and σ_b were not given: the q* of the critical point they were chosen at.

    Other Parameters
    ----------------
    _probe_cdfs : list
        Internal: each probe's distribution function, rebuilt from ``nodes`` on ``load``.

    See Also
    --------
    jacobian_spectral_density, JacobianSpectrum

    References
    ----------
    .. [1] J. Pennington, S. S. Schoenholz, S. Ganguli, "Resurrecting the sigmoid in deep
       learning through dynamical isometry: theory and practice", NeurIPS 2017.
    .. [2] J. Pennington, S. S. Schoenholz, S. Ganguli, "The emergence of spectral universality
       in deep networks", AISTATS 2018.

    Examples
    --------
    >>> d = isometry.jacobian_spectral_density(64, 4, sigma_w=1.05, probes=4, steps=8, seed=0)
    >>> d.nodes.shape, d.moments.shape  # probes × (steps + 1) nodes
    ((4, 9), (4,))
    >>> round(d.cdf(float(d.nodes.max()) * 2), 12)  # every probe's mass lies below its top node
    1.0
    """

    _frame_columns: ClassVar[tuple[str, ...]] = ("x", "density", "density_error")

    x: np.ndarray
    density: np.ndarray
    density_error: np.ndarray
    nodes: np.ndarray
    quadrature_weights: np.ndarray
    steps_taken: np.ndarray
    moments: np.ndarray
    moment_errors: np.ndarray
    mass_at_zero: float
    mass_at_zero_bound: float
    resolution: float
    resolved_from: float
    q: np.ndarray
    zero_derivatives: int
    width: int
    depth: int
    activation: str
    weights: str
    storage: str
    sigma_w: float
    sigma_b: float
    q0: float
    seed: int
    probes: int
    steps: int
    seconds: float = field(compare=False)
    device: str = "cpu"
    critical_q_star: float | None = None
    _probe_cdfs: list[Any] = field(default_factory=list, compare=False)

    @property
    def weights_kind(self) -> str:
        """Deprecated name of :attr:`weights` (the ensemble)."""
        warnings.warn(
            "SpectralDensity.weights_kind is deprecated: use .weights (the ensemble); the "
            "quadrature weights are .quadrature_weights",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.weights

    def _restored(self) -> SpectralDensity:
        object.__setattr__(
            self,
            "_probe_cdfs",
            _quadrature.probe_cdfs(self.nodes, self.quadrature_weights, self.resolution),
        )
        return self

    def statistics(self) -> dict[str, Any]:
        """The moments m₁..m₄ with their standard errors, the mass at 0 and the resolved range."""
        out: dict[str, Any] = {}
        for k, (m, e) in enumerate(zip(self.moments, self.moment_errors), start=1):
            out[f"m{k}"], out[f"m{k}_error"] = float(m), float(e)
        return {**out, "mass_at_zero": self.mass_at_zero, "resolved_from": self.resolved_from}

    def cdf(self, t: np.ndarray | float) -> np.ndarray | float:
        """P(λ ≤ t): the mean over probes of each probe's interpolated quadrature CDF (a float
        for a scalar t)."""
        t_array = np.asarray(t, dtype=float)
        if np.any(np.isnan(t_array)):  # a NaN would come back as a silent NaN probability
            raise ValueError("t must not be NaN")
        values = np.mean([p.cdf(t_array) for p in self._probe_cdfs], axis=0)
        return _as_float(t, values)

    def cdf_error(self, t: np.ndarray | float) -> np.ndarray | float:
        """Standard error of :meth:`cdf` from the probe-to-probe spread (NaN for one probe)."""
        arr = np.asarray(t, dtype=float)
        values = np.array([p.cdf(arr) for p in self._probe_cdfs])
        if values.shape[0] < 2:
            return _as_float(t, np.full(arr.shape, np.nan))
        return _as_float(t, values.std(axis=0, ddof=1) / np.sqrt(values.shape[0]))

    def ks_distance(self, other: _Law | np.ndarray, resolution: float | None = None) -> float:
        """``sup_t |F(t) − G(t)|`` against exact eigenvalues (an array: G their empirical CDF) or a
        law with a ``cdf`` (e.g. ``isometry.theory.jacobian_density``).

        Only t ≥ ``resolution`` (default and minimum: ``resolved_from``) is compared: below the
        first positive quadrature node the estimate only brackets the mass, and below ~ε·λ_max
        eigensolvers return rounding noise; the total mass below the floor is compared at the
        floor itself. Against eigenvalues the estimate is continuous above its floor, so the
        supremum sits at the floor or at the jumps of G. Against a law: on 20000 log-spaced
        points plus the nodes, the law's grid and both sides of its atoms; both CDFs are
        monotone, so this misses the supremum by at most the change of either CDF between
        neighbouring points.
        """
        if hasattr(other, "cdf") and not isinstance(other, np.ndarray):
            if resolution is not None:
                raise TypeError(
                    "resolution applies to eigenvalues; a law is compared from resolved_from up"
                )
            t = self._evaluation_points(other)
            return float(np.max(np.abs(self.cdf(t) - np.asarray(other.cdf(t)))))
        floor = (
            self.resolved_from
            if resolution is None
            else max(
                self.resolved_from, _validation.real("resolution", resolution, nonnegative=True)
            )
        )
        ev = np.sort(_validation.eigenvalue_sample(other, "other"))
        n = ev.size
        # Below the floor only the total mass is comparable: check F at the floor itself.
        at_floor = abs(float(self.cdf(floor)) - np.searchsorted(ev, floor, side="right") / n)
        above = ev[ev > floor]
        if above.size == 0:
            return float(at_floor)
        at = self.cdf(above)
        after = np.searchsorted(ev, above, side="right") / n
        before = np.searchsorted(ev, above, side="left") / n
        return float(max(at_floor, np.max(np.abs(at - after)), np.max(np.abs(at - before))))

    def _evaluation_points(self, law: _Law) -> np.ndarray:
        lo = max(self.resolved_from, 1e-300)
        hi = float(np.max(self.nodes)) * 10
        pts = [np.geomspace(lo, hi, 20000), self.nodes[self.quadrature_weights > 0].ravel()]
        grid = getattr(law, "x", None)
        if grid is not None:
            pts.append(np.asarray(grid, dtype=float))
        for location, _ in getattr(law, "atoms", []):
            pts.append(np.array([location * (1 - 1e-9), location * (1 + 1e-9)]))
        t = np.concatenate(pts)
        return np.unique(t[t >= lo])

    def ks_distance_to(self, law: _Law) -> float:
        """Deprecated: ``ks_distance(law)`` takes a law as well as eigenvalues."""
        warnings.warn(
            "SpectralDensity.ks_distance_to(law) is deprecated: use ks_distance(law)",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.ks_distance(law)

    def wasserstein_log10(self, other: _Law | np.ndarray) -> float:
        """W₁ distance between the laws of log10 λ, with λ below ``resolved_from`` moved there.

        ``other``: exact eigenvalues (array) or a law with ``cdf``. In decades: 0.01 means the
        quantiles differ by about 2 % on average.
        """
        if isinstance(other, np.ndarray):
            ev = np.sort(_validation.eigenvalue_sample(other, "other"))

            def other_cdf(t: np.ndarray) -> np.ndarray:
                return np.searchsorted(ev, t, side="right") / ev.size

            hi = max(float(ev[-1]), float(np.max(self.nodes)))
        else:
            other_cdf = other.cdf
            hi = float(np.max(self.nodes)) * 10
        lo = self.resolved_from
        t = np.geomspace(lo, hi * 1.01, 40000)
        diff = np.abs(self.cdf(t) - np.asarray(other_cdf(t)))
        u = np.log10(t)
        return float(np.sum(np.diff(u) * (diff[1:] + diff[:-1]) / 2))


def _default_grid(cdfs: list[Any], points: int, resolved_from: float) -> np.ndarray:
    knots = [p.u for p in cdfs if p.u.size]
    if not knots:
        return np.geomspace(resolved_from, resolved_from * 10, points)
    hi = max(float(k[-1]) for k in knots)
    return np.exp(np.linspace(np.log(resolved_from), hi, points))


def _resolved_from(nodes: np.ndarray, weights: np.ndarray, floor: float) -> float:
    """The largest over probes of the first node above the floor.

    Polynomial (Krylov) quadrature resolves the spectrum near the hard edge 0 only on a linear
    scale, about λ_max/steps²: below the first positive node it merely bounds the mass
    (Chebyshev–Markov–Stieltjes). Spectra of deep nets that pile up over many decades near 0
    are resolved from here up.
    """
    firsts = [
        float(np.min(theta[(theta > floor) & (tau > 0)], initial=np.inf))
        for theta, tau in zip(nodes, weights)
    ]
    finite = [f for f in firsts if np.isfinite(f)]
    return max(finite) if finite else floor


def _choose_storage(
    storage: str, weights: str, width: int, depth: int, available: int | None = None
) -> str:
    if weights == "structured_orthogonal":
        if storage == "dense":
            raise ValueError(
                "storage='dense' is not available for weights='structured_orthogonal' "
                "(it is applied on the fly); use storage='auto' or 'onthefly'"
            )
        return "onthefly"
    if weights == "orthogonal":
        if storage == "onthefly":
            raise ValueError(
                "storage='onthefly' is not available for weights='orthogonal' (Haar, stored "
                "densely); use weights='structured_orthogonal' or 'gaussian' for large widths"
            )
        return "dense"
    if storage != "auto":
        return storage
    dense_bytes = 8 * depth * width * width
    available = _memory.available_bytes() if available is None else available
    return "dense" if dense_bytes <= min(_AUTO_DENSE_BYTES, 0.25 * available) else "onthefly"


def jacobian_spectral_density(
    width: int,
    depth: int,
    *,
    activation: str = "tanh",
    weights: str = "orthogonal",
    sigma_w: float | None = None,
    sigma_b: float | None = None,
    q0: float | None = None,
    seed: SeedLike = 0,
    method: str = "lanczos",
    probes: int = 8,
    steps: int = 60,
    probe: str = "rademacher",
    storage: str = "auto",
    structured_blocks: int = 3,
    reorthogonalize: bool = True,
    rule: str = "radau",
    resolution: float = 1e-12,
    x: np.ndarray | None = None,
    points: int = 400,
    progress: ProgressLike = None,
    device: str = "cpu",
    sigma_w2: float | None = None,
    sigma_b2: float | None = None,
    q_star: float | None = None,
    client: Any = None,
    probe_chunks: int | None = None,
    max_seconds: float | None = None,
) -> SpectralDensity:
    """The spectral density of J Jᵀ for one random network, from products J·v and Jᵀ·v only.

    Parameters
    ----------
    width : int
        Number of units N of every layer, at least 1 (a power of two for structured weights).
    depth : int
        Number of layers L, at least 1.
    activation : {"tanh", "linear", "hard_tanh", "relu", "erf"}, default "tanh"
    weights : {"orthogonal", "structured_orthogonal", "gaussian"}, default "orthogonal"
        ``"structured_orthogonal"``: W_l = σ_w (H S_B)⋯(H S_1), H the normalised Walsh–Hadamard
        matrix and S_d random-sign diagonals, B = ``structured_blocks``; O(N log N) per product.
        ``"gaussian"``: entries N(0, σ_w²/N). ``"orthogonal"`` (the default, as for every Monte
        Carlo function): Haar, stored densely (moderate widths; at large power-of-two widths use
        ``"structured_orthogonal"``, O(N) memory). For ``"orthogonal"``/``"gaussian"`` the network is the very one that
        :func:`jacobian_spectrum` draws for the same seed.
    sigma_w, sigma_b : float, optional
        Standard deviations as in :func:`jacobian_spectrum`; both left out: the critical network
        at ``q_star``. The result reports the values used.
    q0 : float, optional
        First-layer pre-activation variance; defaults to q* (:func:`default_q0`).
    seed : int, numpy.random.SeedSequence, numpy.random.Generator or None, default 0
        As in :func:`jacobian_spectrum`; the key used is ``result.seed``.
    method : {"lanczos"}, default "lanczos"
    probes : int, default 8
        Number of start vectors; the standard errors come from their spread.
    steps : int, default 60
        Lanczos steps per probe; each costs 2L layer products.
    probe : {"rademacher", "gaussian"}, default "rademacher"
        Law of the start vectors (stream ``lanczos_probe``).
    storage : {"auto", "dense", "onthefly"}, default "auto"
        Gaussian weights stored densely, or regenerated from Philox at every product (O(N)
        memory, N² normals per layer product); ``"auto"`` stores them when that takes ≤ 2 GiB.
        Both give identical bits.
    structured_blocks : int, default 3
        B, the number of H·S blocks per structured layer.
    reorthogonalize : bool, default True
        Full reorthogonalisation; ``False`` keeps three vectors per probe instead of steps + 1.
    rule : {"radau", "gauss"}, default "radau"
        Gauss–Radau with a node fixed at 0 (catches the zero eigenvalues of relu and hard-tanh
        networks), or Gauss.
    resolution : float, default 1e-12
        Nodes at or below ``resolution``·max(node) count as mass at 0; in [0, 1).
    x : array_like, optional
        Grid of λ for the density; by default ``points`` log-spaced points.
    points : int, default 400
        Size of the default grid, at least 2.
    progress : bool, callable or None, default None
        None: a progress bar on stderr when it is a terminal, nothing otherwise; ``True``
        always, ``False`` never; a callable is called with (done, total) and may raise to stop.
    device : {"cpu", "gpu"}, default "cpu"
        ``"gpu"`` runs the products and the Lanczos vectors on the current CUDA device.
    sigma_w2, sigma_b2 : float, optional
        σ_w², σ_b² instead of σ_w, σ_b (one form per parameter).
    q_star : float, optional
        With σ_w and σ_b left out: the fixed point of the critical network (default 0.5).
    client : dask.distributed.Client, optional
        Split the probes over its workers (CPU only); the result is the single-process one.
    probe_chunks : int, optional
        How many Dask tasks the probes are split over (default: one per worker).
    max_seconds : float, optional
        Refuse (``WorkLimitError``) a run whose estimated time exceeds this many seconds;
        default ``$ISOMETRY_MAX_SECONDS`` or ten minutes.

    Returns
    -------
    SpectralDensity
        ``x``, ``density`` and ``density_error`` (standard error over probes); ``moments``
        m_1..m_4 with ``moment_errors``; each probe's quadrature (``nodes``,
        ``quadrature_weights``); ``mass_at_zero`` and its bound; ``resolved_from``; the
        parameters used; and the methods ``cdf``, ``ks_distance`` (to exact eigenvalues or a
        law) and ``wasserstein_log10``.

    Raises
    ------
    ValueError
        If an argument is out of range (the message names it and the allowed range).
    MemoryError
        If the estimated memory (host or device) does not fit; checked before allocating.
    isometry.WorkLimitError
        If the estimated run time exceeds ``max_seconds`` (checked before starting).

    See Also
    --------
    jacobian_spectrum : all eigenvalues, exactly, at moderate width.
    isometry.theory.jacobian_density : the large-width law.

    Notes
    -----
    Stochastic Lanczos quadrature: each probe gives a quadrature rule of the spectral measure;
    the density is the derivative of a monotone interpolation (in log λ) of the per-probe
    quadrature CDFs, averaged over probes. Lanczos resolves the edge at 0 only on a linear scale
    ~λ_max/steps² (``resolved_from``): below it only the mass is known. The spectrum near
    criticality spans decades, so compare CDFs (``ks_distance``) or W₁ in
    log10 λ (``wasserstein_log10``) rather than densities. Why Lanczos and not the kernel
    polynomial method: see the module docstring.

    Memory: L·N doubles for φ'(h_l), (steps + 1)·N per probe held at once (probes run in
    lockstep for dense/on-the-fly weights, one at a time for structured ones), plus L·N² for
    dense weights. Gaussian weights regenerated on the fly are practical on 2 CPU cores up to
    width ~4096 at depth 32.

    With ``device="gpu"`` the forward pass's elementwise part and the small tridiagonal
    quadrature stay on the host; the network and probes are the same, and the results equal the
    CPU's to rounding.

    Examples
    --------
    >>> r = isometry.jacobian_spectral_density(256, 8, sigma_w=1.05, probes=4, steps=20)
    >>> r.moments.shape, r.x.shape
    ((4,), (400,))
    >>> law = isometry.theory.jacobian_density("tanh", "orthogonal", 8, 1.05, 0.0)
    >>> bool(r.ks_distance(law) < 0.1)  # 4 probes at width 256: a rough estimate
    True
    """
    common = _p.common_arguments(
        width,
        depth,
        activation,
        weights,
        allowed_weights=MATFREE_WEIGHTS,
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        sigma_w2=sigma_w2,
        sigma_b2=sigma_b2,
        q_star=q_star,
        seed=seed,
        device=device,
        max_seconds=max_seconds,
    )
    options = _lanczos_options(
        common,
        method,
        probes,
        steps,
        probe,
        rule,
        storage,
        structured_blocks,
        resolution,
        points,
        x,
    )
    _require_work(common, options)
    q0 = _p.first_layer_variance(common, q0)
    callback = _p.progress_callback(
        progress, f"Lanczos on J Jᵀ, width {common.width}, depth {common.depth}"
    )
    if client is not None and common.device == "gpu":
        raise ValueError(
            "client= splits probes over Dask workers on the CPU; use device='cpu' with a client"
        )
    if probe_chunks is not None:
        probe_chunks = _validation.positive_int("probe_chunks", probe_chunks)
    if common.device == "gpu":
        storage, run = _gpu_runner(common, options, reorthogonalize)
    elif client is not None:
        storage, run = _dask_runner(common, options, reorthogonalize, client, probe_chunks)
    else:
        storage, run = _cpu_runner(common, options, reorthogonalize)
    raw, seconds = _p.timed(
        run, common.activation, common.sigma_w, common.sigma_b, q0, common.seed, callback
    )
    _p.require_finite(raw, ("nodes", "weights"), "the Lanczos quadrature")
    return _density_result(raw, common, options, storage, float(q0), seconds)


def _lanczos_options(
    common: _p.Common,
    method: object,
    probes: object,
    steps: object,
    probe: object,
    rule: object,
    storage: object,
    structured_blocks: object,
    resolution: object,
    points: object,
    x: object,
) -> dict[str, Any]:
    """The quadrature's own arguments, checked (each error names its argument)."""
    _validation.choice("method", method, METHODS)
    options: dict[str, Any] = {
        "probes": _validation.positive_int("probes", probes),
        "steps": _validation.positive_int("steps", steps),
        "probe": _validation.choice("probe", probe, PROBES),
        "rule": _validation.choice("rule", rule, RULES),
        "storage": _validation.choice("storage", storage, STORAGES),
        "structured_blocks": _validation.positive_int(
            "structured_blocks", structured_blocks, _validation.C_INT_MAX
        ),
        "resolution": _validation.real("resolution", resolution, nonnegative=True),
        "points": _validation.positive_int("points", points),
        "grid": None,
    }
    if not options["resolution"] < 1:
        raise ValueError(
            f"resolution is relative to the largest node and must be in [0, 1), got {resolution}"
        )
    if options["points"] < 2:
        raise ValueError(f"points must be at least 2, got {points}")
    width = common.width
    if common.weights == "structured_orthogonal" and width & (width - 1):
        below, above = 1 << (width.bit_length() - 1), 1 << width.bit_length()
        raise ValueError(
            f"weights='structured_orthogonal' needs a power-of-two width (Walsh–Hadamard transform), "
            f"got {width}; nearest: {below} or {above}"
        )
    if x is not None:
        grid = np.asarray(x, dtype=float).ravel()
        if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid <= 0):
            raise ValueError("x must be a non-empty array of finite positive numbers")
        options["grid"] = grid
    return options


def _require_work(common: _p.Common, o: dict[str, Any]) -> None:
    """Refuse a run past the memory or time limit before the core sizes anything."""
    width = common.width
    try:
        _check_matfree_work(common, o)
    except MemoryError as exc:
        if common.weights == "orthogonal" and not width & (width - 1):
            raise MemoryError(
                f"{exc}, or use weights='structured_orthogonal' (O(N) memory)"
            ) from None
        raise


def _check_matfree_work(common: _p.Common, o: dict[str, Any]) -> None:
    width, depth = common.width, common.depth
    _validation.matfree_work(
        f"jacobian_spectral_density(width={width}, depth={depth}, probes={o['probes']}, "
        f"steps={o['steps']})",
        width,
        depth,
        common.weights,
        _choose_storage(o["storage"], common.weights, width, depth),
        o["probes"],
        o["steps"],
        o["structured_blocks"],
        o["points"] if o["grid"] is None else o["grid"].size,
        common.max_seconds,
    )


def _cpu_runner(
    common: _p.Common, o: dict[str, Any], reorthogonalize: bool
) -> tuple[str, Callable[..., Any]]:
    """(storage, run(activation, σ_w, σ_b, q0, seed, callback)) after the memory check."""
    width, depth, weights = common.width, common.depth, common.weights
    storage = _choose_storage(o["storage"], weights, width, depth)
    # Lockstep blocks share each layer product: worth it when weights are dense or regenerated.
    block = 1 if weights == "structured_orthogonal" else o["probes"]
    needed = _core.matfree_bytes(
        width, depth, weights, storage, o["probes"], o["steps"], reorthogonalize, block
    )
    # The same leading terms in Python integers, which cannot wrap around at absurd sizes.
    exact = (
        8
        * width
        * (depth + o["probes"] * (o["steps"] + 1) + (depth * width if storage == "dense" else 0))
    )
    needed = max(int(needed), exact)
    try:
        _p.require_memory(
            f"jacobian_spectral_density(width={width}, depth={depth}, weights={weights!r}, "
            f"storage={storage!r}, probes={o['probes']}, steps={o['steps']})",
            needed,
        )
    except MemoryError as exc:
        if weights == "orthogonal" and not width & (width - 1):
            raise MemoryError(
                f"{exc}, or use weights='structured_orthogonal' (O(N) memory)"
            ) from None
        raise

    def run(
        activation: str, sigma_w: float, sigma_b: float, q0: float, seed: int, callback: Any
    ) -> Any:
        return _core.matfree_quadrature(
            width,
            depth,
            activation,
            weights,
            storage,
            sigma_w,
            sigma_b,
            q0,
            seed,
            o["structured_blocks"],
            o["probes"],
            o["steps"],
            o["probe"],
            reorthogonalize,
            o["rule"],
            block,
            callback,
        )

    return storage, run


def _dask_runner(
    common: _p.Common,
    o: dict[str, Any],
    reorthogonalize: bool,
    client: Any,
    probe_chunks: int | None,
) -> tuple[str, Callable[..., Any]]:
    """Probes split over the Dask workers of ``client`` (each worker checks its own chunk's
    memory); the merged result is the single-process one."""
    from isometry.montecarlo._probe_chunks import distributed_quadrature

    storage = _choose_storage(o["storage"], common.weights, common.width, common.depth)

    def run(
        activation: str, sigma_w: float, sigma_b: float, q0: float, seed: int, callback: Any
    ) -> Any:
        arguments = dict(
            width=common.width,
            depth=common.depth,
            activation=activation,
            weights=common.weights,
            storage=storage,
            sigma_w=sigma_w,
            sigma_b=sigma_b,
            q0=q0,
            seed=seed,
            structured_blocks=o["structured_blocks"],
            steps=o["steps"],
            probe=o["probe"],
            reorthogonalize=reorthogonalize,
            rule=o["rule"],
        )
        return distributed_quadrature(client, probe_chunks, arguments, o["probes"], callback)

    return storage, run


def _gpu_runner(
    common: _p.Common, o: dict[str, Any], reorthogonalize: bool
) -> tuple[str, Callable[..., Any]]:
    """All probes in lockstep on the device: every layer product serves the whole block."""
    from isometry._internal import gpu as _gpu

    storage = o["storage"]
    if (
        storage != "auto" or common.weights != "gaussian"
    ):  # the pairing is checked before the device
        storage = _choose_storage(storage, common.weights, common.width, common.depth)
    storage, run = _gpu.matfree_quadrature_runner(
        common.width,
        common.depth,
        common.weights,
        storage,
        o["probes"],
        o["steps"],
        reorthogonalize,
        _choose_storage,
    )

    def runner(
        activation: str, sigma_w: float, sigma_b: float, q0: float, seed: int, callback: Any
    ) -> Any:
        return run(
            activation,
            sigma_w,
            sigma_b,
            q0,
            seed,
            o["structured_blocks"],
            o["probe"],
            o["rule"],
            callback,
        )

    return storage, runner


def _density_result(
    raw: dict[str, Any],
    common: _p.Common,
    o: dict[str, Any],
    storage: str,
    q0: float,
    seconds: float,
) -> SpectralDensity:
    """Per-probe CDFs → density on the grid, moments, mass at 0, errors over probes."""
    nodes, quad_weights, taken = raw["nodes"], raw["weights"], raw["steps_taken"]
    floor = o["resolution"] * float(np.max(nodes)) if np.max(nodes) > 0 else o["resolution"]
    cdfs = _quadrature.probe_cdfs(nodes, quad_weights, floor)
    resolved_from = _resolved_from(nodes, quad_weights, floor)
    xs = _default_grid(cdfs, o["points"], resolved_from) if o["grid"] is None else o["grid"]
    per_probe = np.array([c.density(xs) for c in cdfs])
    powers = np.stack([np.sum(quad_weights * nodes**k, axis=1) for k in range(1, 5)], axis=1)

    def error(a: np.ndarray) -> np.ndarray:
        if o["probes"] < 2:
            return np.full(a.shape[1:], np.nan)
        return a.std(axis=0, ddof=1) / np.sqrt(a.shape[0])

    atoms = np.array([c.atom for c in cdfs])
    return SpectralDensity(
        x=xs,
        density=per_probe.mean(axis=0),
        density_error=error(per_probe),
        nodes=nodes,
        quadrature_weights=quad_weights,
        steps_taken=taken,
        moments=powers.mean(axis=0),
        moment_errors=error(powers),
        mass_at_zero=float(atoms.mean()),
        mass_at_zero_bound=float(np.mean([c.zero_weight for c in cdfs])),
        resolution=floor,
        resolved_from=resolved_from,
        q=raw["q"],
        zero_derivatives=int(raw["zero_derivatives"]),
        width=common.width,
        depth=common.depth,
        activation=common.activation,
        weights=common.weights,
        storage=storage,
        sigma_w=common.sigma_w,
        sigma_b=common.sigma_b,
        q0=q0,
        seed=common.seed,
        probes=o["probes"],
        steps=o["steps"],
        seconds=seconds,
        device=common.device,
        critical_q_star=common.critical_q_star,
        _probe_cdfs=cdfs,
    )
