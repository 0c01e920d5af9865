"""The CUDA backend without a GPU: the ISOMETRY_CUDA option logic, build_info, the device
argument, GPU-array parsing, and every way of not having a GPU giving a clear error."""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gpu_support import skip_or_fail

import isometry
from isometry._internal import gpu as _gpu

REPO = Path(__file__).resolve().parents[2]
CUDA_CMAKE = REPO / "cmake" / "IsometryCuda.cmake"
CMAKE = shutil.which("cmake")


# --------------------------------------------------------------------------------------------
# build_info


def test_build_info_reports_cuda_consistently():
    cuda = isometry.build_info()["cuda"]
    assert {"option", "build", "compiled", "loaded", "error", "devices"} <= set(cuda)
    assert cuda["option"] in ("AUTO", "ON", "OFF")
    assert cuda["compiled"] == (importlib.util.find_spec("isometry._cuda") is not None)
    assert cuda["compiled"] == cuda["build"].startswith("built with CUDA")
    if cuda["option"] == "ON":
        assert cuda["compiled"]  # ON never falls back silently
    if cuda["option"] == "OFF":
        assert cuda["build"] == "not built: ISOMETRY_CUDA=OFF"
    if cuda["loaded"]:
        assert cuda["toolkit"].count(".") == 1 and cuda["cublas"].count(".") == 2
        assert cuda["architectures"]
        assert (cuda["error"] is None) == bool(cuda["devices"])
    else:
        assert cuda["error"] and not cuda["devices"]


@pytest.mark.skipif(
    os.environ.get("ISOMETRY_EXPECT_CUDA_BUILD") != "1",
    reason="set ISOMETRY_EXPECT_CUDA_BUILD=1 where the CUDA extension must be built (CI)",
)
def test_cuda_extension_was_built_and_loads():
    cuda = isometry.build_info()["cuda"]
    assert cuda["compiled"] and cuda["loaded"], cuda
    assert cuda["option"] == "ON"


# --------------------------------------------------------------------------------------------
# The device argument and the paths without a GPU


@pytest.mark.parametrize("device", ["cuda", "GPU", "gpu:0", None, 0])
def test_device_must_be_cpu_or_gpu(device):
    for call in (
        lambda: isometry.gaussian(4, device=device),
        lambda: isometry.haar_orthogonal(4, device=device),
        lambda: isometry.jacobian_spectrum(8, 2, q0=1.0, device=device),
    ):
        with pytest.raises(ValueError, match="device must be one of 'cpu', 'gpu'"):
            call()


def test_bad_arguments_are_refused_before_the_device_is_touched():
    with pytest.raises(ValueError, match="n must be a positive integer"):
        isometry.gaussian(0, device="gpu")
    with pytest.raises(ValueError, match="dtype must be"):
        isometry.haar_orthogonal(4, dtype="float16", device="gpu")
    with pytest.raises(ValueError, match="activation must be one of"):
        isometry.jacobian_spectrum(8, 2, activation="gelu", device="gpu")
    with pytest.raises(ValueError, match="out is supported with device='gpu' only"):
        isometry.haar_orthogonal(4, out=object())


def test_no_gpu_is_a_clear_error():
    reason = _gpu.unavailable_reason()
    if reason is None:
        pytest.skip("a CUDA device is usable here")
    for call in (
        lambda: isometry.gaussian(4, device="gpu"),
        lambda: isometry.haar_orthogonal(4, device="gpu"),
        lambda: isometry.jacobian_spectrum(8, 2, q0=1.0, device="gpu"),
    ):
        with pytest.raises(RuntimeError, match="device='gpu' is unavailable: ") as info:
            call()
        assert reason in str(info.value)


def test_unloadable_extension_is_a_clear_error(monkeypatch):
    # As on a machine where the wheel was built with CUDA but cuBLAS is not installed.
    def fail(name, *args, **kwargs):
        raise ImportError(
            "libcublas.so.13: cannot open shared object file: No such file or directory"
        )

    monkeypatch.setattr(_gpu, "_loaded", False)
    monkeypatch.setattr(_gpu, "_extension", None)
    monkeypatch.setattr(_gpu, "_load_error", None)
    monkeypatch.setattr(_gpu.importlib, "import_module", fail)
    reason = _gpu.unavailable_reason()
    if importlib.util.find_spec("isometry._cuda") is None:
        assert "built without its CUDA backend" in reason and "ISOMETRY_CUDA=ON" in reason
    else:
        assert "libcublas.so.13" in reason and "pip install nvidia-cublas nvidia-cusolver" in reason
    with pytest.raises(RuntimeError, match="device='gpu' is unavailable"):
        isometry.gaussian(3, device="gpu")
    status = _gpu.status()
    assert not status["loaded"] and status["error"] == reason


def test_missing_cupy_is_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy now raises ImportError
    with pytest.raises(ImportError, match=re.escape('pip install "isometry[gpu]"')):
        _gpu.import_cupy()


def test_require_gpu_fails_instead_of_skipping():
    with pytest.raises(
        pytest.fail.Exception, match="ISOMETRY_REQUIRE_GPU=1 but the GPU tests cannot run: no"
    ):
        skip_or_fail("no device", required=True)
    with pytest.raises(pytest.skip.Exception, match="no device"):
        skip_or_fail("no device", required=False)
    skip_or_fail(None, required=True)  # a usable GPU: nothing happens


# --------------------------------------------------------------------------------------------
# __cuda_array_interface__ parsing (no device needed)


class FakeGpuArray:
    def __init__(self, shape, typestr="<f8", strides=None, readonly=False, stream=None, **extra):
        self.__cuda_array_interface__ = {
            "shape": shape,
            "typestr": typestr,
            "data": (0xABC000, readonly),
            "strides": strides,
            "version": 3,
            **({"stream": stream} if stream is not None else {}),
            **extra,
        }


