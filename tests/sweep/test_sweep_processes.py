"""Sweeps across real processes: bitwise identical results in-process vs 1 vs 2 Dask workers, probes
split over workers, a worker killed mid-task, the client killed with SIGKILL and resumed, and a
scheduler + workers started as separate processes (a simulated multi-node run)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("pandas")
distributed = pytest.importorskip("distributed")

import isometry
from isometry import sweep

PYTHON_DIR = str(Path(isometry.__file__).resolve().parent.parent)
ENV = {**os.environ, "PYTHONPATH": PYTHON_DIR, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}

DENSE = """
[sweep]
kind = "jacobian_spectrum"
seeds = [0, 3]
[grid]
width = [40, 64]
depth = 4
activation = ["tanh", "relu"]
weights = ["orthogonal", "gaussian"]
q_star = 0.5
"""

MATFREE = """
[sweep]
kind = "jacobian_spectral_density"
seeds = [1]
[grid]
width = 96
depth = 4
weights = "gaussian"
storage = "dense"
q_star = 0.5
probes = 5
steps = 10
probe_chunks = [1, 3]
"""


@pytest.fixture(scope="module")
def client2():
    """Two worker processes of one thread each, 2 GiB apiece (as LocalCluster gives on a small machine)."""
    import logging

    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit="2GiB",
            dashboard_address=None,
            silence_logs=logging.ERROR,
            env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _committed(store: Path) -> int:
    """Row files present (a ``.tmp-*`` file being written is not a committed task)."""
    rows = store / "rows"
    return (
        len([p for p in rows.glob("*.parquet") if not p.name.startswith(".")])
        if rows.is_dir()
        else 0
    )


def _by_key(store: Path):
    table = sweep.load(store).set_index("key").sort_index()
    return table, {key: sweep.arrays(store, key) for key in table.index}


# Measured on the network: must agree bit for bit whatever the engine.
MEASURED = ("lambda_max", "lambda_min", "m1", "m2", "m3", "m4", "q_last", "zero_derivatives")
# Go through the large-width law and the mean field: their solvers split work into pieces fixed by
# the problem size (not the OpenMP thread count: 1 per worker here, all cores in process), so these
# too must agree bit for bit.
THEORY = (
    "ks",
    "w1_log10",
    "theory_lambda_max",
    "theory_m1",
    "theory_m4",
    "theory_q_last",
    "q_max_rel_error",
)


def _assert_same_results(a: Path, b: Path) -> None:
    ta, arrays_a = _by_key(a)
    tb, arrays_b = _by_key(b)
    assert list(ta.index) == list(tb.index)
    assert set(ta.status) == {"done"}
    for column in MEASURED:
        if column in ta:
            np.testing.assert_array_equal(
                ta[column].to_numpy(), tb[column].to_numpy(), err_msg=column
            )
    for column in THEORY:
        if column in ta:
            np.testing.assert_array_equal(
                ta[column].to_numpy(), tb[column].to_numpy(), err_msg=column
            )
    for key in ta.index:
        assert arrays_a[key].keys() == arrays_b[key].keys()
        for name in arrays_a[key]:
            np.testing.assert_array_equal(
                arrays_a[key][name], arrays_b[key][name], err_msg=f"{key} {name}"
            )


def test_bitwise_identical_in_process_one_worker_two_workers(tmp_path):
    """Tasks are pure functions of their parameters at a fixed BLAS thread count: the engine and
    the number of workers (and their OpenMP threads) change no bit of what is measured."""
    import logging

    sweep.run(DENSE, tmp_path / "inproc", workers=1, progress=False)
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        sweep.run(DENSE, tmp_path / "one", client=client, progress=False)
    report = sweep.run(DENSE, tmp_path / "two", workers=2, progress=False)
    assert report.done == 16
    _assert_same_results(tmp_path / "inproc", tmp_path / "one")
    _assert_same_results(tmp_path / "inproc", tmp_path / "two")
    workers = set(sweep.load(tmp_path / "two").worker)
    assert len(workers) == 2 and all(
        w.startswith("tcp://") for w in workers
    )  # really spread over two


def test_probes_split_over_workers_equal_single_process(client2, tmp_path):
    sw, sb = isometry.theory.critical_point("tanh", 0.5)
    kwargs = {
        "activation": "tanh",
        "weights": "gaussian",
        "storage": "dense",
        "sigma_w": sw,
        "sigma_b": sb,
        "seed": 4,
        "probes": 7,
        "steps": 12,
    }
    single = isometry.jacobian_spectral_density(128, 5, **kwargs)
    split = isometry.jacobian_spectral_density(128, 5, client=client2, probe_chunks=3, **kwargs)
    for name in (
        "nodes",
        "quadrature_weights",
        "steps_taken",
        "q",
        "x",
        "density",
        "density_error",
        "moments",
        "moment_errors",
    ):
        np.testing.assert_array_equal(getattr(single, name), getattr(split, name), err_msg=name)
    structured = {**kwargs, "weights": "structured_orthogonal", "storage": "auto"}
    a = isometry.jacobian_spectral_density(128, 5, **structured)
    b = isometry.jacobian_spectral_density(
        128, 5, client=client2, **structured
    )  # one chunk per worker
    np.testing.assert_array_equal(a.nodes, b.nodes)
    np.testing.assert_array_equal(a.quadrature_weights, b.quadrature_weights)
    # The sweep task of that kind: probe_chunks changes no bit either (chunks run via worker_client).
    sweep.run(MATFREE, tmp_path / "mf", client=client2, progress=False)
    table = sweep.load(tmp_path / "mf").sort_values("probe_chunks")
    assert list(table.status) == ["done", "done"]
    one, three = (sweep.arrays(tmp_path / "mf", k) for k in table.key)
    for name in one:
        np.testing.assert_array_equal(one[name], three[name], err_msg=name)


def test_task_above_worker_memory_is_failed_and_the_sweep_goes_on(client2, tmp_path):
    text = DENSE.replace("width = [40, 64]", "width = [40, 30000]").replace(
        "seeds = [0, 3]", "seeds = [0]"
    )
    report = sweep.run(text, tmp_path / "store", client=client2, progress=False)
    assert (report.done, report.failed) == (4, 4)
    errors = sweep.load(tmp_path / "store").query("status == 'failed'").error
    assert all(
        e.startswith("MemoryError") and "memory_limit" in e and "2.00 GiB" in e for e in errors
    )


@pytest.mark.slow
def test_worker_killed_mid_task_is_retried(client2, tmp_path):
    """SIGKILL a worker process while it holds a task: the nanny restarts it, Dask reschedules the task
    and the sweep ends with every task done, bitwise equal to an in-process run."""
    text = DENSE.replace("width = [40, 64]", "width = [160, 192]").replace(
        "depth = 4", "depth = 24"
    )
    pids = client2.run(os.getpid)
    result: dict[str, object] = {}
    runner = threading.Thread(
        target=lambda: result.update(
            report=sweep.run(text, tmp_path / "dask", client=client2, progress=False)
        )
    )
    runner.start()
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and runner.is_alive():
        busy = [address for address, keys in client2.processing().items() if keys]
        if busy and _committed(tmp_path / "dask") >= 1:
            killed = busy[0]
            os.kill(pids[killed], signal.SIGKILL)
        time.sleep(0.05)
    runner.join(timeout=300)
    assert killed is not None, "no worker was busy while the sweep ran"
    report = result["report"]
    assert report.done == 16 and report.failed == 0  # type: ignore[attr-defined]
    sweep.run(text, tmp_path / "inproc", workers=1, progress=False)
    _assert_same_results(tmp_path / "inproc", tmp_path / "dask")
    client2.wait_for_workers(2, timeout=60)  # the nanny brought it back for the other tests


@pytest.mark.slow
def test_client_killed_with_sigkill_resumes_losing_only_tasks_in_flight(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(
        DENSE.replace("width = [40, 64]", "width = [96, 128]").replace("depth = 4", "depth = 12")
    )
    store = tmp_path / "store"
    command = [
        sys.executable,
        "-m",
        "isometry.cli",
        "sweep",
        str(spec),
        "--store",
        str(store),
        "--workers",
        "1",
        "--no-progress",
    ]
    log = tmp_path / "stderr.txt"
    with open(log, "w") as err:
        process = subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if _committed(store) >= 3:
                break
            time.sleep(0.02)
        assert process.poll() is None, (
            "the sweep ended before it could be killed: " + log.read_text()
        )
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    committed = sweep.load(store)
    assert 3 <= len(committed) < 16 and set(committed.status) == {"done"}
    for key in committed.key:  # every committed task is whole: its arrays are there and readable
        assert sweep.arrays(store, key)["eigenvalues"].size in (96, 128)
    resumed = sweep.run(spec, store, workers=1, progress=False)
    assert resumed.already_done == len(committed) and resumed.ran == 16 - len(committed)
    assert len(sweep.load(store)) == 16


@pytest.mark.slow
def test_separate_scheduler_and_workers_give_identical_results(tmp_path):
    """A simulated multi-node run: `dask scheduler` and `dask worker` as their own processes on
    127.0.0.1, the sweep submitted to the scheduler's address through the CLI."""
    from isometry.cli import main

    scheduler_file = tmp_path / "scheduler.json"
    scheduler = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(scheduler_file),
        ],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers = None
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert scheduler_file.exists(), "the scheduler did not start within 60 s"
        address = json.loads(scheduler_file.read_text())["address"]
        workers = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_worker",
                address,
                "--nworkers",
                "2",
                "--nthreads",
                "1",
                "--no-dashboard",
                "--host",
                "127.0.0.1",
                "--memory-limit",
                "2GiB",
            ],
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
        spec = tmp_path / "spec.toml"
        spec.write_text(DENSE)
        assert (
            main(
                [
                    "sweep",
                    str(spec),
                    "--store",
                    str(tmp_path / "cluster"),
                    "--scheduler",
                    address,
                    "--no-progress",
                ]
            )
            == 0
        )
    finally:
        for process in (workers, scheduler):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
    sweep.run(DENSE, tmp_path / "inproc", workers=1, progress=False)
    _assert_same_results(tmp_path / "inproc", tmp_path / "cluster")
    assert len(set(sweep.load(tmp_path / "cluster").pid)) == 2  # both worker processes took tasks
