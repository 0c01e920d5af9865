"""Type stubs of isometry._cuda (the optional CUDA extension; private: use device="gpu").

Kept in step with cpp/bindings_cuda/ by tests/runtime/test_binding_stubs.py where _cuda is built."""

from __future__ import annotations

import typing

import numpy
import numpy.typing

__all__: list[str] = [
    "CudaError",
    "DeviceMemoryError",
    "MAX_JACOBIAN_WIDTH",
    "NoDeviceError",
    "compiled",
    "devices",
    "fill_normal",
    "haar_columns",
    "haar_extra_bytes",
    "jacobian_device_bytes",
    "jacobian_spectrum",
    "matfree_apply",
    "matfree_device_bytes",
    "matfree_layer_product",
    "matfree_quadrature",
    "matfree_signs",
    "matfree_walsh_hadamard",
    "memory_info",
    "pointer_device",
    "runtime_status",
    "synchronize",
]

class CudaError(RuntimeError):
    pass

class NoDeviceError(RuntimeError):
    pass

class DeviceMemoryError(MemoryError):
    pass

def compiled() -> dict:
    """
    Versions of the CUDA runtime, cuBLAS and cuSOLVER headers this extension was built with.
    """

def devices() -> list: ...
def fill_normal(
    out: int,
    count: int,
    std: float,
    seed: int,
    stream_id: int,
    substream: int,
    first: int,
    dtype: str,
    stream: int = 0,
    device: int = -1,
) -> None:
    """
    out[k] = std * z_{first+k} of the Philox normal stream (seed, stream_id, substream), enqueued on `stream`; the same numbers as the CPU's normal_stream.
    """

def haar_columns(
    q: int,
    n: int,
    m: int,
    ldq: int,
    seed: int,
    stream_id: int,
    substream: int,
    dtype: str,
    stream: int = 0,
    device: int = -1,
) -> None:
    """
    Q (n x m, column-major, leading dimension ldq, n >= m) Haar, the CPU's haar_columns to rounding; returns when Q is complete.
    """

def haar_extra_bytes(n: int, m: int, element_size: int) -> int: ...
def jacobian_device_bytes(
    width: int, depth: int, weights: str, method: str, element_size: int
) -> int: ...
def jacobian_spectrum(
    width: int,
    depth: int,
    activation: str,
    weights: str,
    sigma_w: float,
    sigma_b: float,
    q0: float,
    seed: int,
    dtype: str,
    method: str,
    progress: typing.Any = None,
    device: int = -1,
) -> dict: ...
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
    x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    transpose: bool,
    device: int = -1,
) -> numpy.typing.NDArray[numpy.float64]:
    """
    J x (or Jᵀ x) for the columns of x on the device.
    """

def matfree_device_bytes(
    width: int,
    depth: int,
    weights: str,
    storage: str,
    probes: int,
    steps: int,
    reorthogonalize: bool,
    block: int,
) -> int: ...
def matfree_layer_product(
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
    x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    layer: int,
    transpose: bool,
    device: int = -1,
) -> numpy.typing.NDArray[numpy.float64]:
    """
    W_l x (or W_lᵀ x) for the columns of x on the device.
    """

def matfree_quadrature(
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
    probes: int,
    steps: int,
    probe: str,
    reorthogonalize: bool,
    rule: str,
    block: int,
    progress: typing.Any = None,
    device: int = -1,
) -> dict: ...
def matfree_signs(
    count: int,
    seed: int,
    stream: int,
    substream: int,
    first: int,
    scale: float = 1.0,
    device: int = -1,
) -> numpy.typing.NDArray[numpy.float64]: ...
def matfree_walsh_hadamard(
    x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], device: int = -1
) -> numpy.typing.NDArray[numpy.float64]:
    """
    The unnormalised Walsh–Hadamard transform of each column.
    """

def memory_info(device: int = -1) -> tuple[int, int]:
    """
    (free, total) bytes of a device (-1: the current one).
    """

def pointer_device(address: int) -> int:
    """
    The device that owns a device pointer; ValueError for host memory.
    """

def runtime_status() -> dict:
    """
    Device count, driver and runtime versions; never raises (no driver: 0 devices and the reason).
    """

def synchronize(stream: int = 0) -> None: ...

MAX_JACOBIAN_WIDTH: int = 46340
