"""``isometry resnet``: the universal ResNet spectrum, theory over a Monte Carlo histogram, and c
per activation (Tarnowski et al. 2019)."""

from __future__ import annotations

import argparse
import json
import math
import sys

from isometry._internal.validation import ACTIVATIONS, DTYPES, METHODS, WEIGHTS
from isometry.cli import _options

__all__ = ["NAME", "HELP", "add_arguments", "run"]


NAME = "resnet"
HELP = "ResNet Jacobian spectrum: universal law vs Monte Carlo, c per activation"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--width", type=int, default=1000, help="units per layer N")
    p.add_argument("--depth", type=int, default=64, help="number of residual blocks L")
    p.add_argument("--activation", choices=ACTIVATIONS, default="tanh", help="nonlinearity φ")
    p.add_argument("--weights", choices=WEIGHTS, default="orthogonal", help="weight ensemble")
    p.add_argument(
        "--c",
        type=float,
        default=None,
        help="tune σ_w so the mean-field parameter is c (default 1)",
    )
    w = p.add_mutually_exclusive_group()
    w.add_argument(
        "--sigma-w", type=float, default=None, help="use this σ_w instead of tuning to --c"
    )
    w.add_argument("--sigma-w2", type=float, default=None, help="σ_w² instead of σ_w")
    b = p.add_mutually_exclusive_group()
    b.add_argument(
        "--sigma-b", type=float, default=None, help="bias standard deviation σ_b (default 0)"
    )
    b.add_argument("--sigma-b2", type=float, default=None, help="σ_b² instead of σ_b")
    p.add_argument(
        "--residual-scale", type=float, default=None, help="a in W = a·σ_w·(...); default 1/√depth"
    )
    _options.add_seed(p)
    p.add_argument(
        "--dtype", choices=DTYPES, default="float64", help="floating-point type of the products"
    )
    p.add_argument(
        "--method",
        choices=METHODS,
        default="eigh",
        help="eigh: eigenvalues of J Jᵀ; svd: singular values of J",
    )
    p.add_argument(
        "--save",
        metavar="FILE",
        default=None,
        help="save the eigenvalues: .npy, .csv (with a header) or .npz (the whole result)",
    )
    p.add_argument(
        "--plot", metavar="PNG", default=None, help="histogram with the law, and c₂ per layer"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    _options.add_progress(p)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from isometry import theory
    from isometry.montecarlo.resnet import resnet_jacobian_spectrum
    from isometry.theory._arguments import standard_deviations

    plot = _options.figure_destination(args.plot)  # a bad extension is refused before the work
    given_w, given_b = standard_deviations(args.sigma_w, args.sigma_b, args.sigma_w2, args.sigma_b2)
    if given_w is not None and args.c is not None:
        raise ValueError("give either --c or --sigma-w/--sigma-w2, not both")
    args.sigma_b = 0.0 if given_b is None else float(given_b)
    target = 1.0 if args.c is None else args.c
    common = dict(depth=args.depth, residual_scale=args.residual_scale)
    sigma_w = (
        float(given_w)
        if given_w is not None
        else theory.resnet_sigma_w(args.activation, target, args.sigma_b, **common)
    )
    mean_field = theory.resnet_parameter(args.activation, sigma_w, args.sigma_b, **common)
    table = {}
    for name in ACTIVATIONS:  # c at this σ_w, and the σ_w that gives this run's c
        table[name] = {
            "c_at_sigma_w": theory.resnet_parameter(name, sigma_w, args.sigma_b, **common).c,
            "sigma_w_for_c": theory.resnet_sigma_w(name, mean_field.c, args.sigma_b, **common),
        }
    result = resnet_jacobian_spectrum(
        args.width,
        args.depth,
        activation=args.activation,
        weights=args.weights,
        sigma_w=sigma_w,
        sigma_b=args.sigma_b,
        residual_scale=args.residual_scale,
        seed=args.seed,
        dtype=args.dtype,
        method=args.method,
        progress=args.progress,
    )
    density = theory.resnet_density(result.c)
    ev = result.eigenvalues
    lower, upper = density.support
    outliers = int(np.sum(ev > 2 * upper))
    bulk = ev[ev <= 2 * upper]
    report = {
        "width": result.width,
        "depth": result.depth,
        "activation": result.activation,
        "weights": result.weights,
        "sigma_w": sigma_w,
        "sigma_b": result.sigma_b,
        "residual_scale": result.residual_scale,
        "seed": result.seed,
        "c_mean_field": mean_field.c,
        "c_monte_carlo": result.c,
        "ks_theory_vs_monte_carlo": density.ks_distance(ev),
        "mean": float(ev.mean()),
        "theory_mean": math.exp(result.c),
        "normalized_variance": float(ev.var() / ev.mean() ** 2),
        "theory_normalized_variance": 2 * result.c,
        "bulk_mean": float(bulk.mean()),
        "outliers_above_twice_the_edge": outliers,
        "min": float(ev[0]),
        "max": float(ev[-1]),
        "theory_edges": [lower, upper],
        "c_per_activation": table,
        "seconds": result.seconds,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(
            f"J Jᵀ of a {result.depth}-block {result.activation} ResNet, width {result.width}, {result.weights} "
            f"weights, σ_w={sigma_w:.6g}, σ_b={result.sigma_b:g}, residual scale {result.residual_scale:.4g}"
        )
        print(f"  c         Monte Carlo {result.c:.6g}   mean field {mean_field.c:.6g}")
        print(
            f"  KS distance to the universal law (c = Monte Carlo c): {report['ks_theory_vs_monte_carlo']:.4f}"
        )
        print(
            f"  mean      {report['mean']:.6g}   (theory e^c = {report['theory_mean']:.6g}; "
            f"bulk without {outliers} outliers {report['bulk_mean']:.6g})"
        )
        print(f"  var/mean² {report['normalized_variance']:.6g}   (theory 2c = {2 * result.c:.6g})")
        print(f"  min, max  {ev[0]:.6g}, {ev[-1]:.6g}   (theory edges {lower:.6g}, {upper:.6g})")
        print(
            f"  c per activation at σ_w = {sigma_w:.4g}, σ_b = {args.sigma_b:g}, depth {args.depth}:"
        )
        for name, row in table.items():
            print(
                f"    {name:10s} c = {row['c_at_sigma_w']:.6g}   (σ_w for c = {mean_field.c:.4g}: "
                f"{row['sigma_w_for_c']:.6g})"
            )
        print(f"  time      {result.seconds:.3f} s")
    if args.save:
        if args.save.lower().endswith(".npz"):
            written = result.save(args.save)
        else:
            header = {
                "isometry resnet": "eigenvalues of J Jᵀ (ascending) and singular values of J",
                **{k: v for k, v in result.parameters().items() if k != "seconds"},
            }
            written = _options.save_arrays(
                args.save,
                {"eigenvalue": result.eigenvalues, "singular_value": result.singular_values},
                header,
            )
        print(f"wrote {written}", file=sys.stderr)
    if args.plot:
        from isometry.plotting.resnet import plot_resnet_spectrum

        plot_resnet_spectrum(result, density, args.plot, c2_mean_field=mean_field.c2)
        print(f"wrote {plot}", file=sys.stderr)
    return 0
