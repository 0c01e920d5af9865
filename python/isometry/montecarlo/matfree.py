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

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from isometry._internal import memory as _memory, validation as _validation
from isometry.montecarlo import _quadrature
from isometry._internal.core import _core
from isometry._names import MATFREE_METHODS, ensembles
from isometry._internal.progress import ProgressBar
from isometry.montecarlo.mlp import default_q0

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


@dataclass(frozen=True)
class SpectralDensity:
    """The spectral law of J Jᵀ estimated by stochastic Lanczos quadrature.

    ``nodes``/``weights`` (probes × (steps + 1)) are each probe's quadrature: Gauss–Radau with
    the fixed node 0 first (``rule="radau"``), or Gauss; unused slots have weight 0. ``x``, ``density`` and ``density_error``
    are the continuous part on a grid (log-spaced by default) with the standard error of the
    mean over probes. ``mass_at_zero_bound`` is the quadrature weight at 0 (the Radau node, and
    nodes at or below ``resolution``): an upper bound on the mass at 0 that tightens with the
    steps; ``mass_at_zero`` = half of it is what ``cdf`` puts at 0 (the midpoint of the
    Chebyshev–Markov–Stieltjes bracket), the other half is spread from ``resolution`` up to the
    first positive node. ``resolved_from`` is where the estimate is resolved: Lanczos (any
    polynomial method) resolves the edge at 0 only on a linear scale ~λ_max/steps², so below the
    first positive node only the total mass is known (to within the bracket); distances are
    computed from there up and the default grid starts there. ``moments[k-1]`` estimates m_k = tr (J Jᵀ)^k / N (exact
    per probe for k ≤ 2·steps − 1; the error is the spread over probes).
    """

    x: np.ndarray
    density: np.ndarray
    density_error: np.ndarray
    nodes: np.ndarray
    weights: np.ndarray
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
    weights_kind: str
    storage: str
    sigma_w: float
    sigma_b: float
    q0: float
    seed: int
    probes: int
    steps: int
    seconds: float = field(compare=False)
    device: str = "cpu"
    _probe_cdfs: list[Any] = field(default_factory=list, repr=False, compare=False)

    def cdf(self, t: np.ndarray | float) -> np.ndarray:
        """P(λ ≤ t): the mean over probes of each probe's interpolated quadrature CDF."""
        t = np.asarray(t, dtype=float)
        return np.mean([p.cdf(t) for p in self._probe_cdfs], axis=0)

    def cdf_error(self, t: np.ndarray | float) -> np.ndarray:
        """Standard error of :meth:`cdf` from the probe-to-probe spread (NaN for one probe)."""
        t = np.asarray(t, dtype=float)
        values = np.array([p.cdf(t) for p in self._probe_cdfs])
        if values.shape[0] < 2:
            return np.full(t.shape, np.nan)
        return values.std(axis=0, ddof=1) / np.sqrt(values.shape[0])

    def ks_distance(self, eigenvalues: np.ndarray, resolution: float | None = None) -> float:
        """sup_t |F(t) − F_n(t)| against the empirical CDF of exact eigenvalues.

        Only t ≥ ``resolution`` (default and minimum: ``resolved_from``) is compared: below the
        first positive quadrature node the estimate only brackets the mass, and below ~ε·λ_max
        eigensolvers return rounding noise; the total mass below the floor is compared at the
        floor itself. The estimate is continuous above its floor, so the supremum sits at the
        floor or at the jumps of F_n.
        """
        floor = self.resolved_from if resolution is None else max(
            self.resolved_from, _validation.real("resolution", resolution, nonnegative=True))
        ev = np.sort(_validation.eigenvalue_sample(eigenvalues))
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
        pts = [np.geomspace(lo, hi, 20000), self.nodes[self.weights > 0].ravel()]
        grid = getattr(law, "x", None)
        if grid is not None:
            pts.append(np.asarray(grid, dtype=float))
        for location, _ in getattr(law, "atoms", []):
            pts.append(np.array([location * (1 - 1e-9), location * (1 + 1e-9)]))
        t = np.concatenate(pts)
        return np.unique(t[t >= lo])

    def ks_distance_to(self, law: _Law) -> float:
        """sup_t |F(t) − G(t)| against a law with a ``cdf`` (e.g. ``isometry.theory.jacobian_density``).

        Compared for t ≥ ``resolved_from`` (the mass below it at that point), on 20000
        log-spaced points plus the nodes, the law's grid and both sides of its atoms; both CDFs
        are monotone, so this misses the supremum by at most the change of either CDF between
        neighbouring points.
        """
        t = self._evaluation_points(law)
        return float(np.max(np.abs(self.cdf(t) - np.asarray(law.cdf(t)))))

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
            other_cdf = other.cdf  # type: ignore[assignment]
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
    firsts = [float(np.min(theta[(theta > floor) & (tau > 0)], initial=np.inf)) for theta, tau in zip(nodes, weights)]
    finite = [f for f in firsts if np.isfinite(f)]
    return max(finite) if finite else floor


