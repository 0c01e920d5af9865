"""The ``isometry`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from isometry import cli_deep_linear, cli_relu_finite_width, cli_resnet, cli_train
from isometry._validation import ACTIVATIONS, DTYPES, METHODS, WEIGHTS

__all__ = ["main"]


def _spectrum_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("spectrum", help="Monte Carlo spectrum of J Jᵀ for one random network, beside the theory")
    p.add_argument("--width", type=int, default=1024)
    p.add_argument("--depth", type=int, default=32)
    p.add_argument("--activation", choices=ACTIVATIONS, default="tanh")
    p.add_argument("--weights", choices=WEIGHTS, default="orthogonal")
    p.add_argument("--sigma-w", type=float, default=1.05)
    p.add_argument("--sigma-b", type=float, default=0.0)
    p.add_argument("--q0", type=float, default=None, help="first-layer variance (default: mean-field q*)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dtype", choices=DTYPES, default="float64")
    p.add_argument("--method", choices=METHODS, default="eigh")
    p.add_argument("--plot", metavar="PNG", default=None, help="write a histogram and q^l panel here")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--no-progress", action="store_true")


def _run_spectrum(args: argparse.Namespace) -> int:
    from isometry import theory
    from isometry.spectrum import jacobian_spectrum

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
        from isometry.plotting_support import theory_density_or_none

        density = theory_density_or_none(result)
        if density is not None:
            from isometry.plotting_support import resolution_floor

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
        from isometry.plotting import plot_spectrum

        path = plot_spectrum(result, args.plot, theory_q=trajectory, theory=density)
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _theory_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("theory", help="large-width theory of J Jᵀ: fixed point, χ₁, moments, λ_max, density")
    p.add_argument("--activation", choices=ACTIVATIONS, default="tanh")
    p.add_argument("--weights", choices=WEIGHTS, default="orthogonal")
    p.add_argument("--depth", type=int, default=64)
    p.add_argument("--q-star", type=float, default=None, help="pick (σ_w, σ_b) on the critical line with this q*")
    p.add_argument("--sigma-w", type=float, default=None)
    p.add_argument("--sigma-b", type=float, default=None)
    p.add_argument("--order", type=int, default=4, help="number of moments to print")
    p.add_argument("--points", type=int, default=2000)
    p.add_argument("--output", default="jacobian_density.csv", help="where to save the density (CSV)")
    p.add_argument("--plot", metavar="PNG", default=None)


def _run_theory(args: argparse.Namespace) -> int:
    from isometry import theory
    from isometry._files import write_text_atomically

    if args.q_star is not None:
        if args.sigma_w is not None or args.sigma_b is not None:
            raise ValueError("give either --q-star or --sigma-w/--sigma-b, not both")
        sigma_w, sigma_b = theory.critical_point(args.activation, args.q_star)
    else:
        if args.sigma_w is None:
            raise ValueError("give --q-star, or --sigma-w (and optionally --sigma-b)")
        sigma_w, sigma_b = args.sigma_w, args.sigma_b or 0.0
    moments = theory.jacobian_moments(args.activation, args.weights, args.depth, sigma_w, sigma_b, order=args.order)
    density = theory.jacobian_density(args.activation, args.weights, args.depth, sigma_w, sigma_b, points=args.points)
    chi = theory.chi1(args.activation, sigma_w, sigma_b)
    print(f"{args.activation}, {args.weights} weights, depth {args.depth}")
    print(f"  q*        {moments.q_star:.10g}")
    print(f"  sigma_w   {sigma_w:.10g}   (σ_w² = {sigma_w**2:.10g})")
    print(f"  sigma_b   {sigma_b:.10g}   (σ_b² = {sigma_b**2:.10g})")
    print(f"  chi1      {chi:.10g}")
    for k, m in enumerate(moments.moments, start=1):
        print(f"  m{k}        {m:.10g}")
    print(f"  variance  {moments.variance:.10g}")
    print(f"  lambda_max {density.lambda_max:.10g}   support of the continuum {density.support[0]:.4g} .. {density.support[1]:.10g}")
    for location, mass in density.atoms:
        print(f"  atom      at {location:.10g}, mass {mass:.10g}")
    lines = ["x,density"] + [f"{x:.17g},{r:.17g}" for x, r in zip(density.x, density.density)]
    write_text_atomically(args.output, "\n".join(lines) + "\n")
    print(f"wrote {args.output} ({density.x.size} points; atoms are listed above, not in the file)", file=sys.stderr)
    if args.plot:
        from isometry.plotting import plot_density

        plot_density(density, args.plot, title=f"{args.activation}, {args.weights}, L={args.depth}, "
                     f"σ_w={sigma_w:.4g}, σ_b={sigma_b:.4g}, q*={moments.q_star:.4g}")
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0


def _phase_diagram_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("phase-diagram", help="q*, χ₁ and ξ_c over (σ_w, σ_b), with the edge of chaos")
    p.add_argument("--activation", choices=ACTIVATIONS, default="tanh")
    p.add_argument("--sigma-w", type=float, nargs=2, default=(0.5, 4.0), metavar=("MIN", "MAX"))
    p.add_argument("--sigma-b", type=float, nargs=2, default=(0.0, 2.0), metavar=("MIN", "MAX"))
    p.add_argument("--grid", type=int, default=64, help="points per axis")
    p.add_argument("--plot", metavar="PNG", default=None)


def _run_phase_diagram(args: argparse.Namespace) -> int:
    import numpy as np

    from isometry import theory

    if args.grid < 2:
        raise ValueError(f"grid must be at least 2, got {args.grid}")
    sigma_w = np.linspace(*args.sigma_w, args.grid)
    sigma_b = np.linspace(*args.sigma_b, args.grid)
    diagram = theory.phase_diagram(args.activation, sigma_w, sigma_b)
    print(f"{args.activation}: phase diagram on {args.grid} x {args.grid} points")
    print("  edge of chaos (χ₁ = 1):")
    for b in np.linspace(*args.sigma_b, 5):
        try:
            print(f"    σ_b = {b:.4g}:  σ_w = {theory.edge_of_chaos(args.activation, b):.6g}")
        except ValueError as exc:
            print(f"    σ_b = {b:.4g}:  none ({exc})")
    if args.plot:
        from isometry.plotting import plot_phase_diagram

        plot_phase_diagram(diagram, sigma_w, sigma_b, args.plot, title=args.activation)
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0


def _run_info(args: argparse.Namespace) -> int:
    from isometry import build_info

    print(json.dumps(build_info(), indent=2))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="isometry", description="Dynamical isometry of deep networks")
    sub = parser.add_subparsers(dest="command", required=True)
    _spectrum_parser(sub)
    _theory_parser(sub)
    _phase_diagram_parser(sub)
    sub.add_parser("info", help="what this build was compiled with")
    commands = {
        "resnet": cli_resnet, "relu-finite-width": cli_relu_finite_width,
        "train": cli_train, "deep-linear": cli_deep_linear,
    }
    for module in commands.values():
        module.add_parser(sub)
    from isometry.experiments import command as reproduce_command  # NAME/HELP/add_arguments/run

    commands[reproduce_command.NAME] = reproduce_command
    reproduce_command.add_arguments(sub.add_parser(reproduce_command.NAME, help=reproduce_command.HELP))
    args = parser.parse_args(argv)
    try:
        if args.command in commands:
            return commands[args.command].run(args)
        if args.command == "spectrum":
            return _run_spectrum(args)
        if args.command == "theory":
            return _run_theory(args)
        if args.command == "phase-diagram":
            return _run_phase_diagram(args)
        return _run_info(args)
    except (ValueError, TypeError, MemoryError, RuntimeError, OSError, ImportError) as exc:
        print(f"isometry {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
