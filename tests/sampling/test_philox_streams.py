"""Philox4x32-10 and the normal streams built on it."""

from __future__ import annotations

import numpy as np
import pytest
from philox_reference import normal, philox4x32_10
from scipy import stats

import isometry
from isometry._internal.core import _core

# Random123's published known-answer vectors (kat_vectors): counter[4], key[2] -> output[4].
KNOWN_ANSWERS = [
    ([0, 0, 0, 0], [0, 0], [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
    ([0xFFFFFFFF] * 4, [0xFFFFFFFF] * 2, [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
    (
        [0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344],
        [0xA4093822, 0x299F31D0],
        [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1],
    ),
]


@pytest.mark.parametrize("counter,key,expected", KNOWN_ANSWERS, ids=["zeros", "ones", "pi"])
def test_philox_known_answers(counter, key, expected):
    assert list(_core.testing.philox4x32_10(counter, key)) == expected
    assert philox4x32_10(counter, key) == expected  # the test's reference agrees too


@pytest.mark.parametrize("first", [0, 1, 7, 2**33 + 5], ids=lambda f: f"first{f}")
def test_normal_stream_matches_reference_transform(first):
    seed, stream, substream = 2**40 + 17, 3, 9
    count = 3001  # odd, so both half-block ends are exercised for odd and even `first`
    got = _core.normal_stream(count, seed, stream, substream, first)
    want = np.array([normal(seed, stream, substream, first + i) for i in range(count)])
    # The core's polynomial log and sin/cos are within a few ulp of libm's: relative 1e-14.
    # Near a zero of cos/sin the reference is the less accurate one: it rounds the full angle
    # 2πu (error up to 2π·2^-53) before cos, times a radius up to ~5: absolute 4e-15.
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=4e-15)


def test_normal_stream_is_standard_normal():
    z = _core.normal_stream(200_000, 5, isometry.STREAMS["gaussian_sampler"], 0, 0)
    n = z.size
    # Four standard errors for the mean (1/sqrt(n)) and the variance (sqrt(2/n)).
    assert abs(z.mean()) < 4 / np.sqrt(n)
    assert abs(z.var() - 1) < 4 * np.sqrt(2 / n)
    # KS against N(0, 1): the 1e-4 critical value is about 2.0 / sqrt(n).
    assert stats.kstest(z, "norm").statistic < 2.0 / np.sqrt(n)


def test_streams_are_distinct():
    a = _core.normal_stream(1000, 1, 1, 0, 0)
    for other in [
        _core.normal_stream(1000, 2, 1, 0, 0),
        _core.normal_stream(1000, 1, 2, 0, 0),
        _core.normal_stream(1000, 1, 1, 1, 0),
    ]:
        # Independent streams: the sample correlation is O(1/sqrt(1000)); 0.15 is ~5 sd.
        assert abs(np.corrcoef(a, other)[0, 1]) < 0.15


def test_stream_table_is_documented_and_stable():
    # Ids are part of the reproducibility contract (streams.hpp); renumbering breaks old seeds.
    assert isometry.STREAMS == {
        "gaussian_sampler": 1,
        "haar_sampler": 2,
        "layer_gaussian": 3,
        "layer_orthogonal": 4,
        "layer_bias": 5,
        "network_input": 6,
        "relu_chain": 7,
        "relu_network": 8,
        "training_shuffle": 9,
        "synthetic_data": 10,
        "lanczos_probe": 11,
        "structured_signs": 12,
    }
