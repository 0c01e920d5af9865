"""Burkholz & Dubatovka 2019: the exact finite-width signal law of ReLU networks, where mean field
fails, He initialisation's lack of isometry, and the parameter-sharing initialisation."""

from __future__ import annotations

import math

import numpy as np

from isometry import theory
from isometry.experiments import Reproduction
from isometry.experiments._support import (
    COLORS,
    Context,
    Outcome,
    normalized_variance,
    pyplot,
    spectra,
    train_grid,
    training_data,
)
from isometry.experiments._training import faster_row, plot_curves, speed_summary
from isometry.experiments.report import Row


def output_distribution(ctx: Context) -> Outcome:
    from isometry.montecarlo.relu_signal import relu_network_norms

    p = ctx.params
    n, depth = p["width"], p["depth"]
    widths = [n] * (depth + 1)
    sims = relu_network_norms(widths, networks=p["networks"], seed=0)[:, -1] / n
    law = theory.relu_output_law(widths)
    mf = float(theory.relu_mean_field_norm(widths)[-1]) / n
    # KS distance between the exact CDF and the simulated sample
    s = np.sort(sims)
    # ties (the dead networks, s = 0) handled: compare just after and just before each value
    after = np.searchsorted(s, s, side="right") / s.size
    before = np.searchsorted(s, s, side="left") / s.size
    cdf_after = law.cdf(s * n)
    cdf_before = np.where(s > 0, law.cdf(s * n * (1 - 1e-12)), 0.0)
    ks = float(max(np.max(after - cdf_after), np.max(cdf_before - before)))
    crit = 1.95 / math.sqrt(s.size)
    rows = [
        Row.check(
            f"KS(exact law, {p['networks']} simulated networks), N={n}, L={depth}",
            ks <= crit,
            theory=0.0,
            measured=ks,
            paper="exact at any width",
            rule=f"≤ 1.95/√n = {crit:.4f}: the 0.1 % critical value of the one-sample KS test",
        ),
        Row.compare(
            "exact median of |x^L|²/|x^0|²",
            law.quantile(0.5) / n,
            float(np.median(sims)),
            tol=4
            * 1.2533
            * float(np.std(np.log(np.maximum(sims, 1e-300))))
            / math.sqrt(s.size)
            * law.quantile(0.5)
            / n,
            paper=None,
            reason="4 standard errors of a sample median (≈ 1.25 σ/√n on the log scale)",
        ),
    ]
    rows.append(
        Row.check(
            "mean field (|x^L|²/|x^0|² = 1) outside the exact interquartile range",
            not (law.quantile(0.25) * 1.0 / n <= mf <= law.quantile(0.75) / n),
            theory=mf,
            measured=law.quantile(0.5) / n,
            paper="mean field fails at small width, large depth",
            rule=f"fails here: mean field lies outside the exact interquartile range at L/N = "
            f"{depth / n:g}",
        )
    )
    # where mean field fails: P(|log(s_L/s_0)| > log 2) over a (width, depth) grid
    ws, ds = p["grid_widths"], p["grid_depths"]
    miss = np.empty((len(ws), len(ds)))
    for i, w in enumerate(ws):
        for j, d in enumerate(ds):
            lw = theory.relu_output_law([w] * (d + 1))
            miss[i, j] = float(1 - (lw.cdf(2.0 * w) - lw.cdf(0.5 * w)))
    ok_corner, bad_corner = miss[-1, 0], miss[0, -1]
    rows.append(
        Row.check(
            f"P(off mean field by > 2×): wide/shallow (N={ws[-1]}, L={ds[0]}) vs narrow/deep "
            f"(N={ws[0]}, L={ds[-1]})",
            ok_corner < 0.05 and bad_corner > 0.5,
            theory=None,
            measured=f"{ok_corner:.3g} vs {bad_corner:.3g}",
            paper="mean field fails at small N, large L",
            rule="mean field good (< 5 % off by 2×) at large N/L, bad (> 50 %) at small N/L",
        )
    )
    plt = pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    y = np.log10(np.maximum(sims, 1e-30))
    ax1.hist(
        y,
        bins=70,
        density=True,
        color=COLORS[0],
        alpha=0.4,
        label=f"simulation ({p['networks']} networks)",
    )
    xs = law.log_s / math.log(10) - math.log10(n)
    ax1.plot(
        xs, law.density * (1 - law.dead) * math.log(10), color="k", label="exact law (alive part)"
    )
    ax1.axvline(math.log10(mf), color=COLORS[1], ls="--", label="mean field (a point mass)")
    ax1.set_xlim(max(xs[law.density > 1e-4 * law.density.max()].min(), y.min() - 1), y.max() + 1)
    ax1.set_xlabel(r"$\log_{10}(|x^L|^2/|x^0|^2)$")
    ax1.set_ylabel("density")
    ax1.set_title(f"He-initialised ReLU, $N={n}$, $L={depth}$ (dead: {law.dead:.3g})")
    ax1.legend()
    im = ax2.imshow(miss, origin="lower", cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax2.set_xticks(range(len(ds)), [str(d) for d in ds])
    ax2.set_yticks(range(len(ws)), [str(w) for w in ws])
    for i in range(len(ws)):
        for j in range(len(ds)):
            ax2.text(
                j,
                i,
                f"{miss[i, j]:.2f}",
                ha="center",
                va="center",
                fontsize=7,
                color="w" if miss[i, j] < 0.5 else "k",
            )
    ax2.set_xlabel("depth $L$")
    ax2.set_ylabel("width $N$")
    fig.colorbar(im, ax=ax2, label=r"$P(|x^L|^2/|x^0|^2\notin[\frac{1}{2},2])$ (exact)")
    ax2.set_title("where mean field fails")
    fig.suptitle(
        "The exact finite-width output law of ReLU networks against simulation and mean field"
    )
    fig.tight_layout()
    return Outcome(
        rows,
        fig,
        {"ks": ks, "median_exact": law.quantile(0.5) / n, "mean_field": mf, "grid": miss.tolist()},
    )


def he_lacks_isometry(ctx: Context) -> Outcome:
    p = ctx.params
    rows, data = [], {}
    plt = pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    sw = math.sqrt(2.0)
    for depth, color in zip(p["depths"], COLORS):
        he = spectra(ctx, "relu", "gaussian", depth, sw, 0.0)
        ps = spectra(ctx, "relu", "parameter_sharing", depth, 1.0, 0.0)
        he_nv = float(np.mean([normalized_variance(r) for r in he]))
        rows.append(
            Row.compare(
                f"He: m₂/m₁² − 1 at L={depth}",
                2.0 * depth,
                he_nv,
                tol=0.15,
                relative=True,
                paper="grows with L (no isometry)",
                reason="15 %: O(L/N) finite-width correction and network-to-network spread "
                f"(L/N ≤ {max(p['depths']) / p['width']:.2f})",
            )
        )
        dev = max(float(np.max(np.abs(r.singular_values - 1.0))) for r in ps)
        rows.append(
            Row.check(
                f"parameter sharing: max |σ − 1| at L={depth}",
                dev < 1e-8,
                theory=0.0,
                measured=dev,
                paper="exact isometry",
                rule="< 1e-8: rounding of a product of L orthogonal matrices",
            )
        )
        sv = np.concatenate([r.singular_values for r in he])
        ax1.hist(
            np.log10(np.maximum(sv, 1e-8)),
            bins=80,
            range=(-8, 2),
            density=True,
            histtype="step",
            color=color,
            label=f"He, $L={depth}$",
        )
        data[depth] = {"he_nvar": he_nv, "ps_max_dev": dev}
    ax1.axvline(0, color="k", lw=2, label="parameter sharing (all $\\sigma=1$)")
    ax1.set_xlabel(r"$\log_{10}\sigma$, $\sigma$ a singular value of $J$")
    ax1.set_ylabel("density")
    ax1.legend()
    ds = np.array(p["depths"])
    ax2.plot(ds, 2 * ds, color=COLORS[0], label="theory $2L$ (He)")
    ax2.plot(ds, [data[d]["he_nvar"] for d in p["depths"]], "o", color=COLORS[0], label="He, MC")
    ax2.plot(
        ds,
        [max(data[d]["ps_max_dev"], 1e-17) for d in p["depths"]],
        "s",
        color=COLORS[2],
        label=r"parameter sharing: max$|\sigma-1|$",
    )
    ax2.set_xscale("log", base=2)
    ax2.set_yscale("log")
    ax2.set_xlabel("depth $L$")
    ax2.set_ylabel(r"$m_2/m_1^2-1$ of $JJ^T$, or max$|\sigma-1|$")
    ax2.legend()
    fig.suptitle(
        f"ReLU: He initialisation lacks isometry; parameter sharing is exactly isometric (N={p['width']})"
    )
    fig.tight_layout()
    return Outcome(rows, fig, data)


def parameter_sharing_training(ctx: Context) -> Outcome:
    p = ctx.params
    dataset, source = training_data(ctx)
    ctx.notes.append(
        f"Data: {source}. ReLU, depth {p['depth']}, width {p['width']}, SGD learning rate "
        f"{p['learning_rate']}, {p['seeds']} seeds; He = Gaussian σ_w² = 2, σ_b = 0 (as q* = 1 gives)."
    )
    groups, summaries = {}, {}
    for label, init in (
        ("parameter sharing", "parameter_sharing"),
        ("He (Gaussian)", "gaussian"),
        ("orthogonal σ_w²=2", "orthogonal"),
    ):
        runs = train_grid(
            ctx,
            dataset,
            f"relu-{init}",
            inits=[init],
            activations=["relu"],
            depths=[p["depth"]],
            q_stars=[1.0],
            width=p["width"],
            batch_size=p["batch_size"],
            steps=p["steps"],
            eval_every=p["eval_every"],
            checkpoint_every=p["steps"],
            optimizers=["sgd"],
            learning_rates=[p["learning_rate"]],
            seeds=list(range(p["seeds"])),
            accuracy_targets=[p["target"]],
        )
        groups[label] = runs
        summaries[label] = speed_summary(runs, p["target"], p["steps"])
    rows = [
        faster_row(
            "parameter sharing",
            summaries["parameter sharing"],
            other,
            summaries[other],
            p["target"],
            p["steps"],
            paper="parameter sharing trains deep ReLU nets that He init cannot",
        )
        for other in ("He (Gaussian)", "orthogonal σ_w²=2")
    ]
    he = summaries["He (Gaussian)"]
    ctx.notes.append(
        f"He initialisation reached {p['target']:.0%} in {he['reached']}/{he['seeds']} seeds within "
        f"{p['steps']} steps: at this depth it still trains, only slower (the paper's claim that it "
        "cannot is about deeper networks)."
    )
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    shown = {"orthogonal σ_w²=2": r"orthogonal $\sigma_w^2=2$"}
    plot_curves(ax, {shown.get(k, k): v for k, v in groups.items()}, COLORS, p["target"])
    ax.set_title(f"ReLU, $L={p['depth']}$, width {p['width']} ({dataset.name})")
    fig.tight_layout()
    return Outcome(rows, fig, {"summaries": summaries})


ENTRIES = [
    Reproduction(
        "bd19_output_distribution",
        "burkholz2019",
        "The output signal of a finite-width ReLU network has an exact law (|x^l|² = v_l χ²_{K_l}, K_l binomial) "
        "that simulation matches, while mean field fails at small width and large depth.",
        output_distribution,
        quick={
            "width": 10,
            "depth": 50,
            "networks": 4000,
            "grid_widths": [5, 10, 50, 200, 1000],
            "grid_depths": [5, 20, 50, 200],
        },
        full={"networks": 100_000},
        quick_cost="4,000 simulated networks N=10, L=50 and 20 exact laws: ~15 s",
        full_cost="100,000 networks: 13 s on 2 cores (measured at load 3)",
    ),
    Reproduction(
        "bd19_he_lacks_isometry",
        "burkholz2019",
        "He-initialised ReLU networks lack dynamical isometry (var(JJᵀ) ≈ 2L), while parameter sharing makes "
        "every singular value of J exactly 1.",
        he_lacks_isometry,
        quick={"width": 400, "seeds": 2, "depths": [4, 16, 64]},
        full={"width": 2000, "seeds": 4, "depths": [4, 16, 64, 256]},
        quick_cost="12 spectra at N=400: ~15 s",
        full_cost="N=2000 to L=256: ~1 CPU-hour",
    ),
    Reproduction(
        "bd19_parameter_sharing_training",
        "burkholz2019",
        "Parameter sharing trains deep ReLU networks faster than He initialisation (which at the paper's depth "
        "cannot train at all).",
        parameter_sharing_training,
        quick={
            "width": 64,
            "depth": 64,
            "seeds": 5,
            "steps": 600,
            "eval_every": 10,
            "batch_size": 64,
            "learning_rate": 0.01,
            "target": 0.8,
        },
        full={
            "width": 400,
            "depth": 200,
            "seeds": 3,
            "steps": 20_000,
            "eval_every": 250,
            "batch_size": 128,
            "learning_rate": 1e-3,
            "target": 0.4,
        },
        quick_cost="15 runs of 600 steps, depth 64: ~60 s",
        full_cost="depth 200, 9 runs on CIFAR-10 (--data-dir), width 400, --device gpu: ~2 GPU-hours (estimated)",
    ),
]
