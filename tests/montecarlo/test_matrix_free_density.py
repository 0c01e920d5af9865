"""Matrix-free spectra: the building blocks (Walsh–Hadamard, signs, layer products) against
independent NumPy constructions, the Lanczos quadrature against exact identities, and the
density against the exact dense spectrum and the free-probability theory."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from numpy_reference import jacobian as reference_jacobian
from philox_reference import philox4x32_10

import isometry
from isometry._internal.core import _core

S = isometry.STREAMS


def fwht_numpy(x: np.ndarray) -> np.ndarray:
    """Unnormalised Walsh–Hadamard transform, stage by stage (Sylvester order)."""
    y = x.copy()
    h = 1
    while h < y.size:
        y = y.reshape(-1, 2, h)
        y = np.concatenate([y[:, :1] + y[:, 1:], y[:, :1] - y[:, 1:]], axis=1).reshape(-1)
        h *= 2
    return y


def structured_weight(n: int, layer: int, blocks: int, sigma_w: float, seed: int) -> np.ndarray:
    """W_l = σ_w (H S_B) ... (H S_1) with H = Sylvester Hadamard / √n, from the sign stream."""
    hadamard = np.array(
        [[(-1) ** bin(i & j).count("1") for j in range(n)] for i in range(n)], float
    ) / np.sqrt(n)
    w = np.eye(n)
    for d in range(blocks):
        w = hadamard @ (
            _core.testing.sign_stream(n, seed, S["structured_signs"], layer, d * n)[:, None] * w
        )
    return sigma_w * w


def structured_jacobian(n, depth, blocks, sigma_w, sigma_b, q0, seed):
    g = _core.normal_stream(n, seed, S["network_input"], 0, 0)
    x = g / np.linalg.norm(g) * np.sqrt(n * (q0 - sigma_b**2)) / sigma_w
    J = np.eye(n)
    for layer in range(depth):
        W = structured_weight(n, layer, blocks, sigma_w, seed)
        h = W @ x + sigma_b * _core.normal_stream(n, seed, S["layer_bias"], layer, 0)
        J = (1 - np.tanh(h) ** 2)[:, None] * (W @ J)
        x = np.tanh(h)
    return J


def apply(
    n,
    depth,
    weights,
    storage,
    x,
    transpose,
    *,
    activation="tanh",
    sigma_w=1.3,
    sigma_b=0.2,
    q0=0.5,
    seed=7,
    blocks=3,
):
    return _core.testing.matfree_apply(
        n,
        depth,
        activation,
        weights,
        storage,
        sigma_w,
        sigma_b,
        q0,
        seed,
        blocks,
        np.asfortranarray(x),
        transpose,
    )


# --- building blocks -------------------------------------------------------------------------


@pytest.mark.parametrize("log_n", [0, 1, 2, 3, 5, 11, 12, 13, 16, 20, 21])
def test_walsh_hadamard_matches_stagewise_numpy(log_n):
    # 2^12 is one cache block, 2^20 one block pass + one group of 8 stages, 2^21 two groups.
    x = np.random.default_rng(log_n).standard_normal(1 << log_n)
    y = _core.testing.walsh_hadamard(x)
    # Same additions in the same stage order: equal to rounding (sums of up to n terms).
    np.testing.assert_allclose(
        y, fwht_numpy(x), rtol=0, atol=1e-12 * np.sqrt(x.size) * np.abs(x).max() * log_n + 1e-15
    )
    if log_n <= 10:
        from scipy.linalg import hadamard

        np.testing.assert_allclose(y, hadamard(x.size) @ x, atol=1e-12 * x.size)


@pytest.mark.parametrize("n", [0, 3, 6, 1000, 3 * 1024])
def test_walsh_hadamard_rejects_non_powers_of_two(n):
    with pytest.raises(ValueError, match="power-of-two"):
        _core.testing.walsh_hadamard(np.ones(n))


def test_signs_are_bits_of_the_philox_words():
    seed, stream, substream = 12345, S["structured_signs"], 3
    first, count = 100, 300  # crosses block boundaries at 128 and 256, odd start
    signs = _core.testing.sign_stream(count, seed, stream, substream, first)
    for i, s in enumerate(signs):
        k = first + i
        block = k // 128
        words = philox4x32_10(
            [block & 0xFFFFFFFF, block >> 32, substream, stream], [seed & 0xFFFFFFFF, seed >> 32]
        )
        bit = (words[(k % 128) // 32] >> (k % 32)) & 1
        assert s == (-1.0 if bit else 1.0)
    # Balanced: the sum of 10^5 fair signs is within 5 sd = 5·√n of 0.
    assert abs(_core.testing.sign_stream(100_000, 1, stream, 0, 0).sum()) < 5 * np.sqrt(100_000)


def test_rademacher_probe_is_a_unit_sign_vector():
    v = _core.testing.lanczos_probe(3, "rademacher", 5, 1000)
    np.testing.assert_array_equal(
        v, _core.testing.sign_stream(1000, 3, S["lanczos_probe"], 5, 0) / np.sqrt(1000)
    )
    g = _core.testing.lanczos_probe(3, "gaussian", 5, 1000)
    assert abs(np.linalg.norm(g) - 1) < 1e-14
    np.testing.assert_allclose(
        g,
        _core.normal_stream(1000, 3, S["lanczos_probe"], 5, 0)
        / np.linalg.norm(_core.normal_stream(1000, 3, S["lanczos_probe"], 5, 0)),
        rtol=1e-14,
    )


@pytest.mark.parametrize(
    "weights,storage", [("orthogonal", "dense"), ("gaussian", "dense"), ("gaussian", "onthefly")]
)
@pytest.mark.parametrize("activation", ["tanh", "hard_tanh"])
def test_operator_is_the_same_jacobian_as_the_dense_network(weights, storage, activation):
    n, depth = 64, 5
    J, _ = reference_jacobian(n, depth, activation, weights, 1.3, 0.2, 0.5, 7)
    eye = np.eye(n)
    # Products of 5 layers of 64-term sums: rounding ~1e-15 relative to the entries (~1).
    np.testing.assert_allclose(
        apply(n, depth, weights, storage, eye, False, activation=activation), J, atol=1e-13
    )
    np.testing.assert_allclose(
        apply(n, depth, weights, storage, eye, True, activation=activation), J.T, atol=1e-13
    )


@pytest.mark.parametrize("blocks", [1, 2, 3])
def test_structured_operator_matches_numpy_construction(blocks):
    n, depth = 128, 4
    J = structured_jacobian(n, depth, blocks, 1.3, 0.2, 0.5, 7)
    eye = np.eye(n)
    np.testing.assert_allclose(
        apply(n, depth, "structured_orthogonal", "onthefly", eye, False, blocks=blocks),
        J,
        atol=1e-13,
    )
    np.testing.assert_allclose(
        apply(n, depth, "structured_orthogonal", "onthefly", eye, True, blocks=blocks),
        J.T,
        atol=1e-13,
    )


@pytest.mark.parametrize("blocks", [1, 3])
def test_structured_weights_are_scaled_orthogonal(blocks):
    # Depth 1, linear: J = W. WᵀW = σ_w² I to rounding (H/√n and ±1 are exact at n = 4^k).
    n, sigma_w = 1024, 1.5
    W = apply(
        n,
        1,
        "structured_orthogonal",
        "onthefly",
        np.eye(n),
        False,
        activation="linear",
        sigma_w=sigma_w,
        sigma_b=0.0,
        q0=1.0,
        blocks=blocks,
    )
    np.testing.assert_allclose(W.T @ W, sigma_w**2 * np.eye(n), atol=1e-12)


def test_dense_and_onthefly_gaussian_give_identical_bits():
    args = (256, 4, "tanh", "gaussian")
    rest = (1.2, 0.1, 0.4, 11, 3, 3, 12, "rademacher", True, "radau", 3)
    dense = _core.matfree_quadrature(*args, "dense", *rest)
    onthefly = _core.matfree_quadrature(*args, "onthefly", *rest)
    for key in ("nodes", "weights", "alpha", "beta", "q"):
        assert dense[key].tobytes() == onthefly[key].tobytes(), key


@pytest.mark.parametrize("weights", ["gaussian", "structured_orthogonal"])
def test_probe_blocks_do_not_change_the_bits(weights):
    common = (
        256,
        4,
        "tanh",
        weights,
        "onthefly",
        1.2,
        0.1,
        0.4,
        11,
        2,
        5,
        12,
        "rademacher",
        True,
        "radau",
    )
    one, all_ = _core.matfree_quadrature(*common, 1), _core.matfree_quadrature(*common, 5)
    for key in ("nodes", "weights", "alpha", "beta"):
        assert one[key].tobytes() == all_[key].tobytes(), key


THREAD_SCRIPT = r"""
import sys, numpy as np
from isometry._internal.core import _core
out = {}
for weights in ("gaussian", "structured_orthogonal"):
    r = _core.matfree_quadrature(4096 if weights != "gaussian" else 600, 3, "tanh", weights, "onthefly", 1.1, 0.1,
                                 0.4, 5, 2, 3, 10, "rademacher", True, "radau", 3)
    out[weights + "_nodes"], out[weights + "_weights"] = r["nodes"], r["weights"]
