"""An independent pure-Python Philox4x32-10 and Box–Muller, written from the published
algorithm (Salmon et al., SC'11) and the documented stream layout, to check the C++ core."""

from __future__ import annotations

import math

MASK = 0xFFFFFFFF


def philox4x32_10(counter, key):
    c0, c1, c2, c3 = counter
    k0, k1 = key
    for round_ in range(10):
        if round_:
            k0 = (k0 + 0x9E3779B9) & MASK
            k1 = (k1 + 0xBB67AE85) & MASK
        p0 = 0xD2511F53 * c0
        p1 = 0xCD9E8D57 * c2
        c0, c1, c2, c3 = (
            ((p1 >> 32) ^ c1 ^ k0) & MASK,
            p1 & MASK,
            ((p0 >> 32) ^ c3 ^ k1) & MASK,
            p0 & MASK,
        )
    return [c0, c1, c2, c3]


def normal(seed: int, stream: int, substream: int, index: int) -> float:
    """Element `index` of a normal stream: Box–Muller on the two grid-midpoint uniforms of
    block index // 2, with libm's log/cos/sin (the core uses its own vectorisable ones)."""
    block = index // 2
    w = philox4x32_10([block & MASK, block >> 32, substream, stream], [seed & MASK, seed >> 32])
    u1 = ((((w[0] << 32) | w[1]) >> 12) + 0.5) * 2.0**-52
    u2 = ((((w[2] << 32) | w[3]) >> 12) + 0.5) * 2.0**-52
    r = math.sqrt(-2.0 * math.log(u1))
    return r * (math.cos if index % 2 == 0 else math.sin)(2.0 * math.pi * u2)
