from __future__ import annotations

import numpy as np
import pytest
from gpu_support import cupy_unavailable_reason, gpu_required, gpu_unavailable_reason, skip_or_fail

import isometry


def pytest_addoption(parser):
    parser.addoption(
        "--slow",
        action="store_true",
        default=False,
        help="also run the slow statistical tier (large Monte Carlo, KS at width 2048, ...); "
        "plain `python -m pytest` runs the fast tier only",
    )


def pytest_collection_modifyitems(config, items):
    # The fast tier is the default (under two minutes on 2 cores); --slow adds the tests marked
    # slow, which .ci/run always runs. `-m slow --slow` runs the slow tier alone.
    if config.getoption("--slow"):
        return
    slow = [item for item in items if "slow" in item.keywords]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if "slow" not in item.keywords]


def pytest_report_header(config):
    info = isometry.build_info()
    cuda = info["cuda"]
    devices = ", ".join(cuda["devices"]) or cuda["error"] or "no device"
    return [
        f"isometry {info['version']}: {info['compiler']}, OpenMP threads {info['openmp_max_threads']}, "
        f"BLAS threads {info['blas_threads']}, {info['blas_runtime']}",
        f"CUDA: option {cuda['option']}, {cuda['build']}; loaded {cuda['loaded']}; {devices}",
    ]


@pytest.fixture(scope="session")
def gpu() -> None:
    """For tests marked gpu: skip without a usable CUDA device (fail under ISOMETRY_REQUIRE_GPU=1)."""
    skip_or_fail(gpu_unavailable_reason(), gpu_required())


@pytest.fixture(scope="session")
def cupy(gpu):
    """CuPy on a usable device; skipped (or failed under ISOMETRY_REQUIRE_GPU=1) without it."""
    skip_or_fail(cupy_unavailable_reason(), gpu_required())
    import cupy

    return cupy


@pytest.fixture(params=["float64", "float32"], ids=["f64", "f32"])
def dtype(request) -> str:
    return request.param


@pytest.fixture(params=[0, 12345], ids=lambda s: f"seed{s}")
def seed(request) -> int:
    return request.param


def eps(dtype: str) -> float:
    return float(np.finfo(dtype).eps)
