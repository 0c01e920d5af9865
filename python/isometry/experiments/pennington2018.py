"""Pennington, Schoenholz & Ganguli 2018: spectral universality. With q*(L) chosen so that
var(JJᵀ) = σ₀² at every depth, orthogonal networks' spectra converge as L → ∞ to a limit that
depends on the activation only through its class: Bernoulli (hard-tanh) or smooth (erf, tanh)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from isometry import theory
from isometry.experiments import Reproduction
from isometry.experiments._spectral import critical_scales, q_star_for_variance
from isometry.experiments._support import (
    COLORS,
    Context,
    Outcome,
    log10_density,
    log10_hist,
    pooled,
    pyplot,
    spectra,
)
from isometry.experiments.report import Row

LABELS = {"hard_tanh": "hard-tanh", "erf": "erf", "tanh": "tanh"}


def _w1(cdf_a, cdf_b, top: float) -> float:
    """Wasserstein-1 distance ∫|F_a − F_b| dλ on [0, top]. Not KS: the atom of the Bernoulli law sits
    at p^(−L) = (1 + σ₀²/L)^L at depth L and moves to e^(σ₀²) only as L → ∞, so a KS distance would
    stay at the atom's mass, blind to the convergence; W₁ shrinks as the atom moves in."""
    x = np.linspace(0.0, top, 20001)
    gap = np.abs(cdf_a(x) - cdf_b(x))
    return float(np.sum(np.diff(x) * (gap[1:] + gap[:-1]) / 2))


def _empirical_cdf(eigenvalues: np.ndarray):
    ev = np.sort(eigenvalues)
    return lambda x: np.searchsorted(ev, x, side="right") / ev.size


def _universality(ctx: Context, kind: str) -> Outcome:
    p = ctx.params
    s0, depths = p["sigma0_sq"], p["depths"]
    limit = theory.universal_density(kind, s0)
    plt = pyplot()
    fig, axes = plt.subplots(
        1, len(p["activations"]) + 1, figsize=(4.3 * (len(p["activations"]) + 1), 3.9)
    )
    rows: list = []
    data: dict[str, Any] = {}
    # (1) the limit's landmarks against the paper's numbers
    if kind == "bernoulli":
        edge = math.sqrt(limit.support[1])
        atom = max(limit.atoms, key=lambda a: a[0])
        rows.append(
            Row.compare(
                "√(right bulk edge) = √(σ₀² e)",
                math.sqrt(s0 * math.e),
                edge,
                paper=0.8244,
                tol=1e-3,
                reason="the paper quotes √e/2 ≈ 0.8244 at σ₀² = ¼ (4 digits); our law "
                "is evaluated at L = 10⁶, O(1/L) from the limit",
            )
        )
        rows.append(
            Row.compare(
                "√(atom location) = e^{σ₀²/2}",
                math.exp(s0 / 2),
                math.sqrt(atom[0]),
                paper=1.1331,
                tol=1e-3,
                reason="the paper quotes e^{1/8} ≈ 1.1331 (4 digits)",
            )
        )
        rows.append(
            Row.compare(
                "atom mass 1 − σ₀²",
                1 - s0,
                atom[1],
                paper=None,
                tol=1e-4,
                reason="O(1/L) at L = 10⁶",
            )
        )
    else:
        lo, hi = (math.sqrt(v) for v in limit.support)
        rows.append(
            Row.compare(
                "lower singular-value edge s₋",
                None,
                lo,
                paper=0.57,
                tol=0.005,
                reason="the paper quotes 2 digits (0.57) at σ₀ = ½",
            )
        )
        rows.append(
            Row.compare(
                "upper singular-value edge s₊",
                None,
                hi,
                paper=1.56,
                tol=0.005,
                reason="the paper quotes 2 digits (1.56)",
            )
        )
    # (2) finite-L theory converging to the limit
    conv = []
    for depth in depths:
        act0 = p["activations"][0]
        q = q_star_for_variance(act0, depth, s0)
        sw, sb = critical_scales(act0, q)
        law = theory.jacobian_density(act0, "orthogonal", depth, sw, sb)
        conv.append(_w1(law.cdf, limit.cdf, 2 * limit.lambda_max))
    rows.append(
        Row.check(
            f"theory W₁(law_L, law_∞) ({LABELS[p['activations'][0]]}) decreases with L",
            all(np.diff(conv) < 0),
            measured=", ".join(f"L={d}: {c:.3g}" for d, c in zip(depths, conv)),
            paper="converges as L → ∞",
            rule="strictly decreasing along the depths",
        )
    )
    # (3) Monte Carlo at growing depth, several activations of the class
    lx, ly = log10_density(limit)
    for ax, act in zip(axes[:-1], p["activations"]):
        ks = []
        for depth, color in zip(depths, COLORS):
            q = q_star_for_variance(act, depth, s0)
            sw, sb = critical_scales(act, q)
            nets = spectra(ctx, act, "orthogonal", depth, sw, sb)
            ev, floor = pooled(nets)
            floor = max(floor, 1e-4)
            ks.append(
                max(
                    _w1(_empirical_cdf(r.eigenvalues), limit.cdf, 2 * limit.lambda_max)
                    for r in nets
                )
            )
            log10_hist(
                ax,
                ev,
                floor,
                color=color,
                label=f"MC $L={depth}$, $q^*={q:.2g}$",
                lo=-4,
                hi=1,
                bins=70,
            )
        ax.plot(lx, ly, color="k", lw=1.3, label=r"$L\to\infty$ limit")
        for x_atom, mass in limit.atoms:
            if x_atom > 0:
                ax.axvline(
                    math.log10(x_atom), color="k", ls="--", lw=1, label=f"limit atom ({mass:.2f})"
                )
        ax.set_yscale("log")
        ax.set_ylim(1e-3, 200 if kind == "bernoulli" else 20)
        ax.set_xlabel(r"$\log_{10}\lambda$")
        ax.set_ylabel(r"density of $\log_{10}\lambda$")
        ax.set_xlim(-4, 1)
        ax.set_title(f"orthogonal {LABELS[act]}, var$(JJ^T)={s0:g}$")
        ax.legend(loc="upper left")
        data[act] = {"depths": depths, "w1_to_limit": ks}
        rows.append(
            Row.check(
                f"MC W₁ to the limit ({LABELS[act]}): deepest < shallowest",
                ks[-1] < ks[0],
                measured=", ".join(f"L={d}: {k:.3g}" for d, k in zip(depths, ks)),
                paper="converges (slowly for smooth φ)",
                rule="Monte Carlo approaches the universal law as L grows at fixed σ₀²",
            )
        )
    ax = axes[-1]
    for act, color in zip(p["activations"], COLORS[3:]):
        ax.plot(depths, data[act]["w1_to_limit"], "o-", color=color, label=f"MC {LABELS[act]}")
    ax.plot(
        depths,
        conv,
        "s--",
        color="0.3",
        label=f"theory, finite $L$ ({LABELS[p['activations'][0]]})",
    )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("depth $L$")
    ax.set_ylabel(r"$W_1$ to the $L\to\infty$ law")
    ax.set_title(f"Wasserstein-1 distance to the limit (MC: N={p['width']})")
    ax.legend()
    fig.suptitle(
        f"Spectral universality, {kind} class: $\\sigma_0^2={s0:g}$ held fixed while depth grows"
    )
    fig.tight_layout()
    data["theory_convergence"] = conv
    return Outcome(rows, fig, data)


