"""A deep fully connected network with a hand-written backward pass, on NumPy or CuPy.

    h_l = x_{l−1} W_lᵀ + b_l,   x_l = φ(h_l)   (l = 1..L, rows are examples)
    logits = x_L W_{L+1}ᵀ + b_{L+1}            (linear read-out)

All parameters live in one flat buffer (``theta``) and all gradients in another (``grad``);
W_l, b_l and their gradients are views into them. An optimizer step is then a handful of
whole-buffer operations instead of a loop over 2(L+1) arrays, which matters at L = 200 (Python
and kernel-launch overhead per array), and a checkpoint is one array.

Activations of one batch size are kept in a workspace that is allocated once and reused every
step: fresh buffers of this size cost up to 0.3 s on these machines.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np

from isometry._internal import memory as _memory
from isometry.training.activations import Activation

__all__ = ["MLP"]

Array = Any


class _Workspace:
    def __init__(self, xp: ModuleType, sizes: list[int], batch: int, dtype: str) -> None:
        hidden = sizes[1:-1]
        self.h = [xp.empty((batch, n), dtype=dtype) for n in hidden]
        self.x = [xp.empty((batch, n), dtype=dtype) for n in hidden]
        self.logits = xp.empty((batch, sizes[-1]), dtype=dtype)
        widest = max(sizes[:-1])
        # Two ping-pong buffers for δ and one for φ'(h).
        self.delta = [xp.empty(batch * widest, dtype=dtype) for _ in range(2)]
        self.slope = xp.empty(batch * widest, dtype=dtype)

    @staticmethod
    def nbytes(sizes: list[int], batch: int, itemsize: int) -> int:
        hidden = sum(sizes[1:-1])
        return itemsize * batch * (2 * hidden + sizes[-1] + 3 * max(sizes[:-1]))


class MLP:
    """A deep fully connected network with a hand-written backward pass, on NumPy or CuPy.

    ``h_l = x_{l−1} W_lᵀ + b_l``, ``x_l = φ(h_l)`` for l = 1..L and a linear read-out (rows are
    examples). All parameters live in one flat buffer ``theta`` and all gradients in ``grad``
    (``weights``, ``biases`` and their gradients are views); ``forward(x)`` then
    ``backward(d_logits)`` fill ``grad`` for the batch just seen.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_in, N_1, ..., N_L, n_out]``: at least two sizes, each at least 1.
    activation : str
        φ of the hidden layers: ``"linear"``, ``"tanh"``, ``"hard_tanh"``, ``"relu"``, ``"erf"``.
    xp : module, default numpy
        The array module: ``numpy`` or ``cupy``.
    dtype : str, default "float32"
        ``"float32"`` or ``"float64"``.
    bias : bool, default True
        Whether the layers have biases.

    Raises
    ------
    ValueError
        If ``layer_sizes`` has fewer than two sizes or a size below 1.
    MemoryError
        If the parameters do not fit (checked before allocating).

    See Also
    --------
    isometry.init.network_weights

    Examples
    --------
    >>> import numpy as np
    >>> from isometry.training import MLP
    >>> model = MLP([3, 5, 2], "tanh", dtype="float64")
    >>> model.n_parameters  # 5·3 + 5 + 2·5 + 2
    32
    >>> model.forward(np.ones((4, 3))).shape
    (4, 2)
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str,
        *,
        xp: ModuleType = np,
        dtype: str = "float32",
        bias: bool = True,
    ) -> None:
        self.sizes = [int(n) for n in layer_sizes]
        if len(self.sizes) < 2 or min(self.sizes) < 1:
            raise ValueError(
                f"layer_sizes must be at least two positive sizes, got {list(layer_sizes)}"
            )
        self.xp = xp
        self.dtype = dtype
        self.bias = bias
        self.phi = Activation(activation, xp)
        shapes = list(zip(self.sizes[1:], self.sizes[:-1]))
        count = sum(o * i for o, i in shapes) + (sum(self.sizes[1:]) if bias else 0)
        self.n_parameters = count
        if xp is np:
            _memory.require(
                f"MLP({self.sizes}) parameters and gradients", 2 * count * np.dtype(dtype).itemsize
            )
        self.theta = xp.zeros(count, dtype=dtype)
        self.grad = xp.zeros(count, dtype=dtype)
        self.weights, self.biases, self.grad_weights, self.grad_biases = [], [], [], []
        offset = 0
        for fan_out, fan_in in shapes:
            n = fan_out * fan_in
            self.weights.append(self.theta[offset : offset + n].reshape(fan_out, fan_in))
            self.grad_weights.append(self.grad[offset : offset + n].reshape(fan_out, fan_in))
            offset += n
        for fan_out, _ in shapes:
            if bias:
                self.biases.append(self.theta[offset : offset + fan_out])
                self.grad_biases.append(self.grad[offset : offset + fan_out])
                offset += fan_out
            else:
                self.biases.append(None)
                self.grad_biases.append(None)
        self._workspaces: dict[int, _Workspace] = {}
        self._input: Array | None = None
        self._batch: int | None = None

    @property
    def depth(self) -> int:
        """Hidden (nonlinear) layers L; the network has L + 1 weight matrices."""
        return len(self.sizes) - 2

    def set_parameters(
        self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray] | None = None
    ) -> None:
        xp = self.xp
        if len(weights) != len(self.weights):
            raise ValueError(f"weights: expected {len(self.weights)} matrices, got {len(weights)}")
        for l, (dst, src) in enumerate(zip(self.weights, weights)):
            if tuple(src.shape) != dst.shape:
                raise ValueError(f"weights[{l}] has shape {tuple(src.shape)}, expected {dst.shape}")
            dst[...] = xp.asarray(src, dtype=self.dtype)
        if self.bias and biases is not None:
            for l, (dst, src) in enumerate(zip(self.biases, biases)):
                if tuple(src.shape) != dst.shape:
                    raise ValueError(
                        f"biases[{l}] has shape {tuple(src.shape)}, expected {dst.shape}"
                    )
                dst[...] = xp.asarray(src, dtype=self.dtype)

    def workspace(self, batch: int) -> _Workspace:
        ws = self._workspaces.get(batch)
        if ws is None:
            if self.xp is np:
                _memory.require(
                    f"MLP({self.sizes}) activations for batch {batch}",
                    _Workspace.nbytes(self.sizes, batch, np.dtype(self.dtype).itemsize),
                )
            ws = self._workspaces[batch] = _Workspace(self.xp, self.sizes, batch, self.dtype)
        return ws

    def workspace_bytes(self, batch: int) -> int:
        return _Workspace.nbytes(self.sizes, batch, np.dtype(self.dtype).itemsize)

    def forward(self, x: Array) -> Array:
        """Logits (a view into the workspace, valid until the next forward with this batch size)."""
        xp = self.xp
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise ValueError(f"x must have shape (batch, {self.sizes[0]}), got {tuple(x.shape)}")
        batch = x.shape[0]
        ws = self.workspace(batch)
        a = x
        last = len(self.weights) - 1
        for l, w in enumerate(self.weights):
            h = ws.logits if l == last else ws.h[l]
            xp.matmul(a, w.T, out=h)
            if self.bias:
                h += self.biases[l]
            if l < last:
                if self.phi.is_linear:
                    a = h  # x_l is h_l: no copy; backward never needs φ'
                else:
                    a = self.phi.forward(h, ws.x[l])
        self._input, self._batch = x, batch
        return ws.logits

    def backward(self, dlogits: Array) -> Array:
        """Fill ``grad`` with ∂loss/∂theta given ∂loss/∂logits of the last forward; returns ``grad``."""
        xp = self.xp
        if self._input is None or self._batch is None:
            raise RuntimeError("backward() needs a forward() first")
        batch = self._batch
        ws = self._workspaces[batch]
        if dlogits.shape != ws.logits.shape:
            raise ValueError(
                f"dlogits must have shape {ws.logits.shape}, got {tuple(dlogits.shape)}"
            )
        delta = dlogits
        for l in range(len(self.weights) - 1, -1, -1):
            if l == 0:
                a_prev = self._input
            else:
                a_prev = ws.h[l - 1] if self.phi.is_linear else ws.x[l - 1]
            xp.matmul(delta.T, a_prev, out=self.grad_weights[l])
            if self.bias:
                xp.sum(delta, axis=0, out=self.grad_biases[l])
            if l == 0:
                break
            n_prev = self.sizes[l]
            buf = ws.delta[l % 2][: batch * n_prev].reshape(batch, n_prev)
            xp.matmul(delta, self.weights[l], out=buf)
            if not self.phi.is_linear:
                slope = ws.slope[: batch * n_prev].reshape(batch, n_prev)
                self.phi.derivative(ws.h[l - 1], ws.x[l - 1], slope)
                buf *= slope
            delta = buf
        return self.grad

    def parameters_host(self) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """Copies of (weights, biases) as host arrays."""
        from isometry.training.backend import to_numpy

        ws = [to_numpy(w).copy() for w in self.weights]
        bs = [None if b is None else to_numpy(b).copy() for b in self.biases]
        return ws, bs
