#pragma once
// Random signs (Rademacher variates) from Philox blocks: 128 per block.
//
// Sign element k of stream (seed, stream, substream) is bit (k mod 32) of word (k mod 128)/32
// of block k/128: the sign is -1 where that bit is set, +1 where it is clear. Like every draw,
// it depends only on (seed, stream, substream, k), so CPU and GPU code (one thread per element
// or one per block) give identical signs.
#include <cstddef>
#include <cstdint>

#include "isometry/core/hostdevice.hpp"
#include "isometry/rng/philox.hpp"
#include "isometry/rng/streams.hpp"

namespace isometry::rng {

// ±1 from one bit of a word: 1 - 2·bit, no branch.
ISOMETRY_HD double sign_from_bit(std::uint32_t word, unsigned bit) {
    return 1.0 - 2.0 * static_cast<double>((word >> bit) & 1u);
}

// Sign element k of the stream, alone (one Philox block per call: for GPU threads and tests).
ISOMETRY_HD double random_sign(std::uint64_t seed, std::uint32_t stream, std::uint32_t substream,
                               std::uint64_t k) {
    const Word4 w = philox_block(seed, stream, substream, k / 128);
    return sign_from_bit(w.v[(k % 128) / 32], static_cast<unsigned>(k % 32));
}

// out[i] = scale · sign_{first + i} for i < count: one Philox block per 128 signs.
inline void fill_signs_serial(double* out, std::size_t count, StreamId id, std::uint64_t first,
                              double scale) {
    std::size_t i = 0;
    while (i < count) {
        const std::uint64_t k = first + i;
        const Word4 w = philox_block(id.seed, id.stream, id.substream, k / 128);
        // The rest of this block: elements k .. min(end of block, end of request).
        const std::size_t in_block = static_cast<std::size_t>(128 - k % 128);
        const std::size_t take = in_block < count - i ? in_block : count - i;
        const unsigned offset = static_cast<unsigned>(k % 128);
        for (std::size_t t = 0; t < take; ++t) {
            const unsigned bit = offset + static_cast<unsigned>(t);
            out[i + t] = scale * sign_from_bit(w.v[bit / 32], bit % 32);
        }
        i += take;
    }
}

}  // namespace isometry::rng
