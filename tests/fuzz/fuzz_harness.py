"""The parent side of the fuzz suite: a worker process with time and memory caps, restarted after
a hang or a crash, and the tally of outcomes.

Profiles (``ISOMETRY_FUZZ_PROFILE``): ``fast`` (380 calls in the default tests, ~20 s), ``ci``
(5,200 generated calls, run by ``.ci/run``: ~100 s on 2 loaded cores; CI allows ~6 min). ``ISOMETRY_FUZZ_SEED`` varies the generated
calls (derandomised by default so the default tests are repeatable); ``ISOMETRY_FUZZ_REPORT``
names a JSON file to which the per-outcome counts are appended.
"""

from __future__ import annotations

import collections
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from fuzz_worker import read_message, write_message

HERE = Path(__file__).resolve().parent
PROFILES = {
    # examples per test function: the API test draws over every entry point, the CLI test over
    # every subcommand.
    "fast": {"api": 300, "cli": 80, "timeout": 10.0},
    "ci": {"api": 4200, "cli": 1000, "timeout": 15.0},
}
#: Classes a call may end in and still pass.
CLEAN = ("ok", "clean_error")


def profile() -> dict[str, Any]:
    name = os.environ.get("ISOMETRY_FUZZ_PROFILE", "fast")
    if name not in PROFILES:
        raise ValueError(
            f"ISOMETRY_FUZZ_PROFILE must be one of {', '.join(PROFILES)}; got {name!r}"
        )
    return {"name": name, **PROFILES[name]}


class Worker:
    """One worker process; ``call`` sends a request and waits at most ``timeout`` seconds."""

    def __init__(self, timeout: float, memory_bytes: int = 4 << 30) -> None:
        self.timeout = timeout
        self.memory_bytes = memory_bytes
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def _start(self) -> None:
        env = dict(os.environ)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = "1"
        env["ISOMETRY_FUZZ_MEMORY_BYTES"] = str(self.memory_bytes)
        # The package's own run-time estimates must refuse anything long: a call that runs past
        # the time cap although estimated under this limit is an underestimate (or an unestimated
        # loop), which is what the suite looks for.
        env["ISOMETRY_MAX_SECONDS"] = "2"
        env["MPLBACKEND"] = "Agg"
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "fuzz_worker.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        ready = self._receive(120.0)
        if not isinstance(ready, dict) or not ready.get("ready"):
            raise RuntimeError(f"the fuzz worker did not start: {ready!r}")

    def _receive(self, timeout: float) -> Any:
        assert self.process is not None and self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            return "timeout"
        message = read_message(self.process.stdout)
        return "eof" if message is None else message

    def _kill(self) -> int | None:
        if self.process is None:
            return None
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return self._reap()

    def _reap(self) -> int:
        assert self.process is not None
        code = self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass
        self.process = None
        self.restarts += 1
        return code

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.process is None:
            self._start()
        assert self.process is not None and self.process.stdin is not None
        start = time.perf_counter()
        try:
            write_message(self.process.stdin, request)
            reply = self._receive(self.timeout)
        except (BrokenPipeError, OSError):
            reply = "eof"
        if reply == "timeout":
            self._kill()
            return {
                "outcome": "hang",
                "type": "",
                "message": f"no reply within {self.timeout:g} s",
                "seconds": time.perf_counter() - start,
            }
        if reply == "eof":
            code = self._reap()
            how = f"signal {-code}" if code < 0 else f"exit status {code}"
            return {
                "outcome": "crash",
                "type": how,
                "message": f"the worker died ({how})",
                "seconds": time.perf_counter() - start,
            }
        return reply

    def close(self) -> None:
        if self.process is not None:
            try:
                self.process.stdin.close()  # type: ignore[union-attr]
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self._kill()


class Tally:
    """Counts per outcome class (and per target), and examples of each defect."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self.by_target: dict[str, collections.Counter[str]] = collections.defaultdict(
            collections.Counter
        )
        self.examples: dict[str, list[str]] = collections.defaultdict(list)

    def add(self, target: str, request: dict[str, Any], reply: dict[str, Any]) -> None:
        outcome = reply["outcome"]
        self.counts[outcome] += 1
        self.by_target[target][outcome] += 1
        if outcome not in CLEAN and len(self.examples[outcome]) < 40:
            self.examples[outcome].append(
                f"{describe(request)} -> {reply.get('type')}: {reply.get('message')}"
            )

    def report(self, label: str) -> dict[str, Any]:
        data = {
            "label": label,
            "total": sum(self.counts.values()),
            "counts": dict(self.counts),
            "by_target": {t: dict(c) for t, c in sorted(self.by_target.items())},
            "examples": dict(self.examples),
        }
        path = os.environ.get("ISOMETRY_FUZZ_REPORT")
        if path:
            with open(path, "a") as fh:
                fh.write(json.dumps(data) + "\n")
        return data


def describe(request: dict[str, Any]) -> str:
    if request["kind"] == "cli":
        return "isometry " + " ".join(str(a) for a in request["argv"])
    args = ", ".join(
        [repr(a)[:80] for a in request.get("args", [])]
        + [f"{k}={v!r}"[:80] for k, v in request.get("kwargs", {}).items()]
    )
    method = f".{request['method']}(...)" if request.get("method") else ""
    return f"{request['target']}({args}){method}"
