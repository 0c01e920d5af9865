"""Options several commands share, defined once so their names, help and meaning agree.

The network: ``--sigma-w``/``--sigma-b`` (standard deviations) or ``--sigma-w2``/``--sigma-b2``
(the variances the papers tabulate), or ``--q-star`` (a critical network); left out, the package
default (critical at q* = 0.5). ``--seed`` (an integer, or ``random``); ``--progress`` /
``--no-progress``; ``--save`` of arrays as ``.npy``, ``.csv`` or ``.npz``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "HelpFormatter",
    "add_network",
    "add_progress",
    "add_seed",
    "figure_destination",
    "network_keywords",
    "save_arrays",
    "seed_value",
]


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Every flag's default after its help, except where there is none to show (None, False)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def add_network(
    p: argparse.ArgumentParser, *, q_star: bool = True, default_note: str | None = None
) -> None:
    """--sigma-w | --sigma-w2, --sigma-b | --sigma-b2 and (optionally) --q-star."""
    note = default_note or "left out: the critical network (χ₁ = 1), see --q-star"
    w = p.add_mutually_exclusive_group()
    w.add_argument(
        "--sigma-w",
        type=float,
        default=None,
        metavar="SW",
        help=f"weight scale σ_w (weights have standard deviation σ_w/√width); {note}",
    )
    w.add_argument(
        "--sigma-w2",
        type=float,
        default=None,
        metavar="SW2",
        help="σ_w² instead of σ_w (the papers tabulate variances)",
    )
    b = p.add_mutually_exclusive_group()
    b.add_argument(
        "--sigma-b",
        type=float,
        default=None,
        metavar="SB",
        help="bias standard deviation σ_b; left out: 0 when --sigma-w is given, else critical",
    )
    b.add_argument(
        "--sigma-b2", type=float, default=None, metavar="SB2", help="σ_b² instead of σ_b"
    )
    if q_star:
        p.add_argument(
            "--q-star",
            type=float,
            default=None,
            metavar="Q",
            help="with no σ given: the critical point (χ₁ = 1) whose fixed point is Q "
            "(package default 0.5)",
        )


def network_keywords(args: argparse.Namespace) -> dict[str, Any]:
    """The API keywords for the network options that were given."""
    out = {}
    for name in ("sigma_w", "sigma_b", "sigma_w2", "sigma_b2", "q_star"):
        value = getattr(args, name, None)
        if value is not None:
            out[name] = value
    return out


def add_seed(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--seed",
        type=seed_value,
        default=0,
        help="Philox key, an integer in [0, 2**64); 'random' draws fresh entropy (the key "
        "used is printed, pass it back to repeat the run)",
    )


def seed_value(text: str) -> int | None:
    if text.lower() in ("random", "none"):
        return None
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"an integer or 'random', got {text!r}") from None


def add_progress(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: on when stderr is a terminal)",
    )


def save_arrays(
    path: str | Path, columns: Mapping[str, np.ndarray], header: Mapping[str, Any]
) -> Path:
    """Write ``columns`` as ``.npy`` (the first column only), ``.csv`` (all, with ``# key: value``
    header lines) or ``.npz`` (all, plus the header as JSON in ``__metadata__``), atomically."""
    from isometry._internal.files import atomic_path, destination, open_atomically

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".npy", ".csv", ".npz"):
        raise ValueError(f"--save: the file name must end in .npy, .csv or .npz, got {str(path)!r}")
    if suffix == ".csv":
        names = list(columns)
        with open_atomically(path) as fh:
            for key, value in header.items():
                fh.write(f"# {key}: {value}\n")
            fh.write(",".join(names) + "\n")
            for row in zip(*(np.asarray(columns[n]) for n in names), strict=True):
                fh.write(",".join(f"{v:.17g}" for v in row) + "\n")
        return destination(path)
    with atomic_path(path) as tmp:
        if suffix == ".npy":
            np.save(tmp, np.asarray(next(iter(columns.values()))))
        else:
            from isometry._internal.results import jsonable

            np.savez(tmp, __metadata__=np.array(json.dumps(jsonable(dict(header)))), **columns)  # type: ignore[arg-type]  # numpy's stub types **kwds as the allow_pickle flag
    return destination(path)


def figure_destination(path: str | Path | None) -> Path | None:
    """Where ``--plot PATH`` will be written (``.png`` added to a name without an extension), or
    ValueError for an extension matplotlib cannot write: called before the computation, so that
    a bad name is refused at once, and for the "wrote" line after it."""
    if path is None:
        return None
    from isometry.plotting._figure import figure_path

    return figure_path(path)[0]


def wrote(path: Path | str, what: str = "") -> None:
    print(f"wrote {path}{f' ({what})' if what else ''}", file=sys.stderr)
