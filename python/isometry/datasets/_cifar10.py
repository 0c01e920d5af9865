"""CIFAR-10, python version (``cifar-10-python.tar.gz`` from https://www.cs.toronto.edu/~kriz/cifar.html)."""

from __future__ import annotations

import io
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np

from isometry._internal import memory as _memory
from isometry.datasets._files import data_directory, download, verify
from isometry.datasets.dataset import Dataset

__all__ = ["ARCHIVE", "MD5", "URLS", "cifar10"]

ARCHIVE = "cifar-10-python.tar.gz"
FOLDER = "cifar-10-batches-py"
MD5 = "c58f30108f718f92721af3b95e74349a"  # published on the dataset's page
URLS = ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",)
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"


def _reconstruct():
    try:
        from numpy._core.multiarray import _reconstruct as fn  # numpy >= 2
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct as fn  # type: ignore[no-redef]
    return fn


class _BatchUnpickler(pickle.Unpickler):
    """The batches are pickles of a dict of numpy arrays and lists; allow nothing else to load."""

    def find_class(self, module: str, name: str):
        if name == "_reconstruct" and module in ("numpy.core.multiarray", "numpy._core.multiarray"):
            return _reconstruct()
        if module == "numpy" and name in ("ndarray", "dtype"):
            return getattr(np, name)
        if (
            module == "_codecs" and name == "encode"
        ):  # bytes in protocol-2 pickles written by Python 3
            import codecs

            return codecs.encode
        raise pickle.UnpicklingError(
            f"CIFAR-10 batch refers to {module}.{name}, which a batch never does"
        )


def _read_batch(raw: bytes, name: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        batch = _BatchUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except pickle.UnpicklingError as exc:
        raise pickle.UnpicklingError(f"CIFAR-10 batch {name}: {exc}") from None
    except (
        EOFError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
    ) as exc:  # truncated or garbled
        raise ValueError(
            f"CIFAR-10 batch {name} is not a readable batch ({type(exc).__name__}: {exc})"
        ) from None
    try:
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"CIFAR-10 batch {name} lacks b'data' or b'labels'") from exc
    if data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
        raise ValueError(
            f"CIFAR-10 batch {name}: data must be (n, 3072) with n labels, got {data.shape}, {labels.shape}"
        )
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"CIFAR-10 batch {name}: labels outside 0..9")
    return data, labels


def _read_archive(path: Path) -> dict[str, bytes]:
    wanted = {f"{FOLDER}/{name}": name for name in (*TRAIN_BATCHES, TEST_BATCH)}
    raws: dict[str, bytes] = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            if member.name in wanted and member.isfile():
                handle = tar.extractfile(member)  # a regular file (checked above): never None
                assert handle is not None
                raws[wanted[member.name]] = handle.read()
    missing = sorted(set(wanted.values()) - set(raws))
    if missing:
        raise ValueError(f"{path} lacks {', '.join(f'{FOLDER}/{m}' for m in missing)}")
    return raws


def _read_folder(folder: Path) -> dict[str, bytes]:
    missing = [name for name in (*TRAIN_BATCHES, TEST_BATCH) if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{folder} lacks {', '.join(missing)} (an incomplete extraction of {ARCHIVE})"
        )
    return {name: (folder / name).read_bytes() for name in (*TRAIN_BATCHES, TEST_BATCH)}


def _not_found(directory: Path) -> FileNotFoundError:
    return FileNotFoundError(
        f"CIFAR-10 not found: put {ARCHIVE} (md5 {MD5}, from {URLS[0]}) at {directory / ARCHIVE}, "
        f"or its extracted folder at {directory / FOLDER}; or pass download=True "
        f"(`isometry train ... --download`). The directory is data_dir, else $ISOMETRY_DATA, else "
        f"~/.cache/isometry."
    )


