"""Atomic file writes: the one module through which the package writes every file.

A result is written to a temporary file beside its destination, flushed and synced (so a full
disk or a failing device is reported as an ``OSError`` here, never as a file that merely looks
written), and renamed over the destination only when complete: a reader never sees a half
file, and an interruption leaves the previous version. The destination must be a regular file
or a new name: a directory, device, FIFO or socket is refused (renaming over a device node
would replace the node), and a symbolic link is written through (the file it names is
replaced; the link stays). Temporary files carry the writer's process id, so ones left by a
killed writer are recognised and removed by the next write to the same destination.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, TextIO

from isometry._internal.locks import process_alive

__all__ = [
    "atomic_open",
    "atomic_path",
    "default_file_mode",
    "destination",
    "open_atomically",
    "remove_stale_temporaries",
    "write_bytes_atomically",
    "write_text_atomically",
]

#: Marks the temporary files of this module: ``.<name>.isometry-tmp-<pid>-<random><suffix>``.
TEMPORARY_MARK = ".isometry-tmp-"

_KINDS = (
    (stat.S_ISDIR, "directory"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISFIFO, "FIFO (named pipe)"),
    (stat.S_ISSOCK, "socket"),
)


def default_file_mode() -> int:
    """0o666 less the umask: what open() would have given (mkstemp makes files 0o600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def destination(path: str | os.PathLike[str]) -> Path:
    """The file a write to ``path`` replaces: ``path`` itself, or the file a symbolic link names.

    Raises ``IsADirectoryError`` for a directory and ``OSError`` for any other non-regular file.
    """
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return path
    if stat.S_ISREG(mode):
        return path
    kind = next((name for test, name in _KINDS if test(mode)), "special file")
    message = (
        f"{path} is a {kind}, not a regular file: results are written only to regular files "
        "(atomically, by renaming a finished file over the old one); give a file name"
    )
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(message)
    raise OSError(message)


def remove_stale_temporaries(path: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporary files of writes to ``path`` whose writer process is gone."""
    path = Path(path)
    prefix = f".{path.name}{TEMPORARY_MARK}"
    removed: list[Path] = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        pid_text = entry.name[len(prefix) :].split("-", 1)[0]
        if not pid_text.isdigit() or process_alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def _sync_directory(directory: Path) -> None:
    """Make the rename durable where the platform allows (best effort: not every file system can)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], suffix: str | None = None) -> Iterator[Path]:
    """A temporary path beside ``path`` (same suffix, for libraries that choose the format by it)
    to write by name; it is synced and renamed over ``path`` when the block ends without an error."""
    target = destination(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}{TEMPORARY_MARK}{os.getpid()}-",
        suffix=target.suffix if suffix is None else suffix,
        dir=target.parent,
    )
    os.close(fd)
    try:
        yield Path(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, target)
        _sync_directory(target.parent)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """A file to write into (``mode`` ``"w"`` or ``"wb"``); it replaces ``path`` only when the block
    ends without an error, after a checked flush, fsync and close."""
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    with atomic_path(path) as tmp:
        fh = open(tmp, mode, **kwargs)  # noqa: SIM115 - closed below, with its errors checked
        try:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fh.close()  # raises if the last buffered bytes cannot be written


def open_atomically(path: str | os.PathLike[str]) -> contextlib.AbstractContextManager[TextIO]:
    """A text file to stream into (for files too big to build as one string first)."""
    return atomic_open(path, "w")  # type: ignore[return-value]


def write_text_atomically(path: str | os.PathLike[str], text: str) -> Path:
    with atomic_open(path, "w") as fh:
        fh.write(text)
    return destination(path)


def write_bytes_atomically(path: str | os.PathLike[str], data: bytes) -> Path:
    with atomic_open(path, "wb") as fh:
        fh.write(data)
    return destination(path)
