"""isometry spectrum: the exact Monte Carlo spectrum of J Jᵀ for one random network, beside the
large-width theory (moments, density, KS distance, q^l)."""

from __future__ import annotations

import argparse
import json
import sys

from isometry._internal.validation import (
    ACTIVATIONS,
    DENSE_WEIGHTS,
    DEVICES,
    DTYPES,
    METHODS,
    WEIGHTS,
)
from isometry.cli import _options

NAME = "spectrum"
HELP = "Monte Carlo spectrum of J Jᵀ for one random network, beside the theory"
DESCRIPTION = (
    "All eigenvalues of J Jᵀ for one random fully connected network (exact, dense), compared with "
    "the large-width theory: the moments, the free-probability density (KS distance) and the "
    "mean-field q^l. Without --sigma-w/--sigma-b the network is critical (χ₁ = 1) at --q-star."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--width", type=int, default=1024, help="units per layer N")
    p.add_argument("--depth", type=int, default=32, help="number of layers L")
    p.add_argument("--activation", choices=ACTIVATIONS, default="tanh", help="nonlinearity φ")
    p.add_argument(
        "--weights",
        choices=DENSE_WEIGHTS,
        default="orthogonal",
        help="weight ensemble (parameter_sharing: the mirrored ReLU init, needs --activation relu)",
    )
    p.add_argument(
        "--base",
        choices=WEIGHTS,
        default=None,
        help="with --weights parameter_sharing: the law of the W0 blocks (default orthogonal)",
    )
    _options.add_network(p)
    p.add_argument(
        "--q0", type=float, default=None, help="first-layer variance (default: the mean-field q*)"
    )
    _options.add_seed(p)
    p.add_argument(
        "--dtype", choices=DTYPES, default="float64", help="floating-point type of the products"
    )
    p.add_argument(
        "--method",
        choices=METHODS,
        default="eigh",
        help="eigh: eigenvalues of J Jᵀ (fast); svd: singular values of J (resolves tiny ones)",
    )
    p.add_argument(
        "--device", choices=DEVICES, default="cpu", help="gpu: the CUDA backend (same numbers)"
    )
    p.add_argument(
        "--save",
        metavar="FILE",
        default=None,
        help="save the eigenvalues: .npy (one array), .csv (with singular values and a header) "
        "or .npz (the whole result, isometry.JacobianSpectrum.load reads it)",
    )
    p.add_argument(
        "--plot", metavar="PNG", default=None, help="write a histogram and q^l panel here"
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    _options.add_progress(p)


def run(args: argparse.Namespace) -> int:
    from isometry import theory
    from isometry.montecarlo.mlp import jacobian_spectrum

    plot = _options.figure_destination(args.plot)  # a bad extension is refused before the work
    result = jacobian_spectrum(
        args.width,
        args.depth,
        activation=args.activation,
        weights=args.weights,
        base=args.base,
        q0=args.q0,
        seed=args.seed,
        dtype=args.dtype,
        method=args.method,
        device=args.device,
        progress=args.progress,
        **_options.network_keywords(args),
    )
    summary = result.summary()
    report = {**summary, "normalized_variance": summary["variance"] / summary["mean"] ** 2}
    trajectory = None
    density = None
    if result.weights in WEIGHTS:  # the large-width theory covers these ensembles
        mean_theory, nvar_theory = theory.spectrum_mean_and_normalized_variance(
            result.activation, result.weights, result.depth, result.sigma_w, result.q0
        )
        trajectory = theory.length_trajectory(
            result.activation, result.sigma_w, result.sigma_b, result.q0, result.depth
        )
        report.update(
            theory_mean=mean_theory,
            theory_normalized_variance=nvar_theory,
            q_last=float(result.q[-1]),
            theory_q_last=float(trajectory[-1]),
        )
        if args.q0 is None:  # the theory describes networks started at the fixed point q*
            from isometry.montecarlo.theory_comparison import (
                resolution_floor,
                theory_density_or_none,
            )

            density = theory_density_or_none(result)
            if density is not None:
                report["ks_theory_vs_monte_carlo"] = density.ks_distance(
                    result.eigenvalues, resolution_floor(result)
                )
                report["theory_lambda_max"] = density.lambda_max
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print(result, report, density)
    if args.save:
        _save(result, args.save)
    if args.plot:
        from isometry.plotting.spectrum import plot_spectrum

        plot_spectrum(result, args.plot, theory_q=trajectory, theory=density)
        _options.wrote(plot if plot is not None else args.plot)
    return 0


def _print(result, report, density) -> None:
    base = f" ({result.base} W0)" if result.base else ""
    print(
        f"J Jᵀ of a {result.depth}-layer {result.activation} network, width {result.width}, "
        f"{result.weights}{base} weights, σ_w={result.sigma_w:.6g} (σ_w²={result.sigma_w**2:.6g}), "
        f"σ_b={result.sigma_b:.6g} (σ_b²={result.sigma_b**2:.6g}), q0={result.q0:.6g}, seed {result.seed}"
    )
    if result.critical_q_star is not None:
        print(
            f"  (σ_w, σ_b not given: the critical point χ₁ = 1 with q* = {result.critical_q_star:g})"
        )
    if "theory_mean" in report:
        print(
            f"  mean      {report['mean']:.6g}   (theory m₁ = (σ_w²μ₁)^L = {report['theory_mean']:.6g})"
        )
        print(
            f"  variance  {report['variance']:.6g}   (var/mean² = {report['normalized_variance']:.6g}; "
            f"theory L(μ₂/μ₁² − 1 − s₁) = {report['theory_normalized_variance']:.6g})"
        )
    else:
        print(f"  mean      {report['mean']:.6g}")
        print(
            f"  variance  {report['variance']:.6g}   (var/mean² = {report['normalized_variance']:.6g})"
        )
    print(f"  min       {report['min']:.6g}")
    print(f"  max       {report['max']:.6g}")
    print(f"  condition number σ_max/σ_min of J  {report['condition_number']:.6g}")
    if "q_last" in report:
        print(f"  q^L       {report['q_last']:.6g}   (mean field {report['theory_q_last']:.6g})")
    if density is not None:
        print(
            f"  λ_max     theory {density.lambda_max:.6g}; KS distance theory vs Monte Carlo "
            f"{report['ks_theory_vs_monte_carlo']:.4f}"
        )
    print(f"  time      {result.seconds:.3f} s")


def _save(result, path: str) -> None:
    if path.lower().endswith(".npz"):
        written = result.save(path)
    else:
        header = {
            "isometry spectrum": "eigenvalues of J Jᵀ (ascending) and singular values of J",
            **{k: v for k, v in result.parameters().items() if k != "seconds"},
        }
        written = _options.save_arrays(
            path,
            {"eigenvalue": result.eigenvalues, "singular_value": result.singular_values},
            header,
        )
    print(f"wrote {written}", file=sys.stderr)
