#include "isometry/rng/fill.hpp"
#include "isometry/core/threads.hpp"

#include <algorithm>
#include <cstdint>

#include "isometry/rng/normal.hpp"

namespace isometry::rng {

template <typename T>
void fill_normal_serial(T* out, std::size_t count, StreamId id, std::uint64_t first, double scale) {
    if (count == 0) return;
    // Block b holds elements 2b and 2b+1. A leading odd element and a trailing even one take
    // half a block; the whole blocks in between run in a branch-free loop that vectorises.
    std::size_t done = 0;
    if (first % 2 == 1) {
        out[0] = static_cast<T>(scale * normal_pair(id.seed, id.stream, id.substream, first / 2).z1);
        done = 1;
    }
    const std::uint64_t first_block = (first + done) / 2;
    const std::size_t pairs = (count - done) / 2;
    T* pair_out = out + done;
#pragma omp simd
    for (std::size_t b = 0; b < pairs; ++b) {
        const NormalPair z = normal_pair(id.seed, id.stream, id.substream, first_block + b);
        pair_out[2 * b] = static_cast<T>(scale * z.z0);
        pair_out[2 * b + 1] = static_cast<T>(scale * z.z1);
    }
    done += 2 * pairs;
    if (done < count) {
        out[done] =
            static_cast<T>(scale * normal_pair(id.seed, id.stream, id.substream, first_block + pairs).z0);
    }
}

template <typename T>
void fill_normal(T* out, std::size_t count, StreamId id, std::uint64_t first, double scale) {
    constexpr std::int64_t kChunk = 1 << 14;  // elements per task; even, so chunks share no block
    const std::int64_t chunks = (static_cast<std::int64_t>(count) + kChunk - 1) / kChunk;
#pragma omp parallel for num_threads(openmp_team_size()) schedule(static) if (chunks > 1)
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
