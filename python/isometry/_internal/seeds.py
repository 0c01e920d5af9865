"""What ``seed=`` accepts, and the one 64-bit Philox key it becomes.

Every random draw of the package is a pure function of (key, stream, counter) with a 64-bit
key. ``seed`` may be

* an ``int`` in [0, 2**64): the key itself (the same seed always gives the same network);
* a ``numpy.random.SeedSequence``: its first 64-bit word, ``generate_state(1, uint64)[0]``
  (so ``SeedSequence(entropy).spawn(n)`` gives n independent, reproducible networks);
* a ``numpy.random.Generator``: one 64-bit integer drawn from it (advancing it, so a loop that
  passes the same generator gets a new network every time, reproducibly from the generator's
  seed);
* ``None``: fresh entropy from the operating system (``SeedSequence()``).

Results record the key they used as ``seed``: pass it back to repeat the run bit for bit.
"""

from __future__ import annotations

import numpy as np

from isometry._internal import validation as _validation

__all__ = ["SeedLike", "resolve_seed"]

SeedLike = int | np.integer | np.random.SeedSequence | np.random.Generator | None


def resolve_seed(seed: object) -> int:
    """The 64-bit Philox key for ``seed`` (see the module docstring)."""
    if seed is None:
        seed = np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.generate_state(1, np.uint64)[0])
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**64, dtype=np.uint64))
    if isinstance(seed, np.random.RandomState):
        raise TypeError(
            "seed must be an integer in [0, 2**64), a numpy SeedSequence or Generator, or None; "
            "got a legacy numpy RandomState (use numpy.random.default_rng)"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(
            "seed must be an integer in [0, 2**64), a numpy SeedSequence or Generator, or None; "
            f"got {seed!r} of type {type(seed).__name__}"
        )
    return _validation.seed(int(seed))
