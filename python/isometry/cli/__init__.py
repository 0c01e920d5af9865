"""The ``isometry`` command line: one module per command, registered in ``COMMANDS``.

Each command module defines ``NAME``, ``HELP`` (and optionally ``DESCRIPTION``),
``add_arguments(parser)`` and ``run(args) -> int``. Errors follow one policy (``main``): the
package's own exceptions become a one-line message and exit status 2, Ctrl-C exit status 130.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

__all__ = ["COMMANDS", "main"]

#: Command modules in the order ``isometry --help`` lists them.
COMMANDS: tuple[str, ...] = (
    "spectrum",
    "density",
    "theory",
    "phase_diagram",
    "resnet",
    "relu_finite_width",
    "train",
    "deep_linear",
    "sweep",
    "reproduce",
    "info",
)


def _command_modules() -> list[ModuleType]:
    return [importlib.import_module(f"isometry.cli.{name}") for name in COMMANDS]


def build_parser() -> argparse.ArgumentParser:
    from isometry import __version__
    from isometry.cli._options import HelpFormatter

    parser = argparse.ArgumentParser(
        prog="isometry", description="Dynamical isometry of deep networks"
    )
    parser.add_argument("--version", action="version", version=f"isometry {__version__}")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="threads for OpenMP and OpenBLAS (default: all usable cores; fewer on a busy machine)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for module in _command_modules():
        p = sub.add_parser(
            module.NAME,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", None) or module.HELP,
            formatter_class=HelpFormatter,
        )
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if (
        args.threads is not None and not 1 <= args.threads <= 1024
    ):  # isometry.set_num_threads' range
        parser.error(f"--threads must be an integer in [1, 1024], got {args.threads}")
    try:
        if args.threads is not None:
            from isometry import set_num_threads

            set_num_threads(args.threads)
        return int(args._run(args))
    except (ValueError, TypeError, MemoryError, RuntimeError, OSError, ImportError) as exc:
        print(f"isometry {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
