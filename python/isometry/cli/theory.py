"""isometry theory: the large-width theory of J Jᵀ at one point (fixed point, χ₁, moments, λ_max,
atoms, density)."""

from __future__ import annotations

import argparse
import sys

from isometry._internal.validation import ACTIVATIONS, WEIGHTS
from isometry.cli import _options

NAME = "theory"
HELP = "large-width theory of J Jᵀ: fixed point, χ₁, moments, λ_max, density"
DESCRIPTION = (
    "The large-width (free-probability) theory of J Jᵀ at one network: q*, σ_w, σ_b, χ₁, the "
    "moments, λ_max, the atoms and the support. The density is written only when asked for "
    "(--output CSV, --plot PNG). Without --sigma-w/--sigma-b the network is critical at --q-star."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--activation", choices=ACTIVATIONS, default="tanh", help="nonlinearity φ")
    p.add_argument("--weights", choices=WEIGHTS, default="orthogonal", help="weight ensemble")
    p.add_argument("--depth", type=int, default=64, help="number of layers L")
    _options.add_network(p)
    p.add_argument("--order", type=int, default=4, help="number of moments to print")
    p.add_argument("--points", type=int, default=2000, help="grid points of the density")
    p.add_argument(
        "--output",
        metavar="CSV",
        default=None,
        help="write the density here: columns lambda, density (ρ per unit λ), with the "
        "parameters and the atoms in '#' header lines",
    )
    p.add_argument(
        "--plot", metavar="PNG", default=None, help="draw the density and its atoms here"
    )


def run(args: argparse.Namespace) -> int:
    from isometry import theory

    network = _options.network_keywords(args)
    plot = _options.figure_destination(args.plot)  # a bad extension is refused before the work
    moments = theory.jacobian_moments(
        args.activation, args.weights, args.depth, order=args.order, **network
    )
    sigma_w, sigma_b = moments.sigma_w, moments.sigma_b
    assert sigma_w is not None and sigma_b is not None  # jacobian_moments always resolves them
    density = theory.jacobian_density(
        args.activation, args.weights, args.depth, sigma_w, sigma_b, points=args.points
    )
    chi = theory.chi1(args.activation, sigma_w, sigma_b)
    print(f"{args.activation}, {args.weights} weights, depth {args.depth}")
    if (
        "sigma_w" not in network
        and "sigma_w2" not in network
        and "sigma_b" not in network
        and "sigma_b2" not in network
    ):
        print("  (σ_w, σ_b not given: the critical point χ₁ = 1 at the q* below)")
    print(f"  q*        {moments.q_star:.10g}")
    print(f"  sigma_w   {sigma_w:.10g}   (σ_w² = {sigma_w**2:.10g})")
    print(f"  sigma_b   {sigma_b:.10g}   (σ_b² = {sigma_b**2:.10g})")
    print(f"  chi1      {chi:.10g}")
    for k, m in enumerate(moments.moments, start=1):
        print(f"  m{k}        {m:.10g}")
    print(f"  variance  {moments.variance:.10g}")
    print(
        f"  lambda_max {density.lambda_max:.10g}   support of the continuum {density.support[0]:.4g} .. "
        f"{density.support[1]:.10g}"
    )
    for location, mass in density.atoms:
        print(f"  atom      at {location:.10g}, mass {mass:.10g}")
    if args.output:
        header = {
            "isometry theory": "large-width spectral density of J Jᵀ",
            "columns": "lambda (eigenvalue of J Jᵀ), density (ρ(λ), continuous part, per unit λ)",
            "activation": args.activation,
            "weights": args.weights,
            "depth": args.depth,
            "sigma_w": repr(sigma_w),
            "sigma_b": repr(sigma_b),
            "sigma_w2": repr(args.sigma_w2 if args.sigma_w2 is not None else sigma_w**2),
            "sigma_b2": repr(args.sigma_b2 if args.sigma_b2 is not None else sigma_b**2),
            "q_star": repr(moments.q_star),
            "chi1": repr(chi),
            "lambda_max": repr(density.lambda_max),
            "atoms (location, mass), not in the columns": repr([tuple(a) for a in density.atoms]),
            "mass below the first grid point": repr(density.mass_below_grid),
        }
        output = _options.save_arrays(
            args.output, {"lambda": density.x, "density": density.density}, header
        )
        print(f"wrote {output} ({density.x.size} points; ρ per unit λ)", file=sys.stderr)
    if args.plot:
        from isometry.plotting.spectrum import plot_density

        plot_density(density, args.plot)
        print(f"wrote {plot}", file=sys.stderr)
    return 0