out["fwht"] = _core.testing.walsh_hadamard(np.arange(1 << 21, dtype=float) % 7)
np.savez(sys.argv[1], **out)
"""


def test_thread_count_gives_identical_bits(tmp_path):
    runs = []
    for threads in (1, 2, 3):
        path = tmp_path / f"t{threads}.npz"
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS="1")
        subprocess.run([sys.executable, "-c", THREAD_SCRIPT, str(path)], env=env, check=True)
        with np.load(path) as data:
            runs.append(dict(data))
    for name in runs[0]:
        assert runs[0][name].tobytes() == runs[1][name].tobytes() == runs[2][name].tobytes(), name


# --- the quadrature ----------------------------------------------------------------------------


@pytest.mark.parametrize("rule", ["radau", "gauss"])
def test_quadrature_reproduces_the_probe_moments(rule):
    # Gauss with m nodes is exact for degree <= 2m-1, Gauss–Radau with m+1 nodes for <= 2m.
    n, depth, steps = 128, 6, 10
    J, _ = reference_jacobian(n, depth, "tanh", "orthogonal", 1.3, 0.2, 0.5, 7)
    A = J @ J.T
    r = _core.matfree_quadrature(
        n,
        depth,
        "tanh",
        "orthogonal",
        "dense",
        1.3,
        0.2,
        0.5,
        7,
        3,
        3,
        steps,
        "rademacher",
        True,
        rule,
        3,
    )
    top = 2 * steps if rule == "radau" else 2 * steps - 1
    for p in range(3):
        v = _core.testing.lanczos_probe(7, "rademacher", p, n)
        w = v.copy()
        for k in range(1, top + 1):
            w = A @ w if k % 2 else w
            exact = v @ np.linalg.matrix_power(A, k) @ v
            quad = np.sum(r["weights"][p] * r["nodes"][p] ** k)
            # Reorthogonalised Lanczos: quadrature exact to ~1e-15·cond-ish; 1e-9 leaves room.
            assert quad == pytest.approx(exact, rel=1e-9), (p, k)
    if rule == "radau":
        assert np.all(r["nodes"][:, 0] == 0.0) and np.all(r["weights"][:, 0] > 0)


def test_exhausted_krylov_space_gives_the_exact_spectrum():
    n, depth = 64, 3
    J, _ = reference_jacobian(n, depth, "tanh", "gaussian", 1.1, 0.1, 0.5, 3)
    ev = np.linalg.eigvalsh(J @ J.T)
    r = _core.matfree_quadrature(
        n,
        depth,
        "tanh",
        "gaussian",
        "dense",
        1.1,
        0.1,
        0.5,
        3,
        3,
        1,
        100,
        "rademacher",
        True,
        "radau",
        1,
    )
    assert r["steps_taken"][0] == n  # β vanished after n steps: the Krylov space is all of R^n
    used = r["weights"][0] > 0
    assert used.sum() == n  # plain Gauss rule then: no Radau node
    np.testing.assert_allclose(np.sort(r["nodes"][0][used]), ev, rtol=1e-9, atol=1e-12 * ev[-1])
    v = _core.testing.lanczos_probe(3, "rademacher", 0, n)
    _, U = np.linalg.eigh(J @ J.T)
    np.testing.assert_allclose(np.sort(r["weights"][0][used])[::-1].sum(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.sort(r["weights"][0][used]), np.sort((U.T @ v) ** 2), atol=1e-10)


# --- the public function ------------------------------------------------------------------------


def test_density_matches_exact_dense_spectrum_tanh():
    n, depth, probes = 512, 16, 8
    kwargs = dict(activation="tanh", weights="orthogonal", sigma_w=1.05, sigma_b=0.0, seed=3)
    exact = isometry.jacobian_spectrum(n, depth, **kwargs).eigenvalues
    r = isometry.jacobian_spectral_density(n, depth, probes=probes, steps=30, **kwargs)
    # Each probe's measure deviates from the spectral measure by O(1/√n) (measured KS 0.018
    # here); the quadrature resolves to ~ one node weight. 0.05 ≈ 3/√(n·probes) + slack.
    assert r.ks_distance(exact) < 0.05
    assert r.wasserstein_log10(exact) < 0.03  # measured 0.007 decades
    assert r.density.shape == r.x.shape == r.density_error.shape
    assert np.all(r.density >= 0) and np.all(np.isfinite(r.density_error))
    # ∫ρ over the grid + mass at 0 ≈ 1 (the grid starts at resolved_from: mass below it is
    # cdf(resolved_from)).
    u = np.log(r.x)
    mass = np.sum(np.diff(u) * ((r.x * r.density)[1:] + (r.x * r.density)[:-1]) / 2)
    assert mass + float(r.cdf(r.x[0])) == pytest.approx(1.0, abs=0.02)


def test_density_matches_exact_dense_spectrum_hard_tanh_with_atom():
    n, depth = 512, 16
    sigma_w, sigma_b = isometry.theory.critical_point("hard_tanh", 0.5)
    kwargs = dict(
        activation="hard_tanh", weights="orthogonal", sigma_w=sigma_w, sigma_b=sigma_b, seed=3
    )
    exact = isometry.jacobian_spectrum(n, depth, **kwargs).eigenvalues
    r = isometry.jacobian_spectral_density(n, depth, probes=8, steps=30, **kwargs)
    zero = np.mean(exact < 1e-10 * exact[-1])
    assert zero > 0.1  # the atom at 0 is there (exact zeros of φ')
    assert r.mass_at_zero_bound >= zero - 3 * 0.5 / np.sqrt(
        n * 8
    )  # an upper bound, up to probe noise
    assert r.ks_distance(exact) < 0.06  # measured 0.025 (atom plus pile-up near 0)


def test_moments_match_exact_traces():
    n, depth, probes = 512, 8, 16
    kwargs = dict(activation="tanh", weights="gaussian", sigma_w=1.2, sigma_b=0.1, seed=5)
    ev = isometry.jacobian_spectrum(n, depth, **kwargs).eigenvalues
    r = isometry.jacobian_spectral_density(n, depth, probes=probes, steps=8, **kwargs)
    for k in (1, 2):
        exact = np.mean(ev**k)
        # Rademacher Hutchinson: Var(vᵀBv) <= 2‖B‖_F²/n² = 2 m_{2k}/n per probe (B = A^k).
        bound = np.sqrt(2 * np.mean(ev ** (2 * k)) / (n * probes))
        assert abs(r.moments[k - 1] - exact) < 5 * bound, k
        assert r.moment_errors[k - 1] < 3 * bound  # the spread agrees with the bound's scale


def test_structured_orthogonal_follows_haar_theory_moderate_width():
    depth = 16
    sigma_w, sigma_b = isometry.theory.critical_point("tanh", 0.5)
    theory = isometry.theory.jacobian_density("tanh", "orthogonal", depth, sigma_w, sigma_b)
    moments = isometry.theory.jacobian_moments(
        "tanh", "orthogonal", depth, sigma_w, sigma_b, order=2
    ).moments
    r = isometry.jacobian_spectral_density(
        1 << 14,
        depth,
        activation="tanh",
        weights="structured_orthogonal",
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        seed=1,
        probes=8,
        steps=40,
    )
    # Finite width 2^14 and 8 probes: KS vs the N → ∞ law measured ≈ 0.006–0.016 here.
    assert r.ks_distance(theory) < 0.03
    # Normalised variance m2/m1² − 1 = L(μ2/μ1² − 1) for Haar weights (1 + L for Gaussian ones).
    var = r.moments[1] / r.moments[0] ** 2 - 1
    assert var == pytest.approx(moments[1] / moments[0] ** 2 - 1, rel=0.1)


def test_onthefly_gaussian_follows_gaussian_theory():
    depth = 4
    sigma_w, sigma_b = isometry.theory.critical_point("tanh", 0.5)
    theory = isometry.theory.jacobian_density("tanh", "gaussian", depth, sigma_w, sigma_b)
    r = isometry.jacobian_spectral_density(
        1024,
        depth,
        activation="tanh",
        weights="gaussian",
        storage="onthefly",
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        seed=1,
        probes=8,
        steps=30,
    )
    assert r.storage == "onthefly"
    assert r.ks_distance(theory) < 0.04  # width 1024: finite-N + probe noise ~ 0.01–0.02


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(width=1000), "power-of-two width.*512 or 1024"),
        (dict(probes=0), "probes must be a positive integer"),
        (dict(steps=0), "steps must be a positive integer"),
        (dict(weights="haar"), "weights must be one of"),
        (dict(storage="dense"), "storage='dense' is not available"),
        (dict(weights="orthogonal", storage="onthefly"), "storage='onthefly' is not available"),
        (dict(structured_blocks=0), "structured_blocks must be a positive integer"),
        (dict(method="kpm"), "method must be one of 'lanczos'"),
        (dict(rule="lobatto"), "rule must be one of"),
        (dict(resolution=1.0), "resolution"),
        (dict(q0=0.001, sigma_b=0.5), "q0 must be at least"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs, match):
    args = (
        dict(width=1024, depth=2, weights="structured_orthogonal", sigma_w=1.05, probes=2, steps=2)
        | kwargs
    )
    with pytest.raises(ValueError, match=match):
        isometry.jacobian_spectral_density(args.pop("width"), args.pop("depth"), **args)


def test_memory_is_refused_with_the_estimate():
    with pytest.raises(MemoryError, match=r"needs about [0-9.]+ GiB"):
        isometry.jacobian_spectral_density(1 << 30, 4096, sigma_w=1.05, probes=1, steps=2)
    with pytest.raises(MemoryError, match=r"needs about [0-9.]+ GiB"):
        isometry.jacobian_spectral_density(
            200_000, 32, weights="orthogonal", sigma_w=1.05, probes=1, steps=2
        )


# --- slow: the sizes of the issue ------------------------------------------------------------


@pytest.mark.slow
def test_density_matches_exact_dense_spectrum_width_2048():
    n, depth, probes = 2048, 16, 4
    sigma_w, sigma_b = isometry.theory.critical_point("tanh", 0.5)
    kwargs = dict(activation="tanh", weights="orthogonal", sigma_w=sigma_w, sigma_b=sigma_b, seed=2)
    exact = isometry.jacobian_spectrum(n, depth, **kwargs).eigenvalues
    r = isometry.jacobian_spectral_density(n, depth, probes=probes, steps=25, **kwargs)
    # Probe noise ~ 1/√(n·probes) ≈ 0.011 in the CDF, plus the quadrature's own resolution.
    assert r.ks_distance(exact) < 0.04
    assert r.moments[0] == pytest.approx(
        exact.mean(), abs=5 * np.sqrt(2 * np.mean(exact**2) / (n * probes))
    )


@pytest.mark.slow
@pytest.mark.parametrize("activation", ["tanh", "hard_tanh"])
def test_structured_orthogonal_follows_haar_theory_width_2_16_depth_32(activation):
    depth = 32
    sigma_w, sigma_b = isometry.theory.critical_point(activation, 0.5)
    law = isometry.theory.jacobian_density(activation, "orthogonal", depth, sigma_w, sigma_b)
    m = isometry.theory.jacobian_moments(
        activation, "orthogonal", depth, sigma_w, sigma_b, order=2
    ).moments
    r = isometry.jacobian_spectral_density(
        1 << 16,
        depth,
        activation=activation,
        weights="structured_orthogonal",
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        seed=4,
        probes=4,
        steps=40,
    )
    assert r.ks_distance(law) < 0.03  # see compare.py section matfree for the measured values
    var = r.moments[1] / r.moments[0] ** 2 - 1
    assert var == pytest.approx(m[1] / m[0] ** 2 - 1, rel=0.1)


def test_progress_callback_reports_and_an_error_in_it_stops_the_run():
    calls = []
    isometry.jacobian_spectral_density(
        256,
        3,
        activation="tanh",
        weights="structured_orthogonal",
        sigma_w=1.05,
        probes=2,
        steps=5,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls and calls[-1][0] == calls[-1][1]  # ends at done == total
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)

    class Stop(Exception):
        pass

    def stop(done, total):
        if done >= 2:
            raise Stop

    with pytest.raises(Stop):  # the Python error comes back out unchanged, through the C++ loop
        isometry.jacobian_spectral_density(
            256,
            3,
            activation="tanh",
            weights="structured_orthogonal",
            sigma_w=1.05,
            probes=2,
            steps=5,
            progress=stop,
        )
