"""The CUDA backend seen from Python: loading ``isometry._cuda``, device checks, GPU arrays.

Nothing here runs at ``import isometry``: the extension and CuPy are imported on first use of
``device="gpu"``, so machines without CUDA never notice them, and every way of not having a GPU
(no CUDA build, cuBLAS/cuSOLVER missing, no driver, no device, no CuPy) is a clear error naming
the cause — never a crash.

GPU arrays come in through ``__cuda_array_interface__`` (CuPy, PyTorch, Numba, ...): their
device pointer is handed to the kernels as is, never copied through the host.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any

import numpy as np

from isometry._internal.core import _core
from isometry._names import CUPY_INSTALL_HINT

__all__ = [
    "cuda_module",
    "device_array",
    "gaussian",
    "haar_orthogonal",
    "import_cupy",
    "jacobian_spectrum",
    "matfree_quadrature_runner",
    "require_device_memory",
    "status",
    "unavailable_reason",
]

GIB = float(1 << 30)
# Leave room for the CUDA context, cuBLAS/cuSOLVER internals and allocator granularity.
_USABLE_FRACTION = 0.92
_STREAMS = _core.STREAMS
_MATH_LIBRARIES_HINT = (
    "it needs cuBLAS and cuSOLVER at run time (pip install nvidia-cublas nvidia-cusolver for the "
    "CUDA major version it was built with)"
)

_extension: ModuleType | None = None
_load_error: str | None = None
_loaded = False


def _load() -> tuple[ModuleType | None, str | None]:
    """(isometry._cuda, None) or (None, why it is not there); tried once per process."""
    global _extension, _load_error, _loaded
    if not _loaded:
        _loaded = True
        try:
            _extension = importlib.import_module("isometry._cuda")
        except ImportError as exc:
            if importlib.util.find_spec("isometry._cuda") is None:
                build = _core.build_info()["cuda_build"]
                _load_error = (
                    f"isometry was built without its CUDA backend ({build}); rebuild with "
                    "ISOMETRY_CUDA=ON (pip install . -Ccmake.define.ISOMETRY_CUDA=ON)"
                )
            else:
                _load_error = f"isometry._cuda is built but could not be loaded ({exc}); {_MATH_LIBRARIES_HINT}"
    return _extension, _load_error


def unavailable_reason() -> str | None:
    """None when ``device="gpu"`` can run here, else why not (one sentence)."""
    cuda, error = _load()
    if cuda is None:
        return error
    runtime = cuda.runtime_status()
    if runtime["device_count"] == 0:
        return f"no CUDA device is usable ({runtime['error']})"
    return None


def cuda_module() -> ModuleType:
    """The loaded ``isometry._cuda`` with at least one device, or RuntimeError saying why not."""
    reason = unavailable_reason()
    if reason is not None:
        raise RuntimeError(f"device='gpu' is unavailable: {reason}")
    assert _extension is not None
    return _extension


def import_cupy() -> ModuleType:
    """CuPy, imported on first use; ImportError with the install command when it is missing."""
    try:
        import cupy
    except ImportError as exc:
        raise ImportError(
            "device='gpu' returns CuPy arrays, but cupy could not be imported "
            f"({exc}); install it: {CUPY_INSTALL_HINT}, or pass out= a GPU array"
        ) from exc
    return cupy


def _version(code: int, major_unit: int, minor_unit: int) -> str:
    major, rest = divmod(code, major_unit)
    minor, patch = divmod(rest, minor_unit)
    return f"{major}.{minor}.{patch}"


def status() -> dict[str, Any]:
    """The ``cuda`` entry of ``isometry.build_info()``: what was built, what loads, which devices."""
    core = _core.build_info()
    info: dict[str, Any] = {
        "option": core["cuda_option"],
        "build": core["cuda_build"],
        "compiled": importlib.util.find_spec("isometry._cuda") is not None,
        "loaded": False,
        "error": None,
        "devices": [],
    }
    cuda, error = _load()
    if cuda is None:
        info["error"] = error
        return info
    compiled = cuda.compiled()
    runtime = cuda.runtime_status()
    info.update(
        loaded=True,
        toolkit=_version(compiled["cudart"], 1000, 10).rsplit(".", 1)[0],
        cublas=_version(compiled["cublas"], 10000, 100),
        cusolver=_version(compiled["cusolver"], 1000, 100),
        architectures=compiled["architectures"],
        driver=None
        if runtime["driver_version"] == 0
        else _version(runtime["driver_version"], 1000, 10).rsplit(".", 1)[0],
        error=runtime["error"],
        devices=[
            f"{d['index']}: {d['name']} (compute {d['compute_capability']}, "
            f"{d['total_bytes'] / GIB:.1f} GiB)"
            for d in cuda.devices()
        ],
    )
    return info


# --------------------------------------------------------------------------------------------
# Device memory


def device_memory(cuda: ModuleType, device: int) -> tuple[int, int]:
    """(free, total) bytes of `device`, free including what CuPy's pool holds but does not use."""
    free, total = cuda.memory_info(device)
    cupy = sys.modules.get("cupy")
    if cupy is not None:
        try:
            free += int(cupy.get_default_memory_pool().free_bytes())
        except Exception:  # noqa: BLE001, S110  (an odd CuPy state must not stop the estimate)
            pass
    return int(free), int(total)


