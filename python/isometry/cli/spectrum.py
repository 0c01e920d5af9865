"""isometry spectrum: the exact Monte Carlo spectrum of J Jᵀ for one random network, beside the
large-width theory (moments, density, KS distance, q^l)."""

from __future__ import annotations

import argparse
import json
import sys

from isometry._internal.validation import ACTIVATIONS, DENSE_WEIGHTS, DTYPES, METHODS

NAME = "spectrum"
HELP = "Monte Carlo spectrum of J Jᵀ for one random network, beside the theory"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--width", type=int, default=1024)
    p.add_argument("--depth", type=int, default=32)
    p.add_argument("--activation", choices=ACTIVATIONS, default="tanh")
    p.add_argument("--weights", choices=DENSE_WEIGHTS, default="orthogonal")
    p.add_argument("--sigma-w", type=float, default=1.05)
    p.add_argument("--sigma-b", type=float, default=0.0)
    p.add_argument("--q0", type=float, default=None, help="first-layer variance (default: mean-field q*)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dtype", choices=DTYPES, default="float64")
    p.add_argument("--method", choices=METHODS, default="eigh")
    p.add_argument("--plot", metavar="PNG", default=None, help="write a histogram and q^l panel here")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--no-progress", action="store_true")


def run(args: argparse.Namespace) -> int:
    from isometry import theory
    from isometry.montecarlo.mlp import jacobian_spectrum

    result = jacobian_spectrum(
        args.width, args.depth, activation=args.activation, weights=args.weights,
        sigma_w=args.sigma_w, sigma_b=args.sigma_b, q0=args.q0, seed=args.seed,
        dtype=args.dtype, method=args.method, progress=not args.no_progress,
    )
    summary = result.summary()
    mean_theory, nvar_theory = theory.spectrum_mean_and_normalized_variance(
        result.activation, result.weights, result.depth, result.sigma_w, result.q0
    )
    trajectory = theory.length_trajectory(result.activation, result.sigma_w, result.sigma_b, result.q0, result.depth)
    report = {
        "width": result.width, "depth": result.depth, "activation": result.activation,
        "weights": result.weights, "sigma_w": result.sigma_w, "sigma_b": result.sigma_b,
        "q0": result.q0, "seed": result.seed, "dtype": result.dtype, "method": result.method,
        **summary,
        "normalized_variance": summary["variance"] / summary["mean"] ** 2,
        "theory_mean": mean_theory, "theory_normalized_variance": nvar_theory,
        "q_last": float(result.q[-1]), "theory_q_last": float(trajectory[-1]),
        "seconds": result.seconds,
    }
    density = None
    if args.q0 is None:  # the theory describes networks started at the fixed point q*
        from isometry.montecarlo.theory_comparison import theory_density_or_none

        density = theory_density_or_none(result)
        if density is not None:
            from isometry.montecarlo.theory_comparison import resolution_floor

            report["ks_theory_vs_monte_carlo"] = density.ks_distance(result.eigenvalues, resolution_floor(result))
            report["theory_lambda_max"] = density.lambda_max
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"J Jᵀ of a {result.depth}-layer {result.activation} network, width {result.width}, "
              f"{result.weights} weights, σ_w={result.sigma_w:g}, σ_b={result.sigma_b:g}, q0={result.q0:.6g}")
        print(f"  mean      {summary['mean']:.6g}   (theory m₁ = (σ_w²μ₁)^L = {mean_theory:.6g})")
        print(f"  variance  {summary['variance']:.6g}   (var/mean² = {report['normalized_variance']:.6g}; "
              f"theory L(μ₂/μ₁² − 1 − s₁) = {nvar_theory:.6g})")
        print(f"  min       {summary['min']:.6g}")
        print(f"  max       {summary['max']:.6g}")
        print(f"  condition number σ_max/σ_min of J  {summary['condition_number']:.6g}")
        print(f"  q^L       {report['q_last']:.6g}   (mean field {report['theory_q_last']:.6g})")
        if density is not None:
            print(f"  λ_max     theory {density.lambda_max:.6g}; KS distance theory vs Monte Carlo "
                  f"{report['ks_theory_vs_monte_carlo']:.4f}")
        print(f"  time      {result.seconds:.3f} s")
    if args.plot:
        from isometry.plotting.spectrum import plot_spectrum

        path = plot_spectrum(result, args.plot, theory_q=trajectory, theory=density)
        print(f"wrote {path}", file=sys.stderr)
    return 0
