"""isometry density: the spectral density of J Jᵀ at any width, matrix-free (stochastic Lanczos
quadrature), beside the large-width theory."""

from __future__ import annotations

import argparse
import json
import sys

from isometry._internal.validation import ACTIVATIONS, DEVICES
from isometry.cli import _options

NAME = "density"
HELP = "matrix-free spectral density of J Jᵀ at any width (Lanczos), beside the theory"
DESCRIPTION = (
    "The spectral law of J Jᵀ for one random network, from products J·v and Jᵀ·v only (stochastic "
    "Lanczos quadrature), so the width is limited by L·N numbers rather than N²: e.g. "
    "--width 1048576 --weights structured_orthogonal. Compared with the large-width theory: KS "
    "distance and W₁ in log10 λ, and the moments m₁..m₄. Without --sigma-w/--sigma-b the network "
    "is critical at --q-star."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    from isometry.montecarlo.matfree import MATFREE_WEIGHTS, PROBES, RULES, STORAGES

    p.add_argument("--width", type=int, default=1024, help="units per layer N (any size)")
    p.add_argument("--depth", type=int, default=32, help="number of layers L")
    p.add_argument("--activation", choices=ACTIVATIONS, default="tanh", help="nonlinearity φ")
    p.add_argument(
        "--weights",
        choices=MATFREE_WEIGHTS,
        default="orthogonal",
        help="weight ensemble; structured_orthogonal (Walsh–Hadamard, power-of-two width) and "
        "gaussian --storage onthefly need O(N) memory, orthogonal stores N² per layer",
    )
    _options.add_network(p)
    p.add_argument(
        "--q0", type=float, default=None, help="first-layer variance (default: the mean-field q*)"
    )
    _options.add_seed(p)
    p.add_argument(
        "--probes", type=int, default=8, help="random start vectors (error bars from their spread)"
    )
    p.add_argument(
        "--steps", type=int, default=60, help="Lanczos steps per probe (2L products each)"
    )
    p.add_argument("--probe", choices=PROBES, default="rademacher", help="law of the start vectors")
    p.add_argument(
        "--rule",
        choices=RULES,
        default="radau",
        help="quadrature: radau fixes a node at 0 (catches the zero eigenvalues of relu/hard_tanh)",
    )
    p.add_argument(
        "--storage",
        choices=STORAGES,
        default="auto",
        help="gaussian weights: dense (stored) or onthefly (regenerated from Philox)",
    )
    p.add_argument("--points", type=int, default=400, help="grid points of the density")
    p.add_argument("--device", choices=DEVICES, default="cpu", help="gpu: the CUDA backend")
    p.add_argument(
        "--save",
        metavar="FILE",
        default=None,
        help="save the density: .csv (x, density, error, with a header), .npy (the density) or "
        ".npz (the whole result, isometry.SpectralDensity.load reads it)",
    )
    p.add_argument(
        "--plot", metavar="PNG", default=None, help="draw the density over the theory here"
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    _options.add_progress(p)


def run(args: argparse.Namespace) -> int:
    from isometry import ConvergenceError, theory
    from isometry.montecarlo.matfree import jacobian_spectral_density

    plot = _options.figure_destination(args.plot)  # a bad extension is refused before the work
    result = jacobian_spectral_density(
        args.width,
        args.depth,
        activation=args.activation,
        weights=args.weights,
        q0=args.q0,
        seed=args.seed,
        probes=args.probes,
        steps=args.steps,
        probe=args.probe,
        rule=args.rule,
        storage=args.storage,
        points=args.points,
        device=args.device,
        progress=args.progress,
        **_options.network_keywords(args),
    )
    report = result.summary()
    law = None
    if args.q0 is None:  # the theory describes networks started at the fixed point q*
        # Structured orthogonal layers are orthogonal: the same large-width law as Haar ones.
        ensemble = "orthogonal" if result.weights == "structured_orthogonal" else result.weights
        try:
            law = theory.jacobian_density(
                result.activation, ensemble, result.depth, result.sigma_w, result.sigma_b
            )
            moments = theory.jacobian_moments(
                result.activation, ensemble, result.depth, result.sigma_w, result.sigma_b
            ).moments
        except (ValueError, ConvergenceError) as exc:
            report["theory"] = f"not available: {exc}"
        else:
            report.update(
                ks_theory_vs_monte_carlo=result.ks_distance(law),  # type: ignore[arg-type]
                wasserstein_log10_theory_vs_monte_carlo=result.wasserstein_log10(law),  # type: ignore[arg-type]
                **{f"theory_m{k}": float(m) for k, m in enumerate(moments, start=1)},
            )
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print(result, report)
    if args.save:
        if args.save.lower().endswith(".npz"):
            written = result.save(args.save)
        else:
            header = {
                "isometry density": "matrix-free spectral density of J Jᵀ "
                "(continuous part, per unit λ)",
                **{k: v for k, v in result.parameters().items() if k != "seconds"},
                "mass at 0": result.mass_at_zero,
            }
            written = _options.save_arrays(
                args.save,
                {"density": result.density, "x": result.x, "density_error": result.density_error},
                header,
            )
        print(f"wrote {written}", file=sys.stderr)
    if args.plot:
        from isometry.plotting.spectrum import plot_spectral_density

        plot_spectral_density(result, args.plot, theory=law)
        print(f"wrote {plot}", file=sys.stderr)
    return 0


def _print(result, report) -> None:
    print(
        f"J Jᵀ of a {result.depth}-layer {result.activation} network, width {result.width}, "
        f"{result.weights} weights ({result.storage}), "
        f"σ_w={result.sigma_w:.6g} (σ_w²={result.sigma_w**2:.6g}), "
        f"σ_b={result.sigma_b:.6g} (σ_b²={result.sigma_b**2:.6g}), "
        f"q0={result.q0:.6g}, seed {result.seed}"
    )
    if result.critical_q_star is not None:
        print(
            "  (σ_w, σ_b not given: the critical point χ₁ = 1 "
            f"with q* = {result.critical_q_star:g})"
        )
    print(
        f"  {result.probes} probes × {result.steps} Lanczos steps; "
        f"resolved from λ = {result.resolved_from:.3g}; "
        f"mass at 0 ≈ {result.mass_at_zero:.3g}"
    )
    for k in range(1, 5):
        theory = f"   (theory {report[f'theory_m{k}']:.6g})" if f"theory_m{k}" in report else ""
        print(f"  m{k}        {report[f'm{k}']:.6g} ± {report[f'm{k}_error']:.2g}{theory}")
    if "ks_theory_vs_monte_carlo" in report:
        print(
            f"  KS distance to the theory {report['ks_theory_vs_monte_carlo']:.4f}; "
            f"W₁ in log10 λ {report['wasserstein_log10_theory_vs_monte_carlo']:.4f} decades"
        )
    elif "theory" in report:
        print(f"  theory {report['theory']}")
    print(f"  time      {result.seconds:.3f} s")
