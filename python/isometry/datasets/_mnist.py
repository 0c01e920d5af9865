"""MNIST from its four idx files (gzip), as published by LeCun, Cortes & Burges."""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np

from isometry.datasets._files import data_directory, download, verify
from isometry.datasets.dataset import Dataset

__all__ = ["FILES", "MIRRORS", "mnist"]

FOLDER = "mnist"
# The published md5 of each gzip file (the same list torchvision and others check).
FILES = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://yann.lecun.com/exdb/mnist/")


def read_idx(path: Path) -> np.ndarray:
    """An idx file (gzip): magic 0x0000 08 ndim (unsigned bytes), big-endian int32 dims, data."""
    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4:
        raise ValueError(f"{path}: too short for an idx file")
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte idx file (magic {raw[:4].hex()})")
    header = 4 + 4 * ndim
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    data = np.frombuffer(raw, dtype=np.uint8, offset=header)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: header says {dims} but holds {data.size} values")
    return data.reshape(dims)


def mnist(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    download_missing: bool = False,
    standardize: bool = True,
    dtype: str = "float32",
    progress: bool = True,
) -> Dataset:
    """MNIST as a Dataset: 60000/10000 images flattened to 784 values, labels 0..9.

    The four ``*-idx?-ubyte.gz`` files go in ``<data directory>/mnist/``; each is checked against
    its published md5. ``standardize``: subtract the training-set mean pixel value and divide by
    its standard deviation (one channel); else pixel/255.
    """
    folder = data_directory(data_dir) / FOLDER
    paths = {name: folder / name for name in FILES}
    missing = [name for name, p in paths.items() if not p.is_file()]
    if missing and not download_missing:
        listed = ", ".join(missing)
        raise FileNotFoundError(
            f"MNIST not found: put {listed} (the published gzip idx files, e.g. from {MIRRORS[0]}) in "
            f"{folder}/; or pass download=True. The directory is data_dir, else $ISOMETRY_DATA, "
            "else ~/.cache/isometry, plus mnist/."
        )
    for name in missing:
        download([m + name for m in MIRRORS], paths[name], FILES[name], progress=progress)
    for name, p in paths.items():
        verify(p, FILES[name])
    arrays = {name: read_idx(p) for name, p in paths.items()}
    x_train = arrays["train-images-idx3-ubyte.gz"]
    x_test = arrays["t10k-images-idx3-ubyte.gz"]
    y_train = arrays["train-labels-idx1-ubyte.gz"].astype(np.int64)
    y_test = arrays["t10k-labels-idx1-ubyte.gz"].astype(np.int64)
    if (
        x_train.ndim != 3
        or len(x_train) != len(y_train)
        or x_test.ndim != 3
        or len(x_test) != len(y_test)
    ):
        raise ValueError(
            f"MNIST files in {folder} do not match: images {x_train.shape}, {x_test.shape}; "
            f"labels {y_train.shape}, {y_test.shape}"
        )
    x_train = x_train.reshape(len(x_train), -1).astype(np.float64) / 255.0
    x_test = x_test.reshape(len(x_test), -1).astype(np.float64) / 255.0
    info = {"source": str(folder), "standardize": standardize}
    if standardize:
        mean, std = float(x_train.mean()), float(x_train.std()) or 1.0
        x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
        info.update(mean=mean, std=std)
    return Dataset("mnist", x_train.astype(dtype), y_train, x_test.astype(dtype), y_test, 10, info)
