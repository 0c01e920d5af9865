"""isometry theory: the large-width theory of J Jᵀ at one point (fixed point, χ₁, moments, λ_max,
atoms, density)."""

from __future__ import annotations

import argparse
import sys

from isometry._internal.validation import ACTIVATIONS, WEIGHTS

NAME = "theory"
HELP = "large-width theory of J Jᵀ: fixed point, χ₁, moments, λ_max, density"


def add_arguments(p: argparse.ArgumentParser) -> None:
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


def run(args: argparse.Namespace) -> int:
    from isometry import theory
    from isometry._internal.files import write_text_atomically

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
    output = write_text_atomically(args.output, "\n".join(lines) + "\n")
    print(f"wrote {output} ({density.x.size} points; atoms are listed above, not in the file)", file=sys.stderr)
    if args.plot:
        from isometry.plotting.spectrum import plot_density

        written = plot_density(density, args.plot, title=f"{args.activation}, {args.weights}, L={args.depth}, "
                     f"σ_w={sigma_w:.4g}, σ_b={sigma_b:.4g}, q*={moments.q_star:.4g}")
        print(f"wrote {written}", file=sys.stderr)
    return 0
