"""Small generated dataset folders for the loaders under fuzz: valid ones (few images), and
broken ones (bad labels, truncated pickles, a pickle that would run code, bad idx headers)."""

from __future__ import annotations

import gzip
import json
import os
import pickle
import struct

import numpy as np

CIFAR_BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
MNIST_FILES = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
]


class _Evil:
    def __reduce__(self):  # what a crafted batch would do on unpickling
        return (os.system, ("true",))


def _cifar_batch(rng: np.random.Generator, n: int, labels: list[int] | None = None) -> bytes:
    data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    return pickle.dumps(
        {
            b"data": data,
            b"labels": labels if labels is not None else rng.integers(0, 10, size=n).tolist(),
        },
        protocol=2,
    )


def _idx(array: np.ndarray) -> bytes:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def make_data_dir(kind: str, scratch: str) -> str:
    root = os.path.join(scratch, "data")
    rng = np.random.default_rng(0)
    if kind.startswith("cifar10"):
        folder = os.path.join(root, "cifar-10-batches-py")
        os.makedirs(folder, exist_ok=True)
        for i, name in enumerate(CIFAR_BATCHES):
            raw = _cifar_batch(rng, 4)
            if kind == "cifar10-folder-bad-labels" and i == 0:
                raw = _cifar_batch(rng, 4, labels=[0, 1, 12, -1])
            elif kind == "cifar10-folder-truncated" and i == 2:
                raw = raw[: len(raw) // 2]
            elif kind == "cifar10-folder-evil" and i == 1:
                raw = pickle.dumps({b"data": _Evil(), b"labels": [0]}, protocol=2)
            with open(os.path.join(folder, name), "wb") as fh:
                fh.write(raw)
        if kind == "cifar10-archive-bad":
            with open(os.path.join(root, "cifar-10-python.tar.gz"), "wb") as fh:
                fh.write(b"not a tar file")
    elif kind.startswith("mnist"):
        folder = os.path.join(root, "mnist")
        os.makedirs(folder, exist_ok=True)
        arrays = [
            rng.integers(0, 256, size=(6, 28, 28)),
            rng.integers(0, 10, size=6),
            rng.integers(0, 256, size=(3, 28, 28)),
            rng.integers(0, 10, size=3),
        ]
        for name, array in zip(MNIST_FILES, arrays):
            raw = _idx(array)
            if kind == "mnist-folder-bad-magic" and name.startswith("train-images"):
                raw = gzip.compress(b"\x00\x00\x09\x03" + b"\x00" * 12)
            elif kind == "mnist-folder-short" and name.startswith("t10k-labels"):
                raw = gzip.compress(b"\x00")
            with open(os.path.join(folder, name), "wb") as fh:
                fh.write(raw)
    else:
        os.makedirs(root, exist_ok=True)
    return root


def train_config(scratch: str) -> str:
    """A tiny teacher-task experiment as JSON (a few steps of one small run)."""
    path = os.path.join(scratch, "cfg.json")
    spec = {
        "name": "fuzz",
        "dataset": "teacher",
        "data_options": {"n_train": 64, "n_test": 32, "features": 8, "classes": 3},
        "inits": ["orthogonal"],
        "activations": ["tanh"],
        "depths": [2],
        "optimizers": ["sgd"],
        "q_stars": [0.5],
        "learning_rates": [0.01],
        "seeds": [0],
        "width": 8,
        "batch_size": 16,
        "steps": 6,
        "eval_every": 3,
        "checkpoint_every": 3,
        "dtype": "float64",
    }
    with open(path, "w") as fh:
        json.dump(spec, fh)
    return path


# ---------------------------------------------------------------------------------------------
# Sweep specs: a generated mapping written as a TOML file, for `isometry sweep SPEC --dry-run`.


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)  # beyond int64 TOML refuses it: the loader must say so cleanly
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))


def sweep_spec(text: str, scratch: str) -> str:
    """``text``: JSON of {"sweep": {...}, "grid": {...}} (or a raw string, written as it is)."""
    path = os.path.join(scratch, "spec.toml")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    with open(path, "w") as fh:
        if not isinstance(data, dict):
            fh.write(text)
        else:
            for section, table in data.items():
                fh.write(f"[{section}]\n")
                for key, value in table.items() if isinstance(table, dict) else []:
                    fh.write(f"{key} = {_toml_value(value)}\n")
    return path


def set_num_threads_restored(n: object) -> int:
    """``isometry.set_num_threads(n)``, then the worker's own count back (one thread), so that a
    fuzzed count never slows the calls after it; returns the count that took effect."""
    import isometry

    before = isometry.get_num_threads()
    try:
        isometry.set_num_threads(n)  # type: ignore[arg-type]
        return isometry.get_num_threads()
    finally:
        isometry.set_num_threads(before)