def test_device_array_accepts_contiguous_arrays():
    assert _gpu.device_array(FakeGpuArray((3, 4)), "out", (3, 4), "float64", "C") == (
        0xABC000,
        None,
    )
    assert (
        _gpu.device_array(FakeGpuArray((3, 4), strides=(8, 24)), "out", (3, 4), "float64", "F")[0]
        == 0xABC000
    )
    assert (
        _gpu.device_array(FakeGpuArray((3, 1), strides=(8, 8)), "out", (3, 1), "float64", "F")[0]
        == 0xABC000
    )
    assert (
        _gpu.device_array(FakeGpuArray((2, 2), "<f4", stream=2), "out", (2, 2), "float32", "C")[1]
        == 2
    )


@pytest.mark.parametrize(
    "array,error,message",
    [
        (FakeGpuArray((4, 3)), ValueError, r"out must have shape \(3, 4\)"),
        (FakeGpuArray((3, 4), "<f4"), ValueError, "out must have dtype float64, got float32"),
        (FakeGpuArray((3, 4), readonly=True), ValueError, "out is read-only"),
        (FakeGpuArray((3, 4), strides=(8, 24)), ValueError, "out must be C-contiguous"),
        (FakeGpuArray((3, 4), strides=(64, 8)), ValueError, "out must be C-contiguous"),
        (FakeGpuArray((3, 4), mask=object()), ValueError, "masked"),
        (FakeGpuArray((3, 4), stream=0), ValueError, "invalid stream 0"),
        (object(), TypeError, "__cuda_array_interface__"),
    ],
)
def test_device_array_rejects(array, error, message):
    with pytest.raises(error, match=message):
        _gpu.device_array(array, "out", (3, 4), "float64", "C")


def test_device_array_rejects_c_order_where_fortran_is_needed():
    with pytest.raises(ValueError, match="Fortran-contiguous"):
        _gpu.device_array(FakeGpuArray((3, 4)), "out", (3, 4), "float64", "F")


# --------------------------------------------------------------------------------------------
# The ISOMETRY_CUDA option (cmake/IsometryCuda.cmake) in a tiny project


def configure(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    if CMAKE is None or not CUDA_CMAKE.exists():
        pytest.skip("needs the cmake executable and the source tree's cmake/ folder")
    source = tmp_path / "src"
    source.mkdir()
    (source / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.18)\n"
        "project(isometry_cuda_option LANGUAGES NONE)\n"
        f'include("{CUDA_CMAKE.as_posix()}")\n'
        'message(STATUS "result: enabled=${ISOMETRY_CUDA_ENABLED} status=${ISOMETRY_CUDA_STATUS}")\n'
    )
    return subprocess.run(
        [CMAKE, "-S", str(source), "-B", str(tmp_path / "build"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
        check=False,
    )


def test_cmake_option_rejects_unknown_values(tmp_path):
    run = configure(tmp_path, "-DISOMETRY_CUDA=MAYBE")
    assert (
        run.returncode != 0 and "ISOMETRY_CUDA must be AUTO, ON or OFF; got 'MAYBE'" in run.stderr
    )


def test_cmake_option_off_skips(tmp_path):
    run = configure(tmp_path, "-DISOMETRY_CUDA=OFF")
    assert run.returncode == 0, run.stderr
    assert "result: enabled=FALSE status=not built: ISOMETRY_CUDA=OFF" in run.stdout


NO_NVCC = {"CUDACXX": "/nonexistent/bin/nvcc"}  # CMake's compiler search takes CUDACXX first


def test_cmake_option_on_without_nvcc_is_a_configure_error(tmp_path):
    run = configure(tmp_path, "-DISOMETRY_CUDA=ON", env=NO_NVCC)
    assert run.returncode != 0
    assert "ISOMETRY_CUDA=ON but no CUDA compiler (nvcc) was found" in " ".join(run.stderr.split())


def test_cmake_option_auto_without_nvcc_skips_with_a_message(tmp_path):
    run = configure(tmp_path, "-DISOMETRY_CUDA=AUTO", env=NO_NVCC)
    assert run.returncode == 0, run.stderr
    assert (
        "CUDA backend not built (ISOMETRY_CUDA=AUTO): no CUDA compiler (nvcc) was found"
        in run.stdout
    )
    assert "result: enabled=FALSE" in run.stdout


@pytest.mark.slow
def test_cmake_option_on_without_cublas_is_a_configure_error(tmp_path):
    # Needs a working nvcc (CMake then compiles a test program, ~10 s).
    if shutil.which("nvcc") is None and not Path("/usr/local/cuda/bin/nvcc").exists():
        pytest.skip("no nvcc here")
    run = configure(
        tmp_path, "-DISOMETRY_CUDA=ON", f"-DISOMETRY_CUDA_MATH_ROOT={tmp_path / 'nowhere'}"
    )
    assert run.returncode != 0
    assert (
        "ISOMETRY_CUDA=ON but cuBLAS/cuSOLVER were not found in ISOMETRY_CUDA_MATH_ROOT"
        in " ".join(run.stderr.split())
    )
    auto = tmp_path / "auto"
    auto.mkdir()
    run = configure(
        auto, "-DISOMETRY_CUDA=AUTO", f"-DISOMETRY_CUDA_MATH_ROOT={tmp_path / 'nowhere'}"
    )
    assert run.returncode == 0, run.stderr
    assert "result: enabled=FALSE status=not built: cuBLAS/cuSOLVER were not found" in " ".join(
        run.stdout.split()
    )
