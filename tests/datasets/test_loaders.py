"""Dataset loaders on small archives generated in the real formats; nothing is downloaded."""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import struct
import tarfile

import numpy as np
import pytest

from isometry import datasets
from isometry.datasets import _cifar10, _files, _mnist


def _md5(path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def _cifar_archive(path, per_batch=6, seed=0):
    """cifar-10-python.tar.gz layout: cifar-10-batches-py/data_batch_1..5, test_batch (pickled dicts
    with bytes keys, uint8 data (n, 3072) channel-major, list of labels), batches.meta."""
    rng = np.random.default_rng(seed)
    batches = {}
    with tarfile.open(path, "w:gz") as tar:
        for name in (*_cifar10.TRAIN_BATCHES, _cifar10.TEST_BATCH, "batches.meta"):
            if name == "batches.meta":
                content = {b"label_names": [b"airplane"] * 10, b"num_vis": 3072}
            else:
                data = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
                labels = rng.integers(0, 10, per_batch).tolist()
                batches[name] = (data, labels)
                content = {
                    b"batch_label": name.encode(),
                    b"labels": labels,
                    b"data": data,
                    b"filenames": [b"x.png"] * per_batch,
                }
            raw = pickle.dumps(content, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return batches


def test_cifar10_reads_a_verified_archive_and_standardizes_per_channel(tmp_path, monkeypatch):
    batches = _cifar_archive(tmp_path / _cifar10.ARCHIVE)
    monkeypatch.setattr(_cifar10, "MD5", _md5(tmp_path / _cifar10.ARCHIVE))
    data = datasets.cifar10(tmp_path)
    raw_train = (
        np.concatenate([batches[n][0] for n in _cifar10.TRAIN_BATCHES]).astype(np.float64) / 255
    )
    assert (
        data.x_train.shape == (30, 3072)
        and data.x_test.shape == (6, 3072)
        and data.x_train.dtype == np.float32
    )
    np.testing.assert_array_equal(
        data.y_train, np.concatenate([batches[n][1] for n in _cifar10.TRAIN_BATCHES])
    )
    channels = raw_train.reshape(30, 3, 1024)
    mean, std = channels.mean(axis=(0, 2)), channels.std(axis=(0, 2))
    expected = ((channels - mean[:, None]) / std[:, None]).reshape(30, 3072)
    np.testing.assert_allclose(data.x_train, expected, rtol=1e-6, atol=1e-6)  # float32 rounding
    test_raw = batches[_cifar10.TEST_BATCH][0].astype(np.float64).reshape(6, 3, 1024) / 255
    np.testing.assert_allclose(
        data.x_test,
        ((test_raw - mean[:, None]) / std[:, None]).reshape(6, 3072),
        rtol=1e-6,
        atol=1e-6,
    )
    plain = datasets.cifar10(tmp_path, standardize=False)
    np.testing.assert_allclose(plain.x_train, raw_train, rtol=1e-7)


def test_cifar10_extracted_folder_and_env_directory(tmp_path, monkeypatch):
    _cifar_archive(tmp_path / "a.tar.gz")
    with tarfile.open(tmp_path / "a.tar.gz") as tar:
        tar.extractall(tmp_path / "data", filter="data")
    monkeypatch.setenv("ISOMETRY_DATA", str(tmp_path / "data"))
    assert datasets.cifar10().x_train.shape == (30, 3072)


def test_cifar10_corrupted_archive_is_a_checksum_error(tmp_path, monkeypatch):
    path = tmp_path / _cifar10.ARCHIVE
    _cifar_archive(path)
    monkeypatch.setattr(_cifar10, "MD5", _md5(path))
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(datasets.ChecksumError, match="corrupted or incomplete"):
        datasets.cifar10(tmp_path)


def test_official_checksums_are_the_published_ones():
    assert _cifar10.MD5 == "c58f30108f718f92721af3b95e74349a"
    assert _mnist.FILES["train-images-idx3-ubyte.gz"] == "f68b3c2dcbeaaa9fbdd348bbdeb94873"
    assert _mnist.FILES["t10k-labels-idx1-ubyte.gz"] == "ec29112dd5afa0611ce80d1b7f02629c"


def test_missing_cifar10_says_which_file_goes_where(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        datasets.cifar10(tmp_path / "nothing")
    message = str(info.value)
    assert str(tmp_path / "nothing" / "cifar-10-python.tar.gz") in message
    assert "c58f30108f718f92721af3b95e74349a" in message and "download=True" in message


def test_cifar10_batch_with_foreign_objects_is_refused(tmp_path, monkeypatch):
    path = tmp_path / _cifar10.ARCHIVE
    with tarfile.open(path, "w:gz") as tar:
        for name in (*_cifar10.TRAIN_BATCHES, _cifar10.TEST_BATCH):
            raw = pickle.dumps(
                {b"data": np.zeros((1, 3072), np.uint8), b"labels": [0], b"x": tarfile.TarInfo},
                protocol=2,
            )
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    monkeypatch.setattr(_cifar10, "MD5", _md5(path))
    with pytest.raises(pickle.UnpicklingError, match="tarfile.TarInfo"):
        datasets.cifar10(tmp_path)


def _idx(path, array: np.ndarray) -> None:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as fh:
        fh.write(header + array.astype(np.uint8).tobytes())


def _mnist_files(folder, n_train=12, n_test=5, seed=0):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28)),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, n_train),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test),
    }
    for name, a in arrays.items():
        _idx(folder / name, a)
    return arrays


