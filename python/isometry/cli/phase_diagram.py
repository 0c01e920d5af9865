"""isometry phase-diagram: q*, χ₁ and the depth scale ξ_c over a (σ_w, σ_b) grid, with the
edge of chaos."""

from __future__ import annotations

import argparse
import sys

from isometry._internal.validation import ACTIVATIONS

NAME = "phase-diagram"
HELP = "q*, χ₁ and ξ_c over (σ_w, σ_b), with the edge of chaos"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--activation", choices=ACTIVATIONS, default="tanh")
    p.add_argument("--sigma-w", type=float, nargs=2, default=(0.5, 4.0), metavar=("MIN", "MAX"))
    p.add_argument("--sigma-b", type=float, nargs=2, default=(0.0, 2.0), metavar=("MIN", "MAX"))
    p.add_argument("--grid", type=int, default=64, help="points per axis")
    p.add_argument("--plot", metavar="PNG", default=None)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from isometry import theory
    from isometry._internal import validation

    if args.grid < 2:
        raise ValueError(f"grid must be at least 2, got {args.grid}")
    validation.phase_grid(args.grid * args.grid)  # before the axes are allocated
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
        from isometry.plotting.spectrum import plot_phase_diagram

        written = plot_phase_diagram(diagram, sigma_w, sigma_b, args.plot, title=args.activation)
        print(f"wrote {written}", file=sys.stderr)
    return 0
