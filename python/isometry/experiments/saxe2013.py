"""Saxe, McClelland & Ganguli 2013: exact learning dynamics of deep linear networks, depth-independent
learning times with orthogonal initialisation, and the edge of chaos of deep tanh networks."""

from __future__ import annotations

from typing import Any

import numpy as np

import isometry
from isometry.experiments import Reproduction
from isometry.experiments._support import (
    COLORS,
    Context,
    Outcome,
    pyplot,
    train_grid,
    training_data,
)
from isometry.experiments._training import plot_curves, speed_summary
from isometry.experiments.report import Row


def mode_trajectories(ctx: Context) -> Outcome:
    from isometry.training import deep_linear as dl

    p = ctx.params
    plt = pyplot()
    fig, axes = plt.subplots(
        1, len(p["depths"]), figsize=(4.2 * len(p["depths"]), 3.8), squeeze=False
    )
    rows, data = [], {}
    for ax, depth in zip(axes[0], p["depths"]):
        # η ∝ 1/D, the paper's stable scaling O(1/(N_l s²)); learning_rate is the rate at D = 2
        eta = p["learning_rate"] * 2 / depth
        r = dl.mode_strength_experiment(
            p["singular_values"],
            depth=depth,
            init="decoupled",
            u0=p["u0"],
            learning_rate=eta,
            seed=0,
        )
        err = float(np.max(np.abs(r.simulated - r.theory)))
        s_max = float(max(p["singular_values"]))
        # Discrete GD with step η follows the flow to O(η) (global error of Euler's method) times
        # the flow's rate, which eq. 15 puts at (D − 1)·s² on the balanced manifold.
        tol = 3 * eta * (depth - 1) * s_max**2
        rows.append(
            Row.compare(
                f"max |u_GD − u_exact| over modes and time, {depth} weight matrices",
                0.0,
                err,
                tol=tol,
                paper="exact solution (eq. 12 / eq. 15)",
                reason=f"3·η·(D − 1)·s_max²: gradient descent with step η = {eta:g} tracks the "
                "gradient flow (rate ~ (D − 1)s², eq. 15) only to first order in η",
            )
        )
        for a, color in enumerate(COLORS[: r.singular_values.size]):
            ax.plot(
                r.time,
                r.theory[:, a],
                color=color,
                lw=1.5,
                label=f"exact, $s={r.singular_values[a]:g}$",
            )
            ax.plot(r.time[::4], r.simulated[::4, a], "o", ms=3, color=color, mfc="none")
        ax.plot([], [], "o", color="0.3", mfc="none", ms=3, label="simulated GD")
        ax.set_xlabel(r"$t/\tau = \eta\cdot$step")
        ax.set_ylabel(r"mode strength $u_\alpha$")
        ax.set_title(f"$D={depth}$ weight matrices, $u_0={p['u0']:g}$, $\\eta={eta:g}$")
        ax.legend(loc="lower right")
        data[depth] = err
    fig.suptitle(
        "Deep linear networks: exact mode-strength trajectories (lines) against gradient descent (circles)"
    )
    fig.tight_layout()
    return Outcome(rows, fig, data)


def depth_independence(ctx: Context) -> Outcome:
    from isometry.training import deep_linear as dl
    from isometry.training.synthetic import saxe_task

    p = ctx.params
    data, *_ = saxe_task(np.linspace(1.0, 2.0, p["width"]).tolist(), p["width"], p["width"], seed=0)
    res = dl.learning_time_vs_depth(
        data, p["depths"], lr_scale=p["lr_scales"], max_steps=p["max_steps"], seed=0
    )
    budget = p["max_steps"]
    t = {
        k: np.array([budget * 2 if v is None else v for v in vals], dtype=float)
        for k, vals in res.steps_to_learn.items()
    }
    o, g = t["orthogonal"], t["gaussian"]
    depths = np.array(p["depths"])
    d8 = int(depths[depths >= 8][0])
    o_ratio = float(o[-1] / o[depths == d8][0])
    # A Gaussian run that never learns counts as taking the whole budget: a lower bound on its ratio.
    g_ratio = float(min(g[-1], budget) / g[0])
    rows = [
        Row.check(
            f"orthogonal: steps at D={depths[-1]} / steps at D={d8}",
            o_ratio <= 1.5,
            theory=1.0,
            measured=o_ratio,
            paper="depth independent (finite as D → ∞)",
            rule="saturates: ≤ 1.5 from D = 8 on (eq. 17: t_∞ − t_D = O(1/D) at the optimal rate ∝ 1/D)",
        ),
        Row.check(
            f"Gaussian: steps at D={depths[-1]} / steps at D={depths[0]}",
            g_ratio >= 1.5 and g_ratio > o_ratio,
            measured=g_ratio,
            paper="grows with depth",
            rule=f"grows: ≥ 1.5 and above the orthogonal ratio; never learning within {budget} steps "
            "counts as the budget (so the ratio is a lower bound)",
        ),
        Row.check(
            f"orthogonal faster than Gaussian at D={depths[-1]}",
            o[-1] < g[-1],
            measured=f"{o[-1]:.0f} vs "
            + (f"{g[-1]:.0f}" if g[-1] <= budget else f"> {budget}")
            + " steps",
            paper="orthogonal ≈ pretraining, faster",
            rule="fewer steps at the best learning rate of each",
        ),
    ]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for (init, steps), color in zip(t.items(), COLORS):
        ok = steps <= budget
        ax.plot(np.array(p["depths"])[ok], steps[ok], "o-", color=color, label=f"{init} init")
        if (~ok).any():
            ax.plot(
                np.array(p["depths"])[~ok],
                np.full((~ok).sum(), budget * 1.1),
                "x",
                color=color,
                label=f"{init} init: not learned in {budget} steps",
            )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("number of weight matrices $D$")
    ax.set_ylabel("GD steps to learn (best learning rate per depth)")
    ax.set_title(
        f"Deep linear nets, width {p['width']}, whitened synthetic task\n"
        r"$\eta=c/(D s_{\max}^2)$, best $c$ of " + ", ".join(f"{c:g}" for c in p["lr_scales"])
    )
    ax.legend()
    fig.tight_layout()
    return Outcome(
        rows, fig, {"depths": p["depths"], "steps": {k: v.tolist() for k, v in t.items()}}
    )


