"""The main workloads alone and beside a CPU-bound competitor (a busy loop in its own process,
one per two usable cores), on all cores and on one thread.

Goal (checked with verdicts in ``benchmarks/compare.py --only contention``): with the competitor
running, the all-cores time is at most 2.2x the idle one and never above the one-thread time
under the same competitor. Here asv only tracks the times so that a regression shows.
"""

import os
import subprocess
import sys
import time

import isometry

from .common import SEED

SIGMA_W, SIGMA_B = 1.05, 0.0


def _main_job():
    # `isometry spectrum --width 1024 --depth 32 ...` of the README: the spectrum and its theory.
    r = isometry.jacobian_spectrum(
        1024, 32, activation="tanh", weights="orthogonal", sigma_w=SIGMA_W, sigma_b=SIGMA_B, seed=0
    )
    isometry.theory.jacobian_density("tanh", "orthogonal", 32, SIGMA_W, SIGMA_B).ks_distance(
        r.eigenvalues
    )


WORKLOADS = {
    "main_job_1024x32": _main_job,
    "haar_4096": lambda: isometry.haar_orthogonal(4096, seed=SEED),
    "jacobian_2048x32": lambda: isometry.jacobian_spectrum(
        2048,
        32,
        activation="tanh",
        weights="orthogonal",
        sigma_w=SIGMA_W,
        sigma_b=SIGMA_B,
        seed=SEED,
    ),
    "matfree_2^15x32": lambda: isometry.jacobian_spectral_density(
        2**15,
        32,
        activation="tanh",
        weights="structured_orthogonal",
        sigma_w=SIGMA_W,
        sigma_b=SIGMA_B,
        seed=SEED,
        probes=6,
        steps=48,
    ),
}


def _usable_cpus():
    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


class Contention:
    params = (list(WORKLOADS), ["none", "busy_loop"], ["all", "1"])
    param_names = ("workload", "competitor", "threads")
    number = 1
    repeat = (1, 3, 60.0)
    rounds = 1
    warmup_time = 0
    timeout = 900

    def setup(self, workload, competitor, threads):
        self._procs = []
        self._threads = isometry.threads(_usable_cpus() if threads == "all" else 1)
        self._threads.__enter__()
        if competitor == "busy_loop":
            count = max(1, _usable_cpus() // 2)
            self._procs = [
                subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)
            ]
            time.sleep(0.5)

    def teardown(self, workload, competitor, threads):
        for p in self._procs:
            p.kill()
            p.wait()
        self._threads.__exit__(None, None, None)

    def time_workload(self, workload, competitor, threads):
        WORKLOADS[workload]()
