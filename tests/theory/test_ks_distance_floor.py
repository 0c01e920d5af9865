"""KS distance against laws with an atom at 0 (hard-tanh, relu): the eigensolver's floor.

Eigenvalues below eigh's floor N·ε·λ_max are rounding noise to it: an exact zero (the atom) comes
back as ±1e-15·λ_max from eigh (as ~1e-32·λ_max from svd, which uses the same floor by default so
that a network's distance does not depend on the eigensolver).
The reference below treats the atom explicitly: every eigenvalue below a threshold chosen in
the visible gap of the sample is put in [0, threshold], and the empirical and theoretical
distribution functions are compared at the threshold and at every resolved eigenvalue.
"""

from __future__ import annotations

import numpy as np
import pytest

import isometry
from isometry import theory


def reference_ks(law, eigenvalues: np.ndarray, threshold: float) -> float:
    ev = np.sort(eigenvalues)
    n = ev.size
    below = int(np.sum(ev <= threshold))
    resolved = ev[ev > threshold]
    after = (below + np.arange(1, resolved.size + 1)) / n  # empirical CDF at each value
    before = (below + np.arange(resolved.size)) / n  # and just below it
    gaps = [abs(float(law.cdf(threshold)) - below / n)]
    gaps.append(np.max(np.abs(law.cdf(resolved) - after)))
    gaps.append(np.max(np.abs(law.cdf(resolved * (1 - 1e-12)) - before)))
    return float(max(gaps))


def spectra(width, depth, q, seed):
    sigma_w, sigma_b = theory.critical_point("hard_tanh", q)
    law = theory.jacobian_density("hard_tanh", "orthogonal", depth, sigma_w, sigma_b)
    runs = {
        method: isometry.jacobian_spectrum(
            width,
            depth,
            activation="hard_tanh",
            weights="orthogonal",
            sigma_w=sigma_w,
            sigma_b=sigma_b,
            seed=seed,
            method=method,
        )
        for method in ("eigh", "svd")
    }
    return law, runs


def check(law, runs, want=None):
    for method, r in runs.items():
        lam = r.eigenvalues.max()
        # The sample's gap: rounding-level values sit below 1e-13 λ_max (eigh: |λ| ~ 1e-15), the
        # resolved ones above 1e-11 λ_max here; any threshold in the gap gives the same distance.
        refs = {reference_ks(law, r.eigenvalues, c * lam) for c in (1e-13, 1e-12, 1e-11)}
        ref = min(refs)
        assert max(refs) - ref < 1e-9, (method, refs)
        got = law.ks_distance(r)  # the result knows its eigensolver's floor
        assert got == pytest.approx(ref, abs=1e-9), method
        assert law.ks_distance(r.eigenvalues) == pytest.approx(ref, abs=1e-9), method  # array form
        # Without a floor the atom is scattered over the rounding noise: far worse.
        assert law.ks_distance(r.eigenvalues, resolution=0.0) > ref + 0.03, method
        if want is not None:
            assert got == pytest.approx(want, abs=5e-5), method


def test_atom_at_zero_small_network():
    law, runs = spectra(200, 8, 0.5, seed=1)
    check(law, runs)


@pytest.mark.slow
def test_atom_at_zero_hard_tanh_width_1000_depth_16():
    """The reported case: orthogonal hard-tanh, q* = 0.5, L = 16, N = 1000, seed 0 gave 0.064
    (eigh) and 0.157 (svd: the whole atom) with the old default; the distance is 0.0035."""
    law, runs = spectra(1000, 16, 0.5, seed=0)
    check(law, runs, want=0.0035)


def test_floor_arguments():
    law = theory.jacobian_density("relu", "orthogonal", 4, 2**0.5, 0.0, points=400)
    with pytest.raises(ValueError, match="resolution must be a finite number >= 0"):
        law.ks_distance(np.ones(4), resolution=-1.0)
    with pytest.raises(ValueError, match="eigenvalues must be a non-empty array"):
        law.ks_distance(np.array([]))
