"""A lock on an output directory, so that two processes never write the same results.

``with DirectoryLock(out):`` takes ``out/.isometry.lock`` (an advisory ``flock`` that the
kernel holds for the process, so one process wins even when both start at once) and records the
owner's process id, host and start time in it. A second writer gets
:class:`DirectoryLockedError` naming the holder. A lock left by a process that no longer exists
(killed, crashed) is stale: the kernel has dropped it, so it is taken over, and the record of
the dead holder is kept in ``stale_holder`` (with whether its process id is alive now). Used by training grids (``isometry train``); campaigns and reproductions writing
into one folder take the same lock.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import time
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["LOCK_NAME", "DirectoryLock", "DirectoryLockedError", "process_alive"]

LOCK_NAME = ".isometry.lock"


class DirectoryLockedError(OSError):
    """Another live process holds the lock of the output directory."""

    def __init__(self, message: str, holder: dict[str, Any]) -> None:
        super().__init__(errno.EBUSY, message)
        self.holder = holder

    def __str__(self) -> str:
        return str(self.strerror)


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host (one we may not signal counts)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _process_start(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (clock ticks since boot), to tell a reused id apart."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22, counted after the command name in parentheses (which may hold spaces).
    fields = text[text.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


class DirectoryLock:
    """Exclusive ownership of ``directory`` by this process (re-entrant through one object).

    The exclusion itself is the kernel's advisory lock (``flock``) on the lock file, held for as
    long as the lock is: it cannot be left behind by a killed process (the kernel drops it with
    the process), and two processes starting together cannot both win. The file records the
    holder (process id, host, start time) for the message a second writer gets; a record whose
    process is gone is a stale lock, taken over (``stale_holder`` says whose it was).
    """

    def __init__(self, directory: str | os.PathLike[str], what: str = "") -> None:
        self.directory = Path(directory)
        self.path = self.directory / LOCK_NAME
        self.what = what
        self.stale_holder: dict[str, Any] | None = None
        self._fd: int | None = None
        self._held = 0

    def holder(self) -> dict[str, Any] | None:
        """The recorded owner, or None when there is none (no lock file, or an empty record)."""
        try:
            text = self.path.read_text()
        except OSError:
            return None
        try:
            return json.loads(text) if text.strip() else None
        except ValueError:
            return None

    def acquire(self) -> None:
        import fcntl

        if self._held:
            self._held += 1
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            holder = self.holder() or {}
            raise DirectoryLockedError(
                f"{self.directory} is in use by process {holder.get('pid', '?')} on {holder.get('host', '?')} "
                f"(since {holder.get('since', '?')}"
                + (f", {holder['what']}" if holder.get("what") else "")
                + "); wait for it to finish, or write into another folder",
                holder,
            ) from None
        previous = self.holder()
        if previous and not (
            previous.get("host") == socket.gethostname() and previous.get("pid") == os.getpid()
        ):
            pid = int(previous.get("pid", 0) or 0)
            alive = (
                previous.get("host") == socket.gethostname()
                and process_alive(pid)
                and (previous.get("process_start") in (None, _process_start(pid)))
            )
            # The kernel lock was free, so its holder is gone even if the id is in use again.
            self.stale_holder = {**previous, "alive": alive}
        me = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "process_start": _process_start(os.getpid()),
            "since": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "what": self.what,
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode(), 0)
        self._fd = fd
        self._held = 1

    def release(self) -> None:
        import fcntl

        if not self._held:
            return
        self._held -= 1
        if self._held or self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)  # no holder recorded: the folder is free
        except OSError:
            pass
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def __enter__(self) -> DirectoryLock:  # noqa: PYI034 - Python 3.10 has no typing.Self
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
