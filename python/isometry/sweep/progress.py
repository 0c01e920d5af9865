"""Progress of a whole sweep: tasks done, in flight and failed, with an ETA, on the terminal and in logs.

On a terminal one line is redrawn in place (at most five times a second); otherwise (a log file,
CI) a plain line is written at most every ``log_every`` seconds. Each such line also goes to the
``isometry.sweep`` logger and to the store's ``sweep.log``, so a long sweep on a cluster can be
followed from anywhere that sees the store.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["SweepProgress"]

logger = logging.getLogger("isometry.sweep")


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


class SweepProgress:
    """Counts finished tasks; ``eta`` extrapolates the rate of tasks finished in this run."""

    def __init__(
        self,
        total: int,
        *,
        show: bool = True,
        stream: TextIO | None = None,
        log: Callable[[str], None] | None = None,
        log_every: float = 10.0,
    ) -> None:
        self.total = total
        self.done = self.failed = self.in_flight = 0
        self.show = show
        self.stream = stream if stream is not None else sys.stderr
        self.log = log
        self.log_every = log_every
        self.start = self._last = time.perf_counter()
        self._last_log = self.start
        try:
            self._interactive = show and self.stream.isatty()
        except (AttributeError, ValueError):
            self._interactive = False

    @property
    def finished(self) -> int:
        return self.done + self.failed

    def eta(self) -> float:
        elapsed = time.perf_counter() - self.start
        if self.finished == 0:
            return float("nan")
        return elapsed / self.finished * (self.total - self.finished)

    def line(self) -> str:
        elapsed = time.perf_counter() - self.start
        eta = self.eta()
        eta_text = "?" if math.isnan(eta) else _duration(eta)
        return (
            f"sweep: {self.finished}/{self.total} finished ({self.done} done, {self.failed} failed), "
            f"{self.in_flight} in flight, {_duration(elapsed)} elapsed, ETA {eta_text}"
        )

    def submitted(self, count: int) -> None:
        self.in_flight += count
        self._report(force=False)

    def finish(self, status: str) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        if status == "done":
            self.done += 1
        else:
            self.failed += 1
        self._report(force=self.finished == self.total)

    def close(self) -> None:
        self._report(force=True)
        if self._interactive:
            self.stream.write("\n")
            self.stream.flush()

    def _report(self, *, force: bool) -> None:
        now = time.perf_counter()
        line = self.line()
        counts = (self.done, self.failed, self.in_flight)
        if (
            force and counts != getattr(self, "_logged", None)
        ) or now - self._last_log >= self.log_every:
            self._last_log, self._logged = now, counts
            logger.info(line)
            if self.log is not None:
                self.log(line)
            if self.show and not self._interactive:
                self.stream.write(line + "\n")
                self.stream.flush()
        if self._interactive and (force or now - self._last >= 0.2):
            self._last = now
            self.stream.write("\r" + line)
            self.stream.flush()
