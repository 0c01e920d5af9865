"""isometry phase-diagram: q*, χ₁ and the depth scale ξ_c over a (σ_w, σ_b) grid, with the
edge of chaos."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from isometry._internal.validation import ACTIVATIONS
from isometry.cli import _options

NAME = "phase-diagram"
HELP = "q*, χ₁ and ξ_c over (σ_w, σ_b), with the edge of chaos"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--activation", choices=ACTIVATIONS, default="tanh", help="nonlinearity φ")
    w = p.add_mutually_exclusive_group()
    w.add_argument(
        "--sigma-w",
        type=float,
        nargs=2,
        default=None,
        metavar=("MIN", "MAX"),
        help="range of σ_w (default 0.5 4.0)",
    )
    w.add_argument(
        "--sigma-w2",
        type=float,
        nargs=2,
        default=None,
        metavar=("MIN", "MAX"),
        help="range of σ_w² instead (the grid is even in σ_w²)",
    )
    b = p.add_mutually_exclusive_group()
    b.add_argument(
        "--sigma-b",
        type=float,
        nargs=2,
        default=None,
        metavar=("MIN", "MAX"),
        help="range of σ_b (default 0.0 2.0)",
    )
    b.add_argument(
        "--sigma-b2",
        type=float,
        nargs=2,
        default=None,
        metavar=("MIN", "MAX"),
        help="range of σ_b² instead (the grid is even in σ_b²)",
    )
    p.add_argument("--grid", type=int, default=64, help="points per axis")
    p.add_argument(
        "--save",
        metavar="NPZ",
        default=None,
        help="save the diagram (isometry.theory.PhaseDiagram.load reads it)",
    )
    p.add_argument(
        "--plot",
        metavar="PNG",
        default=None,
        help="draw q*, χ₁ and ξ_c with the edge of chaos here",
    )
    _options.add_progress(p)


def _axis(
    plain: tuple[float, float] | None,
    squared: tuple[float, float] | None,
    default: tuple[float, float],
    grid: int,
    name: str,
) -> Any:
    import numpy as np

    if squared is not None:
        if min(squared) < 0:
            raise ValueError(f"--{name}2 must be >= 0, got {squared}")
        return np.sqrt(np.linspace(*squared, grid))
    return np.linspace(*(plain if plain is not None else default), grid)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from isometry import theory
    from isometry._internal import validation

    if args.grid < 2:
        raise ValueError(f"grid must be at least 2, got {args.grid}")
    validation.positive_int("grid", args.grid, 10**6)  # points per axis: 10**12 in all
    validation.phase_grid(args.grid * args.grid)  # before the axes are allocated
    plot = _options.figure_destination(args.plot)  # a bad extension is refused before the work
    sigma_w = _axis(args.sigma_w, args.sigma_w2, (0.5, 4.0), args.grid, "sigma-w")
    sigma_b = _axis(args.sigma_b, args.sigma_b2, (0.0, 2.0), args.grid, "sigma-b")
    diagram = theory.phase_diagram(args.activation, sigma_w, sigma_b, progress=args.progress)
    print(f"{args.activation}: phase diagram on {args.grid} x {args.grid} points")
    print("  edge of chaos (χ₁ = 1):")
    for b in np.linspace(sigma_b[0], sigma_b[-1], 5):
        try:
            print(f"    σ_b = {b:.4g}:  σ_w = {theory.edge_of_chaos(args.activation, b):.6g}")
        except ValueError as exc:
            print(f"    σ_b = {b:.4g}:  none ({exc})")
    if args.save:
        print(f"wrote {diagram.save(args.save)}", file=sys.stderr)
    if args.plot:
        from isometry.plotting.spectrum import plot_phase_diagram

        plot_phase_diagram(diagram, args.plot, title=args.activation)
        print(f"wrote {plot}", file=sys.stderr)
    return 0
