"""The public thread control: isometry.set_num_threads / get_num_threads / threads(n), the CLI's
--threads, threadpoolctl compatibility, the wait settings applied at load, and bitwise identical
results for any count set through it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import isometry
from isometry import _core
from isometry._internal import threads as thread_module
from isometry.cli import main

CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
needs_two_cores = pytest.mark.skipif(
    CPUS < 2, reason="the default count is 1 on one core: nothing to limit"
)


@pytest.fixture
def restore_counts():
    """Put the process's counts back however a test leaves them."""
    saved = (_core.openmp_limit(), _core.openmp_get_max_threads(), _core.blas_get_num_threads())
    yield
    _core.openmp_set_limit(saved[0])
    _core.openmp_set_num_threads(saved[1])
    _core.blas_set_num_threads(saved[2])


def counts() -> tuple[int, int]:
    return _core.openmp_team_size(), _core.blas_get_num_threads()


def test_set_num_threads_sets_both_pools(restore_counts):
    isometry.set_num_threads(1)
    assert counts() == (1, 1) and isometry.get_num_threads() == 1
    isometry.set_num_threads(
        3
    )  # above the core count is allowed (oversubscription is the user's call)
    assert counts() == (3, 3) and isometry.get_num_threads() == 3


@needs_two_cores
def test_threads_context_restores(restore_counts):
    before = counts()
    assert before[0] >= 2  # default: every usable core
    with isometry.threads(1):
        assert counts() == (1, 1)
        with isometry.threads(2):
            assert counts() == (2, 2)
        assert counts() == (1, 1)
    assert counts() == before
    with pytest.raises(KeyError), isometry.threads(1):  # restored after an exception too
        raise KeyError("boom")
    assert counts() == before


@needs_two_cores
def test_limit_reaches_other_python_threads(restore_counts):
    # OpenMP's own omp_set_num_threads only reaches the calling thread; our cap is process-wide.
    isometry.set_num_threads(1)
    seen = []
    worker = threading.Thread(
        target=lambda: seen.append((_core.openmp_team_size(), isometry.get_num_threads()))
    )
    worker.start()
    worker.join()
    assert seen == [(1, 1)]


@pytest.mark.parametrize("bad", [0, -2, thread_module.MAX_THREADS + 1])
def test_bad_counts_are_value_errors(bad, restore_counts):
    before = counts()
    with pytest.raises(ValueError, match=r"n must be an integer in \[1, 1024\]"):
        isometry.set_num_threads(bad)
    with (
        pytest.raises(ValueError, match=r"n must be an integer in \[1, 1024\]"),
        isometry.threads(bad),
    ):
        pass
    assert counts() == before


@pytest.mark.parametrize("bad", [2.0, True, "2", None])
def test_non_integer_counts_are_type_errors(bad, restore_counts):
    with pytest.raises(TypeError, match="n must be an integer"):
        isometry.set_num_threads(bad)


def test_threadpoolctl_sees_and_limits_our_pools(restore_counts):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    ours = os.path.realpath(os.path.dirname(__import__("scipy_openblas32").__file__))
    pools = threadpoolctl.threadpool_info()
    blas = [
        p
        for p in pools
        if p["internal_api"] == "openblas" and os.path.realpath(p["filepath"]).startswith(ours)
    ]
    # Ours is the compiler's libgomp that _core links; wheels such as scikit-learn vendor their
    # own copy under <package>.libs/, which isometry neither uses nor controls.
    openmp = [p for p in pools if p["user_api"] == "openmp" and ".libs" not in p["filepath"]]
    assert len(blas) == 1, pools
    assert openmp, pools
    isometry.set_num_threads(2)
    with threadpoolctl.threadpool_limits(1):
        assert counts() == (1, 1) and isometry.get_num_threads() == 1
    assert counts() == (2, 2)
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        assert counts() == (2, 1) and isometry.get_num_threads() == 2
    # And threadpoolctl reads what set_num_threads set.
    isometry.set_num_threads(1)
    info = {p["filepath"]: p["num_threads"] for p in threadpoolctl.threadpool_info()}
    assert info[blas[0]["filepath"]] == 1 and info[openmp[0]["filepath"]] == 1


