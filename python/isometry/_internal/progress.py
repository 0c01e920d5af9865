"""A dependency-free progress bar on stderr for long computations."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

#: What ``progress=`` accepts across the package.
ProgressLike = bool | Callable[[int, int], None] | None


class ProgressBar:
    """Call with (done, total).

    On a terminal it redraws ``label [#####.....] done/total  elapsed`` in place (at most five
    times a second); into a log file it writes a plain line at most every ``log_every`` seconds,
    so CI logs show that a long run is alive without filling up.
    """

    def __init__(
        self, label: str, stream: TextIO | None = None, width: int = 30, log_every: float = 10.0
    ) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.log_every = log_every
        self.start = time.perf_counter()
        self._last_draw = self.start
        self._drawn = False
        try:
            self._interactive = self.stream.isatty()
        except (AttributeError, ValueError):
            self._interactive = False

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        finished = done >= total
        interval = 0.2 if self._interactive else self.log_every
        if not finished and now - self._last_draw < interval:
            return
        if finished and not self._drawn and now - self.start < interval:
            return  # a short run needs no progress report
        self._last_draw = now
        self._drawn = True
        filled = int(self.width * done / max(total, 1))
        line = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}  {now - self.start:6.1f} s"
        if self._interactive:
            self.stream.write("\r" + line + ("\n" if finished else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def progress_callback(progress: ProgressLike, label: str) -> Callable[[int, int], None] | None:
    """The one rule for ``progress=``: ``None`` (the default everywhere) draws a bar on stderr
    when stderr is a terminal and stays quiet otherwise (logs and pipes stay clean); ``True``
    always reports (plain lines every 10 s into a file); ``False`` never; a callable gets
    (done, total) and may raise to abort the run."""
    if progress is None:
        try:
            progress = sys.stderr.isatty()
        except (AttributeError, ValueError):
            progress = False
    if progress is True:
        return ProgressBar(label)
    if progress is False:
        return None
    if callable(progress):
        return progress
    raise TypeError(
        f"progress must be None, True, False or a callable (done, total), got {progress!r}"
    )


def wants_progress(progress: ProgressLike) -> bool:
    """Whether ``progress`` asks for a report (``None``: stderr is a terminal)."""
    if progress is None:
        try:
            return sys.stderr.isatty()
        except (AttributeError, ValueError):
            return False
    return bool(progress)
