"""``isometry deep-linear``: the Saxe et al. (2014) deep-linear experiments with their plots.

(a) mode strengths vs time against the closed form / deep reduction; (b) steps to learn vs depth
for orthogonal vs scaled Gaussian init on a synthetic task; (c) the same on MNIST when its files
are present (skipped with a message otherwise, unless --download).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

__all__ = ["NAME", "HELP", "add_arguments", "run"]


NAME = "deep-linear"
HELP = "Saxe et al. deep-linear learning dynamics: theory vs simulation, learning time vs depth"
DESCRIPTION = (
    "The Saxe et al. (2014) deep-linear experiments with their plots: (a) mode strengths vs time "
    "against the closed form and the deep reduction; (b) steps to learn vs depth for orthogonal vs "
    "scaled Gaussian init on a synthetic task; (c) the same on MNIST when its files are present "
    "(skipped with a message otherwise, unless --download)."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="runs/deep_linear", help="output folder (JSON + PNG)")
    p.add_argument(
        "--depths",
        type=lambda t: [int(v) for v in t.split(",")],
        default=[2, 4, 8, 16, 32, 64],
        help="comma-separated numbers of weight matrices D for (b) and (c)",
    )
    p.add_argument(
        "--width", type=int, default=32, help="width of the synthetic depth experiment (b)"
    )
    p.add_argument(
        "--lr-scale",
        type=lambda v: [float(x) for x in v.split(",")],
        default=[0.25, 0.5, 1.0, 2.0, 4.0],
        help="η = lr_scale/(D s_max²); comma-separated: the fastest per depth is kept (the paper's "
        "optimal learning rate per depth)",
    )
    p.add_argument(
        "--max-steps", type=int, default=5000, help="give up on a depth after this many steps"
    )
    p.add_argument(
        "--data-dir",
        default=None,
        help="where MNIST is (default $ISOMETRY_DATA or ~/.cache/isometry)",
    )
    p.add_argument("--download", action="store_true", help="fetch MNIST for (c) if missing")
    p.add_argument("--seed", type=int, default=0, help="seed of the tasks and initialisations")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bars on stderr (default: on when stderr is a terminal)",
    )


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from isometry._internal import memory, validation, work
    from isometry._internal.files import write_text_atomically
    from isometry._internal.progress import wants_progress
    from isometry.plotting.deep_linear import plot_learning_time_vs_depth, plot_mode_strengths
    from isometry.training import deep_linear as dl
    from isometry.training.synthetic import saxe_task

    validation.positive_int("width", args.width, 10**6)
    memory.require(f"the synthetic task of width {args.width}", 8 * 4 * args.width * args.width)
    # Its Haar factors, SVD and least squares: a few dozen width³ operations before any training.
    work.require(
        f"the synthetic task of width {args.width}",
        40.0 * args.width**3 / work.FLOPS_BLAS3,
        reduce="width",
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report: dict = {}
    modes = [
        dl.mode_strength_experiment(depth=2, init="decoupled", learning_rate=0.005, seed=args.seed),
        dl.mode_strength_experiment(depth=2, init="random", learning_rate=0.005, seed=args.seed),
        dl.mode_strength_experiment(depth=4, init="decoupled", learning_rate=0.005, seed=args.seed),
    ]
    report["a_mode_strengths"] = [
        {
            "depth": r.depth,
            "init": r.init,
            "u0": r.u0,
            "learning_rate": r.learning_rate,
            "singular_values": r.singular_values.tolist(),
            "max_abs_difference_theory_vs_simulation": float(
                np.max(np.abs(r.simulated - r.theory))
            ),
        }
        for r in modes
    ]
    for r in report["a_mode_strengths"]:
        print(
            f"(a) D={r['depth']} {r['init']}: max |u_sim − u_theory| = "
            f"{r['max_abs_difference_theory_vs_simulation']:.4f}",
            file=sys.stderr,
        )
    paths = [out / "a_mode_strengths.png"]
    plot_mode_strengths(modes, paths[0])

    data, *_ = saxe_task(np.linspace(1.0, 2.0, args.width), args.width, args.width, seed=args.seed)
    progress = wants_progress(args.progress)
    depth_result = dl.learning_time_vs_depth(
        data,
        args.depths,
        lr_scale=args.lr_scale,
        max_steps=args.max_steps,
        seed=args.seed,
        progress=progress,
    )
    report["b_learning_time_vs_depth_synthetic"] = asdict(depth_result)
    print(f"(b) steps to learn vs D={args.depths}: {depth_result.steps_to_learn}", file=sys.stderr)
    paths.append(out / "b_learning_time_vs_depth.png")
    plot_learning_time_vs_depth(depth_result, paths[-1])

    try:
        from isometry import datasets

        mnist = datasets.mnist(args.data_dir, download=args.download)
    except FileNotFoundError as exc:
        report["c_mnist"] = f"skipped: {exc}"
        print(f"(c) skipped: {exc}", file=sys.stderr)
    else:
        task = dl.mnist_task(mnist)
        mnist_result = dl.learning_time_vs_depth(
            task,
            args.depths,
            width=64,
            lr_scale=args.lr_scale,
            max_steps=args.max_steps,
            seed=args.seed,
            progress=progress,
        )
        report["c_mnist"] = asdict(mnist_result)
        print(f"(c) MNIST steps to learn vs D: {mnist_result.steps_to_learn}", file=sys.stderr)
        paths.append(out / "c_mnist_learning_time_vs_depth.png")
        plot_learning_time_vs_depth(mnist_result, paths[-1])
    write_text_atomically(
        out / "deep_linear.json", json.dumps(report, indent=2, default=str) + "\n"
    )
    for path in [out / "deep_linear.json", *paths]:
        print(f"wrote {path}", file=sys.stderr)
    return 0