def test_cli_threads_option(capsys, restore_counts):
    assert main(["--threads", "1", "info"]) == 0
    info = json.loads(capsys.readouterr().out)["threads"]
    assert info["num_threads"] == info["openmp"] == info["openblas"] == info["openmp_limit"] == 1


@pytest.mark.parametrize("bad", ["0", "2000"])
def test_cli_threads_out_of_range(bad, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--threads", bad, "info"])
    assert exit_info.value.code == 2
    assert "--threads must be an integer in [1, 1024]" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# Load-time wait settings (fresh interpreters: libgomp and OpenBLAS read them once, at load)

ENV_PROBE = r"""
import json, os, isometry
print(json.dumps({"info": isometry.build_info()["threads"],
                  "env": {k: os.environ.get(k) for k in ("GOMP_SPINCOUNT", "OPENBLAS_THREAD_TIMEOUT", "OMP_WAIT_POLICY")}}))
"""


def probe_env(**overrides: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GOMP_SPINCOUNT", "OPENBLAS_THREAD_TIMEOUT", "OMP_WAIT_POLICY")
    }
    env.update(overrides)
    out = subprocess.run(
        [sys.executable, "-c", ENV_PROBE], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def test_wait_defaults_applied_then_removed_from_environment():
    result = probe_env()
    assert result["info"]["wait_defaults_set"] == thread_module.RUNTIME_DEFAULTS
    assert result["info"]["libgomp_loaded_before_isometry"] is False
    # Gone again once the libraries have read them: child processes see the user's environment.
    assert result["env"] == {
        "GOMP_SPINCOUNT": None,
        "OPENBLAS_THREAD_TIMEOUT": None,
        "OMP_WAIT_POLICY": None,
    }


def test_user_wait_settings_win():
    result = probe_env(OMP_WAIT_POLICY="active", OPENBLAS_THREAD_TIMEOUT="20")
    assert result["info"]["wait_defaults_set"] == {}
    assert result["info"]["wait_settings_from_user"] == {
        "OMP_WAIT_POLICY": "active",
        "OPENBLAS_THREAD_TIMEOUT": "20",
    }
    assert (
        result["env"]["OMP_WAIT_POLICY"] == "active"
        and result["env"]["OPENBLAS_THREAD_TIMEOUT"] == "20"
    )


# --------------------------------------------------------------------------------------------
# Same numbers for any count set through set_num_threads (fresh interpreters)

SCRIPT = r"""
import sys, numpy as np, isometry
isometry.set_num_threads(int(sys.argv[2]))
assert isometry.get_num_threads() == int(sys.argv[2])
a = {}
a["gaussian"] = isometry.gaussian(901, 333, seed=3)
a["haar"] = isometry.haar_orthogonal(257, seed=5)
for weights in ("orthogonal", "gaussian"):
    for method in ("eigh", "svd"):
        r = isometry.jacobian_spectrum(300, 4, activation="tanh", weights=weights, sigma_w=1.2,
                                       sigma_b=0.1, seed=7, method=method)
        a[weights + method], a[weights + method + "_q"] = r.eigenvalues, r.q
    r = isometry.resnet_jacobian_spectrum(300, 3, weights=weights, sigma_w=0.5, seed=7)
    a["resnet" + weights] = r.eigenvalues
d = isometry.jacobian_spectral_density(2**13, 6, activation="tanh", weights="structured_orthogonal",
                                       sigma_w=1.1, sigma_b=0.1, seed=2, probes=3, steps=12)
a["matfree_moments"], a["matfree_density"] = d.moments, d.density
g = isometry.jacobian_spectral_density(1200, 3, activation="tanh", weights="gaussian", storage="onthefly",
                                       sigma_w=1.1, sigma_b=0.1, seed=2, probes=2, steps=8)
a["onthefly_moments"] = g.moments
a["law"] = isometry.theory.jacobian_density("tanh", "orthogonal", 8, 1.1, 0.1).density
p = isometry.theory.phase_diagram("tanh", np.linspace(0.8, 2.5, 5), np.linspace(0.0, 1.0, 4))
a["phase_xi_c"] = p.xi_c
np.savez(sys.argv[1], **a)
"""


def run_with(tmp_path, n: int) -> dict[str, np.ndarray]:
    path = tmp_path / f"n{n}.npz"
    subprocess.run([sys.executable, "-c", SCRIPT, str(path), str(n)], check=True)
    with np.load(path) as data:
        return dict(data)


@pytest.mark.slow  # several seconds: the statistical tier (--slow, always in CI)
def test_results_identical_for_any_count(tmp_path):
    """Every result, the BLAS-based ones included (Haar draws, dense Jacobian spectra through
    tiled Householder products, matrix products and both eigensolvers), is the same bits on 1, 2
    and 3 threads. Width 300 spans three 128-column tiles, so the teams really split the work."""
    one, two, three = (run_with(tmp_path, n) for n in (1, 2, 3))
    assert set(one) == set(two) == set(three)
    for name in one:
        assert one[name].tobytes() == two[name].tobytes() == three[name].tobytes(), name


# --------------------------------------------------------------------------------------------
# Adaptation to the cores other processes leave free


@pytest.fixture
def restore_adaptation():
    saved = isometry.get_thread_adaptation()
    yield
    isometry.set_thread_adaptation(saved)


def test_adaptation_modes(restore_adaptation):
    assert isometry.get_thread_adaptation() == "openmp"  # the default: bitwise safe
    for mode in ("off", "all", "openmp"):
        isometry.set_thread_adaptation(mode)
        assert isometry.get_thread_adaptation() == mode
        assert isometry.build_info()["threads"]["adaptation"] == mode
    for bad in ("none", "", None, 1):
        with pytest.raises(ValueError, match="mode must be one of 'off', 'openmp', 'all'"):
            isometry.set_thread_adaptation(bad)


def test_adaptation_from_environment():
    code = "import isometry; print(isometry.get_thread_adaptation())"
    run = lambda value: subprocess.run(  # noqa: E731
        [sys.executable, "-W", "always", "-c", code],
        env={**os.environ, "ISOMETRY_THREAD_ADAPTATION": value},
        capture_output=True,
        text=True,
        check=True,
    )
    assert run("ALL").stdout.strip() == "all"
    bad = run("sometimes")
    assert bad.stdout.strip() == "openmp" and "ISOMETRY_THREAD_ADAPTATION" in bad.stderr


def _poll(predicate, seconds: float = 3.0) -> bool:
    """Whether ``predicate()`` holds within ``seconds`` (the estimate refreshes every 50 ms)."""
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.06)
    return False


@needs_two_cores
def test_teams_shrink_beside_busy_processes(restore_adaptation, restore_counts):
    """One busy loop per usable core leaves no core free: a region then gets one thread (with
    adaptation) and the set count without it; an eigensolver call in mode "all" leaves the set
    OpenBLAS count in place afterwards."""
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(CPUS)]
    try:
        assert _poll(lambda: _core.free_cores() == 1), _core.free_cores()
        assert _core.openmp_team_size_now() == 1 and _core.openmp_team_size() == CPUS
        isometry.set_thread_adaptation("off")
        assert _core.openmp_team_size_now() == CPUS
        isometry.set_thread_adaptation("all")  # the eigensolver gets OpenBLAS's adapted pool
        isometry.jacobian_spectrum(96, 2, seed=1)
        assert _core.blas_get_num_threads() == CPUS  # lowered for the call only
        assert _core_blas_library_count() == CPUS
    finally:
        for p in busy:
            p.kill()
            p.wait()


