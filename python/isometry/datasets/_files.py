"""Where datasets live, checksums, and downloads that never leave a half file behind."""

from __future__ import annotations

import hashlib
import os
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from isometry._internal.files import atomic_open
from isometry._internal.progress import ProgressBar

__all__ = ["ChecksumError", "data_directory", "download", "md5sum", "verify"]

CHUNK = 1 << 20


class ChecksumError(ValueError):
    """A dataset file does not have its published checksum (corrupted or a different file).

    A ``ValueError``; the message names the file, both md5 sums and what to do.

    See Also
    --------
    mnist, cifar10

    Examples
    --------
    >>> from isometry.datasets import ChecksumError
    >>> issubclass(ChecksumError, ValueError)
    True
    """


def data_directory(data_dir: str | os.PathLike[str] | None) -> Path:
    """The folder where the datasets are looked up and downloaded to.

    Parameters
    ----------
    data_dir : str or os.PathLike or None
        The folder, if given (``~`` is expanded).

    Returns
    -------
    pathlib.Path
        ``data_dir``, else ``$ISOMETRY_DATA``, else ``$XDG_CACHE_HOME/isometry``
        (``~/.cache/isometry``).

    See Also
    --------
    mnist, cifar10

    Examples
    --------
    >>> from isometry import datasets
    >>> datasets.data_directory("/data/sets").as_posix()
    '/data/sets'
    """
    if data_dir is not None:
        return Path(data_dir).expanduser()
    env = os.environ.get("ISOMETRY_DATA")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "isometry"


def md5sum(path: str | os.PathLike[str]) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, expected_md5: str) -> None:
    actual = md5sum(path)
    if actual != expected_md5:
        raise ChecksumError(
            f"{path} has md5 {actual}, but the published archive has md5 {expected_md5}: the file is "
            "corrupted or incomplete (or a different release); delete it and fetch it again"
        )


def download(
    urls: Sequence[str],
    target: Path,
    expected_md5: str,
    *,
    progress: bool = True,
    timeout: float = 60,
) -> Path:
    """Fetch ``target`` from the first of ``urls`` that works, verify it, move it into place.

    The bytes go to a temporary file beside ``target``; only a complete file with the right md5
    is renamed to ``target`` (atomic on one file system), so an interruption or a bad download
    never leaves a file that looks finished.
    """
    errors = []
    for url in urls:
        try:
            digest = hashlib.md5(usedforsecurity=False)
            with (
                atomic_open(target, "wb") as out,
                urllib.request.urlopen(url, timeout=timeout) as response,
            ):
                total = int(response.headers.get("Content-Length") or 0)
                bar = ProgressBar(f"download {target.name}") if progress else None
                done = 0
                for block in iter(lambda: response.read(CHUNK), b""):
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    if bar is not None:
                        bar(done, max(total, done + 1))
                if bar is not None:
                    bar(done, done)
                if digest.hexdigest() != expected_md5:  # inside the block: nothing is renamed
                    raise ChecksumError(
                        f"download from {url} has md5 {digest.hexdigest()}, expected {expected_md5}"
                    )
            return target
        except (OSError, ChecksumError) as exc:  # URLError is an OSError
            errors.append(f"{url}: {exc}")
    raise OSError(f"could not download {target.name} to {target.parent}:\n  " + "\n  ".join(errors))
