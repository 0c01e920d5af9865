"""When GPU tests run: skip without a usable CUDA device, fail instead under ISOMETRY_REQUIRE_GPU=1.

A GPU machine's CI sets ISOMETRY_REQUIRE_GPU=1 so that a broken CUDA build or a missing driver
shows up as a failure there, not as a quiet row of skips.
"""

from __future__ import annotations

import os

import pytest

REQUIRE_ENV = "ISOMETRY_REQUIRE_GPU"


def gpu_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() == "1"


def skip_or_fail(reason: str | None, required: bool) -> None:
    """Nothing when `reason` is None; else pytest.fail when required, pytest.skip otherwise."""
    if reason is None:
        return
    if required:
        pytest.fail(f"{REQUIRE_ENV}=1 but the GPU tests cannot run: {reason}")
    pytest.skip(reason)


def gpu_unavailable_reason() -> str | None:
    from isometry._internal import gpu as _gpu

    return _gpu.unavailable_reason()


def cupy_unavailable_reason() -> str | None:
    try:
        import cupy  # noqa: F401
    except ImportError as exc:
        return f"cupy is not importable ({exc})"
    return None