@needs_two_cores
def test_adapted_results_are_the_same_bits(restore_adaptation):
    """Every result is the same bits whether the team adapted (beside busy processes: a team of
    one) or not (the set count), the BLAS-based ones included."""

    def everything():
        d = isometry.jacobian_spectral_density(
            2**12, 4, weights="structured_orthogonal", sigma_w=1.1, seed=2, probes=2, steps=10
        )
        parts = [d.moments, d.density, isometry.gaussian(300, 200, seed=4).ravel()]
        parts.append(isometry.haar_orthogonal(300, seed=4).ravel())
        for weights in ("orthogonal", "gaussian"):
            for method in ("eigh", "svd"):
                r = isometry.jacobian_spectrum(300, 3, weights=weights, method=method, seed=5)
                parts.append(r.eigenvalues)
        return np.concatenate(parts)

    isometry.set_thread_adaptation("off")
    reference = everything()
    isometry.set_thread_adaptation("openmp")
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(CPUS)]
    try:
        assert _poll(lambda: _core.openmp_team_size_now() == 1)
        assert everything().tobytes() == reference.tobytes()
    finally:
        for p in busy:
            p.kill()
            p.wait()


def _core_blas_library_count() -> int:
    """OpenBLAS's own count, read from the library through threadpoolctl (not through isometry)."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    infos = [
        i
        for i in threadpoolctl.threadpool_info()
        if i.get("internal_api") == "openblas" and "scipy_openblas32" in i.get("filepath", "")
    ]
    assert infos, threadpoolctl.threadpool_info()
    return int(infos[0]["num_threads"])


def test_blas_calls_leave_the_set_count_in_place(restore_counts):
    """The tiled routines run OpenBLAS on one thread only while they work: afterwards the library,
    threadpoolctl and isometry all see the count that was set."""
    isometry.set_num_threads(3)
    isometry.haar_orthogonal(200, seed=1)
    isometry.jacobian_spectrum(200, 3, seed=1)
    assert _core.blas_get_num_threads() == 3 and _core_blas_library_count() == 3


@pytest.mark.parametrize("mode", ["openmp", "all"])
def test_concurrent_calls_from_python_threads(mode, restore_adaptation, restore_counts):
    """Tiled BLAS work (single-threaded OpenBLAS) and eigensolvers (OpenBLAS's pool in mode "all")
    called at once from several Python threads: no deadlock, the same results as one after the
    other, and the set OpenBLAS count in place afterwards."""
    from concurrent.futures import ThreadPoolExecutor

    isometry.set_thread_adaptation(mode)
    calls = [
        lambda: isometry.haar_orthogonal(300, seed=1),
        lambda: isometry.jacobian_spectrum(300, 3, seed=2).eigenvalues,
        lambda: isometry.jacobian_spectrum(300, 3, weights="gaussian", seed=3).eigenvalues,
        lambda: isometry.jacobian_spectrum(300, 3, method="svd", seed=4).eigenvalues,
    ] * 2
    serial = [f() for f in calls]
    with ThreadPoolExecutor(4) as pool:
        concurrent = list(pool.map(lambda f: f(), calls))
    for a, b in zip(serial, concurrent):
        if mode == "openmp":
            assert a.tobytes() == b.tobytes()  # every result bitwise, whatever runs beside it
        else:
            # "all": the eigensolvers' pool size follows the load; rounding only.
            np.testing.assert_allclose(
                a, b, rtol=0, atol=100 * np.finfo(float).eps * np.abs(a).max()
            )
    assert _core.blas_get_num_threads() == _core_blas_library_count() == CPUS


def test_a_count_set_directly_during_tiled_work_is_kept(restore_counts):
    """Another library (here: OpenBLAS's own setter, as threadpoolctl calls it) sets the count
    while another Python thread runs tiled work: the tiles take the library back to one thread
    for their own calls, and when they end the count that was set stays (it is not overwritten
    with the count from before)."""
    import ctypes
    import time
    from concurrent.futures import ThreadPoolExecutor

    threadpoolctl = pytest.importorskip("threadpoolctl")
    path = next(
        i["filepath"]
        for i in threadpoolctl.threadpool_info()
        if i.get("internal_api") == "openblas" and "scipy_openblas32" in i.get("filepath", "")
    )
    library = ctypes.CDLL(path)
    isometry.set_num_threads(2)
    reference = isometry.haar_orthogonal(1200, seed=3)
    with ThreadPoolExecutor(1) as pool:
        draws = pool.submit(lambda: [isometry.haar_orthogonal(1200, seed=3) for _ in range(6)])
        # A guard is active while the library's count reads 1 (the user's count is 2).
        deadline = time.monotonic() + 10
        while library.scipy_openblas_get_num_threads() != 1 and time.monotonic() < deadline:
            pass
        library.scipy_openblas_set_num_threads(3)
        results = draws.result()
    assert _core_blas_library_count() == 3 and _core.blas_get_num_threads() == 3
    # The last draws started after the change and ran every tile on one thread: the same bits.
    assert results[-1].tobytes() == reference.tobytes()
    for q in results:  # a call running at the moment of the change may have used the pool
        np.testing.assert_allclose(q, reference, rtol=0, atol=1e-13)