def _choose_storage(storage: str, weights: str, width: int, depth: int, available: int | None = None) -> str:
    if weights == "structured_orthogonal":
        if storage == "dense":
            raise ValueError("storage='dense' is not available for weights='structured_orthogonal' "
                             "(it is applied on the fly); use storage='auto' or 'onthefly'")
        return "onthefly"
    if weights == "orthogonal":
        if storage == "onthefly":
            raise ValueError("storage='onthefly' is not available for weights='orthogonal' (Haar, stored "
                             "densely); use weights='structured_orthogonal' or 'gaussian' for large widths")
        return "dense"
    if storage != "auto":
        return storage
    dense_bytes = 8 * depth * width * width
    available = _memory.available_bytes() if available is None else available
    return "dense" if dense_bytes <= min(_AUTO_DENSE_BYTES, 0.25 * available) else "onthefly"


def _progress_callback(progress: bool | ProgressCallback, width: int, depth: int) -> Any:
    if progress is True:
        return ProgressBar(f"Lanczos on J Jᵀ, width {width}, depth {depth}")
    return progress if callable(progress) else None


def jacobian_spectral_density(
    width: int,
    depth: int,
    *,
    activation: str = "tanh",
    weights: str = "structured_orthogonal",
    sigma_w: float = 1.0,
    sigma_b: float = 0.0,
    q0: float | None = None,
    seed: int = 0,
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
    progress: bool | ProgressCallback = False,
    device: str = "cpu",
    max_seconds: float | None = None,
) -> SpectralDensity:
    """The spectral density of J Jᵀ for one random network, from products J·v and Jᵀ·v only.

    Same network conventions as :func:`isometry.jacobian_spectrum` (and, for ``weights``
    ``"orthogonal"``/``"gaussian"``, the very same random network for the same seed).
    ``weights``: ``"structured_orthogonal"`` — W_l = σ_w (H S_B)⋯(H S_1), H the normalised
    Walsh–Hadamard matrix and S_d random-sign diagonals, B = ``structured_blocks``; O(N log N)
    per product, width a power of two; ``"gaussian"`` — entries N(0, σ_w²/N), stored densely
    (``storage="dense"``) or regenerated from Philox at every product (``"onthefly"``: O(N)
    memory, N² normals per layer product — on 2 CPU cores practical up to width ~4096 at depth
    32); ``"auto"`` stores them when that takes ≤ 2 GiB; the two give identical bits.
    ``"orthogonal"`` — Haar, stored densely (moderate widths).

    Stochastic Lanczos quadrature: ``probes`` start vectors (Rademacher or Gaussian, stream
    ``lanczos_probe``), ``steps`` Lanczos steps each on J Jᵀ with full reorthogonalisation
    (``reorthogonalize=False`` keeps three vectors per probe instead of ``steps + 1``).
    Each step costs 2L layer products. The result's density is the derivative of a monotone
    interpolation (in log λ) of the per-probe quadrature CDFs, averaged over probes, with the
    standard error from their spread; nodes ≤ ``resolution``·max(node) count as mass at 0.
    The spectrum near criticality spans decades: compare CDFs (``ks_distance``,
    ``ks_distance_to``) or W₁ in log10 λ (``wasserstein_log10``) rather than densities.

    Memory: L·N doubles for φ'(h_l), (steps + 1)·N per probe held at once (probes run in
    lockstep for dense/on-the-fly weights, one at a time for structured ones), plus L·N² for
    dense weights; refused with the estimate (MemoryError) if it does not fit.

    ``device="gpu"`` runs the products and the Lanczos vectors on the current CUDA device (the
    forward pass's elementwise part and the small tridiagonal quadrature stay on the host): the
    same network and probes, results equal to the CPU's to rounding; all probes run in lockstep
    there (structured transforms are batched over them). Device memory is estimated and refused
    (MemoryError) before anything is allocated. The run time is estimated from the arguments and
    refused (``WorkLimitError``) above ``max_seconds`` (default ``$ISOMETRY_MAX_SECONDS`` or ten minutes).
    """
    width = _validation.positive_int("width", width)
    depth = _validation.positive_int("depth", depth)
    activation = _validation.choice("activation", activation, _validation.ACTIVATIONS)
    weights = _validation.choice("weights", weights, MATFREE_WEIGHTS)
    sigma_w = _validation.real("sigma_w", sigma_w, positive=True)
    sigma_b = _validation.real("sigma_b", sigma_b, nonnegative=True)
    seed = _validation.seed(seed)
    method = _validation.choice("method", method, METHODS)
    probes = _validation.positive_int("probes", probes)
    steps = _validation.positive_int("steps", steps)
    probe = _validation.choice("probe", probe, PROBES)
    rule = _validation.choice("rule", rule, RULES)
    storage = _validation.choice("storage", storage, STORAGES)
    structured_blocks = _validation.positive_int("structured_blocks", structured_blocks, _validation.C_INT_MAX)
    resolution = _validation.real("resolution", resolution, nonnegative=True)
    if not resolution < 1:
        raise ValueError(f"resolution is relative to the largest node and must be in [0, 1), got {resolution}")
    device = _validation.device(device)
    points = _validation.positive_int("points", points)
    if points < 2:
        raise ValueError(f"points must be at least 2, got {points}")
    if weights == "structured_orthogonal" and width & (width - 1):
        below, above = 1 << (width.bit_length() - 1), 1 << width.bit_length()
        raise ValueError(
            f"weights='structured_orthogonal' needs a power-of-two width (Walsh–Hadamard transform), "
            f"got {width}; nearest: {below} or {above}"
        )
    _validation.matfree_work(
        f"jacobian_spectral_density(width={width}, depth={depth}, probes={probes}, steps={steps})", width, depth,
        weights, storage, probes, steps, structured_blocks, points, _validation.max_seconds(max_seconds))
    if q0 is None:
        q0 = default_q0(activation, sigma_w, sigma_b)
    else:
        q0 = _validation.real("q0", q0, positive=True)
        if q0 < sigma_b**2:
            raise ValueError(f"q0 must be at least sigma_b**2 = {sigma_b**2} (q0 = σ_w²|x_0|²/N + σ_b²), got {q0}")
    grid = None
    if x is not None:
        grid = np.asarray(x, dtype=float).ravel()
        if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid <= 0):
            raise ValueError("x must be a non-empty array of finite positive numbers")
    if device == "gpu":
        from isometry._internal import gpu as _gpu

        if storage != "auto" or weights != "gaussian":  # the pairing is checked before the device
            storage = _choose_storage(storage, weights, width, depth)
        # All probes in lockstep on the device: every layer product serves the whole block.
        storage, run = _gpu.matfree_quadrature_runner(
            width, depth, weights, storage, probes, steps, reorthogonalize, _choose_storage
        )
        callback = _progress_callback(progress, width, depth)
        start = time.perf_counter()
        raw = run(activation, sigma_w, sigma_b, q0, seed, structured_blocks, probe, rule, callback)
    else:
        storage = _choose_storage(storage, weights, width, depth)
        # Lockstep blocks share each layer product: worth it when weights are dense or regenerated.
        block = 1 if weights == "structured_orthogonal" else probes
        needed = _core.matfree_bytes(width, depth, weights, storage, probes, steps, reorthogonalize, block)
        _memory.require(
            f"jacobian_spectral_density(width={width}, depth={depth}, weights={weights!r}, storage={storage!r}, "
            f"probes={probes}, steps={steps})",
            int(needed),
        )
        callback = _progress_callback(progress, width, depth)
        start = time.perf_counter()
        raw = _core.matfree_quadrature(
            width, depth, activation, weights, storage, sigma_w, sigma_b, q0, seed, structured_blocks,
            probes, steps, probe, reorthogonalize, rule, block, callback,
        )
    seconds = time.perf_counter() - start
    nodes, quad_weights, taken = raw["nodes"], raw["weights"], raw["steps_taken"]
    if not (np.all(np.isfinite(nodes)) and np.all(np.isfinite(quad_weights))):
        raise FloatingPointError("the Lanczos quadrature has non-finite nodes or weights")
    floor = resolution * float(np.max(nodes)) if np.max(nodes) > 0 else resolution
    cdfs = _quadrature.probe_cdfs(nodes, quad_weights, floor)
    resolved_from = _resolved_from(nodes, quad_weights, floor)
    xs = _default_grid(cdfs, points, resolved_from) if grid is None else grid
    per_probe = np.array([c.density(xs) for c in cdfs])
    powers = np.stack([np.sum(quad_weights * nodes**k, axis=1) for k in range(1, 5)], axis=1)
    error = (lambda a: a.std(axis=0, ddof=1) / np.sqrt(a.shape[0])) if probes > 1 else (lambda a: np.full(a.shape[1:], np.nan))
    atoms = np.array([c.atom for c in cdfs])
    return SpectralDensity(
        x=xs,
        density=per_probe.mean(axis=0),
        density_error=error(per_probe),
        nodes=nodes,
        weights=quad_weights,
        steps_taken=taken,
        moments=powers.mean(axis=0),
        moment_errors=error(powers),
        mass_at_zero=float(atoms.mean()),
        mass_at_zero_bound=float(np.mean([c.zero_weight for c in cdfs])),
        resolution=floor,
        resolved_from=resolved_from,
        q=raw["q"],
        zero_derivatives=int(raw["zero_derivatives"]),
        width=width,
        depth=depth,
        activation=activation,
        weights_kind=weights,
        storage=storage,
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        q0=float(q0),
        seed=seed,
        probes=probes,
        steps=steps,
        seconds=seconds,
        device=device,
        _probe_cdfs=cdfs,
    )
