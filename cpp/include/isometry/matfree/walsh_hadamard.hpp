#pragma once
// The fast Walsh–Hadamard transform (FWHT): x <- H x with H the n x n Sylvester–Hadamard matrix
// (entries ±1, H² = n I, n a power of two), in n log2 n additions, in place, unnormalised.
//
// Stage s (s = 0..log2 n - 1) applies the butterfly (a, b) -> (a + b, a - b) to the pairs
// (i, i + 2^s) with bit s of i clear. Stages commute, so any grouping of them gives the same
// transform; each butterfly is exact arithmetic order-wise (one add, one subtract), so the
// result is bitwise identical however the work is split over threads or devices.
#include <cstdint>

#include "isometry/core/hostdevice.hpp"

namespace isometry::matfree {

// One butterfly: the whole arithmetic of the transform (a GPU kernel applies the same).
ISOMETRY_HD void hadamard_butterfly(double& a, double& b) {
    const double sum = a + b;
    const double difference = a - b;
    a = sum;
    b = difference;
}

ISOMETRY_HD bool is_power_of_two(std::int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

// x <- H x for x of length n (a power of two; std::invalid_argument otherwise). OpenMP inside.
// Cache-blocked: the first stages run inside contiguous blocks that sit in L2, the rest in
// groups of up to 7 stages on tiles gathered into a small buffer (strided power-of-two access
// would thrash the cache sets), so 2^20 points take two passes over memory.
void walsh_hadamard(double* x, std::int64_t n);

}  // namespace isometry::matfree