def test_mnist_reads_idx_files(tmp_path, monkeypatch):
    arrays = _mnist_files(tmp_path / "mnist")
    monkeypatch.setattr(_mnist, "FILES", {n: _md5(tmp_path / "mnist" / n) for n in _mnist.FILES})
    data = datasets.mnist(tmp_path, standardize=False)
    np.testing.assert_allclose(
        data.x_train, arrays["train-images-idx3-ubyte.gz"].reshape(12, 784) / 255, rtol=1e-7
    )
    np.testing.assert_array_equal(data.y_test, arrays["t10k-labels-idx1-ubyte.gz"])
    z = datasets.mnist(tmp_path).x_train.astype(np.float64)
    assert (
        abs(z.mean()) < 1e-6 and abs(z.std() - 1) < 1e-6
    )  # standardised with the training statistics


def test_mnist_corrupted_and_missing(tmp_path, monkeypatch):
    _mnist_files(tmp_path / "mnist")
    monkeypatch.setattr(_mnist, "FILES", {n: _md5(tmp_path / "mnist" / n) for n in _mnist.FILES})
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not the file")
    with pytest.raises(datasets.ChecksumError, match="t10k-labels-idx1-ubyte.gz"):
        datasets.mnist(tmp_path)
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match=r"put t10k-labels-idx1-ubyte.gz .* in .*mnist/"):
        datasets.mnist(tmp_path)


class _FakeResponse(io.BytesIO):
    def __init__(self, payload: bytes) -> None:
        super().__init__(payload)
        self.headers = {"Content-Length": str(len(payload))}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def test_download_verifies_and_moves_atomically(tmp_path, monkeypatch):
    payload = b"some archive bytes" * 1000
    good = hashlib.md5(payload, usedforsecurity=False).hexdigest()
    seen = []

    def fake_urlopen(url, timeout):
        seen.append(url)
        if "broken" in url:
            raise OSError("connection refused")
        return _FakeResponse(payload)

    monkeypatch.setattr(_files.urllib.request, "urlopen", fake_urlopen)
    target = tmp_path / "d" / "file.gz"
    _files.download(["http://broken/x", "http://ok/x"], target, good, progress=False)
    assert target.read_bytes() == payload and seen == ["http://broken/x", "http://ok/x"]
    other = tmp_path / "d" / "other.gz"
    with pytest.raises(OSError, match=r"could not download other.gz[\s\S]*has md5"):
        _files.download(["http://ok/x"], other, "0" * 32, progress=False)
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == [
        "file.gz"
    ]  # no half or bad file left


def test_cifar10_conversion_makes_no_full_size_float64_copies(tmp_path, monkeypatch):
    import tracemalloc

    _cifar_archive(tmp_path / _cifar10.ARCHIVE, per_batch=200)
    monkeypatch.setattr(_cifar10, "MD5", _md5(tmp_path / _cifar10.ARCHIVE))
    tracemalloc.start()  # numpy reports its array buffers to tracemalloc
    try:
        data = datasets.cifar10(tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    result = data.x_train.nbytes + data.x_test.nbytes
    raw = (len(data.x_train) + len(data.x_test)) * 3072  # the images as bytes
    # The float32 results plus the bytes a few times over (the archive members, the unpickled
    # batches, their concatenation): 28 MB measured here. float64 temporaries of the images
    # (8 bytes per value, several at once) took 88 MB.
    assert peak < result + 5 * raw


def test_cifar10_refuses_with_a_memory_estimate(tmp_path, monkeypatch):
    from isometry._internal import memory as _memory

    _cifar_archive(tmp_path / _cifar10.ARCHIVE)
    monkeypatch.setattr(_cifar10, "MD5", _md5(tmp_path / _cifar10.ARCHIVE))
    monkeypatch.setattr(_memory, "available_bytes", lambda: 100_000)
    # 30 + 6 images: 30·3072 bytes + 36·3072·4 bytes of float32 = 0.00050 GiB > 0.85 · 100 kB.
    with pytest.raises(
        MemoryError, match=r"CIFAR-10 as float32 \(30 \+ 6 images\) needs about 0\.00 GiB"
    ):
        datasets.cifar10(tmp_path)
