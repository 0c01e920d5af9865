"""The ``isometry`` command line: one module per command, registered in ``COMMANDS``.

Each command module defines ``NAME``, ``HELP`` (and optionally ``DESCRIPTION``),
``add_arguments(parser)`` and ``run(args) -> int``. Errors follow one policy (``main``), and no
exception ever ends in a traceback: an argument the package refuses (ValueError, TypeError,
OverflowError, MemoryError — sizes past the memory estimate —, and the work-limit refusal)
gives a one-line message and exit status 2; a failure at run time (ConvergenceError,
FloatingPointError, OSError, a missing optional package, anything unexpected) a one-line
message and exit status 1; Ctrl-C exit status 130. Every command also takes ``--max-seconds``
(the limit of the run-time estimates, see isometry._internal.work).
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
        p.add_argument(
            "--max-seconds",
            type=float,
            default=None,
            metavar="S",
            help="refuse work estimated to take longer than S seconds (default: "
            "$ISOMETRY_MAX_SECONDS or 600)",
        )
        p.set_defaults(_run=module.run)
    return parser


#: Exception types that mean "this argument is refused": exit status 2. Everything else a
#: command raises is a run-time failure: exit status 1.
_ARGUMENT_ERRORS = (ValueError, TypeError, OverflowError, MemoryError)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    known = isinstance(exc, (*_ARGUMENT_ERRORS, FloatingPointError, OSError, ImportError)) or (
        type(exc).__name__ == "ConvergenceError"
    )
    return text if known else f"internal error ({type(exc).__name__}): {text}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if (
        args.threads is not None and not 1 <= args.threads <= 1024
    ):  # isometry.set_num_threads' range
        parser.error(f"--threads must be an integer in [1, 1024], got {args.threads}")
    import os

    from isometry._internal import work

    previous = os.environ.get(work.ENVIRONMENT_VARIABLE)
    try:
        if args.max_seconds is not None:
            # The environment carries the limit to every estimate, Dask workers included.
            os.environ[work.ENVIRONMENT_VARIABLE] = repr(work.limit(args.max_seconds))
        if args.threads is not None:
            from isometry import set_num_threads

            set_num_threads(args.threads)
        return int(args._run(args))
    except _ARGUMENT_ERRORS as exc:
        print(f"isometry {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the policy: one line, never a traceback
        print(f"isometry {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    finally:
        if args.max_seconds is not None:
            if previous is None:
                os.environ.pop(work.ENVIRONMENT_VARIABLE, None)
            else:
                os.environ[work.ENVIRONMENT_VARIABLE] = previous


if __name__ == "__main__":
    sys.exit(main())
