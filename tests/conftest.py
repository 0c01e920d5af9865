from __future__ import annotations

import numpy as np
import pytest

import isometry


def pytest_report_header(config):
    info = isometry.build_info()
    return [f"isometry {info['version']}: {info['compiler']}, OpenMP threads {info['openmp_max_threads']}, "
            f"BLAS threads {info['blas_threads']}, {info['blas_runtime']}, CUDA {info['cuda']}"]


@pytest.fixture(params=["float64", "float32"], ids=["f64", "f32"])
def dtype(request) -> str:
    return request.param


@pytest.fixture(params=[0, 12345], ids=lambda s: f"seed{s}")
def seed(request) -> int:
    return request.param


def eps(dtype: str) -> float:
    return float(np.finfo(dtype).eps)
