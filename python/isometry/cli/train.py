"""``isometry train``: run a named or JSON-described experiment grid, resumably, with plots."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

__all__ = ["NAME", "HELP", "add_arguments", "run"]


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.split(",")]


def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",")]


def _words(text: str) -> list[str]:
    return text.split(",")


NAME = "train"
HELP = (
    "train a grid of deep networks (init × activation × depth × optimizer × q* "
    "× learning rate × seed); resumable"
)
DESCRIPTION = (
    "Run a named experiment (isometry train --list) or one described in JSON (--config): a grid "
    "of runs written as runs.csv, steps.csv, evals.csv and experiment.json, with plots. "
    "Rerunning skips finished runs and resumes an interrupted one from its checkpoint. Any "
    "grid axis can be overridden (comma-separated lists)."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", default=None, help="a named experiment (see --list)")
    p.add_argument(
        "--config",
        metavar="JSON",
        help="an experiment as JSON (the fields of isometry.training.Experiment)",
    )
    p.add_argument("--out", metavar="DIR", help="output folder (default: runs/<name>)")
    p.add_argument("--list", action="store_true", help="list the named experiments and exit")
    p.add_argument("--dry-run", action="store_true", help="print the runs of the grid and exit")
    p.add_argument(
        "--device", choices=("cpu", "gpu"), help="where to train (default: the experiment's)"
    )
    p.add_argument(
        "--dtype",
        choices=("float32", "float64"),
        help="floating-point type (default: the experiment's)",
    )
    p.add_argument(
        "--dataset",
        choices=("cifar10", "mnist", "teacher"),
        help="data set (default: the experiment's; teacher is synthetic)",
    )
    p.add_argument(
        "--data-dir", help="where the datasets are (default $ISOMETRY_DATA or ~/.cache/isometry)"
    )
    p.add_argument(
        "--download", action="store_true", help="fetch a missing dataset archive (checksummed)"
    )
    p.add_argument(
        "--inits", type=_words, help="comma-separated: orthogonal,gaussian,parameter_sharing"
    )
    p.add_argument(
        "--activations", type=_words, help="comma-separated: tanh,hard_tanh,relu,linear,erf"
    )
    p.add_argument("--depths", type=_ints, help="comma-separated depths L")
    p.add_argument("--optimizers", type=_words, help="comma-separated: sgd,momentum,rmsprop,adam")
    p.add_argument("--q-stars", type=_floats, help="comma-separated q* (critical initialisations)")
    p.add_argument("--learning-rates", type=_floats, help="used with every optimizer")
    p.add_argument("--seeds", type=_ints, help="comma-separated seeds")
    p.add_argument("--width", type=int, help="units per hidden layer")
    p.add_argument("--batch-size", type=int, help="minibatch size")
    p.add_argument("--steps", type=int, help="updates per run")
    p.add_argument("--eval-every", type=int, help="evaluate the test set every this many steps")
    p.add_argument(
        "--checkpoint-every", type=int, help="save a resumable checkpoint every this many steps"
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="per-run bar and whole-grid ETA on stderr (default: on when stderr is a terminal)",
    )
    p.add_argument("--no-plots", action="store_true", help="do not draw the plots")
    engine = p.add_mutually_exclusive_group()
    engine.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="run the grid's runs on N local Dask worker "
        "processes (needs isometry[sweep]; 1 = sequentially in this process)",
    )
    engine.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run them on this Dask cluster (tcp://host:8786); "
        "--out must be on a filesystem the workers share",
    )


def run(args: argparse.Namespace) -> int:
    from isometry.training import PRESETS, Experiment, named_experiment, run_experiment

    if args.list:
        for name, spec in PRESETS.items():
            print(f"{name:30s} {spec.get('description', '')}")
        return 0
    if (args.name is None) == (args.config is None):
        raise ValueError(
            "give a named experiment (isometry train --list) or --config FILE, not both"
        )
    overrides = dict(
        device=args.device,
        dtype=args.dtype,
        dataset=args.dataset,
        inits=args.inits,
        activations=args.activations,
        depths=args.depths,
        optimizers=args.optimizers,
        q_stars=args.q_stars,
        learning_rates=args.learning_rates,
        seeds=args.seeds,
        width=args.width,
        batch_size=args.batch_size,
        steps=args.steps,
        eval_every=args.eval_every,
        checkpoint_every=args.checkpoint_every,
    )
    if args.dataset is not None and args.dataset != "teacher":
        overrides["data_options"] = {}
    if args.name is not None:
        experiment = named_experiment(args.name, **overrides)
    else:
        try:
            spec = json.loads(Path(args.config).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"--config {args.config}: {exc}") from exc
        experiment = Experiment.from_dict(spec).replace(**overrides)
    runs = experiment.runs()
    out = Path(args.out or Path("runs") / experiment.name)
    if args.dry_run:
        for r in runs:
            print(r.run_id)
        print(
            f"{len(runs)} runs; skipped combinations: {experiment.skipped() or 'none'}",
            file=sys.stderr,
        )
        return 0
    print(f"{experiment.name}: {len(runs)} runs on {experiment.device} into {out}", file=sys.stderr)
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be a positive integer, got {args.workers}")
    with contextlib.ExitStack() as stack:
        client = None
        if args.scheduler is not None or (args.workers or 1) > 1:
            from isometry.sweep.engine import dask_client

            client = stack.enter_context(dask_client(args.scheduler, args.workers, 1))
        # Bars are drawn in this process only: with Dask workers the per-run lines carry the ETA.
        outcomes = run_experiment(
            experiment,
            out,
            data_dir=args.data_dir,
            download=args.download,
            progress=args.progress if client is None else False,
            log=lambda m: print(m, file=sys.stderr),
            client=client,
        )
    diverged = sum(o.state == "diverged" for o in outcomes)
    print(
        f"wrote {out}/runs.csv, steps.csv, evals.csv, experiment.json ({len(outcomes)} runs, {diverged} diverged)",
        file=sys.stderr,
    )
    if not args.no_plots:
        _plot(out, experiment.accuracy_targets)
    return 0


def _plot(out: Path, targets: list[float]) -> None:
    """Every picture that can be drawn; one that fails is reported and never fails the command
    (the runs and tables are already written)."""
    from isometry.plotting.training import experiment_plots

    for path, draw in experiment_plots(out, targets):
        try:
            print(f"wrote {draw()}", file=sys.stderr)
        except ImportError as exc:  # no matplotlib: no picture can be drawn
            print(f"no plots: {exc}", file=sys.stderr)
            return
        except Exception as exc:  # noqa: BLE001 - reported; the runs are written either way
            print(f"isometry train: warning: could not draw {path}: {exc}", file=sys.stderr)
