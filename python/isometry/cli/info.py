"""isometry info: what this build was compiled with (compiler, OpenMP, BLAS, CUDA)."""

from __future__ import annotations

import argparse
import json

NAME = "info"
HELP = "what this build was compiled with"


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    from isometry import build_info

    print(json.dumps(build_info(), indent=2))
    return 0
