"""scikit-learn's 8×8 handwritten digits: a real image dataset that ships inside a wheel.

1,797 grey-scale images of the digits 0–9 (UCI "Optical Recognition of Handwritten Digits",
test part), 64 pixels with integer values 0–16, bundled with scikit-learn, so it loads on a
machine without internet. The training experiments use it where CIFAR-10 cannot be downloaded
(the quick scale of ``isometry reproduce``). scikit-learn is an optional dependency (the
``reproduce`` extra).
"""

from __future__ import annotations

import numpy as np

from isometry._internal import validation as _validation
from isometry.datasets.dataset import Dataset

__all__ = ["N_TEST", "digits"]

N_TEST = 360  # the last 360 images (20 %) are the test split; the rest train


def digits(*, standardize: bool = True, dtype: str = "float32") -> Dataset:
    """scikit-learn's bundled 8×8 digits: a 1,437/360 train/test split, 64 inputs, labels 0..9.

    Offline (the file ships with scikit-learn, from the ``reproduce`` extra).

    Parameters
    ----------
    standardize : bool, default True
        Subtract each pixel's training mean and divide by the training set's overall standard
        deviation (one number: the border pixels are constant, so a per-pixel scale would divide
        by zero); else pixel/16.
    dtype : {"float32", "float64"}, default "float32"
        Floating-point type of the inputs.

    Returns
    -------
    Dataset
        The file's order split at 1,437 (it cycles through the classes, so both splits hold every
        class about equally).

    Raises
    ------
    ImportError
        If scikit-learn is not installed (the message names the extra).

    See Also
    --------
    mnist, cifar10

    Examples
    --------
    >>> from isometry import datasets
    >>> d = datasets.digits()
    >>> d.x_train.shape, d.x_test.shape, d.classes
    ((1437, 64), (360, 64), 10)
    """

    dtype = _validation.dtype(dtype)
    if not isinstance(standardize, (bool, np.bool_)):
        raise TypeError(f"standardize must be True or False, got {standardize!r}")
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # an optional extra: say which one
        raise ImportError(
            "the digits dataset needs scikit-learn: pip install 'isometry[reproduce]'"
        ) from exc
    bunch = load_digits()
    x = np.asarray(bunch.data, dtype=np.float64) / 16.0
    y = np.asarray(bunch.target, dtype=np.int64)
    x_train, x_test = x[:-N_TEST], x[-N_TEST:]
    info: dict = {"source": "sklearn.datasets.load_digits", "standardize": standardize}
    if standardize:
        mean = x_train.mean(axis=0)
        scale = float((x_train - mean).std())
        x_train, x_test = (x_train - mean) / scale, (x_test - mean) / scale
        info["scale"] = scale
    return Dataset(
        "digits",
        x_train.astype(dtype),
        y[:-N_TEST],
        x_test.astype(dtype),
        y[-N_TEST:],
        classes=10,
        info=info,
    )
