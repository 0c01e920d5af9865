"""Type stubs of isometry._core.testing (test hooks; not an API)."""

from __future__ import annotations

import collections.abc
import typing

import numpy
import numpy.typing

from isometry._core import CustomActivation

def accepted_names() -> dict: ...
def activation_values(
    activation: str, h: numpy.typing.ArrayLike
) -> tuple[numpy.typing.NDArray[numpy.float64], numpy.typing.NDArray[numpy.float64]]: ...
def cross_moment_gap(activation: str | CustomActivation, q: float, c: float) -> float: ...
def d2_stieltjes(
    activation: str, q: float, y: complex | typing.SupportsComplex | float
) -> tuple[complex, complex, complex]: ...
def gauss_hermite(
    n: int,
) -> tuple[numpy.typing.NDArray[numpy.float64], numpy.typing.NDArray[numpy.float64]]: ...
def lanczos_probe(
    seed: int, kind: str, index: int, n: int
) -> numpy.typing.NDArray[numpy.float64]: ...
def matfree_apply(
    width: int,
    depth: int,
    activation: str,
    weights: str,
    storage: str,
    sigma_w: float,
    sigma_b: float,
    q0: float,
    seed: int,
    structured_blocks: int,
    x: numpy.typing.ArrayLike,
    transpose: bool,
) -> numpy.typing.NDArray[numpy.float64]: ...
def philox4x32_10(
    counter: collections.abc.Sequence[int], key: collections.abc.Sequence[int]
) -> list[int]: ...
def sign_stream(
    count: int, seed: int, stream: int, substream: int, first: int = 0
) -> numpy.typing.NDArray[numpy.float64]: ...
def walsh_hadamard(x: numpy.typing.ArrayLike) -> numpy.typing.NDArray[numpy.float64]: ...
