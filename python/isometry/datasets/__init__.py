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
    """CIFAR-10: 50000/10000 images flattened to 3072 values (channel-major, as stored), labels 0..9.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        The folder holding the dataset files; default ``$ISOMETRY_DATA``, else
        ``$XDG_CACHE_HOME/isometry`` (``~/.cache/isometry``).
    download : bool, default False
        Fetch missing files (with a progress bar), moving each into place only once complete and
        verified.
    standardize : bool, default True
        Subtract each channel's training-set mean and divide by its standard deviation; else
        pixel/255.
    dtype : {"float32", "float64"}, default "float32"
        Floating-point type of the inputs.
    progress : bool, default True
        Show a download's progress.

    Returns
    -------
    Dataset
        The training and test splits, 10 classes.

    Raises
    ------
    FileNotFoundError
        If the data is missing and ``download`` is False (the message names the file and the
        folder).
    ChecksumError
        If ``cifar-10-python.tar.gz`` does not have its published md5.
    OSError
        If a download fails.

    See Also
    --------
    mnist, data_directory

    Notes
    -----
    Reads ``cifar-10-python.tar.gz`` (checked against its published md5) or, failing that, the
    extracted ``cifar-10-batches-py/`` in the data directory. The batches are unpickled with only
    NumPy's array constructor allowed.

    Examples
    --------
    >>> import tempfile
    >>> from isometry import datasets
    >>> try:
    ...     datasets.cifar10(tempfile.mkdtemp())
    ... except FileNotFoundError as error:
    ...     print(str(error).split(" (")[0])  # then the md5, the address and the folder
    CIFAR-10 not found: put cifar-10-python.tar.gz
    """

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
    """MNIST: 60000/10000 images flattened to 784 values, labels 0..9.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        The folder holding the dataset files; default ``$ISOMETRY_DATA``, else
        ``$XDG_CACHE_HOME/isometry`` (``~/.cache/isometry``).
    download : bool, default False
        Fetch missing files (with a progress bar), moving each into place only once complete and
        verified.
    standardize : bool, default True
        Subtract the training-set mean pixel value and divide by its standard deviation; else
        pixel/255.
    dtype : {"float32", "float64"}, default "float32"
        Floating-point type of the inputs.
    progress : bool, default True
        Show a download's progress.

    Returns
    -------
    Dataset
        The training and test splits, 10 classes.

    Raises
    ------
    FileNotFoundError
        If a file is missing and ``download`` is False (the message names the files and the
        folder).
    ChecksumError
        If a file does not have its published md5.
    OSError
        If a download fails.

    See Also
    --------
    cifar10, data_directory

    Notes
    -----
    The four ``*-idx?-ubyte.gz`` files go in ``<data directory>/mnist/``; each is checked against
    its published md5.

    Examples
    --------
    >>> import tempfile
    >>> from isometry import datasets
    >>> try:
    ...     datasets.mnist(tempfile.mkdtemp())
    ... except FileNotFoundError as error:
    ...     print(str(error).split(",")[0])  # then the other files and the folder
    MNIST not found: put train-images-idx3-ubyte.gz
    """

    dtype = _validation.dtype(dtype)
    _booleans(standardize=standardize, download=download)
    return _load_mnist(
        data_dir, download_missing=download, standardize=standardize, dtype=dtype, progress=progress
    )


def _booleans(**flags: object) -> None:
    for name, value in flags.items():
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {value!r}")
