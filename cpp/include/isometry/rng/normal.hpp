#pragma once
// Uniforms and normals from Philox blocks.
//
// A block (w0, w1, w2, w3) gives two uniforms on the 2^52 midpoints of a regular grid,
//   u1 = ((w0·2^32 + w1) >> 12 + 1/2) · 2^-52,   u2 likewise from (w2, w3),
// both strictly inside (0, 1), and two independent N(0, 1) variates by Box–Muller,
//   z0 = sqrt(-2 ln u1) cos(2π u2),   z1 = sqrt(-2 ln u1) sin(2π u2).
// Element i of a normal stream is z_{i mod 2} of block i / 2. float32 samples are these float64
// values rounded, so the dtype changes precision, never the draw. ln, sin and cos are the
// vectorisable implementations of fastmath.hpp (a few ulp from libm).
#include <cmath>
#include <cstdint>

#include "isometry/core/hostdevice.hpp"
#include "isometry/rng/fastmath.hpp"
#include "isometry/rng/philox.hpp"

namespace isometry::rng {

ISOMETRY_HD double uniform53(std::uint32_t high, std::uint32_t low) {
    // k = top 52 bits; 1 + k·2^-52 is built from bits (no integer-to-double conversion, which
    // has no SIMD form before AVX-512), and (1 + k·2^-52) - 1 + 2^-53 = (2k + 1)·2^-53 exactly.
    const std::uint64_t k = ((static_cast<std::uint64_t>(high) << 32) | low) >> 12;
    return (bits_double(0x3FF0000000000000ull | k) - 1.0) + 0x1.0p-53;
}

struct NormalPair {
    double z0, z1;
};

ISOMETRY_HD NormalPair box_muller(const Word4& w) {
    const double u1 = uniform53(w.v[0], w.v[1]);
    const double u2 = uniform53(w.v[2], w.v[3]);
    const double radius = std::sqrt(-2.0 * log_positive(u1));
    double sine, cosine;
    sincos_turns(u2, sine, cosine);
    return NormalPair{radius * cosine, radius * sine};
}

ISOMETRY_HD NormalPair normal_pair(std::uint64_t seed, std::uint32_t stream, std::uint32_t substream,
                                   std::uint64_t block) {
    return box_muller(philox_block(seed, stream, substream, block));
}

}  // namespace isometry::rng