def tanh_gain(ctx: Context) -> Outcome:
    p = ctx.params
    gains, depth = p["gains"], p["depth"]
    rows: list = []
    data: dict[str, Any] = {"fraction": {}, "q_last": {}}
    plt = pyplot()
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(13, 3.9))
    fractions = []
    for g, color in zip(gains, COLORS):
        # the paper's setting: x^{l+1} = g W φ(x^l), W Haar orthogonal, no biases, unit input variance
        nets = [
            isometry.jacobian_spectrum(
                p["width"],
                depth,
                activation="tanh",
                weights="orthogonal",
                sigma_w=g,
                sigma_b=0.0,
                q0=1.0,
                seed=s,
                method="svd",
            )
            for s in range(p["seeds"])
        ]
        sv = np.concatenate([r.singular_values for r in nets])
        frac = float(np.mean((sv > 0.1) & (sv < 10)))
        fractions.append(frac)
        data["fraction"][g] = frac
        data["q_last"][g] = float(np.mean([r.q[-1] for r in nets]))
        ax1.hist(
            np.log10(np.maximum(sv, 1e-12)),
            bins=80,
            range=(-12, 3),
            density=True,
            histtype="step",
            color=color,
            label=f"$g={g:g}$",
        )
    ax1.axvspan(-1, 1, color="0.9", zorder=0, label=r"$0.1<\sigma<10$")
    i1 = gains.index(1.0)
    below = [f for g, f in zip(gains, fractions) if g < 1]
    beyond = [(g, f) for g, f in zip(gains, fractions) if 1 < g <= 1.2]
    rows.append(
        Row.check(
            f"fraction of singular values in (0.1, 10), g < 1 (L={depth})",
            max(below) < 0.05,
            measured=max(below),
            paper="ordered phase: gradients vanish",
            rule="< 0.05: below the edge of chaos nearly all singular values vanish",
        )
    )
    rows.append(
        Row.check(
            "fraction in (0.1, 10) at g = 1 and just above (≤ 1.2)",
            fractions[i1] >= 0.2 and all(f >= fractions[i1] * 0.8 for _, f in beyond),
            measured=", ".join(f"g={g:g}: {f:.3f}" for g, f in [(1.0, fractions[i1]), *beyond]),
            paper="O(1) fraction near 1 (N=1000, 100 layers)",
            rule="an O(1) fraction: ≥ 0.2 at g = 1, and no worse than 0.8× that just above 1",
        )
    )
    # training: orthogonal tanh with gain g, no bias scale, on real data
    dataset, source = training_data(ctx)
    ctx.notes.append(
        f"Training data: {source}. Orthogonal tanh, σ_b = 0, depth {p['train_depth']}, width "
        f"{p['train_width']}, SGD learning rate {p['learning_rate']}, {p['train_seeds']} seeds per gain."
    )
    groups, summaries = {}, {}
    for g in p["train_gains"]:
        runs = train_grid(
            ctx,
            dataset,
            f"gain-{g:g}",
            inits=["orthogonal"],
            activations=["tanh"],
            depths=[p["train_depth"]],
            q_stars=[None],
            sigma_w=g,
            sigma_b=0.0,
            width=p["train_width"],
            batch_size=64,
            steps=p["steps"],
            eval_every=p["eval_every"],
            checkpoint_every=p["steps"],
            optimizers=["sgd"],
            learning_rates=[p["learning_rate"]],
            seeds=list(range(p["train_seeds"])),
            accuracy_targets=[p["target"]],
        )
        groups[f"$g={g:g}$"] = runs
        summaries[g] = speed_summary(runs, p["target"], p["steps"])
    med = {g: s["median"] for g, s in summaries.items()}
    best = min(med, key=lambda g: med[g])
    rows.append(
        Row.check(
            "gain with the fewest median steps to target",
            1.0 <= best <= 1.5,
            measured=f"g={best:g} ({', '.join(f'g={g:g}: {v:.0f}' for g, v in med.items())})",
            paper="just beyond the edge of chaos (g slightly > 1)",
            rule="the fastest gain lies in [1, 1.5]: neither ordered (g < 1) nor deep in chaos",
        )
    )
    ax1.set_xlabel(r"$\log_{10}\sigma$, $\sigma$ a singular value of $J$")
    ax1.set_ylabel("density")
    ax1.set_title(f"orthogonal tanh, $L={depth}$, N={p['width']}")
    ax1.legend(ncol=2)
    ax2.plot(gains, fractions, "o-", color=COLORS[0])
    ax2.axvline(1.0, color="0.5", ls=":", label="edge of chaos $g_c=1$")
    ax2.set_xlabel("gain $g$")
    ax2.set_ylabel(r"fraction of $\sigma\in(0.1,10)$")
    ax2.legend()
    plot_curves(ax3, groups, COLORS, p["target"])
    ax3.set_title(f"training, $L={p['train_depth']}$ ({dataset.name})")
    fig.suptitle(
        "Deep tanh networks with orthogonal weights: the Jacobian at the edge of chaos and training speed"
    )
    fig.tight_layout()
    data["training"] = {str(g): s for g, s in summaries.items()}
    return Outcome(rows, fig, data)


