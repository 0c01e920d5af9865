"""What the GPU sections share: whether they can run, and timing that waits for the device.

GPU work is asynchronous: a call returns once its kernels are queued. Every timed function here
ends with a device synchronisation, so the clock stops when the work is done, not when it was
queued. Without a usable device (no CUDA build, no driver, no GPU, no CuPy) every GPU section
reports itself skipped with the reason and times nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from comparisons.common import SectionResult


def gpu_unavailable() -> str | None:
    """None when isometry's CUDA backend and CuPy both work here, else why not."""
    from isometry._internal import gpu as _gpu

    reason = _gpu.unavailable_reason()
    if reason is not None:
        return reason
    try:
        import cupy  # noqa: F401
    except ImportError as exc:
        return f"cupy is not importable ({exc})"
    return None


def skipped(title: str, reason: str, targets: list[str]) -> SectionResult:
    result = SectionResult(f"{title}: skipped ({reason})")
    result.notes.append(f"{title.split('.')[0]}. skipped: {reason}")
    result.targets += [f"{t}: n/a (no GPU here)" for t in targets]
    return result


def synced(fn: Callable[[], Any], *, torch: Any = None) -> Callable[[], Any]:
    """fn followed by a synchronisation of the current CuPy device (and of torch's, if given)."""
    import cupy

    def run() -> Any:
        out = fn()
        if torch is not None:
            torch.cuda.synchronize()
        cupy.cuda.Device().synchronize()
        return out

    return run


def torch_cuda(torch: Any) -> tuple[Any, str | None]:
    """(torch, None) when torch can use CUDA here, else (None, why not)."""
    if torch is None:
        return None, "torch is not importable"
    if not torch.cuda.is_available():
        return None, f"torch {torch.__version__} has no usable CUDA device"
    return torch, None


def device_name() -> str:
    import cupy

    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else str(name)
