"""Datasets for the training experiments: CIFAR-10 and MNIST from their official archives, and
scikit-learn's bundled 8×8 digits (``digits``, offline; needs the ``reproduce`` extra).

Files are looked up in ``data_dir``, else ``$ISOMETRY_DATA``, else ``~/.cache/isometry``
(``$XDG_CACHE_HOME/isometry``); archives are checked against their published md5;
``download=True`` fetches a missing file with a progress bar and moves it into place only
once complete and verified. Offline with no data, the error names the file and the folder.
"""

from __future__ import annotations

import os

import numpy as np

from isometry._internal import validation as _validation
from isometry.datasets._cifar10 import cifar10 as _load_cifar10
from isometry.datasets._digits import digits
from isometry.datasets._files import ChecksumError, data_directory
from isometry.datasets._mnist import mnist as _load_mnist
from isometry.datasets.dataset import Dataset

__all__ = ["ChecksumError", "Dataset", "cifar10", "data_directory", "digits", "mnist"]


def cifar10(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    download: bool = False,
    standardize: bool = True,
    dtype: str = "float32",
    progress: bool = True,
) -> Dataset:
    """CIFAR-10 (see the module docstring of isometry.datasets._cifar10). ``dtype``: 'float32' or
    'float64' (the pixels are standardised or scaled to [0, 1], so integer dtypes are refused)."""
    dtype = _validation.dtype(dtype)
    _booleans(standardize=standardize, download=download)
    return _load_cifar10(
        data_dir, download_missing=download, standardize=standardize, dtype=dtype, progress=progress
    )


def mnist(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    download: bool = False,
    standardize: bool = True,
    dtype: str = "float32",
    progress: bool = True,
) -> Dataset:
    """MNIST (see isometry.datasets._mnist). ``dtype``: 'float32' or 'float64'."""
    dtype = _validation.dtype(dtype)
    _booleans(standardize=standardize, download=download)
    return _load_mnist(
        data_dir, download_missing=download, standardize=standardize, dtype=dtype, progress=progress
    )


def _booleans(**flags: object) -> None:
    for name, value in flags.items():
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {value!r}")