def bernoulli_class(ctx: Context) -> Outcome:
    p = ctx.params
    s0, n = p["sigma0_sq"], p["width"]
    saturated = {d: n * s0 / (d + s0) for d in p["depths"]}
    ctx.notes.append(
        "The limit is evaluated as the Bernoulli network at L = 10⁶; at finite L its atom at 0 has "
        "mass σ₀²/(L + σ₀²), in the limit a log-type pile-up. The law is a double-scaling limit "
        "(N → ∞ first, then L → ∞ with L(1 − p) = σ₀² fixed): a width-N network follows it only "
        "while each layer has many saturated units, N(1 − p) = Nσ₀²/(L + σ₀²) ≫ 1. The depths are "
        f"therefore chosen so that N(1 − p) ≥ {p['min_saturated']:g} at every depth ("
        + ", ".join(f"L={d}: {v:.1f}" for d, v in saturated.items())
        + f" at N = {n}). An earlier version went to L = 64 at N = 1000, where N(1 − p) = 3.9: "
        "there the Monte Carlo left the law (W₁ rose again), outside the regime the theory "
        "describes, which is not a test of the claim."
    )
    outcome = _universality(ctx, "bernoulli")
    outcome.rows.insert(
        0,
        Row.check(
            "regime: N(1 − p) = Nσ₀²/(L + σ₀²) saturated units per layer",
            min(saturated.values()) >= p["min_saturated"],
            measured=", ".join(f"L={d}: {v:.1f}" for d, v in saturated.items()),
            theory=None,
            rule=f"≥ {p['min_saturated']:g} at every Monte Carlo depth (the law needs N(1 − p) ≫ 1)",
        ),
    )
    outcome.data["saturated_units_per_layer"] = {str(d): v for d, v in saturated.items()}
    return outcome


def smooth_class(ctx: Context) -> Outcome:
    ctx.notes.append(
        "Convergence in L is slow for smooth activations (the paper needs L in the thousands for its "
        "theory curves); the Monte Carlo depths here show the trend, not the limit."
    )
    return _universality(ctx, "smooth")


ENTRIES = [
    Reproduction(
        "psg18_bernoulli_universality",
        "pennington2018",
        "Orthogonal hard-tanh networks with var(JJᵀ) = σ₀² fixed converge as L → ∞ to the Bernoulli universal "
        "law S = exp(−σ₀² z/(1+z)): a bulk up to σ₀² e and an atom at e^{σ₀²} (√ = 0.8244 and 1.1331 at σ₀² = ¼).",
        bernoulli_class,
        quick={
            "width": 1000,
            "seeds": 1,
            "depths": [3, 6, 12],
            "sigma0_sq": 0.25,
            "min_saturated": 20,
            "activations": ["hard_tanh"],
        },
        full={"width": 4000, "seeds": 4, "depths": [4, 12, 48]},
        quick_cost="3 spectra N=1000 up to L=12 (N(1 − p) ≥ 20): ~5 CPU-s",
        full_cost="N=4000, L up to 48 (N(1 − p) ≥ 20), 4 networks: ~1 CPU-hour, minutes on a GPU",
    ),
    Reproduction(
        "psg18_smooth_universality",
        "pennington2018",
        "Orthogonal erf and tanh networks with var(JJᵀ) = σ₀² fixed converge to one smooth universal law "
        "S = exp(−σ₀² z), singular values between s₋ = 0.57 and s₊ = 1.56 at σ₀ = ½, whatever the activation.",
        smooth_class,
        quick={
            "width": 400,
            "seeds": 1,
            "depths": [8, 32, 128],
            "sigma0_sq": 0.25,
            "activations": ["erf", "tanh"],
        },
        full={"width": 2000, "seeds": 4, "depths": [8, 32, 128, 512]},
        quick_cost="6 spectra N=400 up to L=128: ~30 s",
        full_cost="N=2000, L up to 512, 4 networks per activation: ~3 CPU-hours, minutes on a GPU",
    ),
]