def require_device_memory(cuda: ModuleType, device: int, what: str, needed_bytes: int) -> None:
    """MemoryError stating the estimate when `needed_bytes` does not fit on `device`."""
    free, total = device_memory(cuda, device)
    check_fits(what, needed_bytes, free, total, device)


def check_fits(what: str, needed_bytes: int, free: int, total: int, device: int | str) -> None:
    """The package's one rule for device memory (the isometry._cuda kernels and the CuPy
    training alike): at most _USABLE_FRACTION of what is free, counting CuPy's spare pool blocks
    as free, or a MemoryError stating the estimate."""
    if needed_bytes > _USABLE_FRACTION * free:
        raise MemoryError(
            f"{what} needs about {needed_bytes / GIB:.2f} GiB of GPU memory but only "
            f"{free / GIB:.2f} GiB of {total / GIB:.2f} GiB is free on GPU {device}; reduce the size"
        )


# --------------------------------------------------------------------------------------------
# GPU arrays from __cuda_array_interface__


def _contiguous(
    shape: tuple[int, ...], strides: tuple[int, ...], itemsize: int, order: str
) -> bool:
    axes = range(len(shape)) if order == "F" else reversed(range(len(shape)))
    expected = itemsize
    for axis in axes:
        if shape[axis] > 1 and strides[axis] != expected:
            return False
        expected *= shape[axis]
    return True


def device_array(
    obj: object, name: str, shape: tuple[int, ...], dtype: str, order: str
) -> tuple[int, int | None]:
    """(device pointer, producer stream or None) of a writable GPU array of this shape and dtype.

    `obj` must expose ``__cuda_array_interface__`` (CuPy, PyTorch, Numba, ...) and be contiguous
    in `order` ("C" or "F"). The stream is the interface's v3 ``stream`` entry, which the work is
    then enqueued on (1 and 2 are CUDA's legacy and per-thread default streams, valid handles).
    """
    interface = getattr(obj, "__cuda_array_interface__", None)
    if not isinstance(interface, dict):
        raise TypeError(
            f"{name} must be a GPU array exposing __cuda_array_interface__ (e.g. a CuPy array), "
            f"got {type(obj).__name__}"
        )
    got_shape = tuple(int(s) for s in interface["shape"])
    if got_shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {got_shape}")
    got_dtype = np.dtype(interface["typestr"])
    if got_dtype != np.dtype(dtype):
        raise ValueError(f"{name} must have dtype {dtype}, got {got_dtype.name}")
    if interface.get("mask") is not None:
        raise ValueError(f"{name} must not be a masked array")
    address, readonly = interface["data"]
    if readonly:
        raise ValueError(f"{name} is read-only")
    strides = interface.get("strides")
    itemsize = got_dtype.itemsize
    if strides is not None and not _contiguous(got_shape, tuple(strides), itemsize, order):
        layout = "Fortran" if order == "F" else "C"
        raise ValueError(
            f"{name} must be {layout}-contiguous (order={order!r}), got strides {tuple(strides)}"
        )
    if strides is None and order == "F" and len([s for s in got_shape if s > 1]) > 1:
        raise ValueError(f"{name} must be Fortran-contiguous (order='F'), got a C-contiguous array")
    stream = interface.get("stream")
    if stream is not None and (
        isinstance(stream, bool) or not isinstance(stream, int) or stream == 0
    ):
        raise ValueError(f"{name}'s __cuda_array_interface__ has an invalid stream {stream!r}")
    return int(address), stream


def _output(
    cuda: ModuleType,
    out: object | None,
    name: str,
    shape: tuple[int, int],
    dtype: str,
    order: str,
    what: str,
    extra_bytes: int = 0,
) -> tuple[Any, int, int, int]:
    """(array, pointer, stream, device) to write a result into: `out` itself, or a new CuPy array."""
    if out is not None:
        address, stream = device_array(out, name, shape, dtype, order)
        device = cuda.pointer_device(address)
        if stream is None:
            cupy = sys.modules.get("cupy")
            stream = cupy.cuda.get_current_stream().ptr if cupy is not None else 0
        require_device_memory(cuda, device, what, extra_bytes)
        return out, address, stream, device
    cupy = import_cupy()
    device = cupy.cuda.Device().id
    itemsize = np.dtype(dtype).itemsize
    require_device_memory(cuda, device, what, shape[0] * shape[1] * itemsize + extra_bytes)
    array = cupy.empty(shape, dtype=dtype, order=order)
    return array, int(array.data.ptr), int(cupy.cuda.get_current_stream().ptr), device


