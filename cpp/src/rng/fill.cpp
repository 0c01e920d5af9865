#include "isometry/rng/fill.hpp"

#include <algorithm>
#include <cstdint>

#include "isometry/rng/normal.hpp"

namespace isometry::rng {

template <typename T>
void fill_normal_serial(T* out, std::size_t count, StreamId id, std::uint64_t first,
                        double scale) {
    if (count == 0) return;
    // Block b holds elements 2b and 2b+1; cover [first, first + count) block by block.
    const std::uint64_t end = first + count;
    for (std::uint64_t block = first / 2; 2 * block < end; ++block) {
        const NormalPair z = normal_pair(id.seed, id.stream, id.substream, block);
        const std::uint64_t element = 2 * block;
        if (element >= first) out[element - first] = static_cast<T>(scale * z.z0);
        if (element + 1 < end) out[element + 1 - first] = static_cast<T>(scale * z.z1);
    }
}

template <typename T>
void fill_normal(T* out, std::size_t count, StreamId id, std::uint64_t first, double scale) {
    constexpr std::int64_t kChunk = 1 << 14;  // elements per task; even, so chunks share no block
    const std::int64_t chunks = (static_cast<std::int64_t>(count) + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (std::int64_t c = 0; c < chunks; ++c) {
        const std::size_t begin = static_cast<std::size_t>(c * kChunk);
        const std::size_t size = std::min<std::size_t>(kChunk, count - begin);
        fill_normal_serial(out + begin, size, id, first + begin, scale);
    }
}

template void fill_normal_serial<double>(double*, std::size_t, StreamId, std::uint64_t, double);
template void fill_normal_serial<float>(float*, std::size_t, StreamId, std::uint64_t, double);
template void fill_normal<double>(double*, std::size_t, StreamId, std::uint64_t, double);
template void fill_normal<float>(float*, std::size_t, StreamId, std::uint64_t, double);

void fill_philox_words(std::uint32_t* out, std::size_t blocks, StreamId id, std::uint64_t first) {
    for (std::size_t b = 0; b < blocks; ++b) {
        const Word4 w = philox_block(id.seed, id.stream, id.substream, first + b);
        for (int k = 0; k < 4; ++k) out[4 * b + k] = w.v[k];
    }
}

}  // namespace isometry::rng
