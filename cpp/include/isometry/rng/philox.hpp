#pragma once
// Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3",
// SC'11), the counter-based generator of Random123. Every random number in isometry is a pure
// function of (seed, stream, substream, counter), so results do not depend on the number of
// threads or on the device.
//
// Counter and key layout (the stream table is in streams.hpp):
//   key     = (seed low 32 bits, seed high 32 bits)
//   counter = (block index low 32 bits, block index high 32 bits, substream, stream)
// One block gives four 32-bit words, which become two float64 normals (see normal.hpp).
#include <array>
#include <cstdint>

#include "isometry/core/hostdevice.hpp"

namespace isometry::rng {

struct Philox4x32 {
    static constexpr std::uint32_t kMul0 = 0xD2511F53u;
    static constexpr std::uint32_t kMul1 = 0xCD9E8D57u;
    static constexpr std::uint32_t kWeyl0 = 0x9E3779B9u;  // golden ratio
    static constexpr std::uint32_t kWeyl1 = 0xBB67AE85u;  // sqrt(3) - 1
    static constexpr int kRounds = 10;
};

struct Word4 {
    std::uint32_t v[4];
};

ISOMETRY_HD void philox_mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
    const std::uint64_t product = static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b);
    hi = static_cast<std::uint32_t>(product >> 32);
    lo = static_cast<std::uint32_t>(product);
}

// The raw bijection: ten rounds, key bumped by the Weyl constants between rounds.
ISOMETRY_HD void philox_round(Word4& ctr, std::uint32_t key0, std::uint32_t key1) {
    std::uint32_t hi0, lo0, hi1, lo1;
    philox_mulhilo(Philox4x32::kMul0, ctr.v[0], hi0, lo0);
    philox_mulhilo(Philox4x32::kMul1, ctr.v[2], hi1, lo1);
    ctr = Word4{{hi1 ^ ctr.v[1] ^ key0, lo1, hi0 ^ ctr.v[3] ^ key1, lo0}};
}

ISOMETRY_HD Word4 philox4x32_10(Word4 ctr, std::uint32_t key0, std::uint32_t key1) {
    // Rounds spelled out: a loop here would make loops over blocks non-innermost and stop
    // them from vectorising.
    constexpr std::uint32_t w0 = Philox4x32::kWeyl0, w1 = Philox4x32::kWeyl1;
    philox_round(ctr, key0, key1);
    philox_round(ctr, key0 + 1 * w0, key1 + 1 * w1);
    philox_round(ctr, key0 + 2 * w0, key1 + 2 * w1);
    philox_round(ctr, key0 + 3 * w0, key1 + 3 * w1);
    philox_round(ctr, key0 + 4 * w0, key1 + 4 * w1);
    philox_round(ctr, key0 + 5 * w0, key1 + 5 * w1);
    philox_round(ctr, key0 + 6 * w0, key1 + 6 * w1);
    philox_round(ctr, key0 + 7 * w0, key1 + 7 * w1);
    philox_round(ctr, key0 + 8 * w0, key1 + 8 * w1);
    philox_round(ctr, key0 + 9 * w0, key1 + 9 * w1);
    return ctr;
}

// The block `index` of stream (seed, stream, substream).
ISOMETRY_HD Word4 philox_block(std::uint64_t seed, std::uint32_t stream, std::uint32_t substream,
                               std::uint64_t index) {
    const Word4 ctr{
        {static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(index >> 32), substream, stream}};
    return philox4x32_10(ctr, static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
}

}  // namespace isometry::rng