# --------------------------------------------------------------------------------------------
# The GPU implementations behind device="gpu" (arguments already validated)


def gaussian(n: int, m: int, std: float, seed: int, dtype: str, out: object | None) -> Any:
    cuda = cuda_module()
    what = f"gaussian({n}, {m}, dtype={dtype!r}, device='gpu')"
    array, address, stream, device = _output(cuda, out, "out", (n, m), dtype, "C", what)
    cuda.fill_normal(
        address, n * m, std, seed, _STREAMS["gaussian_sampler"], 0, 0, dtype, stream, device
    )
    return array


def haar_orthogonal(n: int, m: int, seed: int, dtype: str, out: object | None) -> Any:
    cuda = cuda_module()
    rows, cols = max(n, m), min(n, m)
    what = f"haar_orthogonal({n}, {m}, dtype={dtype!r}, device='gpu')"
    extra = int(cuda.haar_extra_bytes(rows, cols, np.dtype(dtype).itemsize))
    if n >= m:
        array, address, stream, device = _output(cuda, out, "out", (n, m), dtype, "F", what, extra)
    else:  # Q of the tall (m, n) draw, Fortran-ordered, is the C-ordered (n, m) result
        array, address, stream, device = _output(cuda, out, "out", (n, m), dtype, "C", what, extra)
    cuda.haar_columns(
        address, rows, cols, rows, seed, _STREAMS["haar_sampler"], 0, dtype, stream, device
    )
    return array


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
    callback: Any,
) -> dict[str, Any]:
    cuda = cuda_module()
    if width > cuda.MAX_JACOBIAN_WIDTH:
        raise ValueError(
            f"width must be at most {cuda.MAX_JACOBIAN_WIDTH} with device='gpu' (cuSOLVER's QR "
            f"routines use 32-bit sizes); got {width}"
        )
    cupy = sys.modules.get("cupy")
    device = cupy.cuda.Device().id if cupy is not None else 0
    needed = int(
        cuda.jacobian_device_bytes(width, depth, weights, method, np.dtype(dtype).itemsize)
    )
    require_device_memory(
        cuda,
        device,
        f"jacobian_spectrum(width={width}, weights={weights!r}, dtype={dtype!r}, device='gpu')",
        needed,
    )
    return cuda.jacobian_spectrum(
        width,
        depth,
        activation,
        weights,
        sigma_w,
        sigma_b,
        q0,
        seed,
        dtype,
        method,
        callback,
        device,
    )


def matfree_quadrature_runner(
    width: int,
    depth: int,
    weights: str,
    storage: str,
    probes: int,
    steps: int,
    reorthogonalize: bool,
    choose_storage: Any,
) -> tuple[str, Any]:
    """(storage, run) for jacobian_spectral_density(device="gpu"), refused before any allocation.

    Checks the device and its free memory first (RuntimeError / MemoryError with the estimate);
    storage="auto" stores Gaussian weights densely when they take at most a quarter of the free
    device memory (and 2 GiB). ``run(activation, sigma_w, sigma_b, q0, seed, structured_blocks,
    probe, rule, callback)`` returns the same dict as the CPU's ``_core.matfree_quadrature``.
    """
    cuda = cuda_module()
    cupy = sys.modules.get("cupy")
    device = cupy.cuda.Device().id if cupy is not None else 0
    free, _ = device_memory(cuda, device)
    storage = choose_storage(storage, weights, width, depth, free)
    block = probes
    needed = int(
        cuda.matfree_device_bytes(
            width, depth, weights, storage, probes, steps, reorthogonalize, block
        )
    )
    require_device_memory(
        cuda,
        device,
        f"jacobian_spectral_density(width={width}, depth={depth}, weights={weights!r}, storage={storage!r}, "
        f"probes={probes}, steps={steps}, device='gpu')",
        needed,
    )

    def run(
        activation: str,
        sigma_w: float,
        sigma_b: float,
        q0: float,
        seed: int,
        structured_blocks: int,
        probe: str,
        rule: str,
        callback: Any,
    ) -> dict[str, Any]:
        return cuda.matfree_quadrature(
            width,
            depth,
            activation,
            weights,
            storage,
            sigma_w,
            sigma_b,
            q0,
            seed,
            structured_blocks,
            probes,
            steps,
            probe,
            reorthogonalize,
            rule,
            block,
            callback,
            device,
        )

    return storage, run