ENTRIES = [
    Reproduction(
        "saxe_mode_trajectories",
        "saxe2013",
        "Gradient descent on a deep linear network started on the decoupled manifold follows the exact "
        "mode-strength solution u(t) (sigmoidal, learning time ∝ 1/s).",
        mode_trajectories,
        quick={
            "depths": [2, 4, 8],
            "singular_values": [3.0, 2.0, 1.0, 0.5],
            "u0": 1e-3,
            "learning_rate": 0.002,
        },
        full={"depths": [2, 4, 8, 16, 32], "learning_rate": 0.0005},
        quick_cost="3 small GD runs (width 16): ~10 s",
        full_cost="5 depths at η = 5e-4: ~8 CPU-minutes (575 s wall on 2 cores at load 3, measured)",
    ),
    Reproduction(
        "saxe_depth_independence",
        "saxe2013",
        "With orthogonal initialisation the learning time of a deep linear network is independent of depth "
        "(at the optimal learning rate ∝ 1/D); with scaled Gaussian initialisation it grows.",
        depth_independence,
        quick={
            "width": 32,
            "depths": [2, 4, 8, 16, 32, 64],
            "lr_scales": [0.25, 0.5, 1.0, 2.0],
            "max_steps": 3000,
        },
        full={
            "width": 128,
            "depths": [2, 4, 8, 16, 32, 64, 128, 256],
            "lr_scales": [0.125, 0.25, 0.5, 1.0, 2.0, 4.0],
            "max_steps": 20_000,
        },
        quick_cost="48 GD runs at width 32: ~20 s",
        full_cost="width 128, depth ≤ 256, 6 rates: ~1 CPU-hour",
    ),
    Reproduction(
        "saxe_tanh_gain",
        "saxe2013",
        "For deep tanh networks with orthogonal weights the critical gain is g = 1: just above it an O(1) "
        "fraction of the Jacobian's singular values stays near 1, below it they vanish, and training is "
        "fastest just beyond the edge of chaos.",
        tanh_gain,
        quick={
            "width": 400,
            "depth": 100,
            "seeds": 1,
            "gains": [0.9, 1.0, 1.05, 1.1, 1.5, 2.0],
            "train_gains": [0.9, 1.05, 1.5, 3.0],
            "train_depth": 32,
            "train_width": 64,
            "train_seeds": 5,
            "learning_rate": 0.01,
            "steps": 600,
            "eval_every": 10,
            "target": 0.8,
        },
        full={
            "width": 1000,
            "seeds": 4,
            "train_depth": 100,
            "train_width": 400,
            "train_seeds": 3,
            "learning_rate": 1e-3,
            "steps": 20_000,
            "eval_every": 100,
            "target": 0.4,
        },
        quick_cost="6 spectra N=400 L=100 + 20 training runs (600 steps): ~60 s",
        full_cost="N=1000 (the paper's), 100 layers; training on CIFAR-10 at depth 100, width 400: ~2 GPU-hours",
    ),
]