def cifar10(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    download_missing: bool = False,
    standardize: bool = True,
    dtype: str = "float32",
    progress: bool = True,
) -> Dataset:
    """CIFAR-10 as a :class:`~isometry.training.data.Dataset`: 50000/10000 images flattened to 3072
    values (channel-major, as stored), labels 0..9.

    Reads ``cifar-10-python.tar.gz`` (checked against its published md5) or, failing that, the
    extracted ``cifar-10-batches-py/`` in the data directory. ``standardize``: subtract each
    channel's training-set mean and divide by its standard deviation (per-channel
    standardisation); else pixel/255.
    """
    directory = data_directory(data_dir)
    archive, folder = directory / ARCHIVE, directory / FOLDER
    if archive.is_file():
        verify(archive, MD5)
        raws = _read_archive(archive)
        source = str(archive)
    elif folder.is_dir():
        raws = _read_folder(folder)
        source = str(folder)
    elif download_missing:
        download(URLS, archive, MD5, progress=progress)
        raws = _read_archive(archive)
        source = str(archive)
    else:
        raise _not_found(directory)
    train = [_read_batch(raws[name], f"{source}/{name}") for name in TRAIN_BATCHES]
    x_test_raw, y_test = _read_batch(raws[TEST_BATCH], f"{source}/{TEST_BATCH}")
    del raws
    n_train, n_test = sum(len(d) for d, _ in train), len(x_test_raw)
    itemsize = np.dtype(dtype).itemsize
    # The uint8 training images once more (concatenated) and the two float results; the
    # conversion itself goes through a lookup table in row blocks, so no full-size temporary.
    _memory.require(
        f"CIFAR-10 as {np.dtype(dtype).name} ({n_train} + {n_test} images)",
        n_train * 3072 + (n_train + n_test) * 3072 * itemsize,
    )
    x_train_raw = np.concatenate([d for d, _ in train])
    y_train = np.concatenate([l for _, l in train])
    del train
    info = {"source": source, "standardize": standardize}
    if standardize:
        mean, std = _channel_moments(x_train_raw)
        std = np.where(std > 0, std, 1.0)
        info.update(channel_mean=mean.tolist(), channel_std=std.tolist())
    else:
        mean, std = np.zeros(3), np.ones(3)
    # table[c, v]: the value of pixel byte v in channel c, (v/255 − mean_c)/std_c, computed in
    # float64 and rounded once to dtype.
    table = ((np.arange(256) / 255.0)[None, :] - mean[:, None]) / std[:, None]
    x_train = _convert(x_train_raw, table.astype(dtype))
    del x_train_raw
    x_test = _convert(x_test_raw, table.astype(dtype))
    return Dataset("cifar10", x_train, y_train, x_test, y_test, 10, info)


ROWS_PER_BLOCK = 1024  # images converted at once: the temporaries are 1024·3072 values


def _channel_moments(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation of raw/255 over all images and pixels, from exact
    integer sums of the bytes and their squares (no float copy of the images)."""
    n = len(raw)
    sums, squares = [0, 0, 0], [0, 0, 0]
    for start in range(0, n, ROWS_PER_BLOCK):
        block = raw[start : start + ROWS_PER_BLOCK].reshape(-1, 3, 1024).astype(np.int64)
        for c in range(3):
            sums[c] += int(block[:, c].sum())
            squares[c] += int(np.einsum("ij,ij->", block[:, c], block[:, c]))
    count = n * 1024
    mean = np.array([s / (count * 255.0) for s in sums])
    # Var = (count·Σv² − (Σv)²)/count², exact in Python integers before the one division.
    var = np.array(
        [(count * q - s * s) / (count * count * 255.0**2) for s, q in zip(sums, squares)]
    )
    return mean, np.sqrt(var)


def _convert(raw: np.ndarray, table: np.ndarray) -> np.ndarray:
    """(n, 3072) of table[channel, byte], built in row blocks straight into the result."""
    out = np.empty(raw.shape, dtype=table.dtype)
    channel = np.arange(3)[None, :, None]
    for start in range(0, len(raw), ROWS_PER_BLOCK):
        stop = start + ROWS_PER_BLOCK
        out[start:stop].reshape(-1, 3, 1024)[...] = table[
            channel, raw[start:stop].reshape(-1, 3, 1024)
        ]
    return out
