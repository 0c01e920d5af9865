#pragma once
// The fast Walsh–Hadamard transform (FWHT): x <- H x with H the n x n Sylvester–Hadamard matrix
// (entries ±1, H² = n I, n a power of two), in n log2 n additions, in place, unnormalised.
//
// Stage s (s = 0..log2 n - 1) applies the butterfly (a, b) -> (a + b, a - b) to the pairs
// (i, i + 2^s) with bit s of i clear. Every element goes through stages 0, 1, ... in this order
// whatever the blocking, so the result is bitwise identical however the work is split over
// threads (or devices, if a GPU kernel keeps the stage order).
#include <cstdint>

#include "isometry/core/hostdevice.hpp"
#include "isometry/rng/streams.hpp"

namespace isometry::matfree {

// One butterfly: the whole arithmetic of the transform (a GPU kernel applies the same).
ISOMETRY_HD void hadamard_butterfly(double& a, double& b) {
    const double sum = a + b;
    const double difference = a - b;
    a = sum;
    b = difference;
}

ISOMETRY_HD bool is_power_of_two(std::int64_t n) {
    return n > 0 && (n & (n - 1)) == 0;
}

// x <- H x for x of length n (a power of two; std::invalid_argument otherwise). OpenMP inside.
// Cache-blocked: stages 0..11 run inside contiguous blocks of 2^12 doubles (32 KiB), the rest
// in groups of up to 8 stages on tiles gathered into a small buffer (strided power-of-two
// access would thrash the cache sets), two stages per sweep (radix 4); 2^20 points take two
// passes over memory.
void walsh_hadamard(double* x, std::int64_t n);

// An elementwise factor applied to x just before the transform, fused into its first pass
// (while each block is in cache): x_i <- (x_i · diagonal_i) · (scale · sign_{first + i}) where
// a null `diagonal` means 1 and `signs == false` means sign = +1. scale·sign is exact, so this
// is bitwise the same as the separate multiplications in this order.
struct Prescale {
    const double* diagonal = nullptr;
    bool signs = false;
    rng::StreamId stream{0, 0, 0};
    std::uint64_t first = 0;
    double scale = 1.0;
};

// x <- H (prescale ⊙ x).
void walsh_hadamard(double* x, std::int64_t n, const Prescale& prescale);

}  // namespace isometry::matfree
