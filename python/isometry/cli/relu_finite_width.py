"""``isometry relu-finite-width``: the squared signal norm through a finite-width Gaussian ReLU
network, layer by layer — exact chain (Burkholz & Dubatovka 2019) vs mean field vs simulation."""

from __future__ import annotations

import argparse
import json
import math
import sys

__all__ = ["NAME", "HELP", "add_arguments", "run"]


NAME = "relu-finite-width"
HELP = "|x^l|² of finite-width ReLU nets: exact chain vs mean field vs simulation"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--width", type=int, default=10, help="N of every layer (and of the input)")
    p.add_argument("--depth", type=int, default=50, help="number of layers L")
    w = p.add_mutually_exclusive_group()
    w.add_argument("--sigma-w", type=float, default=None, help="weight scale σ_w (default √2, He)")
    w.add_argument("--sigma-w2", type=float, default=None, help="σ_w² instead of σ_w")
    b = p.add_mutually_exclusive_group()
    b.add_argument(
        "--sigma-b", type=float, default=None, help="bias standard deviation σ_b (default 0)"
    )
    b.add_argument("--sigma-b2", type=float, default=None, help="σ_b² instead of σ_b")
    p.add_argument("--samples", type=int, default=20000, help="runs of the exact chain")
    p.add_argument("--networks", type=int, default=2000, help="directly simulated networks")
    p.add_argument(
        "--seed", type=int, default=0, help="seed of the chain and of the simulated networks"
    )
    p.add_argument(
        "--plot", metavar="PNG", default=None, help="quantile bands of |x^l|²/|x^0|² against l"
    )
    p.add_argument("--json", action="store_true", help="print the table as JSON")


def _two_sample_ks(a, b) -> float:
    import numpy as np

    a, b = np.sort(a), np.sort(b)
    points = np.concatenate([a, b])
    return float(
        np.max(
            np.abs(
                np.searchsorted(a, points, side="right") / a.size
                - np.searchsorted(b, points, side="right") / b.size
            )
        )
    )


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from isometry import theory
    from isometry._internal import validation
    from isometry.cli import _options
    from isometry.montecarlo.relu_signal import relu_network_norms
    from isometry.theory._arguments import standard_deviations

    sigma_w, sigma_b = standard_deviations(args.sigma_w, args.sigma_b, args.sigma_w2, args.sigma_b2)
    args.sigma_w = math.sqrt(2.0) if sigma_w is None else float(sigma_w)
    args.sigma_b = 0.0 if sigma_b is None else float(sigma_b)
    if args.depth < 1 or args.width < 1:
        raise ValueError(
            f"width and depth must be positive integers, got {args.width}, {args.depth}"
        )
    # Before the list of depth + 1 widths is built: every layer costs the chain and the networks.
    validation.grid_points(
        "depth",
        args.depth,
        minimum=1,
        bytes_per_point=8 * (max(args.samples, 1) + max(args.networks, 1)),
        per_point_seconds=1e-7 * max(args.samples, 1)
        + 2e-9 * max(args.networks, 1) * args.width**2,
    )
    plot = _options.figure_destination(args.plot)  # a bad extension is refused before the work
    widths = [args.width] * (args.depth + 1)
    s0 = float(args.width)
    chain = (
        theory.sample_relu_chain(
            widths, args.sigma_w, args.sigma_b, samples=args.samples, seed=args.seed
        )
        / s0
    )
    network = (
        relu_network_norms(
            widths, args.sigma_w, args.sigma_b, networks=args.networks, seed=args.seed
        )
        / s0
    )
    mean_field = theory.relu_mean_field_norm(widths, args.sigma_w, args.sigma_b) / s0
    dead = theory.relu_death_probability(widths, args.sigma_b)
    exact_laws = args.sigma_b == 0.0  # the exact output law is computed without biases
    depths = sorted({1, max(1, args.depth // 4), max(1, args.depth // 2), args.depth})
    rows = []
    for d in depths:
        row = {
            "layer": d,
            "mean_field": float(mean_field[d]),
            "dead_exact": float(dead[d]),
            "chain_median": float(np.median(chain[:, d])),
            "chain_dead": float(np.mean(chain[:, d] == 0)),
            "simulation_median": float(np.median(network[:, d])),
            "simulation_dead": float(np.mean(network[:, d] == 0)),
            "ks_chain_vs_simulation": _two_sample_ks(chain[:, d], network[:, d]),
        }
        if exact_laws:
            law = theory.relu_output_law(widths[: d + 1], args.sigma_w)
            row["exact_median"] = law.quantile(0.5) / s0
            row["mean_field_is_exceeded_by"] = float(1 - law.cdf(mean_field[d] * s0))
        rows.append(row)
    if args.json:
        print(
            json.dumps(
                {
                    "width": args.width,
                    "depth": args.depth,
                    "sigma_w": args.sigma_w,
                    "sigma_b": args.sigma_b,
                    "rows": rows,
                },
                indent=2,
            )
        )
    else:
        print(
            f"|x^l|²/|x^0|² in Gaussian ReLU networks of width {args.width}, σ_w={args.sigma_w:.4g}, "
            f"σ_b={args.sigma_b:g} ({args.samples} chain runs, {args.networks} simulated networks)"
        )
        print(
            "  layer  mean field  median: exact / chain / simulation    P(dead): exact / chain / simulation"
            "   KS(chain, sim)"
        )
        for r in rows:
            exact = f"{r['exact_median']:.4g}" if exact_laws else "-"
            print(
                f"  {r['layer']:5d}  {r['mean_field']:10.4g}  {exact:>10s} / {r['chain_median']:.4g} / "
                f"{r['simulation_median']:.4g}    {r['dead_exact']:.4g} / {r['chain_dead']:.4g} / "
                f"{r['simulation_dead']:.4g}   {r['ks_chain_vs_simulation']:.4f}"
            )
        print(
            f"  KS 0.1 % critical value: {1.95 * math.sqrt(1 / args.samples + 1 / args.networks):.4f}"
        )
    if args.plot:
        from isometry.plotting.resnet import plot_relu_signal

        layers = np.arange(0, args.depth + 1)
        levels = [0.1, 0.5, 0.9]
        bands = {
            "chain": np.quantile(chain, levels, axis=0).T,
            "simulation": np.quantile(network, levels, axis=0).T,
        }
        if exact_laws:  # at up to 25 depths, drawn linearly interpolated between them
            ds = np.unique(
                np.concatenate([[0], np.linspace(1, args.depth, min(args.depth, 25)).astype(int)])
            )
            exact_rows = [[1.0, 1.0, 1.0]]
            for d in ds[1:]:
                law = theory.relu_output_law(widths[: d + 1], args.sigma_w)
                exact_rows.append([law.quantile(p) / s0 for p in levels])
            bands["exact"] = np.stack(
                [np.interp(layers, ds, np.array(exact_rows)[:, i]) for i in range(3)], axis=1
            )
        plot_relu_signal(
            layers,
            bands,
            mean_field,
            args.plot,
            title=f"ReLU, width {args.width}, $\\sigma_w={args.sigma_w:.4g}$, $\\sigma_b={args.sigma_b:g}$",
        )
        print(f"wrote {plot}", file=sys.stderr)
    return 0
